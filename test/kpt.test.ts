// A kpt package, where the function runs on its own output again and again: the real kpt
// (/usr/bin/kpt) with the built bundle as an exec function.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { BUNDLE, configPath, fixture, RENDERS, sizedUnderHpa } from './helpers.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A package holding the pod-autoscaling render, as `tutor config save` + kustomize gives it. */
function newPackage(): string {
  const dir = mkdtempSync(join(tmpdir(), 'celery-queues-kpt-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'render.yaml'), fixture(RENDERS.podautoscaling));
  return dir;
}

/** The sized config as this render takes it (its HPA scales the stock LMS worker). */
function sized(): string {
  const dir = mkdtempSync(join(tmpdir(), 'celery-queues-kpt-config-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'sized.yaml'), sizedUnderHpa());
  return join(dir, 'sized.yaml');
}

function kptEval(dir: string, config: string): void {
  const r = spawnSync(
    '/usr/bin/kpt',
    [
      'fn',
      'eval',
      dir,
      '--exec',
      BUNDLE,
      '--fn-config',
      config === 'sized' ? sized() : configPath(config),
    ],
    { encoding: 'utf8' },
  );
  expect(r.stderr).toContain('[PASS]');
  expect(r.status).toBe(0);
}

/** Every file of a package: its text. */
function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else out[relative(dir, path)] = readFileSync(path, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const plain = (text: string) => parseAllDocuments(text).map((d) => d.toJS());

describe('kpt fn eval on a package', () => {
  it('a second run with the same config changes no file', () => {
    const dir = newPackage();
    kptEval(dir, 'sized');
    const once = files(dir);
    // New resources join the file of the stock worker they derive from.
    expect(Object.keys(once)).toEqual(['render.yaml']);
    expect(once['render.yaml']).toContain('name: lms-worker-high-mem-pdb\n');
    kptEval(dir, 'sized');
    expect(files(dir)).toEqual(once);
  });

  it('a run with another config gives what that config gives on a fresh package', () => {
    const dir = newPackage();
    kptEval(dir, 'sized');
    kptEval(dir, 'recommended');
    const fresh = newPackage();
    kptEval(fresh, 'recommended');
    const [got, want] = [files(dir), files(fresh)];
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    // Same resources; kpt keeps the key order of the file it rewrites, so a field put back
    // (the stock worker's limits.cpu) may sit elsewhere in its map than on a fresh package.
    for (const name of Object.keys(want))
      expect([name, plain(got[name] ?? '')]).toEqual([name, plain(want[name] ?? '')]);
    // And the package, once settled, stays put.
    const settled = files(dir);
    kptEval(dir, 'recommended');
    expect(files(dir)).toEqual(settled);
  });
});
