// The README's first command: `npm run example` renders the bundled example; and the worker
// groups example on the same render.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
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
  expect(out.stderr).not.toMatch(/: (error|warning): /);
  expectExample('expected.yaml', out.stdout);
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
  expect(out.stderr).not.toMatch(/: (error|warning): /);
  expectExample('worker-groups/expected.yaml', out.stdout);
  // Idempotent, as every example.
  const again = runBundle(
    ['--config', join(ROOT, 'examples/worker-groups/celery-queues.yaml')],
    out.stdout,
  );
  expect(again.stdout).toBe(out.stdout);
});
