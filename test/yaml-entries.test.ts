// Settings read off their text (parseYamlEntries, for the broker in lms.env.yml): the entries
// are the parser's, whatever style the file is printed in, and errors are the parser's.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseYamlEntries, parseYamlValue } from '../src/krm/yaml.js';
import { doc, KEYS, print, style } from './yaml-arbitraries.js';

/** What a call gives: its value, or the message of what it threw. */
function outcome(call: () => unknown): { value: unknown } | { error: string } {
  try {
    return { value: call() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

function parsed(text: string, keys: readonly string[]): Record<string, unknown> {
  const value = parseYamlValue(text) as Record<string, unknown>;
  return Object.fromEntries(keys.filter((k) => Object.hasOwn(value, k)).map((k) => [k, value[k]]));
}

describe('parseYamlEntries', () => {
  it("gives the parser's entries for documents in every style", () => {
    let read = 0;
    fc.assert(
      fc.property(doc, style, fc.subarray([...KEYS, 'absent']), (value, s, keys) => {
        // (yaml prints some strings as block scalars its parser refuses, " \n\t\n" among them:
        // the parser's error is then what parseYamlEntries throws.)
        const text = print(value, s);
        const entries = outcome(() => parseYamlEntries(text, keys));
        expect(entries).toEqual(outcome(() => parsed(text, keys)));
        if ('value' in entries) read++;
      }),
      { numRuns: 1500 },
    );
    // Almost every printed document is YAML its parser reads.
    expect(read).toBeGreaterThan(1400);
  });

  it("throws the parser's error on what is not YAML", () => {
    expect(() => parseYamlEntries('a: [1\n', ['a'])).toThrow(/line/);
    expect(() => parseYamlEntries('a: 1\na: 2\n', ['a'])).toThrow();
  });
});
