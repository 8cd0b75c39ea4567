// The settings rollout under the real tools that run the built function. Inside Tutor's own
// kustomization (standalone Kustomize, exec transformer) Kustomize must rehash the changed
// settings ConfigMaps and fix every reference, landing on the very names the rendered-stream
// path computes itself. Under kpt (a package holding a rendered stream) the function renames
// them itself, and a second eval changes no file.
import { spawnSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configMapHash } from '../src/krm/hash.js';
import { blockOf } from '../src/settings/block.js';
import {
  BUNDLE,
  configPath,
  FIXTURES,
  fixture,
  KUSTOMIZE,
  RENDERS,
  resources,
  runStream,
} from './helpers.js';
import { danglingRefs } from './settings-helpers.js';

const SETTINGS = /^(openedx-settings-(?:lms|cms))-(\w{10})$/;

function kustomizeBuild(dir: string) {
  const r = spawnSync(KUSTOMIZE, ['build', '--enable-alpha-plugins', '--enable-exec', dir], {
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('Tutor’s env/ with celery-queues under transformers: (kustomize 4.5.4, exec)', () => {
  let dir = '';
  let built: ReturnType<typeof kustomizeBuild>;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'celery-queues-env-'));
    cpSync(join(FIXTURES, 'tutor/env/stock-v20'), dir, { recursive: true });
    // An absolute path: Kustomize 4 runs exec functions from the base's directory.
    const wrapper = join(dir, 'celery-queues.sh');
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${BUNDLE}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    const config = fixture('../configs/routes.yaml').replace(
      'metadata:\n  name: celery-queues\n',
      `metadata:\n  name: celery-queues\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: ${wrapper}\n`,
    );
    writeFileSync(join(dir, 'celery-queues.yaml'), config);
    appendFileSync(join(dir, 'kustomization.yml'), '\ntransformers:\n- celery-queues.yaml\n');
    built = kustomizeBuild(dir);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds; Kustomize passes on the line that sums the run up, and nothing else', () => {
    expect(built.stderr).toMatch(
      /^celery-queues: added 3 Deployments; changed [^\n]*; removed nothing; 0 warnings\n$/,
    );
    expect(built.status).toBe(0);
  });

  it('Kustomize rehashed the changed settings and fixed every reference', () => {
    const list = resources(built.stdout);
    const settings = list.filter((r) => r.kind === 'ConfigMap' && SETTINGS.test(r.metadata.name));
    expect(settings).toHaveLength(2);
    const stock = resources(fixture(RENDERS.v20)).map((r) => r.metadata.name);
    for (const cm of settings) {
      expect(blockOf(cm.data['production.py'])).toBeDefined();
      expect(SETTINGS.exec(cm.metadata.name)?.[2]).toBe(configMapHash(cm, 'unicode'));
      expect(stock).not.toContain(cm.metadata.name);
    }
    expect(danglingRefs(list)).toEqual([]);
  });

  it('gives what the rendered-stream path gives on `kustomize build` output, names included', () => {
    const stream = runStream(fixture(RENDERS.v20), configPath('routes'));
    expect(stream.status).toBe(0);
    const key = (r: Record<string, any>) => `${r.kind}/${r.metadata.name}`;
    const inside = resources(built.stdout).sort((a, b) => (key(a) < key(b) ? -1 : 1));
    const outside = resources(stream.stdout).sort((a, b) => (key(a) < key(b) ? -1 : 1));
    expect(inside.map(key)).toEqual(outside.map(key));
    expect(inside).toEqual(outside);
  });

  it('the function on Kustomize’s output changes nothing', () => {
    const again = runStream(built.stdout, configPath('routes'));
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(built.stdout);
  });
});

describe('a kpt package holding the v20 render (kpt fn eval --exec)', () => {
  let dir = '';
  const files = () =>
    (readdirSync(join(dir, 'pkg'), { recursive: true }) as string[])
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((f) => [f, readFileSync(join(dir, 'pkg', f), 'utf8')] as const);
  const evaluate = () =>
    spawnSync(
      'kpt',
      [
        'fn',
        'eval',
        join(dir, 'pkg'),
        '--exec',
        join(dir, 'celery-queues.sh'),
        '--fn-config',
        configPath('routes'),
      ],
      { encoding: 'utf8' },
    );

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'celery-queues-kpt-'));
    mkdirSync(join(dir, 'pkg'));
    writeFileSync(join(dir, 'pkg', 'resources.yaml'), fixture(RENDERS.v20));
    const wrapper = join(dir, 'celery-queues.sh');
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${BUNDLE}" "$@"\n`);
    chmodSync(wrapper, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('renames the settings to the hash of their new content; no file refers to an old name', () => {
    const r = evaluate();
    expect(r.status).toBe(0);
    const list = files().flatMap(([, text]) => resources(text));
    const settings = list.filter((x) => x.kind === 'ConfigMap' && SETTINGS.test(x.metadata.name));
    expect(settings).toHaveLength(2);
    for (const cm of settings) {
      expect(SETTINGS.exec(cm.metadata.name)?.[2]).toBe(configMapHash(cm));
    }
    expect(danglingRefs(list)).toEqual([]);
    expect(list.filter((x) => x.kind === 'Deployment').map((x) => x.metadata.name)).toContain(
      'lms-worker-high-mem',
    );
  });

  it('a second eval changes no file', () => {
    const before = files();
    expect(evaluate().status).toBe(0);
    expect(files()).toEqual(before);
  });
});
