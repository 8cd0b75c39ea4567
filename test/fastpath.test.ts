// The fast path (split the input into items, parse only what the transform reads) against the
// full path (parse everything): same resources, and untouched items byte for byte.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isNode, parse, stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import {
  parseResourceList,
  parseStream,
  type ResourceListInput,
  readResourceList,
  splitResourceListText,
  splitStream,
  writeResourceList,
  writeStream,
} from '../src/krm/io.js';
import { deindent, type Item, inContainer } from '../src/krm/item.js';
import { Results } from '../src/krm/results.js';
import { toPlain } from '../src/krm/yaml.js';
import { FAMILIES, transform } from '../src/transform.js';
import { expectGoldenDiff } from './golden.js';
import { fixture, runCli, withFunctionConfig } from './helpers.js';
import { inContainer as linesInContainer } from './yaml-arbitraries.js';

const plainOf = (item: Item) => toPlain(item.doc);

/** The entries' texts that the fast path cuts a ResourceList into. */
function entriesOf(text: string): string[] | undefined {
  return splitResourceListText(text)?.entries.map(([start, end]) => text.slice(start, end));
}
const headerOf = (item: Item) => [item.apiVersion, item.kind, item.namespace, item.name];

/** What both paths must agree on: every item's resource and identity, and the envelope. */
function resourcesOf(input: ResourceListInput) {
  return {
    items: input.items.map(plainOf),
    headers: input.items.map(headerOf),
    apiVersion: input.apiVersion,
    functionConfig: nodePlain(input.functionConfig),
    // What the config is read from: the plain data read off the outline, or the node's.
    config:
      'plainFunctionConfig' in input ? input.plainFunctionConfig : nodePlain(input.functionConfig),
    results: nodePlain(input.results),
  };
}

function nodePlain(node: unknown): unknown {
  return isNode(node) ? node.toJSON() : (node ?? null);
}

const KUSTOMIZE = fixture('krm/kustomize-4.5.4-exec-input.yaml');
const KPT = fixture('krm/kpt-1.0.0-beta.56-eval-input.yaml');

// ---------------------------------------------------------------------------------------------

describe('splitting a ResourceList', () => {
  it.each([
    ['Kustomize', KUSTOMIZE],
    ['kpt', KPT],
  ])(
    'takes the fast path on what %s sends, with the same resources as the full path',
    (_, text) => {
      const split = splitResourceListText(text);
      expect(split?.entries).toHaveLength(33);
      const fast = readResourceList(text);
      expect(fast.items.every((i) => i.raw !== undefined && !i.isParsed)).toBe(true);
      // The functionConfig read as plain data, its document made only when asked for.
      if (fast.form !== 'resourceList') throw new Error('not a ResourceList');
      expect(Object.getOwnPropertyDescriptor(fast, 'functionConfig')?.get).toBeDefined();
      expect(fast.plainFunctionConfig).toEqual(nodePlain(fast.functionConfig));
      expect(resourcesOf(fast)).toEqual(resourcesOf(parseResourceList(text)));
      // Reading the resources above parsed them; a fresh read parses none but what it must.
      const again = readResourceList(text);
      expect(again.items.map((i) => i.kind).length).toBe(33);
      expect(again.items.filter((i) => i.isParsed)).toEqual([]);
    },
  );

  it('cuts entries at their `- ` and keeps every byte, trailing blank lines included', () => {
    const text = [
      'apiVersion: config.kubernetes.io/v1',
      'kind: ResourceList',
      'items:',
      '- apiVersion: v1',
      '  kind: ConfigMap',
      '  metadata:',
      '    name: a # a comment',
      '  data:',
      '    keep: |+',
      '      x',
      '',
      '',
      '- apiVersion: v1',
      '  kind: ConfigMap',
      '  metadata: {name: b}',
      'functionConfig: {kind: X}',
      '',
    ].join('\n');
    const split = splitResourceListText(text);
    expect(entriesOf(text)).toEqual([
      '- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a # a comment\n  data:\n    keep: |+\n      x\n\n\n',
      '- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: b}\n',
    ]);
    expect(split?.rest).toBe(
      'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\nfunctionConfig: {kind: X}\n',
    );
    const fast = readResourceList(text);
    expect(resourcesOf(fast)).toEqual(resourcesOf(parseResourceList(text)));
    expect(plainOf(fast.items[0] as Item)).toMatchObject({ data: { keep: 'x\n\n\n' } });
    // Items go out as they came; the envelope is printed again (it may carry new results).
    const out = writeResourceList(fast, fast.items, []);
    expect(entriesOf(out)).toEqual(entriesOf(text));
  });

  it('keeps a block scalar’s whitespace-only lines as they are', () => {
    const text =
      'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: a\n    data:\n      x: |\n        a\n          \n\n        b\n';
    const fast = readResourceList(text);
    expect(fast.items[0]?.raw).toBeDefined();
    expect(plainOf(fast.items[0] as Item)).toEqual(
      plainOf(parseResourceList(text).items[0] as Item),
    );
    expect(plainOf(fast.items[0] as Item)).toMatchObject({ data: { x: 'a\n  \n\nb\n' } });
  });

  // Other layouts: the same resources either way, and each item goes out as the text it came
  // in. The cut takes the layouts real producers write (CRLF, comments between entries, other
  // indentations, kpt's closing quotes at column 0); the parser finds the items of the rest.
  it.each([
    ['flow items', 'items: [{apiVersion: v1, kind: ConfigMap, metadata: {name: a}}]\n', 'parser'],
    [
      'a comment at column 0 between entries',
      'items:\n- {apiVersion: v1, kind: A, metadata: {name: a}}\n# x\n- {apiVersion: v1, kind: B, metadata: {name: b}}\n',
      'cut',
    ],
    [
      'CRLF line ends',
      'items:\r\n- apiVersion: v1\r\n  kind: A\r\n  metadata: {name: a}\r\n',
      'cut',
    ],
    [
      'a comment after `items:`',
      'items: # the resources\n- {apiVersion: v1, kind: A, metadata: {name: a}}\n',
      'cut',
    ],
    [
      'entries with two spaces after the dash',
      'items:\n-  apiVersion: v1\n   kind: A\n   metadata: {name: a}\n',
      'cut',
    ],
    [
      'entries with three spaces after the dash (PyYAML indent=4)',
      'items:\n-   apiVersion: v1\n    kind: A\n    metadata:\n        name: a\n',
      'cut',
    ],
    [
      'entries of different layouts',
      'items:\n- apiVersion: v1\n  kind: A\n  metadata: {name: a}\n-   apiVersion: v1\n    kind: B\n    metadata: {name: b}\n',
      'parser',
    ],
    [
      'a closing quote at column 0 (kpt, from a value PyYAML wrote)',
      "items:\n- apiVersion: v1\n  kind: A\n  metadata: {name: a}\n  data:\n    x: 'one\n\n      two\n\n'\n",
      'cut, once the quote is indented',
    ],
    [
      'odd indentation',
      'items:\n  - apiVersion: v1\n    kind: A\n   # a comment less indented\n    metadata: {name: a}\n',
      'cut',
    ],
  ])('%s: the same resources as the full parse, each item as its text', (_, body, path) => {
    const text = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n${body}`;
    if (path !== 'cut, once the quote is indented') {
      expect(splitResourceListText(text.replaceAll('\r\n', '\n')) !== undefined).toBe(
        path === 'cut',
      );
    }
    const fast = readResourceList(text);
    expect(resourcesOf(fast)).toEqual(resourcesOf(parseResourceList(text)));
    const out = writeResourceList(fast, fast.items, []);
    expect(resourcesOf(readResourceList(out))).toEqual(resourcesOf(fast));
    for (const item of fast.items) expect(out).toContain(item.raw);
  });

  it.each([
    [
      'a tag directive the item uses',
      '%TAG !k! tag:k8s.io,2024:\n---\nitems:\n- !k!x {apiVersion: v1, kind: A, metadata: {name: a}}\n',
    ],
    ['two items keys', 'items:\n- {kind: A}\nitems:\n- {kind: B}\n'],
    ['two items keys, the first an empty list', 'items: []\nitems:\n- {kind: B}\n'],
    ['two items keys, the first empty', 'items:\nx: 1\nitems:\n- {kind: B}\n'],
    ['two items keys, a comment between', 'items:\n- {kind: A}\n# c\nitems:\n- {kind: B}\n'],
  ])('%s: read by the parser alone', (_, body) => {
    const text = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n${body}`;
    const read = (f: (t: string) => ResourceListInput) => {
      try {
        const input = f(text);
        expect(input.items.every((i) => i.raw === undefined)).toBe(true);
        return resourcesOf(input);
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(read(readResourceList)).toEqual(read(parseResourceList));
  });

  it('reads an item whose alias names an anchor in another item with the full parser', () => {
    const text = withFunctionConfig(KUSTOMIZE)
      .replace('  kind: Namespace\n', '  kind: Namespace\n  x: &tuning --concurrency=2\n')
      .replace(/^( *)- --without-mingle\n/m, '$&$1- *tuning\n');
    expect(text).toContain('- *tuning');
    const out = runCli([], text);
    expect(out.messages).toBe('');
    expect(out.stdout).toBe(transformed(parseResourceList(text)));
    expect(out.stdout).toContain('--concurrency=2');
  });
});

describe('a written resource as an entry', () => {
  it('indents every line but the first and the empty ones, and deindent takes it back', () => {
    const text = fc
      .array(fc.constantFrom('a: b', '', ' ', '  - c', '#', 'x\ty'), { maxLength: 8 })
      .map((lines) => lines.join('\n'));
    fc.assert(
      fc.property(text, fc.constantFrom(2, 4, 6), fc.boolean(), (t, container, newline) => {
        const source = newline ? `${t}\n` : t;
        const entry = inContainer(source, container);
        // Line by line, as the test's own layouts make entries.
        expect(entry).toBe(linesInContainer(source, container));
        expect(deindent(entry, container)).toBe(source);
      }),
      { seed: 20261205, numRuns: 500 },
    );
  });
});

describe('splitting a stream', () => {
  it.each([
    ['a leading marker', '---\na: 1\n---\nb: 2\n'],
    [
      'comments and empty documents',
      '# head\n---\na: 1\n---\n---\n# only a comment\n---\nb: |+\n  x\n\n',
    ],
    ['no final newline', 'a: 1\n---\nb: 2'],
  ])('%s: same documents as the parser', (_, text) => {
    const fast = splitStream(text);
    expect(fast).toBeDefined();
    const full = parseStream(text);
    expect(fast?.map((i) => toPlain(i.doc))).toEqual(full.map((i) => toPlain(i.doc)));
    expect(fast?.map((i) => i.position)).toEqual(full.map((i) => i.position));
  });

  it.each([
    ['document end markers', 'a: 1\n...\n---\nb: 2\n'],
    ['content after a marker', '--- {a: 1}\n'],
    ['directives', '%YAML 1.2\n---\na: 1\n'],
    ['directives after a document', 'a: 1\n...\n%YAML 1.2\n---\nb: 2\n'],
  ])('leaves %s to the parser, and writes the documents back as they came', (_, text) => {
    expect(splitStream(text)).toBeUndefined();
    const items = parseStream(text);
    expect(writeStream(items)).toBe(text);
  });

  it('cuts CRLF documents, and writes them back with their line ends', () => {
    const text = 'a: 1\r\n---\r\nb: |\r\n  x\r\n  y\r\n';
    const items = splitStream(text) as Item[];
    expect(items.map((i) => toPlain(i.doc))).toEqual([{ a: 1 }, { b: 'x\ny\n' }]);
    expect(writeStream(items)).toBe(text);
  });

  it('writes untouched documents back byte for byte', () => {
    const text = '# a comment\na:   1 # kept\n---\nb: "x"\n';
    const items = splitStream(text) as Item[];
    expect(writeStream(items)).toBe(text);
  });
});

// ---------------------------------------------------------------------------------------------
// Property: for ResourceLists printed the way Kustomize and kpt print them, the fast path and the
// full path read the same resources, and the transform makes the same output of them.

const TRICKY = [
  '',
  ' ',
  'yes',
  'no',
  'on',
  '0644',
  '1_000',
  'null',
  '~',
  'true',
  '- x',
  '#x',
  'a #b',
  'a: b',
  '---',
  '...',
  '%x',
  '*x',
  '&x',
  '!x',
  '"',
  "'",
  '\\',
  'x\n',
  'x\n\n',
  '\n',
  '  lead',
  'trail  ',
  'a\n  b\n',
  'line\n  \nline',
  '\ttab',
  'a\tb',
  'items:',
  '\nitems:\n- x',
  'é',
  '{}',
  '[]',
  '? x',
  '|',
  '>',
];

const text = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary-ascii', maxLength: 8 }),
  fc.constantFrom(...TRICKY),
  fc
    .array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom(...TRICKY)), { maxLength: 5 })
    .map((l) => l.join('\n')),
);
const key = fc.oneof(
  fc.string({ minLength: 1, maxLength: 10 }),
  fc.constantFrom(...TRICKY.filter(Boolean)),
);
const scalar = fc.oneof(
  text,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 4 }),
  ),
}));
const dnsName = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?$/);
const resource = fc.record(
  {
    apiVersion: fc.constantFrom('v1', 'apps/v1', 'batch/v1', 'example.com/v1alpha1'),
    kind: fc.constantFrom('ConfigMap', 'Deployment', 'Service', 'Job', 'Secret', 'Widget'),
    metadata: fc.record(
      {
        name: dnsName,
        namespace: dnsName,
        annotations: fc.dictionary(key, text, { maxKeys: 3 }),
        labels: fc.dictionary(dnsName, dnsName, { maxKeys: 2 }),
      },
      { requiredKeys: ['name'] },
    ),
    data: fc.dictionary(key, value, { maxKeys: 5 }),
    spec: value,
  },
  { requiredKeys: ['apiVersion', 'kind', 'metadata'] },
);

/** How the printer lays the list out: Kustomize's and kpt's variations. */
const layout = fc.record({
  indentSeq: fc.boolean(),
  lineWidth: fc.constantFrom(0, 20, 80),
  sortMapEntries: fc.boolean(),
  functionConfigFirst: fc.boolean(),
  results: fc.boolean(),
});

type Layout = typeof layout extends fc.Arbitrary<infer T> ? T : never;

function printResourceList(items: unknown[], functionConfig: unknown, l: Layout): string {
  const list: Record<string, unknown> = {
    apiVersion: 'config.kubernetes.io/v1',
    kind: 'ResourceList',
  };
  if (l.functionConfigFirst) list.functionConfig = functionConfig;
  list.items = items;
  if (!l.functionConfigFirst) list.functionConfig = functionConfig;
  if (l.results) list.results = [{ severity: 'info', message: 'from an earlier function' }];
  return stringify(list, {
    indentSeq: l.indentSeq,
    lineWidth: l.lineWidth,
    minContentWidth: 0,
    sortMapEntries: l.sortMapEntries,
    aliasDuplicateObjects: false,
  });
}

const STOCK = [
  fixture('tutor/stock-v20.lms-worker.yaml'),
  fixture('tutor/stock-v20.cms-worker.yaml'),
].map((t) => parse(t) as unknown);
const config = fc.record({
  lms: fc.uniqueArray(fc.constantFrom('default', 'high', 'high_mem', 'ora_workflow_update'), {
    maxLength: 3,
  }),
  cms: fc.uniqueArray(fc.constantFrom('default', 'high', 'low'), { maxLength: 2 }),
});

function celeryQueues(c: { lms: string[]; cms: string[] }) {
  const queues = (vs: string[]) => ({ queues: Object.fromEntries(vs.map((v) => [v, {}])) });
  return {
    apiVersion: 'tutor-krm.dev/v1alpha1',
    kind: 'CeleryQueues',
    metadata: { name: 'celery-queues' },
    spec: { lms: queues(c.lms), cms: queues(c.cms) },
  };
}

function transformed(input: ResourceListInput): string {
  const results = new Results();
  const cfg = loadConfig(nodePlain(input.functionConfig), results);
  if (!cfg) throw new Error(results.list.map((r) => r.message).join('; '));
  const out = transform(input.items, cfg);
  return writeResourceList(input, out.items, out.results);
}

describe('fast path = full path (property)', () => {
  it('reads the same resources from generated ResourceLists', () => {
    fc.assert(
      fc.property(
        fc.array(resource, { maxLength: 6 }),
        fc.dictionary(key, value, { maxKeys: 4 }),
        layout,
        (items, fnConfig, l) => {
          const text = printResourceList(items, fnConfig, l);
          const split = splitResourceListText(text);
          // The generator prints the layouts the fast path is for: it must take them.
          expect(split).toBeDefined();
          const fast = readResourceList(text);
          expect(fast.items.every((i) => i.raw !== undefined)).toBe(true);
          expect(resourcesOf(fast)).toEqual(resourcesOf(parseResourceList(text)));
          expect(fast.items.map(plainOf)).toEqual(JSON.parse(JSON.stringify(items)));
          // Written back untouched, the list is its input.
          expect(parse(writeResourceList(fast, fast.items, []))).toEqual(parse(text));
        },
      ),
      { seed: 20261128, numRuns: 300 },
    );
  });

  it('makes the same output of generated Tutor renders', () => {
    fc.assert(
      fc.property(
        fc.array(resource, { maxLength: 4 }),
        fc.array(resource, { maxLength: 4 }),
        config,
        layout,
        (before, after, c, l) => {
          const text = printResourceList([...before, ...STOCK, ...after], celeryQueues(c), l);
          const fast = readResourceList(text);
          expect(fast.items.every((i) => i.raw !== undefined)).toBe(true);
          const full = parseResourceList(text);
          const a = transformed(fast);
          const b = transformed(full);
          expect(parse(a)).toEqual(parse(b));
          // Items the transform did not change are their input text, byte for byte.
          for (const item of fast.items) {
            if (!item.name.endsWith('-worker')) expect(a).toContain(item.raw);
          }
        },
      ),
      { seed: 20261128, numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Golden: the real Kustomize and kpt inputs, transformed; every item the function does not change
// is its input text.

describe.each([
  ['kustomize-4.5.4', KUSTOMIZE, 'recommended'],
  ['kpt-1.0.0-beta.56', KPT, 'partial'],
])('%s ResourceList', (name, captured, config) => {
  const input = withFunctionConfig(captured, config);
  const out = runCli([], input);

  it('matches the golden output', () => {
    expect(out.stderr).not.toMatch(/: (error|warning): /);
    expect(out.status).toBe(0);
    expectGoldenDiff(`krm/${name}.${config}.diff`, input, out.stdout);
  });

  it('writes every item it does not change byte for byte, in its place', () => {
    const inEntries = entriesOf(input) ?? [];
    const outEntries = entriesOf(out.stdout) ?? [];
    const changed = inEntries.filter((e) => !outEntries.includes(e));
    // The stock workers, and the settings ConfigMaps (the routing block). Inside Kustomize the
    // settings keep their names (Kustomize rehashes them); in kpt's rendered package they take
    // the hash of their new content, and every workload that mounts them follows.
    expect(changed.map((e) => /\n {4}name: ([^\s#]+)/.exec(e)?.[1]).sort()).toEqual(
      config === 'recommended'
        ? ['cms-worker', 'lms-worker', 'openedx-settings-cms', 'openedx-settings-lms']
        : [
            'cms',
            'cms-job',
            'cms-worker',
            'lms',
            'lms-job',
            'lms-worker',
            'openedx-settings-cms-b8tm5dd5k6',
            'openedx-settings-lms-5b87f2c2k4',
          ],
    );
    const kept = inEntries.filter((e) => outEntries.includes(e));
    expect(kept.length).toBe(inEntries.length - changed.length);
    // In the same order.
    expect(outEntries.filter((e) => kept.includes(e))).toEqual(kept);
  });

  it('parses only the stock workers it must, and writes what changed as edits of the input text', () => {
    const list = readResourceList(input);
    const results = new Results();
    const cfg = loadConfig(nodePlain(list.functionConfig), results);
    const out = transform(list.items, cfg as NonNullable<typeof cfg>);
    // The others are in yaml's own layout: read off their text, changed and printed as plain
    // data (test/clone-plain.test.ts). kpt's stock LMS worker has a comment; its stock CMS
    // worker's pristine form (a document) follows the settings ConfigMap renamed (rollout.ts).
    expect(
      list.items
        .filter((i) => i.isParsed)
        .map((i) => i.name)
        .sort(),
    ).toEqual(config === 'recommended' ? [] : ['cms-worker', 'lms-worker']);
    const changed = out.items.filter((i) => !list.items.includes(i));
    expect(changed.map((i) => i.name).sort()).toEqual(
      config === 'recommended'
        ? [
            'cms-worker',
            'cms-worker-high',
            'cms-worker-low',
            'lms-worker',
            'lms-worker-high',
            'lms-worker-high-mem',
            'openedx-settings-cms',
            'openedx-settings-lms',
          ]
        : [
            'cms',
            'cms-job',
            // the stock CMS worker, which this config leaves alone, mounts the settings too
            'cms-worker',
            'lms',
            'lms-job',
            'lms-worker',
            'lms-worker-high',
            expect.stringMatching(/^openedx-settings-cms-/),
            expect.stringMatching(/^openedx-settings-lms-/),
          ],
    );
    // Settings and references spliced, stock workers printed as edits of their text, and their
    // clones printed whole from plain data (Kustomize's stock workers are in yaml's own layout:
    // test/clone-plain.test.ts): what is printed whole is the clones, and for kpt's stock LMS
    // worker, whose comment only the parser keeps, that worker (its clone keeps the comment).
    expect(
      changed
        .filter((i) => i.raw === undefined)
        .map((i) => i.name)
        .sort(),
    ).toEqual(
      config === 'recommended'
        ? ['cms-worker-high', 'cms-worker-low', 'lms-worker-high', 'lms-worker-high-mem']
        : ['lms-worker', 'lms-worker-high'],
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Written resources: printed as the output's entries right away (Item.settle), or printed at
// column 0 and moved in as they go out. Both give the same ResourceList, whatever the entries'
// indentation, with comments and block scalars in the input.

/** A ResourceList with its items' lines moved `indent` columns in (blank lines stay empty). */
function itemsIndented(text: string, indent: number): string {
  const start = text.indexOf('\nitems:\n') + '\nitems:\n'.length;
  const end = text.indexOf('\nfunctionConfig:');
  const pad = ' '.repeat(indent);
  const items = text
    .slice(start, end)
    .split('\n')
    .map((line) => (line === '' ? '' : pad + line))
    .join('\n');
  return text.slice(0, start) + items + text.slice(end);
}

describe.each([
  ['Kustomize', KUSTOMIZE, 0],
  ['Kustomize', KUSTOMIZE, 2],
  ['Kustomize', KUSTOMIZE, 4],
  ['kpt', KPT, 0],
  ['kpt', KPT, 2],
])('written resources of %s items at indentation %i', (_, captured, indent) => {
  const text = itemsIndented(withFunctionConfig(captured, 'every-family'), indent);

  function written(container: number) {
    const list = readResourceList(text);
    expect(list.itemIndent).toBe(indent);
    const results = new Results();
    const cfg = loadConfig(nodePlain(list.functionConfig), results);
    if (!cfg) throw new Error(results.list.map((r) => r.message).join('; '));
    const out = transform(list.items, cfg, FAMILIES, container);
    const entries = out.items.filter((i) => i.entryAt(indent) !== undefined).length;
    return { text: writeResourceList(list, out.items, out.results), entries };
  }

  it('go out as the same bytes printed as entries as printed at column 0 and moved in', () => {
    const general = written(0);
    const fast = written(indent + 2);
    expect(general.entries).toBe(0);
    // Every family writes resources: most of them take the fast path (the comparison is not vacuous).
    expect(fast.entries).toBeGreaterThan(10);
    expect(fast.text).toBe(general.text);
    expect(runCli([], text).stdout).toBe(fast.text);
  });
});
