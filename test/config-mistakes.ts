// Test configs with one mistake each, for the tests that hold the config schema's answers fixed
// (test/schema-docs.test.ts, test/config-messages.test.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const CONFIGS = join(__dirname, 'configs');

/** A config with one mistake: at `path` (`spec.flower.enabled`), the value `wrong` stands. */
export interface Mistake {
  path: string;
  /** The wrong value as JSON, or `an unknown field` (added to the mapping at `path`). */
  wrong: string;
  config: unknown;
}

export const WRONG_VALUES: unknown[] = ['x', -1, 1.5, true, null, {}, ['x']];

/** Each config with one mistake: every field given each wrong value, every mapping an unknown key. */
export function mistakes(value: unknown, wrong = WRONG_VALUES): Mistake[] {
  const out: Mistake[] = [];
  const walk = (v: unknown, path: string, replace: (w: unknown) => unknown) => {
    for (const w of wrong) out.push({ path, wrong: JSON.stringify(w), config: replace(w) });
    if (Array.isArray(v)) {
      v.forEach((item, i) => {
        walk(item, `${path}[${i}]`, (w) => replace(v.map((x, j) => (j === i ? w : x))));
      });
    } else if (typeof v === 'object' && v !== null) {
      out.push({ path, wrong: 'an unknown field', config: replace({ ...v, unknownField: 1 }) });
      for (const key of Object.keys(v)) {
        const at = path ? `${path}.${key}` : key;
        walk((v as Record<string, unknown>)[key], at, (w) => replace({ ...v, [key]: w }));
      }
    }
  };
  walk(value, '', (w) => w);
  return out;
}

/** The configs of test/configs/, by file name. */
export function testConfigs(): [string, unknown][] {
  return readdirSync(CONFIGS)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => [f, parse(readFileSync(join(CONFIGS, f), 'utf8'))]);
}
