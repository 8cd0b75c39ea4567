// Fuzzing the whole shell with generated configs and resource lists, valid and not: whatever
// comes in, run() returns, every line on stderr is one result, the exit status says whether
// there was an error, and no item is lost or doubled (on error, the items come back as they came).
// Fixed seed and a bounded number of runs, so CI is repeatable; FUZZ_RUNS and FUZZ_SEED widen it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, parseDocument, stringify } from 'yaml';
import { run } from '../src/cli.js';
import { chunkText, splitResourceListText } from '../src/krm/io.js';
import { fixture, RENDERS } from './helpers.js';
import { expectReadAlikeIn11 } from './producers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 8081);

// A small real instance: the two stock workers and what they mount, from the Tutor v20 render.
const RENDER = parseAllDocuments(fixture(RENDERS.v20)).map((d) => d.toJS());
const TUTOR = RENDER.filter(
  (r) =>
    r.kind === 'Namespace' ||
    /^(lms|cms)-worker$/.test(r.metadata?.name) ||
    /^openedx-(config|settings)/.test(r.metadata?.name),
);

// ---------------------------------------------------------------------------------------------
// Configs: valid ones, valid ones with one mistake, and anything at all.

const variant = fc.constantFrom(
  'default',
  'high',
  'high_mem',
  'low',
  'ora_workflow_update',
  'reports',
);
const goodArg = fc.constantFrom(
  '--concurrency=2',
  '--pool=gevent',
  '--prefetch-multiplier=4',
  '-Ofair',
);
const autoscaling = fc
  .tuple(
    fc.boolean(),
    fc.integer({ min: 0, max: 3 }),
    fc.integer({ min: 0, max: 7 }),
    fc.integer({ min: 1, max: 50 }),
  )
  .map(([enabled, min, extra, listLength]) => ({
    enabled,
    minReplicas: min,
    maxReplicas: Math.max(1, min + extra),
    listLength,
  }));
// Strings that YAML 1.1 readers (Kubernetes) read otherwise than YAML 1.2 ones if written plain
// or raw: booleans, numbers, nulls, timestamps, NEL, LS and PS; the function writes them.
const labelValue = fc.constantFrom('no', 'on', 'Y', '1_000', '0b101', '0x1F', '2001-12-14', 'null');
const awkward = fc.oneof(
  labelValue,
  fc.constantFrom('', '~', '=', '<<', '1:20', '.5', 'x\u2028y', '\u0085', 'x\u2029', 'a: b'),
  fc.string({ unit: fc.constantFrom('y', 'n', '0', '1', '_', ':', ' ', '\n', '\u2028', '\u0085') }),
);
const queueSpec = fc.record(
  {
    extraArgs: fc.array(goodArg, { maxLength: 2 }),
    autoscaling,
    labels: fc.record({ 'example.com/tier': labelValue }),
    nodeSelector: fc.record({ 'example.com/pool': labelValue }),
    annotations: fc.record({ 'example.com/note': awkward }),
    env: fc.tuple(awkward).map(([value]) => [{ name: 'NOTE', value }]),
  },
  { requiredKeys: [] },
);
const service = (s: string) =>
  fc.record({ queues: fc.dictionary(variant, queueSpec, { maxKeys: 3 }) }).map((v) => ({ s, v }));
const routes = (s: string) =>
  fc.dictionary(
    fc.oneof(
      fc.constantFrom(`${s}.djangoapps.tasks.a`, "x'); import os; os.system('id'); #", 'new\nline'),
      fc.string({ minLength: 1, maxLength: 10 }),
    ),
    fc.record({
      queue: fc.constantFrom(`edx.${s}.core.high`, `edx.${s}.core.default`, 'edx.lms.core.nobody'),
    }),
    { maxKeys: 2 },
  );
const validConfig = fc
  .record(
    {
      lms: service('lms'),
      cms: service('cms'),
      explicitQueues: fc.record({ lms: routes('lms'), cms: routes('cms') }, { requiredKeys: [] }),
      acksLate: fc.boolean(),
      flower: fc.record({ enabled: fc.boolean() }),
    },
    { requiredKeys: [] },
  )
  .map(({ lms, cms, ...rest }) => ({
    apiVersion: 'tutor-krm.dev/v1alpha1',
    kind: 'CeleryQueues',
    metadata: { name: 'celery-queues' },
    spec: { ...(lms ? { lms: lms.v } : {}), ...(cms ? { cms: cms.v } : {}), ...rest },
  }));

type Config = { apiVersion: string; kind: string; spec: Record<string, any> };
// One mistake each, of the kinds the README lists as refused.
const MISTAKES: ((c: Config) => void)[] = [
  (c) => {
    c.apiVersion = 'v1';
  },
  (c) => {
    c.kind = 'CeleryQueue';
  },
  (c) => {
    c.spec.lms = { queues: { high: { extraArgs: ['--queues=edx.lms.core.x'] } } };
  },
  (c) => {
    c.spec.cms = { queues: { low: { extraArgs: [4] } } };
  },
  (c) => {
    c.spec.lms = { queues: { high: { autoscaling: { minReplicas: -1 } } } };
  },
  (c) => {
    c.spec.lms = { queues: { high: { autoscaling: { minReplicas: 5, maxReplicas: 2 } } } };
  },
  (c) => {
    c.spec.cms = { queues: { High: {} } };
  },
  (c) => {
    c.spec.lms = { queues: { 'a\u2028b': {}, '\u0085': {} } };
  },
  (c) => {
    c.spec.explicitQueues = { lms: { 'lms.tasks.x': 'edx.lms.core.high' } };
  },
  (c) => {
    c.spec.lms = { queus: {} };
  },
  (c) => {
    c.spec.forum = {};
  },
  (c) => {
    c.spec.acksLate = 'no';
  },
];
const mistakenConfig = fc
  .tuple(validConfig, fc.integer({ min: 0, max: MISTAKES.length - 1 }))
  .map(([c, i]) => {
    (MISTAKES[i] as (c: Config) => void)(c as Config);
    return c;
  });
const config = fc.oneof(
  { weight: 12, arbitrary: validConfig },
  { weight: 3, arbitrary: mistakenConfig },
  { weight: 1, arbitrary: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(undefined)) },
);

// ---------------------------------------------------------------------------------------------
// Resource lists: the real instance (all of it, or parts), other resources, and wrong items.

const name = fc.stringMatching(/^[a-z]([a-z0-9-]{0,10}[a-z0-9])?$/);
const otherResource = fc.record({
  apiVersion: fc.constantFrom('v1', 'apps/v1'),
  kind: fc.constantFrom('ConfigMap', 'Deployment', 'Service'),
  metadata: fc.record({ name, namespace: fc.constantFrom('openedx', 'other') }),
  data: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), fc.string({ maxLength: 20 }), {
    maxKeys: 3,
  }),
});
const wrongItem = fc.constantFrom<unknown>(
  'just text',
  ['a', 'list'],
  null,
  { kind: 'ConfigMap', metadata: { name: 'no-api-version' } },
  { apiVersion: 'v1', metadata: { name: 'no-kind' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: {} },
  // Collides with a worker the config may ask for.
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'lms-worker-high', namespace: 'openedx' },
  },
);
const tutorPart = fc.oneof(
  { weight: 4, arbitrary: fc.constant(TUTOR) },
  { weight: 1, arbitrary: fc.subarray(TUTOR) },
);
const items = fc
  .tuple(
    tutorPart,
    fc.array(otherResource, { maxLength: 3 }),
    fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: wrongItem }),
    fc.integer({ min: 0, max: 19 }),
  )
  .map(([tutor, others, wrong, dice]) => {
    const all: unknown[] = [...tutor, ...others];
    if (wrong !== undefined) all.splice(dice % (all.length + 1), 0, wrong);
    if (dice === 0 && all.length > 0) all.push(all[0]); // the same resource twice
    return all;
  });

const layout = fc.record({ indentSeq: fc.boolean(), flow: fc.boolean() });
const form = fc.oneof(
  { weight: 6, arbitrary: fc.constant('resourceList') },
  { weight: 3, arbitrary: fc.constant('stream') },
  { weight: 1, arbitrary: fc.constant('garbage') },
);

interface Case {
  argv: string[];
  stdin: string;
  files: Record<string, string>;
  inputItems: unknown[];
  form: string;
}

const input = fc
  .tuple(config, items, layout, form, fc.string({ maxLength: 40 }))
  .map(([cfg, list, l, f, garbage]): Case => {
    if (f === 'stream') {
      const stdin = list.map((r) => stringify(r)).join('---\n');
      return {
        argv: ['--config', '/fuzz/config.yaml'],
        stdin,
        files: { '/fuzz/config.yaml': cfg === undefined ? '' : stringify(cfg) },
        inputItems: list,
        form: f,
      };
    }
    if (f === 'garbage') return { argv: [], stdin: garbage, files: {}, inputItems: [], form: f };
    const resourceList: Record<string, unknown> = {
      apiVersion: 'config.kubernetes.io/v1',
      kind: 'ResourceList',
      items: list,
    };
    if (cfg !== undefined) resourceList.functionConfig = cfg;
    const stdin = stringify(resourceList, {
      indentSeq: l.indentSeq,
      collectionStyle: l.flow ? 'flow' : 'any',
      aliasDuplicateObjects: false,
      lineWidth: 0,
    });
    return { argv: [], stdin, files: {}, inputItems: list, form: f };
  });

// ---------------------------------------------------------------------------------------------

function identity(r: unknown): string | undefined {
  const m = (r as { metadata?: { name?: unknown; namespace?: unknown } })?.metadata;
  const kind = (r as { kind?: unknown })?.kind;
  if (typeof kind !== 'string' || typeof m?.name !== 'string') return undefined;
  // A changed settings ConfigMap takes the hash of its new content: the same resource.
  const name =
    kind === 'ConfigMap'
      ? m.name.replace(/^(openedx-settings-(?:lms|cms))-[a-z0-9]{10}$/, '$1')
      : m.name;
  return `${kind} ${m.namespace ?? ''}/${name}`;
}

function counts(list: unknown[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const r of list) {
    const id = identity(r);
    if (id) map.set(id, (map.get(id) ?? 0) + 1);
  }
  return map;
}

/** The items of an input that is no ResourceList: those under a top-level `items:` list. */
function readable(text: string): unknown[] {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return [];
  const items = (doc.toJS() as { items?: unknown } | null)?.items;
  return Array.isArray(items) ? items : [];
}

function outputItems(c: Case, stdout: string): unknown[] {
  if (c.form === 'stream') {
    return parseAllDocuments(stdout, { uniqueKeys: false })
      .map((d) => d.toJS())
      .filter((r) => r != null);
  }
  return (parse(stdout, { uniqueKeys: false })?.items ?? []) as unknown[];
}

describe('fuzz: the shell over generated configs and resource lists', () => {
  it(`holds its promises (${RUNS} runs, seed ${SEED})`, () => {
    const runs: { input: string; output: string }[] = [];
    fc.assert(
      fc.property(input, (c) => {
        let stdout = '';
        let stderr = '';
        const status = run(c.argv, {
          stdin: () => c.stdin,
          readFile: (path) => {
            const text = c.files[path];
            if (text === undefined) throw new Error(`ENOENT: ${path}`);
            return text;
          },
          stdout: (t) => {
            stdout += chunkText(t);
          },
          stderr: (t) => {
            stderr += t;
          },
        });

        // Every line on stderr is one result, but the last, which may sum the run up; no
        // internal error, no stack trace.
        const lines = stderr === '' ? [] : stderr.replace(/\n$/, '').split('\n');
        const summary = /^celery-queues: (added|failed: )/.test(lines.at(-1) ?? '')
          ? lines.pop()
          : undefined;
        for (const line of lines) {
          expect(line).toMatch(/^celery-queues: (error|warning|info): \S/);
          expect(line).not.toMatch(/internal error/);
        }
        expect(stderr).not.toMatch(/\n\s+at /);
        // The exit status is whether there was an error.
        const errors = lines.filter((l) => l.startsWith('celery-queues: error:'));
        expect(status).toBe(errors.length > 0 ? 1 : 0);
        if (summary) expect(summary.startsWith('celery-queues: failed: ')).toBe(errors.length > 0);
        if (c.form !== 'garbage') runs.push({ input: c.stdin, output: stdout });

        // A refused stream writes nothing: no stale render can reach `kubectl apply`.
        if (c.form === 'stream' && status === 1) {
          expect(stdout).toBe('');
          return;
        }
        // ResourceList mode always answers with a ResourceList that carries every error.
        if (c.form !== 'stream') {
          const list = parse(stdout, { uniqueKeys: false });
          expect(list).toMatchObject({ kind: 'ResourceList' });
          const results = (list.results ?? []) as { severity: string }[];
          expect(results.filter((r) => r.severity === 'error').length).toBe(errors.length);
        }
        const out = outputItems(c, stdout);
        if (status === 1) {
          // Refused: the items as they came (byte for byte where the fast path cut them), or
          // none when the input could not be read as a list of items.
          const inEntries = splitResourceListText(c.stdin)?.entries;
          if (c.form === 'garbage') expect(out).toEqual(readable(c.stdin));
          else if (inEntries) expect(splitResourceListText(stdout)?.entries).toEqual(inEntries);
          else expect(out).toEqual(JSON.parse(JSON.stringify(c.inputItems)));
          return;
        }
        // Done: every input resource is there as often as it was, and no resource twice.
        const before = counts(c.inputItems);
        const after = counts(out);
        for (const [id, n] of before) expect(after.get(id), id).toBe(n);
        for (const [id, n] of after) expect(n, id).toBe(1);
        expect(out.length).toBeGreaterThanOrEqual(c.inputItems.length);
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // What the function wrote (items, the config it echoes, results) reads alike in YAML 1.1.
    expectReadAlikeIn11(runs);
  });
});
