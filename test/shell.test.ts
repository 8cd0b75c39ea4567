// The KRM shell: the two containers, exit codes, one-line errors, input back unchanged on error.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  BUNDLE,
  configPath,
  fixture,
  RENDERS,
  runBundle,
  runCli,
  runStream,
  withoutSummary,
} from './helpers.js';

const CONFIG = readFileSync(configPath('recommended'), 'utf8');

/** The captured Kustomize 4.5.4 input with a CeleryQueues functionConfig in place of its own. */
function kustomizeInput(config = CONFIG): string {
  const text = fixture('krm/kustomize-4.5.4-exec-input.yaml');
  const head = text.slice(0, text.indexOf('functionConfig:'));
  return `${head}functionConfig:\n${config.replace(/^(?!#)/gm, '  ').replace(/^ +$/gm, '')}`;
}

function expectOneLineErrors(stderr: string, n = 1) {
  const lines = withoutSummary(stderr).trimEnd().split('\n');
  expect(lines).toHaveLength(n);
  for (const l of lines) expect(l).toMatch(/^celery-queues: error: /);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('ResourceList mode', () => {
  it('keeps every item it does not change byte for byte, and Kustomize’s annotations', () => {
    const input = kustomizeInput();
    const out = runCli([], input);
    expect(out.status).toBe(0);
    expect(out.messages).toBe('');
    const inItems = parse(input).items as Record<string, any>[];
    const outItems = parse(out.stdout).items as Record<string, any>[];
    for (const item of inItems) {
      const same = outItems.find(
        (o) => o.kind === item.kind && o.metadata.name === item.metadata.name,
      );
      if (item.metadata.name.endsWith('-worker')) {
        expect(same?.metadata.annotations).toMatchObject(item.metadata.annotations);
      } else if (item.metadata.name.startsWith('openedx-settings-')) {
        // New production.py; name and annotations kept, so that Kustomize rehashes it.
        expect(same?.metadata).toEqual(item.metadata);
      } else expect(same).toEqual(item);
    }
    expect(outItems).toHaveLength(inItems.length + 4);
    // Untouched items are the input's own text.
    const caddy = input.slice(input.indexOf('- apiVersion: v1\n  data:\n    Caddyfile'));
    expect(out.stdout).toContain(caddy.slice(0, caddy.indexOf('\n- ')));
  });

  it('gives clones none of the stock worker’s Kustomize identity', () => {
    const out = parse(runCli([], kustomizeInput()).stdout).items as Record<string, any>[];
    const clone = out.find((o) => o.metadata.name === 'lms-worker-high');
    expect(Object.keys(clone?.metadata.annotations)).toEqual([
      'app.kubernetes.io/version',
      'celery-queues.tutor-krm.dev/generated-by',
    ]);
  });

  it('on error: exit 1, one line on stderr, the error in results, the items unchanged', () => {
    const bad = CONFIG.replace('high_mem: {}', 'high_mem: {extraArgs: ["--queues=x"]}');
    const input = kustomizeInput(bad);
    const out = runCli([], input);
    expect(out.status).toBe(1);
    expectOneLineErrors(out.stderr);
    const list = parse(out.stdout);
    expect(list.items).toEqual(parse(input).items);
    expect(list.results).toEqual([
      {
        severity: 'error',
        message:
          '"--queues=x" sets --queues, which celery-queues sets itself (the queues come from the variant name or the group’s queues)',
        resourceRef: {
          apiVersion: 'tutor-krm.dev/v1alpha1',
          kind: 'CeleryQueues',
          name: 'celery-queues',
        },
        field: { path: 'spec.lms.queues.high_mem.extraArgs[0]' },
      },
    ]);
  });

  it('refuses input that is not a ResourceList: a ResourceList with the error, and no items', () => {
    const out = runCli([], fixture(RENDERS.v20));
    expect(out.status).toBe(1);
    expectOneLineErrors(out.stderr);
    expect(out.stderr).toContain('use --config FILE');
    expect(parse(out.stdout)).toEqual({
      apiVersion: 'config.kubernetes.io/v1',
      kind: 'ResourceList',
      items: [],
      results: [{ severity: 'error', message: expect.stringContaining('use --config FILE') }],
    });
  });

  it('refuses YAML it cannot parse', () => {
    const out = runCli([], 'items: [\n');
    expect(out.status).toBe(1);
    expectOneLineErrors(out.stderr);
  });
});

describe('stream mode', () => {
  it('errors name the resource, and nothing is written', () => {
    const input = `${fixture(RENDERS.v20)}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: lms-worker-high\n  namespace: openedx\nspec: {}\n`;
    const out = runStream(input, configPath('recommended'));
    expect(out.status).toBe(1);
    expectOneLineErrors(out.stderr);
    expect(out.stderr).toContain(
      'Deployment openedx/lms-worker-high: the input already has Deployment openedx/lms-worker-high, which celery-queues did not write',
    );
    expect(out.stdout).toBe('');
  });

  it('a configured service without its stock worker is an error naming it', () => {
    const input = fixture(RENDERS.v20).replace(/^ {2}name: cms-worker$/m, '  name: cms-worker-old');
    const out = runStream(input, configPath('recommended'));
    expect(out.status).toBe(1);
    expect(out.messages).toBe(
      'celery-queues: error: CeleryQueues celery-queues spec.cms: namespace openedx has no stock Deployment cms-worker to take the CMS queues from\n',
    );
  });

  it('an input without Tutor workers is an error', () => {
    const out = runStream(
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
      configPath('recommended'),
    );
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('no Tutor instance in the input');
  });

  it('never changes local-config resources (a local-config stock worker is not an instance)', () => {
    const local = fixture('tutor/stock-v20.lms-worker.yaml')
      .replace(
        '  annotations:\n',
        '  annotations:\n    config.kubernetes.io/local-config: "true"\n',
      )
      .replace('namespace: openedx', 'namespace: elsewhere');
    const input = `${fixture(RENDERS.v20)}---\n${local}`;
    const out = runStream(input, configPath('partial'));
    expect(out.status).toBe(0);
    expect(out.stdout.endsWith(local)).toBe(true);
  });

  it('reads manifest files named on the command line', () => {
    const file = '/virtual/render.yaml';
    const out = runCli(['--config', configPath('partial'), file], '', {
      [file]: fixture(RENDERS.v20),
    });
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(runStream(fixture(RENDERS.v20), configPath('partial')).stdout);
  });
});

describe('the built bundle', () => {
  it('runs as its own process, with the same output as in process', () => {
    const input = fixture(RENDERS.v20);
    const out = runBundle(['--config', configPath('recommended')], input);
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(runStream(input, configPath('recommended')).stdout);
  });

  it('prints its help and version', () => {
    expect(runBundle(['--help'], '').stdout).toContain('celery-queues --config');
    expect(runBundle(['--version'], '').stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('never prints a stack trace, even for an unknown option', () => {
    const out = runBundle(['--frobnicate'], '');
    expect(out.status).toBe(1);
    expect(out.stderr).toBe('celery-queues: error: unknown option --frobnicate (see --help)\n');
  });
});

// The pipe the README shows, run for real: a filter that fails writes nothing, so kubectl has
// nothing to apply, instead of the stock render. kubectl answers an empty input without asking
// a server ("no objects passed to apply"); any manifest would make it look for one.
describe('a failing filter in a pipe into kubectl apply', () => {
  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  const dir = mkdtempSync(join(tmpdir(), 'celery-queues-pipe-'));
  const render = join(dir, 'render.yaml');
  writeFileSync(render, fixture(RENDERS.v20));
  const badConfig = join(dir, 'bad.yaml');
  writeFileSync(
    badConfig,
    readFileSync(configPath('recommended'), 'utf8').replace('high: {}', 'high: {extraArgs: [4]}'),
  );
  const conflict = join(dir, 'conflict.yaml');
  writeFileSync(
    conflict,
    `${fixture(RENDERS.v20)}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: lms-worker-high, namespace: openedx}\nspec: {}\n`,
  );
  const notUtf8 = join(dir, 'binary.yaml');
  writeFileSync(notUtf8, Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]));

  /** `filter < input | tee captured | kubectl apply --dry-run=client -f -`, without pipefail. */
  function pipe(filter: string, input: string) {
    const captured = join(dir, 'between.yaml');
    const r = spawnSync(
      'sh',
      ['-c', `${filter} < "${input}" | tee "${captured}" | kubectl apply --dry-run=client -f -`],
      {
        encoding: 'utf8',
        // No cluster and no kubeconfig: nothing here may reach a real one.
        env: { PATH: process.env.PATH, HOME: dir, KUBECONFIG: join(dir, 'no-kubeconfig') },
      },
    );
    return { status: r.status, stderr: r.stderr, between: readFileSync(captured, 'utf8') };
  }
  const fn = `"${process.execPath}" "${BUNDLE}"`;

  it.skipIf(kubectl.status !== 0 && !process.env.CI).each([
    [
      'a config that fails the schema',
      `${fn} --config "${badConfig}"`,
      render,
      /extraArgs\[0\]: .*expected string/,
    ],
    [
      'a missing config file',
      `${fn} --config "${join(dir, 'missing.yaml')}"`,
      render,
      /--config \S+: no such file/,
    ],
    [
      'a render the transform refuses',
      `${fn} --config "${configPath('recommended')}"`,
      conflict,
      /which celery-queues did not write/,
    ],
    [
      'a render that cannot be read',
      `${fn} --config "${configPath('recommended')}"`,
      notUtf8,
      /not UTF-8/,
    ],
  ])('%s: the filter writes nothing, kubectl applies nothing', (_what, filter, input, error) => {
    const r = pipe(filter, input);
    expect(r.between).toBe('');
    expect(r.stderr).toMatch(error);
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe('error: no objects passed to apply');
    expect(r.status).toBe(1); // kubectl's status: the pipe's, without pipefail
  });

  it.skipIf(kubectl.status !== 0 && !process.env.CI)(
    'the stock render would have gone to kubectl',
    () => {
      // The check above is not vacuous: given manifests, kubectl goes looking for a server.
      const r = pipe('cat', render);
      // (tee may stop early: kubectl closes the pipe once it gives up.)
      expect(r.between).not.toBe('');
      expect(fixture(RENDERS.v20).startsWith(r.between)).toBe(true);
      expect(r.stderr).not.toContain('no objects passed to apply');
    },
  );
});
