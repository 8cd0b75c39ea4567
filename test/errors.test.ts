// Every way the input can be wrong: one line per error naming the field or the resource, on
// stderr and in `results`, exit status 1, the items as they came, never a stack trace. And the
// problems that should not stop a render: warnings, exit status 0.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { splitResourceListText } from '../src/krm/io.js';
import {
  BUNDLE,
  fixture,
  RENDERS,
  type RunOutput,
  runBundle,
  runCli,
  runStream,
} from './helpers.js';

const CAPTURED = fixture('krm/kustomize-4.5.4-exec-input.yaml');
const ITEMS = CAPTURED.slice(0, CAPTURED.indexOf('functionConfig:'));
const HEAD = {
  apiVersion: 'tutor-krm.dev/v1alpha1',
  kind: 'CeleryQueues',
  metadata: { name: 'x' },
};

/** The real Kustomize input with this functionConfig (YAML text or an object). */
function withConfig(config: unknown): string {
  const text = typeof config === 'string' ? config : stringify(config);
  return `${ITEMS}functionConfig:\n${text
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
}

const spec = (s: unknown) => withConfig({ ...HEAD, spec: s });

function expectOneLineErrors(out: RunOutput, n?: number) {
  const lines = out.stderr.trimEnd().split('\n');
  // A run that read its config ends with the line that sums it up, counting the errors.
  const summary = lines.at(-1)?.startsWith('celery-queues: failed: ') ? lines.pop() : undefined;
  if (summary) {
    const errors = lines.filter((l) => l.startsWith('celery-queues: error: ')).length;
    expect(summary).toMatch(new RegExp(`^celery-queues: failed: ${errors} errors?[;, (]`));
  }
  if (n !== undefined) expect(lines).toHaveLength(n);
  for (const l of lines) expect(l).toMatch(/^celery-queues: (error|warning): \S/);
  expect(out.stderr).not.toMatch(/\n\s+at |internal error/);
  expect(out.stderr).toMatch(/^celery-queues: error: /m);
  expect(out.status).toBe(1);
}

/** A refused ResourceList: its items are the input's, byte for byte, and results say why. */
function expectRefusedList(input: string, out: RunOutput, error: RegExp, field?: string) {
  expectOneLineErrors(out);
  expect(out.stderr).toMatch(error);
  const inEntries = splitResourceListText(input)?.entries;
  const outEntries = splitResourceListText(out.stdout)?.entries;
  if (inEntries) expect(outEntries).toEqual(inEntries);
  else expect(parse(out.stdout).items).toEqual(parse(input).items);
  // Tolerant: the items may hold what the function refused (duplicate keys).
  const results = parse(out.stdout, { uniqueKeys: false }).results as {
    severity: string;
    message: string;
  }[];
  const errors = results.filter((r) => r.severity === 'error');
  expect(errors.length).toBe(
    out.stderr
      .trimEnd()
      .split('\n')
      .filter((l) => / error: /.test(l)).length,
  );
  expect(errors.map((r) => r.message).join('\n')).toMatch(
    new RegExp(error.source.replace(/^.*?: /, '')),
  );
  if (field) expect(results.map((r: any) => r.field?.path)).toContain(field);
}

/** The one error of a refused input, read off the ResourceList that went out. */
function refusal(out: RunOutput): { items: unknown[]; results: unknown[] } {
  const list = parse(out.stdout);
  expect(list).toMatchObject({ apiVersion: 'config.kubernetes.io/v1', kind: 'ResourceList' });
  expect(list.results).toEqual([
    { severity: 'error', message: out.stderr.replace(/^celery-queues: error: /, '').trimEnd() },
  ]);
  return list;
}

describe('input that is not a ResourceList: a ResourceList with the error, the items that could be read', () => {
  it.each([
    ['not YAML', 'items: [\n', /input: not valid YAML: .* \(line \d+\)$/m, []],
    ['a manifest stream', fixture(RENDERS.v20), /use --config FILE/, []],
    ['a list', '- a\n- b\n', /input: not a ResourceList \(not a mapping\)/, []],
    ['empty', '', /input: not a ResourceList/, []],
    [
      'another kind',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n',
      /kind is "ConfigMap", not ResourceList/,
      [],
    ],
    [
      'a List of resources',
      'apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: x}}\n',
      /kind is "List", not ResourceList/,
      [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }],
    ],
    [
      'another apiVersion',
      'apiVersion: v2\nkind: ResourceList\nitems: [{kind: A}, {kind: B}]\n',
      /apiVersion "v2" is not config.kubernetes.io\/v1/,
      [{ kind: 'A' }, { kind: 'B' }],
    ],
    [
      'items of the wrong type',
      'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: {a: 1}\n',
      /ResourceList.items is not a list/,
      [],
    ],
    [
      'results of the wrong type',
      'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [{kind: A}]\nresults: 1\n',
      /results is not a list/,
      [{ kind: 'A' }],
    ],
    [
      'duplicate keys in the envelope',
      'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nkind: ResourceList\nitems: []\n',
      /Map keys must be unique \(line 3\)/,
      [],
    ],
  ])('%s', (_, input, error, items) => {
    const out = runCli([], input);
    expectOneLineErrors(out, 1);
    expect(out.stderr).toMatch(error);
    expect(refusal(out).items).toEqual(items);
  });

  it('input that is not UTF-8 text: refused, a ResourceList with no items', () => {
    const r = spawnSync(process.execPath, [BUNDLE], {
      input: Buffer.from([0x61, 0x3a, 0x20, 0xff, 0xfe, 0x0a]),
      encoding: 'utf8',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      'celery-queues: error: cannot read the input: the input is not UTF-8 text, as YAML is\n',
    );
    expect(
      refusal({ status: 1, stdout: r.stdout, stderr: r.stderr, messages: r.stderr }).items,
    ).toEqual([]);
  });
});

describe('items of the wrong type: refused, the items unchanged', () => {
  const items = (extra: string) =>
    `${ITEMS}${extra}functionConfig:\n  apiVersion: tutor-krm.dev/v1alpha1\n  kind: CeleryQueues\n  metadata: {name: x}\n  spec: {lms: {queues: {high: {}}}}\n`;

  it.each([
    ['a scalar', '- hello\n', /items\[33\]: not a mapping/],
    ['a list', '- [a, b]\n', /items\[33\]: not a mapping/],
    ['an empty entry', '- \n', /items\[33\]: not a mapping/],
    ['no kind', '- apiVersion: v1\n  metadata: {name: x}\n', /items\[33\]: kind is missing/],
    [
      'no apiVersion',
      '- kind: ConfigMap\n  metadata: {name: x}\n',
      /items\[33\] \(ConfigMap\): apiVersion is missing/,
    ],
    [
      'a kind that is not a string',
      '- apiVersion: v1\n  kind: 5\n  metadata: {name: x}\n',
      /items\[33\]: kind is missing or not a string/,
    ],
    [
      'no name',
      '- apiVersion: v1\n  kind: ConfigMap\n  metadata: {}\n',
      /items\[33\] \(ConfigMap\): metadata.name is missing/,
    ],
    [
      'the same resource twice',
      '- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: redis-config, namespace: openedx}\n',
      /ConfigMap openedx\/redis-config: items\[32\] and items\[33\] are the same resource/,
    ],
  ])('%s', (_, extra, error) => {
    const input = items(extra);
    expectRefusedList(input, runCli([], input), error);
  });

  it('duplicate keys in a resource the function reads', () => {
    const input = withConfig({ ...HEAD, spec: { lms: { queues: { high: {} } } } }).replace(
      /^( {4}name: lms-worker\n)/m,
      '$1    name: lms-worker\n',
    );
    expectRefusedList(
      input,
      runCli([], input),
      /items\[\d+\]: not valid YAML: Map keys must be unique/,
    );
  });

  it('in a stream, the document is named', () => {
    const input = `${fixture(RENDERS.v20)}---\n- just a list\n`;
    const out = runStream(input, 'test/configs/recommended.yaml');
    expectOneLineErrors(out, 1);
    expect(out.stderr).toContain('document 34: not a mapping');
    expect(out.stdout).toBe('');
  });
});

describe('a config that fails the schema: refused, naming the field', () => {
  it.each([
    ['no functionConfig', `${ITEMS}`, /no functionConfig/, undefined],
    [
      'a config that is not a mapping',
      withConfig('just text'),
      /the functionConfig is not a mapping/,
      undefined,
    ],
    [
      'another apiVersion',
      withConfig({ ...HEAD, apiVersion: 'v1', spec: {} }),
      /apiVersion must be tutor-krm.dev\/v1alpha1/,
      'apiVersion',
    ],
    [
      'another kind',
      withConfig({ ...HEAD, kind: 'CeleryQueue', spec: {} }),
      /CeleryQueue x: is not a CeleryQueues: the functionConfig must be a CeleryQueues/,
      undefined,
    ],
    ['an unknown field', spec({ lms: { queus: {} } }), /unknown field "queus"/, 'spec.lms.queus'],
    ['an unknown service', spec({ forum: {} }), /unknown field "forum"/, 'spec.forum'],
    [
      'queues of the wrong type',
      spec({ lms: { queues: [] } }),
      /expected record, received array/,
      'spec.lms.queues',
    ],
    [
      'extraArgs not a list',
      spec({ lms: { queues: { high: { extraArgs: '--concurrency=2' } } } }),
      /expected array, received string/,
      'spec.lms.queues.high.extraArgs',
    ],
    [
      'non-string args',
      spec({ lms: { queues: { high: { extraArgs: [4] } } } }),
      /expected string, received number/,
      'spec.lms.queues.high.extraArgs[0]',
    ],
    [
      'a boolean as text',
      spec({ lms: { queues: { high: { autoscaling: { enabled: 'yes' } } } } }),
      /expected boolean, received string/,
      'spec.lms.queues.high.autoscaling.enabled',
    ],
    [
      'a fraction of a replica',
      spec({ lms: { queues: { high: { autoscaling: { minReplicas: 1.5 } } } } }),
      /expected int, received number/,
      'spec.lms.queues.high.autoscaling.minReplicas',
    ],
    [
      'a negative count',
      spec({ lms: { queues: { high: { autoscaling: { minReplicas: -1 } } } } }),
      /expected number to be >=0/,
      'spec.lms.queues.high.autoscaling.minReplicas',
    ],
    [
      'a range below its minimum',
      spec({ lms: { queues: { high: { autoscaling: { maxReplicas: 0 } } } } }),
      /expected number to be >=1/,
      'spec.lms.queues.high.autoscaling.maxReplicas',
    ],
    [
      'a list length of zero',
      spec({ cms: { queues: { low: { autoscaling: { listLength: 0 } } } } }),
      /expected number to be >=1/,
      'spec.cms.queues.low.autoscaling.listLength',
    ],
    [
      'min above max',
      spec({ lms: { queues: { high: { autoscaling: { minReplicas: 5, maxReplicas: 2 } } } } }),
      /minReplicas \(5\) is above maxReplicas \(2\)/,
      'spec.lms.queues.high.autoscaling.minReplicas',
    ],
    [
      'a variant name Kubernetes cannot take',
      spec({ lms: { queues: { High: {} } } }),
      /variant name "High" must be lowercase/,
      'spec.lms.queues.High',
    ],
    [
      'two variants with one name',
      spec({ lms: { queues: { high_mem: {}, 'high-mem': {} } } }),
      /would both be named lms-worker-high-mem/,
      'spec.lms.queues.high-mem',
    ],
    [
      'a route that is not a mapping',
      spec({ explicitQueues: { lms: { 'lms.tasks.x': 'edx.lms.core.high' } } }),
      /a route is a mapping such as \{queue: edx.lms.core.high\}, not a string/,
      'spec.explicitQueues.lms["lms.tasks.x"]',
    ],
    [
      'routes that are not a mapping',
      spec({ explicitQueues: { lms: ['lms.tasks.x'] } }),
      /routes are a mapping of task name to route, not a list/,
      'spec.explicitQueues.lms',
    ],
    [
      'a route without a queue',
      spec({ explicitQueues: { cms: { 'cms.tasks.x': {} } } }),
      /expected string, received undefined/,
      'spec.explicitQueues.cms["cms.tasks.x"].queue',
    ],
    [
      'a route to an empty queue name',
      spec({ explicitQueues: { cms: { 'cms.tasks.x': { queue: '' } } } }),
      /expected string to have >=1 characters/,
      'spec.explicitQueues.cms["cms.tasks.x"].queue',
    ],
    [
      // Read off the envelope's outline as plain data, as the parser reads it: an own key.
      'a __proto__ field',
      withConfig(
        'apiVersion: tutor-krm.dev/v1alpha1\nkind: CeleryQueues\nspec:\n  __proto__:\n    acksLate: false\n',
      ),
      /unknown field "__proto__"/,
      'spec.__proto__',
    ],
    [
      'duplicate keys in the config',
      withConfig('apiVersion: tutor-krm.dev/v1alpha1\nkind: CeleryQueues\nspec: {}\nspec: {}\n'),
      /not valid YAML: Map keys must be unique/,
      undefined,
    ],
  ])('%s', (_, input, error, field) => {
    const out = runCli([], input);
    if (!splitResourceListText(input) || /not valid YAML/.test(error.source)) {
      expectOneLineErrors(out);
      expect(out.stderr).toMatch(error);
      return;
    }
    expectRefusedList(input, out, error, field);
  });
});

describe('conflicts: refused, naming what conflicts', () => {
  it.each(['--queues=x', '-Qx', '--hostname=x', '--app=x', '--exclude-queues=x'])(
    'an extra arg that sets what the function owns: %s',
    (arg) => {
      const input = spec({ lms: { queues: { high: { extraArgs: [arg] } } } });
      expectRefusedList(
        input,
        runCli([], input),
        /which celery-queues sets itself/,
        'spec.lms.queues.high.extraArgs[0]',
      );
    },
  );

  it('a name that collides with a resource the function did not write', () => {
    const input = `${ITEMS}- apiVersion: apps/v1\n  kind: Deployment\n  metadata:\n    name: lms-worker-high\n    namespace: openedx\n  spec: {}\n${withConfig({ ...HEAD, spec: { lms: { queues: { high: {} } } } }).slice(ITEMS.length)}`;
    expectRefusedList(
      input,
      runCli([], input),
      /Deployment openedx\/lms-worker-high: the input already has Deployment openedx\/lms-worker-high, which celery-queues did not write/,
    );
  });

  it.each<[string, unknown, RegExp, string]>([
    [
      'a queue in two groups',
      { lms: { groups: { a: { queues: ['high'] }, b: { queues: ['high_mem', 'high'] } } } },
      /edx\.lms\.core\.high has a consumer already \(spec\.lms\.groups\.a\)/,
      'spec.lms.groups.b.queues[1]',
    ],
    [
      'the stock worker off with a queue of its render left over',
      {
        lms: {
          stockWorker: { enabled: false },
          groups: { a: { queues: ['default', 'high'] } },
        },
      },
      /the stock lms-worker is off, and nothing else consumes edx\.lms\.core\.high_mem/,
      'spec.lms.stockWorker.enabled',
    ],
  ])('worker groups: %s', (_what, s, error, field) => {
    const input = spec(s);
    expectRefusedList(input, runCli([], input), error, field);
  });

  it('a configured service with no stock worker', () => {
    const input = spec({ cms: { queues: { low: {} } } }).replace(
      /^( {4}name: )cms-worker$/m,
      '$1cms-worker-old',
    );
    expectRefusedList(
      input,
      runCli([], input),
      /namespace openedx has no stock Deployment cms-worker/,
      'spec.cms',
    );
  });
});

describe('problems that should not stop a render: warnings', () => {
  it('a route to a queue nobody consumes', () => {
    const input = spec({
      lms: { queues: { high: {} } },
      explicitQueues: { lms: { 'lms.tasks.report': { queue: 'edx.lms.core.reports' } } },
    });
    const out = runCli([], input);
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(
      /^celery-queues: warning: CeleryQueues x spec\.explicitQueues\.lms\["lms\.tasks\.report"\]\.queue: task "lms\.tasks\.report" is routed to queue "edx\.lms\.core\.reports", which no worker in namespace openedx consumes: such tasks would wait forever\. Add the variant reports to spec\.lms\.queues/,
    );
    const results = parse(out.stdout).results;
    expect(results.filter((r: any) => r.severity !== 'info')).toEqual([
      expect.objectContaining({
        severity: 'warning',
        field: { path: 'spec.explicitQueues.lms["lms.tasks.report"].queue' },
      }),
    ]);
  });

  it('a worker on a queue nothing is routed to', () => {
    const input = spec({ cms: { queues: { imports: {} } } });
    const r = runCli([], input);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(
      'celery-queues: warning: CeleryQueues x spec.cms.queues.imports: nothing routes tasks to edx.cms.core.imports, so cms-worker-imports in namespace openedx would idle: route tasks to it in spec.explicitQueues.cms\ncelery-queues: added 1 Deployment; changed 1 Deployment, 2 ConfigMaps; removed nothing; 1 warning\n',
    );
  });

  it('no warning when the route and the worker meet', () => {
    const input = spec({
      cms: { queues: { imports: {} } },
      explicitQueues: {
        cms: { 'cms.djangoapps.contentstore.tasks.import_olx': { queue: 'edx.cms.core.imports' } },
      },
    });
    const r = runCli([], input);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe(
      'celery-queues: added 1 Deployment; changed 1 Deployment, 2 ConfigMaps; removed nothing; 0 warnings\n',
    );
  });
});

describe('the whole process', () => {
  it.each([
    ['not YAML', [], 'items: [\n'],
    ['a bad config', [], spec({ lms: { queues: { high: { extraArgs: [4] } } } })],
    ['an unknown option', ['--frobnicate'], ''],
    ['a missing config file', ['--config', '/nonexistent/c.yaml'], 'a: 1\n'],
  ])('prints no stack trace: %s', (_, argv, input) => {
    const out = runBundle(argv as string[], input);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(
      /^(celery-queues: error: [^\n]*\n)+(celery-queues: failed: [^\n]*\n)?$/,
    );
  });
});
