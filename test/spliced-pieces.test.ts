// A resource edited by splicing new scalars into its text (the settings ConfigMaps) goes out in
// the pieces it was spliced from (src/krm/io.ts, entryChunks): the same bytes as its text
// written whole, which would first copy the pieces into one string.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { readResourceList, writeResourceList } from '../src/krm/io.js';
import type { Item } from '../src/krm/item.js';
import { Results } from '../src/krm/results.js';
import { outline, splicePieces, spliceScalars } from '../src/krm/text/outline.js';
import { FAMILIES, transform } from '../src/transform.js';
import { configPath, fixture, withFunctionConfig } from './helpers.js';

function configOf(name: string) {
  const results = new Results();
  const config = loadConfig(parse(readFileSync(configPath(name), 'utf8')), results);
  if (!config) throw new Error(results.list.map((r) => r.message).join('; '));
  return config;
}

/** The item with its text only: what the writer writes when it has no pieces. */
const whole = (item: Item): Item => (item.pieces ? item.withText(item.raw as string, true) : item);

describe('a spliced resource written in its pieces', () => {
  it.each([
    ['kpt-1.0.0-beta.56-eval-input.yaml', 'every-family'],
    ['kpt-1.0.0-beta.56-eval-input.yaml', 'recommended'],
    ['kustomize-4.5.4-exec-input.yaml', 'every-family'],
  ])('%s with %s: the bytes of its text written whole', (input, config) => {
    const list = readResourceList(withFunctionConfig(fixture(`krm/${input}`), config));
    const out = transform(list.items, configOf(config), FAMILIES, list.itemIndent + 2);
    const spliced = out.items.filter((item) => item.pieces !== undefined);
    // The settings ConfigMaps (both services) were spliced.
    expect(spliced.length).toBeGreaterThanOrEqual(2);
    for (const item of spliced) expect(item.pieces?.join('')).toBe(item.raw);
    expect(writeResourceList(list, out.items, out.results)).toBe(
      writeResourceList(list, out.items.map(whole), out.results),
    );
  });

  it('splicePieces gives spliceScalars’s text in pieces', () => {
    const source = "- a: 'one'\n  b: |\n    two\n  c: three\n";
    const o = outline(source, 2);
    if (!o) throw new Error('not outlined');
    const edits = [
      { path: ['b'], value: 'TWO\nlines\n' },
      { path: ['a'], value: 'ONE' },
    ];
    expect(splicePieces(o, edits)).toEqual([
      '- a: ',
      "'ONE'",
      '\n  b: |\n',
      '    TWO\n    lines\n',
      '  c: three\n',
    ]);
    expect(splicePieces(o, edits)?.join('')).toBe(spliceScalars(o, edits));
  });
});
