// Every YAML a real producer writes gives the same result. The same content (the real Tutor v20
// render, with tricky values in the items the function edits, in items it passes through, and in
// the config, whose values it writes) is written by PyYAML, ruamel, js-yaml and yaml with their
// style options, as JSON, with merge keys, with comments (ruamel's inside the items, and between
// the items), with CRLF line ends and a byte-order mark, as a ResourceList and as a stream; and by
// kpt and Kustomize from packages in those styles. For each:
//   - the output reads back as the output for the canonical layout (Kustomize's printer) does;
//   - every item the function does not change is its input text, byte for byte;
//   - a YAML 1.1 reader of the kind Kubernetes uses (libyaml) reads every item the function wrote
//     as a YAML 1.2 reader does: no string of it turns into a boolean, a number, a null, a
//     timestamp or a line break. (An item passed through unchanged reads as its input does.)
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { isNode, parseAllDocuments } from 'yaml';
import { hasForeignAlias } from '../src/krm/io.js';
import { deindent } from '../src/krm/item.js';
import { docFrom, printDoc } from '../src/krm/yaml.js';
import { fixture, KUSTOMIZE, RENDERS, type RunOutput, runCli } from './helpers.js';
import {
  jsYaml,
  kptReadable,
  kptResourceList,
  kustomizeResourceList,
  type PythonLib,
  pythonDump,
  readYaml11,
  readYaml12,
  shareEqualMaps,
  sortKeys,
  stopProducers,
  withMergeKeys,
  yamlDump,
} from './producers.js';

afterAll(stopProducers);

type Resource = Record<string, any>;

const RENDER = readYaml12(fixture(RENDERS.v20)) as Resource[];

// Values that trip readers and writers up: YAML 1.1 booleans, numbers, nulls and timestamps,
// indicators, quotes, line breaks of YAML 1.1 (NEL, LS, PS), controls, block scalars of every
// ending, lines of spaces (yaml 2.9.1 folds them wrongly), long lines (folded by the emitters).
const TRICKY = [
  'yes',
  'no',
  'on',
  'Off',
  'y',
  'N',
  '~',
  'null',
  'true',
  '',
  ' ',
  '1_000',
  '0b101',
  '0x1F',
  '0o17',
  '017',
  '0644',
  '1:20',
  '2001-12-14',
  '2001-12-14 21:59:43.10 -5',
  '=',
  '<<',
  '1e3',
  '.5',
  '+1',
  '-.inf',
  'a: b',
  '#x',
  'a #b',
  '- x',
  '? x',
  '&x',
  '*x',
  '!x',
  '%x',
  '@x',
  '[]',
  '{}',
  '"',
  "'",
  '\\',
  "it's",
  'say "hi"',
  'é 😀',
  '\t',
  'tab\there',
  'x\u2028y',
  'x\u2029',
  'x\u0085y',
  '\ufeffx',
  'x\u007f',
  'x\u0001',
  'x\r\ny',
  'line one\nline two\n',
  'x\n \n \ny\n',
  'x\n  \n  \ny',
  '  lead\nx\n',
  ' \n \n',
  'trail  \nx',
  'x\n\n\n',
  '\nlead',
  'a\n  b\n',
  '---\nx',
  '...',
  'word '.repeat(30),
  `${'word '.repeat(20)}\n`.repeat(3),
];

const tricky = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...TRICKY) },
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom('a', ' ', '\n', '"', "'", '\\', ':', '#', '-', '\t'),
    maxLength: 16,
  }),
);
// Values Kubernetes takes as label values, tricky ones among them.
const labelValue = fc.constantFrom(
  'no',
  'on',
  'y',
  'N',
  '1_000',
  '0b101',
  '0x1F',
  '2001-12-14',
  '1e3',
  'null',
  'plain',
);

interface Tricks {
  workerNote: string;
  templateNote: string;
  env: string;
  label: string;
  settings: string;
  passthrough: string[];
  configLabel: string;
  configNote: string;
  configEnv: string;
}

const tricks: fc.Arbitrary<Tricks> = fc.record({
  workerNote: tricky,
  templateNote: tricky,
  env: tricky,
  label: labelValue,
  settings: tricky,
  passthrough: fc.array(tricky, { minLength: 1, maxLength: 4 }),
  configLabel: labelValue,
  configNote: tricky,
  configEnv: tricky,
});

/** The render with the tricky values put in, and a config that writes some of them. */
function contentOf(t: Tricks): { resources: Resource[]; config: Resource } {
  const resources = structuredClone(RENDER);
  for (const r of resources) {
    if (r.kind === 'Deployment' && /^(lms|cms)-worker$/.test(r.metadata.name)) {
      r.metadata.annotations = { ...r.metadata.annotations, 'example.com/note': t.workerNote };
      const template = r.spec.template;
      template.metadata.annotations = { 'example.com/note': t.templateNote };
      template.metadata.labels['example.com/tier'] = t.label;
      template.spec.containers[0].env = [
        ...(template.spec.containers[0].env ?? []),
        { name: 'TRICKY', value: t.env },
      ];
    }
    if (r.kind === 'ConfigMap' && r.metadata.name.startsWith('openedx-settings-lms')) {
      r.data['notes.txt'] = t.settings;
    }
    if (r.kind === 'Deployment' && r.metadata.name === 'caddy') {
      r.metadata.annotations = { 'example.com/note': t.passthrough[0] };
    }
  }
  resources.push({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'tricky', namespace: 'openedx', labels: { tier: t.label } },
    data: Object.fromEntries(t.passthrough.map((v, i) => [`value-${i}`, v])),
  });
  const config = {
    apiVersion: 'tutor-krm.dev/v1alpha1',
    kind: 'CeleryQueues',
    metadata: { name: 'celery-queues' },
    spec: {
      lms: {
        queues: {
          high: {
            labels: { 'example.com/team': t.configLabel },
            annotations: { 'example.com/config-note': t.configNote },
            env: [{ name: 'CONFIG_TRICKY', value: t.configEnv }],
          },
          high_mem: {},
        },
      },
      cms: { queues: { high: {}, low: {} } },
    },
  };
  return { resources, config };
}

// ---------------------------------------------------------------------------------------------
// Producers

type Form = 'resourceList' | 'stream';

interface Layout {
  name: string;
  write: (docs: unknown[], stream: boolean) => Promise<string> | string;
}

const pyyaml = fc
  .record({
    default_flow_style: fc.constantFrom(false, null),
    indent: fc.constantFrom(2, 4),
    width: fc.constantFrom(80, 4096),
    allow_unicode: fc.boolean(),
    explicit_start: fc.boolean(),
    sort_keys: fc.boolean(),
    default_style: fc.constantFrom(null, '"', "'"),
    share: fc.boolean(),
  })
  .map(({ share, ...options }) => producer('pyyaml', options, share));

const ruamelWith = (
  typ: fc.Arbitrary<string>,
  flow: fc.Arbitrary<boolean | null>,
  comments = false,
) =>
  fc
    .record({
      typ,
      default_flow_style: flow,
      indent: fc.constantFrom(
        { mapping: 2, sequence: 2, offset: 0 },
        { mapping: 2, sequence: 4, offset: 2 },
        { mapping: 4, sequence: 4, offset: 0 },
      ),
      width: fc.constantFrom(80, 4096),
      explicit_start: fc.boolean(),
      share: fc.boolean(),
    })
    .map(({ share, ...options }) =>
      producer('ruamel', comments ? { ...options, comments } : options, share),
    );
// ruamel writes YAML 1.2: in flow style, values such as `{value: :80}` that no YAML 1.1 reader,
// nor go-yaml v3 (kpt, Kustomize), reads. Such a file fails before the function sees it.
const ruamel = ruamelWith(fc.constantFrom('safe', 'rt'), fc.constantFrom(false, null));
const ruamelBlock = ruamelWith(fc.constantFrom('safe', 'rt'), fc.constant(false));
// The round-trip dumper with comments in every place it writes them: after values, before keys,
// after entries. In block style: ruamel 0.17.21 puts a flow mapping's closing brace at column 0
// after a comment, which no reader takes.
const ruamelComments = ruamelWith(fc.constant('rt'), fc.constant(false), true);

function producer(lib: PythonLib, options: Record<string, unknown>, share: boolean): Layout {
  return {
    name: `${lib} ${JSON.stringify(options)}${share ? ' shared' : ''}`,
    write: (docs, stream) => pythonDump(lib, docs, options, { stream, share }),
  };
}

const jsYamlLayout = fc
  .record({
    indent: fc.constantFrom(2, 4),
    seqNoIndent: fc.boolean(),
    lineWidth: fc.constantFrom(80, -1),
    flowLevel: fc.constantFrom(-1, 4),
    quoteStyle: fc.constantFrom('single', 'double'),
    forceQuotes: fc.boolean(),
    share: fc.boolean(),
  })
  .map(
    ({ share, ...options }): Layout => ({
      name: `js-yaml ${JSON.stringify(options)}${share ? ' shared' : ''}`,
      write: (docs) => jsYaml(share ? docs.map(shareEqualMaps) : docs, options),
    }),
  );

const yamlLayout = fc
  .record({
    indentSeq: fc.boolean(),
    lineWidth: fc.constantFrom(0, 80),
    minContentWidth: fc.constant(0),
    defaultStringType: fc.constantFrom('PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE', 'BLOCK_LITERAL'),
    collectionStyle: fc.constantFrom('any', 'flow'),
    directives: fc.boolean(),
    share: fc.boolean(),
  })
  .map(
    ({ share, ...options }): Layout => ({
      name: `yaml ${JSON.stringify(options)}${share ? ' shared' : ''}`,
      write: (docs) => yamlDump(share ? docs.map(shareEqualMaps) : docs, options),
    }),
  );

const jsonLayout = fc.constantFrom(0, 2).map(
  (indent): Layout => ({
    name: `JSON ${indent}`,
    write: (docs, stream) =>
      stream
        ? docs.map((d) => `${JSON.stringify(d, null, indent)}\n`).join('---\n')
        : `${JSON.stringify(docs[0], null, indent)}\n`,
  }),
);

const mergeLayout = fc.constant<Layout>({
  name: 'merge keys',
  write: (docs) => docs.map((d) => withMergeKeys(d)).join('---\n'),
});

const layout = fc.oneof(
  pyyaml,
  ruamel,
  ruamelComments,
  jsYamlLayout,
  yamlLayout,
  jsonLayout,
  mergeLayout,
);

/** What the text goes through after its producer: comments between items, CRLF, a BOM. */
const after = fc.record({ comments: fc.boolean(), crlf: fc.boolean(), bom: fc.boolean() });

function betweenItems(text: string, form: Form): string {
  if (form === 'stream') return text.replace(/^---.*\n/gm, '$&# between documents\n');
  // Before each block entry of `items`, at the dash's column and at column 0.
  const doc = parseAllDocuments(text)[0];
  const items = (doc?.get('items', true) as { items?: { range?: number[] }[] } | undefined)?.items;
  let out = text;
  for (const item of [...(items ?? [])].reverse()) {
    const at = item.range?.[0] ?? 0;
    const lineStart = text.lastIndexOf('\n', at - 1) + 1;
    const dash = /^( *)- +$/.exec(text.slice(lineStart, at));
    if (!dash) continue;
    out = `${out.slice(0, lineStart)}# an item\n${dash[1]}# of the list\n${out.slice(lineStart)}`;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Running the function

const canonical = (value: unknown) => printDoc(docFrom(value));

function run(text: string, form: Form, config: Resource): RunOutput {
  return form === 'stream'
    ? runCli(['--config', '/config.yaml'], text, { '/config.yaml': canonical(config) })
    : runCli([], text);
}

function input(resources: Resource[], config: Resource, form: Form): unknown[] {
  return form === 'stream'
    ? resources
    : [
        {
          apiVersion: 'config.kubernetes.io/v1',
          kind: 'ResourceList',
          items: resources,
          functionConfig: config,
        },
      ];
}

interface ItemText {
  key: string;
  value: unknown;
  text: string;
  /** An alias to an anchor in another item: it cannot go out as its text. */
  foreign: boolean;
}

/** Each item of a ResourceList or stream with its own text (de-indented), found by yaml. */
function itemTexts(input: string, form: Form): ItemText[] {
  const text = kptReadable(input.replace(/^\ufeff/, '')); // a BOM is the encoding's
  const docs = parseAllDocuments(text, { merge: true });
  const nodes =
    form === 'stream'
      ? docs.map((d) => ({ node: d.contents, doc: d }))
      : ((docs[0]?.get('items', true) as { items?: unknown[] })?.items ?? []).map((node) => ({
          node,
          doc: docs[0],
        }));
  return nodes
    .filter(({ node }) => isNode(node) && node.range)
    .map(({ node, doc }) => {
      const [start, end] = (node as { range: [number, number] }).range;
      // A flow collection is its text; a block one its lines, less the indentation they share.
      const flow = text[start] === '{' || text[start] === '[';
      const column = flow ? 0 : start - (text.lastIndexOf('\n', start - 1) + 1);
      const value = toJs(node, doc) as Resource;
      return {
        key: `${value?.kind} ${value?.metadata?.namespace ?? ''}/${value?.metadata?.name}`,
        value,
        text: deindent(' '.repeat(column) + text.slice(start, end), column).trimEnd(),
        foreign: hasForeignAlias(node),
      };
    });
}

function toJs(node: unknown, doc: unknown): unknown {
  return (node as { toJS: (doc: unknown, o: unknown) => unknown }).toJS(doc, { maxAliasCount: -1 });
}

/** The items as libyaml (YAML 1.1) and yaml (1.2) read them; those where they differ. */
async function readDifferently(text: string, form: Form, output = true): Promise<string[]> {
  const one = await readYaml11(text);
  const two = readYaml12(text);
  const pick = (docs: unknown[]) =>
    form === 'stream' ? docs : (((docs[0] as Resource)?.items ?? []) as unknown[]);
  const a = pick(one);
  const b = pick(two).map((v) => JSON.parse(JSON.stringify(v)));
  const differ: string[] = [];
  expect(a.length).toBe(b.length);
  a.forEach((item, i) => {
    if (JSON.stringify(sortKeys(item)) !== JSON.stringify(sortKeys(b[i]))) {
      const r = b[i] as Resource;
      differ.push(`${r?.kind} ${r?.metadata?.namespace ?? ''}/${r?.metadata?.name}`);
    }
  });
  if (form === 'resourceList' && output) {
    // What the function writes around the items: the config it echoes, its results.
    const [x, y] = [one[0] as Resource, two[0] as Resource];
    expect(sortKeys(x.functionConfig)).toEqual(
      sortKeys(JSON.parse(JSON.stringify(y.functionConfig))),
    );
    expect(x.results ?? null).toEqual(y.results ?? null);
  }
  return differ;
}

/** The function on a producer's text against the function on the canonical text. */
async function expectSameResult(
  text: string,
  reference: string,
  form: Form,
  config: Resource,
  label: string,
): Promise<{ kept: number }> {
  const want = run(reference, form, config);
  expect(want.status, want.stderr).toBe(0);
  const got = run(text, form, config);
  expect(got.stderr, label).toBe(want.stderr);
  expect(got.status, label).toBe(0);
  expect(readYaml12(got.stdout), label).toEqual(readYaml12(want.stdout));

  // Untouched items are their input text.
  const before = itemTexts(text, form);
  const out = itemTexts(got.stdout, form);
  let kept = 0;
  for (const item of before) {
    const same = out.find((o) => o.key === item.key);
    if (
      !same ||
      item.foreign ||
      JSON.stringify(sortKeys(same.value)) !== JSON.stringify(sortKeys(item.value))
    ) {
      continue;
    }
    expect(same.text, `${label}: ${item.key}`).toBe(item.text);
    kept++;
  }

  // A YAML 1.1 reader reads what the function wrote as a 1.2 reader does; an item it passed
  // through may read otherwise only if its input did. (Some YAML 1.2 writers write what no YAML
  // 1.1 reader reads at all, such as ruamel's `{value: :80}`: the items then go out as they came,
  // as unreadable to Kubernetes as they were.)
  const inputDiffers = await readDifferently(text, form, false).catch(() => undefined);
  if (inputDiffers) {
    for (const key of await readDifferently(got.stdout, form)) {
      expect(inputDiffers.includes(key), `${label}: ${key} reads otherwise in YAML 1.1`).toBe(true);
    }
  }
  expect(await readDifferently(want.stdout, form), 'the canonical output').toEqual([]);
  return { kept };
}

// ---------------------------------------------------------------------------------------------

describe('the same content from every producer', () => {
  it.each(['resourceList', 'stream'] as Form[])(
    '%s: the same output as the canonical layout, untouched items byte for byte',
    async (form) => {
      let kept = 0;
      await fc.assert(
        fc.asyncProperty(tricks, layout, after, async (t, l, post) => {
          const { resources, config } = contentOf(t);
          let text = await l.write(input(resources, config, form), form === 'stream');
          // The content is what a YAML 1.2 reader reads of the producer's text (mostly the
          // content given: a producer may write a value otherwise, as yaml does lines of spaces,
          // or raw what YAML 1.1 and 1.2 read differently, as PyYAML does with allow_unicode).
          const reference = readYaml12(text).map(canonical).join('---\n');
          if (post.comments) text = betweenItems(text, form);
          if (post.crlf) text = text.replace(/\n/g, '\r\n');
          if (post.bom) text = `\ufeff${text}`;
          const label = `${l.name} ${JSON.stringify(post)}`;
          kept += (await expectSameResult(text, reference, form, config, label)).kept;
        }),
        { seed: 20261205, numRuns: 40 },
      );
      // Most of a render is passed through: a check that kept nothing would prove nothing.
      expect(kept).toBeGreaterThan(40 * 10);
    },
    600_000,
  );
});

describe('kpt and Kustomize as producers', () => {
  /** A package: the render (with the tricks) in three files, written by a producer. */
  async function packageFiles(l: Layout, resources: Resource[]): Promise<Record<string, string>> {
    const byFile: Record<string, Resource[]> = {
      'workers.yaml': [],
      'configmaps.yaml': [],
      'other.yaml': [],
    };
    for (const r of resources) {
      const file = /worker/.test(r.metadata.name)
        ? 'workers.yaml'
        : r.kind === 'ConfigMap'
          ? 'configmaps.yaml'
          : 'other.yaml';
      (byFile[file] as Resource[]).push(r);
    }
    const out: Record<string, string> = {};
    for (const [file, docs] of Object.entries(byFile)) out[file] = await l.write(docs, true);
    return out;
  }

  const producers = fc.oneof(pyyaml, ruamelBlock, ruamelComments, jsYamlLayout, mergeLayout);
  // yaml (the merge-key layout) and PyYAML with allow_unicode write NEL, LS and PS raw, which
  // go-yaml reads as line breaks: kpt and Kustomize refuse such a file before any function runs.
  const packageTricks = tricks.filter((t) => !/[\u0085\u2028\u2029]/.test(JSON.stringify(t)));

  it('kpt fn source of a package: the same output as the canonical layout', async () => {
    await fc.assert(
      fc.asyncProperty(packageTricks, producers, async (t, l) => {
        const { resources, config } = contentOf(t);
        const list = kptResourceList(await packageFiles(l, resources));
        const text = `${list}functionConfig:\n${canonical(config).replace(/^(?=.)/gm, '  ')}`;
        const value = readYaml12(text)[0];
        await expectSameResult(text, canonical(value), 'resourceList', config, `kpt ${l.name}`);
      }),
      { seed: 20261205, numRuns: 8 },
    );
  }, 600_000);

  it('what Kustomize 4.5.4 sends an exec function: the same output as the canonical layout', async () => {
    await fc.assert(
      fc.asyncProperty(packageTricks, producers, async (t, l) => {
        const { resources, config } = contentOf(t);
        const files = await packageFiles(l, resources);
        const text = kustomizeResourceList(files, config, KUSTOMIZE);
        const value = readYaml12(text)[0];
        await expectSameResult(
          text,
          canonical(value),
          'resourceList',
          config,
          `Kustomize ${l.name}`,
        );
      }),
      { seed: 20261205, numRuns: 6 },
    );
  }, 600_000);
});
