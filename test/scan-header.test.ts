// The header scan (src/krm/item.ts, scanHeader): apiVersion, kind, metadata.name and
// metadata.namespace read off an item's text without parsing it, as every item of the input is.
// Held to the parser over generated resources in every style yaml writes, with lines added that
// the scan must leave to the parser (flow style, anchors, tags, duplicates, odd keys).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isMap } from 'yaml';
import { Item, scanHeader } from '../src/krm/item.js';
import { parseYaml } from '../src/krm/yaml.js';
import { inContainer, print, type Style, text, tree } from './yaml-arbitraries.js';

const HEADER_VALUES = fc.oneof(
  {
    weight: 12,
    arbitrary: fc.constantFrom('apps/v1', 'v1', 'lms-worker', 'a.b/c-d_e', '0644', 'true', '12'),
  },
  { weight: 2, arbitrary: text },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.constant(null)) },
);
const resource = fc.record(
  {
    apiVersion: HEADER_VALUES,
    kind: HEADER_VALUES,
    metadata: fc.record(
      {
        name: HEADER_VALUES,
        namespace: HEADER_VALUES,
        labels: fc.dictionary(fc.constantFrom('a', 'b/c', 'name'), text, { maxKeys: 2 }),
        'x.y/z-1': tree,
      },
      { requiredKeys: ['name'] },
    ),
    spec: tree,
    data: tree,
  },
  { requiredKeys: ['apiVersion', 'kind', 'metadata'] },
);

// yaml's styles, mostly those the scan reads (plain keys; plain and quoted header values).
const style: fc.Arbitrary<Style> = fc.record({
  indentSeq: fc.boolean(),
  lineWidth: fc.constantFrom(0, 40),
  defaultStringType: fc.constantFrom(
    'PLAIN',
    'PLAIN',
    'QUOTE_DOUBLE',
    'QUOTE_SINGLE',
    'BLOCK_LITERAL',
  ),
  defaultKeyType: fc.constantFrom(null, null, 'PLAIN', 'QUOTE_DOUBLE'),
  container: fc.constantFrom(0, 2, 4),
});

// Lines put in at the start or after any line: some the scan reads past, some it must leave to
// the parser (what it cannot read, or what makes the document another one).
const EXTRA = fc.constantFrom(
  '# a comment',
  '',
  '   ',
  'status: {}',
  'kind: Again',
  'metadata: {name: flow}',
  'apiVersion: &a v1',
  'other: !tag x',
  '---',
  '...',
  '? complex',
  '"quoted": 1',
  'kind: v1 # a comment',
  "kind: 'quoted'",
  'kind: "dq"',
  'kind: "esc\\"aped"',
  '  name: deeper',
  '  more',
  ' odd: 1',
  '\tkind: tab',
  'x:y',
  'kind:x',
  'a b: c',
);

/** The header as the function reads it off the parse; undefined when the parser refuses the text. */
const headerOf = (source: string) => {
  const doc = parseYaml(source);
  if (doc.errors.length > 0 || !isMap(doc.contents)) return undefined;
  const { apiVersion, kind, name, namespace } = Item.parsedInput(doc, 'x');
  return { apiVersion, kind, name, namespace };
};

describe('scanHeader', () => {
  it('reads what the parser reads, or leaves the resource to it', () => {
    let read = 0;
    fc.assert(
      fc.property(
        resource,
        style,
        fc.array(fc.tuple(fc.nat(), EXTRA), { maxLength: 2 }),
        (value, s, extras) => {
          const lines = print(value, s).split('\n');
          // (Not an indented line first: an entry's or a document's first line is its own.)
          for (const [at, line] of extras) {
            lines.splice(Math.max(at % (lines.length + 1), line.startsWith(' ') ? 1 : 0), 0, line);
          }
          const source = lines.join('\n');
          const scanned = scanHeader(inContainer(source, s.container), s.container);
          if (!scanned) return;
          read++;
          // (What the parser refuses, the item's reader reports when it reads it.)
          const parsed = headerOf(source);
          if (parsed === undefined) return;
          const { metadata, ...header } = scanned;
          expect(header, source).toEqual(parsed);
        },
      ),
      { seed: 20261205, numRuns: 3000 },
    );
    expect(read).toBeGreaterThan(150);
  });

  it.each([
    ['kind', 'apiVersion: v1\nkind: Deploy\n  ment\nmetadata:\n  name: x\n'],
    ['apiVersion', 'apiVersion: v1\n\n  beta1\nkind: A\nmetadata:\n  name: x\n'],
    ['metadata.name', 'apiVersion: v1\nkind: A\nmetadata:\n  name: x\n    y\n'],
    ['metadata.namespace', 'apiVersion: v1\nkind: A\nmetadata:\n  namespace: x\n   y\n  name: z\n'],
  ])('leaves a plain %s that goes on over lines to the parser', (_, source) => {
    expect(headerOf(source)).toBeDefined();
    expect(scanHeader(source)).toBeUndefined();
    expect(scanHeader(inContainer(source, 2), 2)).toBeUndefined();
  });

  it.each([
    ['a no-break space before `#`', 'metadata:\n  name: x\u00a0#y\nkind: A\napiVersion: v1\n'],
    ['a no-break space at the end', 'metadata:\n  name: x\nkind: A\u00a0\napiVersion: v1\n'],
    ['a line separator', 'metadata:\n  name: \u2028\nkind: A\napiVersion: v1\n'],
    ['a paragraph separator', 'metadata:\n  name: x\nkind: A\u2029B\napiVersion: v1\n'],
  ])('reads a value with %s as the parser does, or leaves it to the parser', (_, source) => {
    const scanned = scanHeader(source);
    if (scanned)
      expect({ ...scanned, metadata: undefined }).toEqual({
        ...headerOf(source),
        metadata: undefined,
      });
  });

  // Past metadata the scan looks only at the lines that start at the container's column, found
  // by a search: each of these sits after deeper, blank and short lines, in every container.
  const NESTED = 'spec:\n  template:\n    kind: Nested\n\n  #\n    - a: 1\n \n';
  it.each([
    ['a second kind', `${NESTED}kind: B\n`, undefined],
    ['a second metadata', `${NESTED}metadata:\n  name: y\n`, undefined],
    ['a top-level sequence', `${NESTED}- a\n`, undefined],
    ['a quoted key', `${NESTED}"data": {}\n`, undefined],
    ['a one-letter key, then a second apiVersion', `${NESTED}x: 1\napiVersion: v2\n`, undefined],
    ['a comment, then a document marker', `${NESTED}# c\n---\n`, undefined],
    ['a line break as CRLF', `${NESTED}data:\r\n`, undefined],
    ['other keys only', `${NESTED}data: {}\nstatus:\n  kind: Z\n`, 'A'],
  ])('reads every top-level line past deeper ones: %s', (_, rest, kind) => {
    const source = `apiVersion: v1\nkind: A\nmetadata:\n  name: x\n${rest}`;
    for (const container of [0, 2, 4]) {
      expect(scanHeader(inContainer(source, container), container)?.kind).toBe(kind);
    }
  });

  it('finds the metadata’s lines', () => {
    const source =
      'apiVersion: v1\nkind: A\nmetadata:\n  annotations:\n    a: b\n  name: x\nspec:\n  name: y\n';
    const scanned = scanHeader(source);
    expect(scanned).toMatchObject({ apiVersion: 'v1', kind: 'A', name: 'x', namespace: '' });
    const [start, end] = scanned?.metadata ?? [0, 0];
    expect(source.slice(start, end)).toBe('metadata:\n  annotations:\n    a: b\n  name: x\n');
  });
});
