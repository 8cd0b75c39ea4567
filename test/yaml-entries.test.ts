// Settings read off their text (parseYamlEntries, for the broker in lms.env.yml): the entries
// are the parser's, whatever style the file is printed in, and errors are the parser's.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseYamlEntries, parseYamlValue } from '../src/krm/yaml.js';
import { doc, KEYS, print, style } from './yaml-arbitraries.js';

function parsed(text: string, keys: readonly string[]): Record<string, unknown> {
  const value = parseYamlValue(text) as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => Object.hasOwn(value, k)).map((k) => [k, value[k]]));
}

describe('parseYamlEntries', () => {
  it("gives the parser's entries for documents in every style", () => {
    fc.assert(
      fc.property(doc, style, fc.subarray([...KEYS, 'absent']), (value, s, keys) => {
        const text = print(value, s);
        expect(parseYamlEntries(text, keys)).toEqual(parsed(text, keys));
      }),
      { numRuns: 1500 },
    );
  });

  it("throws the parser's error on what is not YAML", () => {
    expect(() => parseYamlEntries('a: [1\n', ['a'])).toThrow(/line/);
    expect(() => parseYamlEntries('a: 1\na: 2\n', ['a'])).toThrow();
  });
});
