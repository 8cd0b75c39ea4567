// What the config schema says of each mistake, held fixed: the schema shares its parts between
// fields and builds some only when a config sets them (src/config/zod.ts), and neither may change
// a message or the field it names. test/golden/config/messages.txt has, for the mistakes in the
// test configs (test/config-mistakes.ts), each message with its severity and field: a mistake
// that an earlier config already showed with the same messages is not repeated, and the wrong
// values at one field that give the same messages share a line.
import { describe, expect, it } from 'vitest';
import { readConfig } from '../src/config/load.js';
import { Results } from '../src/krm/results.js';
import { mistakes, testConfigs } from './config-mistakes.js';
import { expectGolden } from './golden.js';

// The kinds of wrong value whose messages the schema's parts make (`true` and `["x"]` get zod's
// own "expected ..." as "x" does).
const WRONG = ['x', -1, 1.5, null, {}];

describe('the config schema’s messages', () => {
  it('say of every mistake in every test config what they said', () => {
    const seen = new Set<string>();
    const groups: { mistake: string; wrong: string[]; said: string[] }[] = [];
    let refused = 0;
    for (const [file, config] of testConfigs()) {
      for (const { path, wrong, config: value } of mistakes(config, WRONG)) {
        const results = new Results();
        readConfig(structuredClone(value), results);
        if (results.list.some((r) => r.severity === 'error')) refused++;
        const said = results.list.map(
          (r) => `  ${r.severity} ${r.field?.path ?? '-'}: ${r.message}`,
        );
        const key = JSON.stringify([path, wrong, said]);
        if (seen.has(key)) continue;
        seen.add(key);
        const mistake = `${file} ${path || '(root)'}:`;
        const last = groups.at(-1);
        if (last?.mistake === mistake && last.said.join() === said.join()) last.wrong.push(wrong);
        else groups.push({ mistake, wrong: [wrong], said });
      }
    }
    // Not a golden of nothing: most mistakes are refused.
    expect(refused).toBeGreaterThan(1000);
    const text = groups.map((g) => [`${g.mistake} ${g.wrong.join(', ')}`, ...g.said].join('\n'));
    expectGolden('config/messages.txt', `${text.join('\n')}\n`);
  });
});
