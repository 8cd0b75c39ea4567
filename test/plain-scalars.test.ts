// The one statement of how a plain scalar reads (src/krm/text/plain-scalars.ts), held to yaml's
// parser with the function's schema: the value, whether it is a string, and the format yaml
// records to print a number back as it came.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isScalar, parseDocument } from 'yaml';
import { isNotAString, plainFormat, resolvePlain } from '../src/krm/text/plain-scalars.js';
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
