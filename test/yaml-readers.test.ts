// What the output says to the programs that read it. Kubernetes reads YAML 1.1 (kubectl and the
// API server decode with sigs.k8s.io/yaml, on go-yaml v2; libyaml is the same kind of reader),
// kpt and Kustomize YAML 1.2 (go-yaml v3), the function itself YAML 1.2 (yaml). Every string
// the function writes must read back as the same string in all of them: no YAML 1.1 boolean,
// number, null or timestamp written plain, no NEL, LS or PS written raw.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, parse, parseAllDocuments } from 'yaml';
import { readStream } from '../src/krm/io.js';
import { docFrom, parseOptions, printDoc, toPlain } from '../src/krm/yaml.js';
import { goldenOutputs } from './golden.js';
import { celeryQueuesConfig, fixture, RENDERS, ROOT, runWithConfig } from './helpers.js';
import { readAsKubernetes, readYaml11Sync, readYaml12 } from './producers.js';

type Resource = Record<string, any>;

/** Plain data with its keys sorted, and a labels map left empty by kubectl's label taken out. */
function normal(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normal);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = normal((v as Resource)[k]);
  const meta = out.metadata as Resource | undefined;
  if (meta?.labels && Object.keys(meta.labels).length === 0) delete meta.labels;
  return out;
}

/**
 * A text as the function reads it: YAML 1.2, and a closing quote at column 0 as kpt writes it
 * (yaml alone refuses it; go-yaml, libyaml and PyYAML read it).
 */
function read12(text: string): unknown[] {
  return readStream(text).items.map((item) => toPlain(item.doc));
}

/** The resources of an output: a manifest stream's documents, or a ResourceList's items. */
function resourcesOf(text: string): { items: Resource[]; stream: string } {
  const docs = read12(text) as Resource[];
  if (docs.length === 1 && docs[0]?.kind === 'ResourceList') {
    const items = docs[0].items as Resource[];
    return { items, stream: items.map((r) => printDoc(docFrom(r))).join('---\n') };
  }
  return { items: docs.filter((d) => d != null), stream: text };
}

/** Every example's expected output: each `expected.yaml`, and the files of `expected/` folders. */
function expectedOutputs(dir: string, expected = false): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return expectedOutputs(path, expected || entry.name === 'expected');
    return entry.name.endsWith('.yaml') && (expected || entry.name === 'expected.yaml')
      ? [path]
      : [];
  });
}

/** Every golden output (each diff applied to its input) and every example's expected output. */
const GOLDEN: { name: string; text: string }[] = [
  ...goldenOutputs().map(({ name, output }) => ({ name: `test/golden/${name}`, text: output })),
  ...expectedOutputs(join(ROOT, 'examples')).map((path) => ({
    name: relative(ROOT, path),
    text: readFileSync(path, 'utf8'),
  })),
];

describe('every golden output, read as Kubernetes reads it', () => {
  const yaml11 = readYaml11Sync(GOLDEN.map((g) => g.text));

  it.each(GOLDEN.map((g, i) => [g.name, i] as const))(
    '%s: libyaml (YAML 1.1) reads what yaml (1.2) reads',
    (_, i) => {
      const text = (GOLDEN[i] as { text: string }).text;
      expect(normal(yaml11[i])).toEqual(normal(JSON.parse(JSON.stringify(read12(text)))));
    },
  );

  it.each(GOLDEN.map((g, i) => [g.name, i] as const))(
    '%s: kubectl reads every resource as yaml does',
    (_, i) => {
      const { items, stream } = resourcesOf((GOLDEN[i] as { text: string }).text);
      expect(items.length).toBeGreaterThan(0);
      expect(normal(readAsKubernetes(stream))).toEqual(normal(JSON.parse(JSON.stringify(items))));
    },
  );
});

// ---------------------------------------------------------------------------------------------

// Strings every reader must get back as strings: YAML 1.1 booleans, nulls, numbers in every base
// and with `_`, base 60, timestamps, the merge and value keys; YAML 1.1 line breaks; controls.
const AWKWARD = [
  'y',
  'n',
  'Yes',
  'no',
  'ON',
  'off',
  '~',
  '',
  'null',
  '1_000',
  '+1',
  '0b101',
  '-0b1',
  '0x1F',
  '0o17',
  '017',
  '08',
  '1:20',
  '1:20.5',
  '.5',
  '1e3',
  '1.',
  '2001-12-14',
  '2001-1-2',
  '2001-12-14t21:59:43.10-05:00',
  '2001-12-14 21:59:43.10 -5',
  '=',
  '<<',
  'x\u2028y',
  'x\u2029',
  '\u0085',
  'x\u007f',
  '\ufeffx',
  'x\u0000y',
  'x\ry',
  '\t',
  '\tx\n',
  ' \n \n',
  'x\n \n \ny\n',
  ' x',
];

const awkward = fc.oneof(
  fc.constantFrom(...AWKWARD),
  fc.string({ unit: 'binary', maxLength: 12 }).map((s) => s.replace(/[\ud800-\udfff]/g, 'x')),
  fc.string({
    unit: fc.constantFrom(' ', '\n', '\t', 'a', ':', '#', '-', '\u2028', '\u0085'),
    maxLength: 10,
  }),
);

describe('strings the printer writes', () => {
  it('read back as themselves in YAML 1.2, in YAML 1.1 and in Kubernetes, in every style', () => {
    const types = [
      undefined,
      'PLAIN',
      'QUOTE_SINGLE',
      'QUOTE_DOUBLE',
      'BLOCK_LITERAL',
      'BLOCK_FOLDED',
    ];
    const cases = fc.sample(
      fc.tuple(fc.array(awkward, { minLength: 1, maxLength: 6 }), fc.constantFrom(...types)),
      {
        seed: 20261205,
        numRuns: 400,
      },
    );
    const texts = cases.map(([values, type]) => {
      const doc = new Document(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'x',
            annotations: Object.fromEntries(values.map((v, i) => [`k${i}`, v])),
          },
          data: Object.fromEntries(values.map((v) => [`key-${v}`, v])),
          list: values,
        },
        parseOptions,
      );
      // The style a node may carry in from its input (yaml writes some of them wrongly).
      const visit = (n: any) => {
        if (n?.items) for (const i of n.items) visit(i.value ?? i);
        else if (n && typeof n.value === 'string') n.type = type;
      };
      visit(doc.contents);
      return printDoc(doc);
    });
    const yaml11 = readYaml11Sync(texts);
    texts.forEach((text, i) => {
      const want = JSON.parse(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: 'x',
            annotations: Object.fromEntries((cases[i]?.[0] ?? []).map((v, j) => [`k${j}`, v])),
          },
          data: Object.fromEntries((cases[i]?.[0] ?? []).map((v) => [`key-${v}`, v])),
          list: cases[i]?.[0],
        }),
      );
      expect(parse(text, parseOptions), text).toEqual(want);
      expect(normal(yaml11[i]?.[0]), text).toEqual(normal(want));
    });
    // kubectl on a few of them at once (a process each).
    const some = texts.filter((_, i) => i % 40 === 0).join('---\n');
    expect(normal(readAsKubernetes(some))).toEqual(normal(readYaml12(some)));
  });

  it('never lets yaml 2.9.1 fold lines of spaces into the output', () => {
    // yaml writes this folded scalar with a blank line between the lines of spaces (upstream
    // bug); the function writes it literal, as it reads.
    const value = 'x\n \n \ny\n';
    const doc = new Document({ a: value });
    (doc.contents as any).items[0].value.type = 'BLOCK_FOLDED';
    expect(parse(doc.toString()).a).not.toBe(value); // when this fails, upstream fixed it
    const ours = docFrom({ a: value });
    (ours.contents as any).items[0].value.type = 'BLOCK_FOLDED';
    expect(parse(printDoc(ours)).a).toBe(value);
  });
});

describe('strings the function writes into resources, results and stderr', () => {
  it('config values with awkward strings: every reader reads the new workers as the config says', () => {
    const values = fc.sample(awkward, { seed: 20261205, numRuns: 40 });
    // The config as JSON, which holds any string exactly (yaml would write some wrongly).
    const config = (spec: unknown) =>
      JSON.stringify({
        apiVersion: 'tutor-krm.dev/v1alpha1',
        kind: 'CeleryQueues',
        metadata: { name: 'celery-queues' },
        spec,
      });
    const outs = values.map((v) =>
      runWithConfig(
        fixture(RENDERS.v20),
        config({
          lms: {
            queues: {
              high: {
                annotations: { 'example.com/note': v },
                env: [{ name: 'NOTE', value: v }],
              },
            },
          },
        }),
      ),
    );
    const yaml11 = readYaml11Sync(outs.map((o) => o.stdout));
    outs.forEach((out, i) => {
      expect(out.status, out.stderr).toBe(0);
      const find = (docs: unknown[]) =>
        (docs as Resource[]).find((d) => d?.metadata?.name === 'lms-worker-high') as Resource;
      for (const docs of [readYaml12(out.stdout), yaml11[i] as unknown[]]) {
        const worker = find(docs);
        expect(worker.spec.template.metadata.annotations['example.com/note']).toBe(values[i]);
        expect(
          worker.spec.template.spec.containers[0].env.find((e: Resource) => e.name === 'NOTE')
            .value,
        ).toBe(values[i]);
      }
    });
  });

  it('labels from the config that YAML 1.1 reads otherwise are quoted: kubectl reads strings', () => {
    const labels = {
      a: 'no',
      b: 'on',
      c: 'y',
      d: '1_000',
      e: '0b101',
      f: '2001-12-14',
      g: 'N',
      h: '0x1F',
    };
    const out = runWithConfig(
      fixture(RENDERS.v20),
      celeryQueuesConfig({ lms: { queues: { high: { labels } } } }),
    );
    expect(out.status, out.stderr).toBe(0);
    const worker = readAsKubernetes(out.stdout).find(
      (r: any) => r.metadata.name === 'lms-worker-high',
    ) as Resource;
    expect(worker.spec.template.metadata.labels).toMatchObject(labels);
  });

  it('an error about a value with NEL, LS or PS stays on one line, in results and on stderr', () => {
    const text = parseAllDocuments(fixture(RENDERS.v20))
      .map((d) => d.toString())
      .join('---\n');
    const out = runWithConfig(
      text,
      celeryQueuesConfig({ lms: { queues: { 'a\u2028b\u0085': {} } } }),
    );
    expect(out.status).toBe(1);
    // The error on one line, then the run's summary line.
    const lines = out.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^celery-queues: failed: /);
    expect(out.stderr).not.toMatch(/[\u0085\u2028\u2029]/);
    expect(out.stderr).toContain('a\\u2028b\\u0085');
  });
});
