// The README's first command: `npm run example` renders the bundled example; and the worker
// groups example on the same render.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { ROOT, runBundle } from './helpers.js';
import { expectExample } from './tools.js';

it('npm run example renders examples/tutor-v20.yaml with examples/celery-queues.yaml', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  expect(pkg.scripts.example).toBe(
    'npm run build --silent && node dist/celery-queues.js --config examples/celery-queues.yaml examples/tutor-v20.yaml',
  );
  const out = runBundle(
    ['--config', join(ROOT, 'examples/celery-queues.yaml'), join(ROOT, 'examples/tutor-v20.yaml')],
    '',
  );
  expect(out.status).toBe(0);
  expect(out.messages).not.toMatch(/: (error|warning): /);
  expect(out.stderr).toMatch(/\ncelery-queues: added 5 Deployments, [^\n]*; 0 warnings\n$/);
  expectExample('expected.yaml', out.stdout);
});

it('npm run --silent example, as the README shows it: stdout is YAML and nothing else', () => {
  const r = spawnSync('npm', ['run', '--silent', 'example'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
    timeout: 120_000,
  });
  expect(r.status).toBe(0);
  expect(r.stdout).toBe(readFileSync(join(ROOT, 'examples', 'expected.yaml'), 'utf8'));
  for (const doc of parseAllDocuments(r.stdout)) expect(doc.errors).toEqual([]);
  expect(r.stdout.startsWith('apiVersion: ')).toBe(true);
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  expect(readme).toContain('npm ci && npm run --silent example');
});

it('examples/worker-groups: groups with the stock workers off, on examples/tutor-v20.yaml', () => {
  const out = runBundle(
    [
      '--config',
      join(ROOT, 'examples/worker-groups/celery-queues.yaml'),
      join(ROOT, 'examples/tutor-v20.yaml'),
    ],
    '',
  );
  expect(out.status).toBe(0);
  expect(out.messages).not.toMatch(/: (error|warning): /);
  expect(out.stderr).toMatch(/\ncelery-queues: added [^\n]*; 0 warnings\n$/);
  expectExample('worker-groups/expected.yaml', out.stdout);
  // Idempotent, as every example.
  const again = runBundle(
    ['--config', join(ROOT, 'examples/worker-groups/celery-queues.yaml')],
    out.stdout,
  );
  expect(again.stdout).toBe(out.stdout);
});
