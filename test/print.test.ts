// The printer of written resources (src/krm/print.ts) against yaml: for any plain value it
// prints, the text is byte for byte what `printResource(docFrom(value))` gives, in both sequence
// styles; what it declines, yaml prints; and Edit.create writes the same for plain data as for
// its document.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Edit } from '../src/krm/edit.js';
import { Item, linesInContainer } from '../src/krm/item.js';
import { printTextForm, type TextForm } from '../src/krm/plain-text.js';
import {
  literalBlock,
  type PlainResource,
  plainCopy,
  printPlain,
  printPlainIn,
  printPlainPieces,
  sharedTail,
} from '../src/krm/print.js';
import { Results } from '../src/krm/results.js';
import { needsEscapes } from '../src/krm/text/strings.js';
import { deepEqual, docFrom, printResource, toPlain, writeNewString } from '../src/krm/yaml.js';
import { inContainer, KEYS, text } from './yaml-arbitraries.js';

const SEQ_INDENT = 'internal.config.kubernetes.io/seqindent';

// Strings each YAML version reads as something else, or that need quotes or a block: YAML 1.1
// booleans, octals and sexagesimals, 1.2's core types, indicators, `: ` and ` #` inside,
// document markers, leading and trailing spaces, line breaks, unicode and control characters.
const tricky = fc.constantFrom(
  '',
  ' ',
  'y',
  'Y',
  'n',
  'yes',
  'No',
  'ON',
  'off',
  '0644',
  '-0755',
  '0b101',
  '1_000',
  '0o17',
  '0x1F',
  '12',
  '-3',
  '1.5',
  '.5',
  '1e3',
  '.inf',
  '-.Inf',
  '.nan',
  'true',
  'False',
  'null',
  'Null',
  '~',
  '190:20:30',
  '2001-12-14',
  '- a',
  '-',
  '?',
  '? x',
  ':',
  'a:',
  'a: b',
  'a:b',
  'a #b',
  'a#b',
  '#x',
  '&anchor',
  '*alias',
  '!tag',
  '%YAML',
  '@at',
  '`tick',
  '|',
  '>',
  '[x]',
  '{x}',
  'a,b',
  '---',
  '--- x',
  '...',
  'a\n---\nb',
  'a\n...\n',
  '%x\ny',
  ' lead',
  'trail ',
  'tab\t',
  '\ttab',
  'line\nline',
  'line\nline\n',
  'para\n\nafter a blank line\n',
  'x\n  \ny\n',
  'line\n\n',
  '\n',
  '\n\n',
  '\nlead',
  ' \nx',
  'x \ny',
  'x\n y\n',
  '  two\nlines\n',
  'end\n  ',
  'quote"s',
  "it's",
  `both ' and "`,
  '"x"\ny',
  "'x'\ny",
  'back\\slash',
  'été 😀 日本',
  '\u0085next',
  '\u00a0nbsp',
  '\u2028sep',
  'ctl\u0001\u007f\u001b',
  '\u0000nul',
  'lone \ud800',
  '{\n  "uid": "x",\n  "a": [\n    1\n  ]\n}\n',
  '{\n  "a": 1,\n\n  "b": 2\n}\n',
  'k'.repeat(1030),
);

const str = fc.oneof(tricky, text, fc.string({ unit: 'binary', maxLength: 12 }));
const key = fc.oneof(fc.constantFrom(...KEYS), tricky, str);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    str,
    fc.integer(),
    fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
    fc.boolean(),
    fc.constant(null),
    fc.constant(undefined),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
}));
const resource = fc.record({
  top: fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 }),
  wide: fc.boolean(),
});

/** What Edit.create did before: the resource as a yaml Document, printed by yaml. */
function viaYaml(v: Record<string, unknown>): string {
  return printResource(docFrom(v));
}

function withSeqStyle(top: Record<string, unknown>, wide: boolean): Record<string, unknown> {
  if (!wide) return top;
  return { ...top, metadata: { annotations: { [SEQ_INDENT]: 'wide' } } };
}

describe('printPlain', () => {
  it('prints every value it takes as yaml does, byte for byte, in both sequence styles', () => {
    let printed = 0;
    fc.assert(
      fc.property(resource, ({ top, wide }) => {
        const v = withSeqStyle(top, wide);
        const copy = plainCopy(v);
        if (!copy) return;
        const text = printPlain(copy);
        if (text === undefined) return;
        printed++;
        expect(text).toBe(viaYaml(v));
      }),
      { numRuns: 3000 },
    );
    // The printer takes nearly everything generated: the comparison above is not vacuous.
    expect(printed).toBeGreaterThan(2500);
  });

  it('prints the strings of every kind on their own, as keys and as values at every depth', () => {
    fc.assert(
      fc.property(key, str, fc.nat(3), fc.boolean(), (k, s, depth, inList) => {
        let v: unknown = s;
        for (let i = 0; i < depth; i++) v = inList && i % 2 === 0 ? [v, s] : { [k]: v };
        const top = { [k]: v, s };
        const copy = plainCopy(top);
        const text = copy && printPlain(copy);
        if (text !== undefined) expect(text).toBe(viaYaml(top));
      }),
      { numRuns: 3000 },
    );
    for (const s of [
      'y',
      '0644',
      'a: b',
      'line\nline\n',
      '\u0085next',
      'lone \ud800',
      '--- x',
      '',
    ]) {
      const top = { [s]: s, list: [s, { [s]: [s] }] };
      expect(printPlain(plainCopy(top) as Record<string, unknown>)).toBe(viaYaml(top));
    }
  });

  it('reads back as the value (under the 1.2 core schema) and as strings under YAML 1.1', () => {
    const top = { on: 'yes', octal: '0644', n: 5, list: ['a: b', 'x\ny\n', ''], empty: {} };
    const text = printPlain(plainCopy(top) as Record<string, unknown>) as string;
    expect(parse(text)).toEqual(top);
    expect(parse(text, { version: '1.1' })).toEqual(top);
  });

  it('declines what yaml would print with anchors, other numbers or objects, or explicit keys', () => {
    const shared = { a: 'b' };
    expect(plainCopy({ x: shared, y: shared })).toBeUndefined();
    expect(plainCopy({ x: 1.5 })).toBeUndefined();
    expect(plainCopy({ x: -0 })).toBeUndefined();
    expect(plainCopy({ x: new Date(0) })).toBeUndefined();
    expect(plainCopy({ x: [undefined] })).toBeUndefined();
    expect(plainCopy({ x: undefined, y: 1 })).toEqual({ y: 1 });
    expect(printPlain({ ['k'.repeat(1030)]: 1 })).toBeUndefined();
    // A key __proto__ is an object's own only when written so; yaml reads it as any key.
    expect(plainCopy({ ['__proto__']: 'x' })).toBeUndefined();
  });
});

// Written resources go out as ResourceList entries printed straight in their container; the
// general path prints them at column 0 and moves every line in (linesInContainer).
describe('printPlainIn', () => {
  const container = fc.integer({ min: 0, max: 7 });

  it('prints in a container what printPlain prints moved there, byte for byte', () => {
    let printed = 0;
    fc.assert(
      fc.property(resource, container, ({ top, wide }, c) => {
        const copy = plainCopy(withSeqStyle(top, wide));
        if (!copy) return;
        const alone = printPlain(copy);
        const start = c >= 2 ? `${' '.repeat(c - 2)}- ` : '';
        const entry = printPlainIn(copy, { start, container: c });
        if (alone === undefined) {
          expect(entry).toBeUndefined();
          return;
        }
        printed++;
        expect(entry).toBe(start + linesInContainer(alone, c));
        // And as the tests' own mover writes an entry: lines split, blank ones left empty.
        if (c >= 2) expect(entry).toBe(inContainer(alone, c));
      }),
      { numRuns: 3000 },
    );
    expect(printed).toBeGreaterThan(2500);
  });

  it('moves block scalars in with their blank lines left empty, and other multi-line strings', () => {
    const top = {
      data: { 'dashboard.json': '{\n  "a": 1,\n\n  "b": 2\n}\n', 'script.sh': 'a\n  \nb\n' },
      list: [{ long: `${'word '.repeat(30)}\n` }, 'x \ny', ['line\nline\n']],
    };
    for (const c of [0, 2, 3, 4, 6]) {
      const entry = printPlainIn(top, { start: 's', container: c });
      expect(entry).toBe(`s${linesInContainer(printPlain(top) as string, c)}`);
      expect(entry).toContain(`|\n${' '.repeat(c + 4)}{\n${' '.repeat(c + 6)}"a": 1,\n\n`);
    }
  });
});

// An entry whose block scalar ends in a declared shared tail (every instance's dashboard ends in
// the same panels) is kept in pieces, the tail's lines one of them, made once: joined, they are
// the text printPlainIn prints.
describe('printPlainPieces', () => {
  const lines = fc.array(
    fc.oneof(fc.constantFrom('', '  "a": 1,', '{', '}', 'été · ’', '- x'), text),
    { minLength: 2, maxLength: 8 },
  );

  it('gives printPlainIn text in pieces, a declared tail a piece of its own', () => {
    let apart = 0;
    fc.assert(
      fc.property(resource, lines, fc.nat(), fc.integer({ min: 0, max: 6 }), (r, l, cut, c) => {
        const block = `${l.join('\n')}\n`;
        // Any tail of it (the test below and literalBlock's hold what a tail may be).
        sharedTail(block.slice(1 + (cut % (block.length - 2)), -1));
        const copy = plainCopy({ ...withSeqStyle(r.top, r.wide), data: { 'a.json': block } });
        if (!copy) return;
        const start = c >= 2 ? `${' '.repeat(c - 2)}- ` : '';
        const whole = printPlainIn(copy, { start, container: c });
        const pieces = printPlainPieces(copy, { start, container: c });
        if (whole === undefined) {
          expect(pieces).toBeUndefined();
          return;
        }
        expect(pieces?.join('')).toBe(whole);
        // And the general path's: yaml's text, moved into the container.
        expect(whole).toBe(start + linesInContainer(viaYaml(copy), c));
        if ((pieces?.length ?? 0) > 1) apart++;
      }),
      { numRuns: 2000 },
    );
    // The pieces path is taken, not only the joined one.
    expect(apart).toBeGreaterThan(500);
  });

  it('keeps a dashboard-like block that ends in a declared tail as three pieces, in an entry', () => {
    const panels = `  "panels": [\n${'    {"x": 1},\n'.repeat(40)}  ]\n}`;
    sharedTail(panels);
    const value = (ns: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'dashboard', namespace: ns },
      data: { 'd.json': `{\n  "title": "Flower · ${ns} ’",\n${panels}\n` },
    });
    const texts: string[] = [];
    for (const ns of ['openedx-000', 'openedx-001']) {
      const pieces = printPlainPieces(plainCopy(value(ns)) as PlainResource, {
        start: '- ',
        container: 2,
      });
      expect(pieces).toHaveLength(3);
      const entry = inContainer(printResource(docFrom(value(ns))), 2);
      expect(pieces?.join('')).toBe(entry);
      texts.push(pieces?.[1] as string);
      // Settled into an entry, the same text as UTF-8 bytes; read back, the document.
      const item = Item.generated(plainCopy(value(ns)) as PlainResource);
      item.settle(2);
      expect(item.entryAt(0)?.toString('utf8')).toBe(entry);
      expect(item.printed).toBe(printResource(docFrom(value(ns))));
    }
    // The tail's lines, the same for both.
    expect(texts[0]).toBe(texts[1]);
    expect(texts[0]).toContain('{"x": 1}');
  });
});

describe('Item.settle into an entry', () => {
  it('keeps the entry for the output, and reads back as the document printed at column 0', () => {
    const value = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
      data: { 'a.json': `{\n${'  "a": 1,\n\n'.repeat(50)}  "b": 2\n}\n` },
    };
    for (const container of [2, 4, 6]) {
      const item = Item.generated(plainCopy(value) as PlainResource);
      item.settle(container);
      const alone = printPlain(value) as string;
      expect(item.entryAt(container - 2)?.toString('utf8')).toBe(inContainer(alone, container));
      expect(item.entryAt(container)).toBeUndefined();
      expect(item.printed).toBe(alone);
      expect(item.name).toBe('x');
      expect(toPlain(item.doc)).toEqual(value);
    }
  });
});

// printTextForm's kept annotations go out as their input text. It once printed each as a mark,
// moved the text in, and swapped each mark's line for the text: the same bytes, in two copies.
describe('printTextForm', () => {
  function viaMarks(form: TextForm, value: PlainResource): string | undefined {
    const metadata = value.metadata as Record<string, unknown>;
    const annotations = metadata.annotations as Record<string, unknown>;
    const swaps: [string, string][] = [];
    const marked: Record<string, unknown> = { ...annotations };
    for (const [key, { text, value: was }] of form.kept) {
      if (!Object.hasOwn(marked, key) || !deepEqual(marked[key], was)) continue;
      const mark = `celery-queues-kept-annotation-${swaps.length}`;
      marked[key] = mark;
      swaps.push([`${key}: ${mark}`, text]);
    }
    const printed = printPlain({ ...value, metadata: { ...metadata, annotations: marked } });
    if (printed === undefined) return undefined;
    let out = form.start + linesInContainer(printed, form.container);
    for (const [line, entry] of swaps) {
      const at = out.indexOf(line);
      if (at < 0) return undefined;
      out = out.slice(0, at) + entry + out.slice(at + line.length);
    }
    return out;
  }

  it('writes the kept annotations as their text, the rest as printPlain, in the container', () => {
    let kept = 0;
    fc.assert(
      fc.property(
        fc.dictionary(key, str, { maxKeys: 5 }),
        fc.constantFrom(undefined, 'wide', 'compact'),
        fc.array(fc.tuple(fc.boolean(), fc.boolean()), { minLength: 6, maxLength: 6 }),
        fc.integer({ min: 0, max: 6 }),
        value,
        (annotations, seqIndent, flags, c, spec) => {
          const all = seqIndent ? { ...annotations, [SEQ_INDENT]: seqIndent } : annotations;
          const resource = plainCopy({
            metadata: { name: 'x', annotations: all },
            spec: spec ?? null,
          });
          if (!resource) return;
          const form: TextForm = {
            value: resource,
            start: c >= 2 ? `${' '.repeat(c - 2)}- ` : '',
            container: c,
            kept: new Map(),
          };
          Object.entries(all).forEach(([k, v], i) => {
            const [keep, same] = flags[i] ?? [false, false];
            // (Not the empty key: the marks' search took its `"": mark` for `: mark` and left
            // the key's quotes in front of its text, a text no input has.)
            if (!keep || k === '') return;
            const text = `${JSON.stringify(k)}: kept ${i}\n${' '.repeat(c + 4)}more`;
            form.kept.set(k, { text, value: same ? v : `${String(v)}!` });
            if (same) kept++;
          });
          expect(printTextForm(form, resource)).toBe(viaMarks(form, resource));
        },
      ),
      { numRuns: 2000 },
    );
    expect(kept).toBeGreaterThan(500);
  });
});

describe('literalBlock', () => {
  // Lines of every kind a block holds or refuses: blank, spaces only, more indented, tabs,
  // comments and document markers, quotes, unicode, escapes, words YAML 1.1 reads as booleans.
  const line = fc.oneof(
    fc.constantFrom('', ' ', '  ', 'x', '  x', '\tx', 'x\t', 'x ', '# c', '---', '...', '- a'),
    fc.constantFrom('{', '}', '  "uid": "x",', 'yes', '12', 'été · ’', '\u0085', '\r', 'a: b'),
    text,
  );
  const multiLine = fc
    .tuple(fc.array(line, { minLength: 1, maxLength: 8 }), fc.constantFrom('', '\n', '\n\n'))
    .map(([lines, end]) => lines.join('\n') + end);
  const indent = fc.constantFrom('', '  ', '    ', '        ');

  it('writes a value as yaml writes it wherever it takes one, and takes a good share', () => {
    let taken = 0;
    fc.assert(
      fc.property(multiLine, indent, (value, at) => {
        const block = literalBlock(value, at);
        if (block === undefined) return;
        taken++;
        expect(block).toBe(writeNewString(value, false, at));
      }),
      { numRuns: 5000 },
    );
    expect(taken).toBeGreaterThan(400);
  });

  it('writes a value that ends in a shared tail as yaml writes it, cut wherever the tail starts', () => {
    let shared = 0;
    fc.assert(
      fc.property(multiLine, indent, fc.nat(), (value, at, start) => {
        // Any tail: one with what only escapes write too (checked once, when declared).
        if (value.length > 1) sharedTail(value.slice(start % (value.length - 1), -1));
        const block = literalBlock(value, at);
        if (block === undefined) return;
        shared++;
        expect(block).toBe(writeNewString(value, false, at));
        // Made the first time, then taken as made.
        expect(literalBlock(value, at)).toBe(block);
      }),
      { numRuns: 5000 },
    );
    expect(shared).toBeGreaterThan(400);
  });

  it('writes the dashboard-like JSON of the examples, and leaves the other forms to yaml', () => {
    const json = '{\n  "uid": "x",\n  "a": [\n    1\n  ]\n}\n';
    expect(literalBlock(json, '    ')).toBe(writeNewString(json, false, '    '));
    expect(literalBlock(json, '    ')).toMatch(/^\|\n {4}\{\n/);
    for (const other of ['one line', ' lead\nx\n', 'x\n\n', 'x \n', 'x\ny', 'y\u0085\n']) {
      expect(literalBlock(other, '  ')).toBeUndefined();
    }
  });
});

describe('needsEscapes', () => {
  // The one class it looks for first must take in every character the full test finds.
  const full =
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

  it('finds what the full test finds, for every UTF-16 code unit alone and between others', () => {
    let found = 0;
    for (let c = 0; c <= 0xffff; c++) {
      const one = String.fromCharCode(c);
      for (const s of [one, `a${one}b`, `\ud83d${one}`, `${one}\ude00`]) {
        expect(needsEscapes(s)).toBe(full.test(s));
        if (full.test(s)) found++;
      }
    }
    expect(found).toBeGreaterThan(4000);
  });
});

describe('Edit.create of plain data', () => {
  const anchorText = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: anchor\n';
  const labelKey = fc.constantFrom(
    'a',
    'b',
    'm',
    'z',
    'app.kubernetes.io/name',
    '1',
    '10',
    'x.y/z',
  );
  const labelMap = fc.dictionary(labelKey, fc.constantFrom('v', 'w', '1'), { maxKeys: 4 });
  const metadataKey = fc.constantFrom('name', 'namespace', 'annotations', 'labels', 'uid', '7');

  /** The text Edit.create writes for a resource, handed over as plain data or as a document. */
  function written(
    resource: Record<string, unknown>,
    labels: Record<string, string>,
    asDoc: boolean,
  ) {
    const anchor = Item.lazy(anchorText, 0, 'document 1');
    const edit = new Edit([anchor], new Results());
    edit.labels = labels;
    edit.create(asDoc ? docFrom(resource) : resource, anchor, 'anchor');
    edit.settle();
    return edit.output().map((item) => item.raw ?? item.printed);
  }

  it('writes what the document path writes, labels and annotations put in alike', () => {
    fc.assert(
      fc.property(
        labelMap,
        fc.option(labelMap, { nil: undefined }),
        fc.uniqueArray(metadataKey, { maxLength: 4 }),
        (labels, own, keys) => {
          const metadata: Record<string, unknown> = {};
          for (const k of keys) {
            metadata[k] = k === 'labels' ? (own ?? {}) : k === 'annotations' ? { note: 'x' } : 'v';
          }
          metadata.name = 'made';
          const resource = { apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { k: 'v' } };
          const plain = written(structuredClone(resource), labels, false);
          expect(plain).toEqual(written(structuredClone(resource), labels, true));
        },
      ),
      { numRuns: 500 },
    );
  });
});
