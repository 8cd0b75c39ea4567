// Documents built from the outline (src/krm/text/compose.ts) against the parser's: the same data, and
// the same text when printed, as they are and once cloned.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readResourceList, readStream } from '../src/krm/io.js';
import { deindent, type Item } from '../src/krm/item.js';
import { composeOutline } from '../src/krm/text/compose.js';
import { outline } from '../src/krm/text/outline.js';
import { cloneDoc, type Doc, parseYaml, printDoc, toPlain } from '../src/krm/yaml.js';
import { fixture, RENDERS } from './helpers.js';
import { doc, inContainer, print, style } from './yaml-arbitraries.js';

function expectSameAsParsed(composed: Doc, source: string, label = ''): void {
  const parsed = parseYaml(source);
  expect(parsed.errors, label).toEqual([]);
  expect(toPlain(composed), label).toEqual(toPlain(parsed));
  for (const wide of [false, true]) {
    expect(printDoc(composed, wide), label).toBe(printDoc(parseYaml(source), wide));
    expect(printDoc(cloneDoc(composed), wide), label).toBe(printDoc(parseYaml(source), wide));
  }
}

describe('documents built from the outline', () => {
  it('of generated documents are the parser’s', () => {
    let composed = 0;
    fc.assert(
      fc.property(doc, style, (value, s) => {
        const source = print(value, s);
        const o = outline(inContainer(source, s.container), s.container);
        const d = o && composeOutline(o);
        if (!d) return;
        composed++;
        expectSameAsParsed(d, source);
      }),
      { seed: 20261128, numRuns: 1000 },
    );
    expect(composed).toBeGreaterThan(500);
  });

  const inputs: [string, () => Item[]][] = [
    ['Kustomize', () => readResourceList(fixture('krm/kustomize-4.5.4-exec-input.yaml')).items],
    ['kpt', () => readResourceList(fixture('krm/kpt-1.0.0-beta.56-eval-input.yaml')).items],
    ...Object.entries(RENDERS).map(
      ([name, path]) => [name, () => readStream(fixture(path)).items] as [string, () => Item[]],
    ),
  ];
  it.each(inputs)('of %s’s resources are the parser’s', (_, items) => {
    let composed = 0;
    const all = items();
    for (const item of all) {
      const o = item.outline;
      expect(o, item.label).toBeDefined();
      if (!o?.simple) continue; // a comment someone wrote: the parser keeps it
      const d = composeOutline(o);
      expect(d, item.label).toBeDefined();
      expectSameAsParsed(d as Doc, deindent(item.raw as string, o.container), item.label);
      composed++;
    }
    // Rendered manifests carry no comments: nearly every resource is built without the parser.
    expect(composed).toBeGreaterThan(all.length * 0.9);
  });

  it('leaves documents with comments or blank lines to the parser', () => {
    for (const source of ['a: b # c\n', '# c\na: b\n', 'a: b\n\nc: d\n', 'a: | # c\n  x\n']) {
      const o = outline(source);
      expect(o, source).toBeDefined();
      expect(composeOutline(o as NonNullable<typeof o>), source).toBeUndefined();
    }
  });
});
