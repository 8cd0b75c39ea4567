// The built file: one self-contained executable, compiled from V8's code cache on this Node.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { BUNDLE, configPath, fixture, RENDERS, runStream } from './helpers.js';

describe('dist/celery-queues.js', () => {
  const text = readFileSync(BUNDLE, 'utf8');

  it('is executable and starts with a shebang', () => {
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(BUNDLE).mode & 0o111).not.toBe(0);
  });

  it('carries a code cache that this Node accepts', () => {
    const program = JSON.parse(/^const program = (".*");$/m.exec(text)?.[1] ?? '""') as string;
    const cache = /Buffer\.from\('([A-Za-z0-9+/=]+)', 'base64'\)/.exec(text)?.[1] ?? '';
    expect(program.length).toBeGreaterThan(100_000);
    const script = new Script(program, {
      filename: 'celery-queues.js',
      cachedData: Buffer.from(cache, 'base64'),
    });
    expect(script.cachedDataRejected).toBe(false);
  });

  it('runs alone, without node_modules next to it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'celery-queues-bundle-'));
    try {
      const copy = join(dir, 'celery-queues');
      copyFileSync(BUNDLE, copy);
      const r = spawnSync(copy, ['--config', configPath('recommended')], {
        input: fixture(RENDERS.v20),
        cwd: dir,
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      });
      expect(r.stderr).not.toMatch(/: (error|warning): /);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(runStream(fixture(RENDERS.v20), configPath('recommended')).stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
