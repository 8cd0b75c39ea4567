// The KRM shell: the two containers, exit codes, one-line errors, input back unchanged on error.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { configPath, fixture, RENDERS, runBundle, runCli, runStream } from './helpers.js';

const CONFIG = readFileSync(configPath('recommended'), 'utf8');

/** The captured Kustomize 4.5.4 input with a CeleryQueues functionConfig in place of its own. */
function kustomizeInput(config = CONFIG): string {
  const text = fixture('krm/kustomize-4.5.4-exec-input.yaml');
  const head = text.slice(0, text.indexOf('functionConfig:'));
  return `${head}functionConfig:\n${config.replace(/^(?!#)/gm, '  ').replace(/^ +$/gm, '')}`;
}

function expectOneLineErrors(stderr: string, n = 1) {
  const lines = stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(n);
  for (const l of lines) expect(l).toMatch(/^celery-queues: error: /);
  expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
}

describe('ResourceList mode', () => {
  it('keeps every item it does not change byte for byte, and Kustomize’s annotations', () => {
    const input = kustomizeInput();
    const out = runCli([], input);
    expect(out.status).toBe(0);
    expect(out.stderr).toBe('');
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
          '"--queues=x" sets --queues, which celery-queues sets itself (the queue comes from the variant name)',
        resourceRef: {
          apiVersion: 'tutor-krm.dev/v1alpha1',
          kind: 'CeleryQueues',
          name: 'celery-queues',
        },
        field: { path: 'spec.lms.queues.high_mem.extraArgs[0]' },
      },
    ]);
  });

  it('refuses input that is not a ResourceList, and echoes it', () => {
    const out = runCli([], fixture(RENDERS.v20));
    expect(out.status).toBe(1);
    expectOneLineErrors(out.stderr);
    expect(out.stderr).toContain('use --config FILE');
    expect(out.stdout).toBe(fixture(RENDERS.v20));
  });

  it('refuses YAML it cannot parse', () => {
    const out = runCli([], 'items: [\n');
    expect(out.status).toBe(1);
    expectOneLineErrors(out.stderr);
  });
});

describe('stream mode', () => {
  it('errors name the resource, and the stream comes back unchanged', () => {
    const input = `${fixture(RENDERS.v20)}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: lms-worker-high\n  namespace: openedx\nspec: {}\n`;
    const out = runStream(input, configPath('recommended'));
    expect(out.status).toBe(1);
    expectOneLineErrors(out.stderr);
    expect(out.stderr).toContain(
      'Deployment openedx/lms-worker-high: the input already has Deployment openedx/lms-worker-high, which celery-queues did not write',
    );
    expect(out.stdout).toBe(input);
  });

  it('a configured service without its stock worker is an error naming it', () => {
    const input = fixture(RENDERS.v20).replace(/^ {2}name: cms-worker$/m, '  name: cms-worker-old');
    const out = runStream(input, configPath('recommended'));
    expect(out.status).toBe(1);
    expect(out.stderr).toBe(
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
