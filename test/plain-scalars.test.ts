// The one statement of how a plain scalar reads (src/krm/text/plain-scalars.ts), held to yaml's
// parser with the function's schema: the value, whether it is a string, and the format yaml
// records to print a number back as it came.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScalar, parseDocument } from 'yaml';
import { isNotAString, plainFormat, resolvePlain } from '../src/krm/text/plain-scalars.js';
import { onlyAStringIn12, readsAsStringEverywhere } from '../src/krm/text/strings.js';
import { parseOptions } from '../src/krm/yaml.js';

function parsed(text: string) {
  const node = parseDocument(`k: ${text}\n`, parseOptions).get('k', true);
  if (!isScalar(node)) throw new Error(`not a scalar: ${text}`);
  return node;
}

const TRICKY = [
  '0644',
  '00',
  '0',
  '-0',
  '+12',
  '0o17',
  '0x1F',
  '0X1F',
  '1e3',
  '-1.5E-2',
  '.5',
  '5.',
  '1.50',
  '.inf',
  '-.Inf',
  '+.INF',
  '.nan',
  '.NaN',
  'null',
  'Null',
  'NULL',
  '~',
  'true',
  'True',
  'TRUE',
  'false',
  'yes',
  'on',
  'y',
  '1_000',
  '0b101',
  '12:30',
  '2024-01-01',
  'edx.lms.core.high',
  '1.2.3',
];
const arbitraryPlain = fc.stringMatching(/^[-+.0-9eExXoOa-fnNiItTrRuUlL~_:]{1,8}$/);

describe('plain scalars', () => {
  function check(text: string) {
    const node = parsed(text);
    if (typeof node.source !== 'string' || node.source !== text) return; // not plain as one token
    expect(resolvePlain(text)).toEqual(node.value);
    expect(isNotAString(text)).toBe(typeof node.value !== 'string');
    const { format, minFractionDigits } = plainFormat(text);
    expect(format).toBe(node.format);
    expect(minFractionDigits).toBe(node.minFractionDigits);
  }

  it.each(TRICKY)('%s reads as yaml reads it', (text) => check(text));

  it('reads as yaml reads them: generated plain scalars', () => {
    fc.assert(
      fc.property(arbitraryPlain, (text) => {
        let node: ReturnType<typeof parsed>;
        try {
          node = parsed(text);
        } catch {
          return; // not a plain scalar (a key, an indicator)
        }
        if (node.source !== text || node.type !== 'PLAIN') return;
        check(text);
      }),
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 2000) },
    );
  });
});

// The quick answers of strings.ts, held to yaml's YAML 1.1 and 1.2 readers: a text that starts
// with `,` or `/` (a path), or with a letter and longer than any boolean or null, is a string
// in both, so it is answered without the rules' regular expressions or a lookup.
describe('plain scalars answered without the rules', () => {
  const tail = fc.string({ unit: fc.constantFrom(...'0123456789.:_-+eExXoObB /,~'.split('')) });
  const text = fc
    .tuple(fc.constantFrom(',', '/', 'yes', 'no', 'off', 'true', 'False', 'null', 'Y', 'n'), tail)
    .map(([head, rest]) => (head + rest).trimEnd())
    .filter((t) => !/: |:$| #/.test(t));
  it('reads as a string everywhere exactly when YAML 1.1 and 1.2 read it as one', () => {
    fc.assert(
      fc.property(text, (t) => {
        const docs = (['1.1', '1.2'] as const).map((version) =>
          parseDocument(`k: ${t}\n`, { version }),
        );
        if (docs.some((d) => d.errors.length > 0)) return;
        const everywhere = docs.every((d) => d.get('k') === t);
        expect(readsAsStringEverywhere(t), t).toBe(everywhere);
        expect(onlyAStringIn12(t), t).toBe(docs[1]?.get('k') === t && docs[0]?.get('k') !== t);
      }),
      { numRuns: 3000 },
    );
  });
});
