// Generated YAML documents for the property tests of the text outline and what is built on it:
// plain data in many shapes, printed by yaml in the styles it knows, as a document of its own or
// as a ResourceList entry.
import fc from 'fast-check';
import { stringify } from 'yaml';

export const KEYS = [
  'a',
  'name',
  'data',
  'b.c/d',
  'x_y',
  'production.py',
  '1',
  'true',
  'a b',
  "it's",
  'k-8',
];
export const text = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    'plain',
    'two words',
    'a: b',
    'a #b',
    '#x',
    '- x',
    '0644',
    '12',
    '1.5',
    'true',
    'null',
    '~',
    'yes',
    'line\nline\n',
    'line\nline',
    'trailing\n\n',
    ' lead',
    'tab\there',
    'quote"s',
    "it's",
    'back\\slash',
    '\u00e9t\u00e9 \u{1f600}',
    'ctl\u0001\u007f',
    'sp \nx',
    'x\n  indented\n',
  ),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({
    unit: fc.constantFrom('a', ' ', '\n', '"', "'", '\\', ':', '#', '-', '\t'),
    maxLength: 16,
  }),
  // Long enough to be folded over lines.
  fc.string({
    unit: fc.constantFrom('word', ' ', '  ', '\n', '"', '\\', '\t', '\u00e9'),
    maxLength: 60,
  }),
);

export const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...KEYS), tie('tree'), { maxKeys: 4 }),
  ),
}));
export const doc = fc.dictionary(fc.constantFrom(...KEYS), tree, { minKeys: 1, maxKeys: 5 });

export const style = fc.record({
  indentSeq: fc.boolean(),
  lineWidth: fc.constantFrom(0, 40),
  defaultStringType: fc.constantFrom(
    'PLAIN',
    'QUOTE_DOUBLE',
    'QUOTE_SINGLE',
    'BLOCK_LITERAL',
    'BLOCK_FOLDED',
  ),
  defaultKeyType: fc.constantFrom(null, 'PLAIN', 'QUOTE_DOUBLE', 'QUOTE_SINGLE'),
  container: fc.constantFrom(0, 2, 4),
});

/** A document as a ResourceList entry `container - 2` columns in, as the splitter leaves it. */
export function inContainer(source: string, container: number): string {
  if (container === 0) return source;
  const pad = ' '.repeat(container);
  return source
    .split('\n')
    .map((line, i) =>
      i === 0 ? `${' '.repeat(container - 2)}- ${line}` : line === '' ? '' : pad + line,
    )
    .join('\n');
}

export type Style = typeof style extends fc.Arbitrary<infer T> ? T : never;

export function print(value: unknown, s: Style): string {
  return stringify(value, {
    indentSeq: s.indentSeq,
    lineWidth: s.lineWidth,
    minContentWidth: 0,
    defaultStringType: s.defaultStringType,
    defaultKeyType: s.defaultKeyType,
  });
}
