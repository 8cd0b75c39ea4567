// A stock worker is read off its text once, as plain data (src/tutor/instances.ts), and that one
// value is shared by its checks, its clones, its narrowing and its record: what it reads must be
// what the input says at every path, and no one may change it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readResourceList, readStream } from '../src/krm/io.js';
import type { Item } from '../src/krm/item.js';
import { Results } from '../src/krm/results.js';
import { deepEqual } from '../src/krm/yaml.js';
import { findInstances } from '../src/tutor/instances.js';
import { plainStock, plainStockText } from '../src/workers/plain-form.js';
import { fixture, RENDERS } from './helpers.js';

const INPUTS: [string, () => Item[]][] = [
  ...Object.entries(RENDERS).map(([name, file]): [string, () => Item[]] => [
    `${name} (stream)`,
    () => readStream(fixture(file)).items,
  ]),
  ...['kustomize-4.5.4-exec-input.yaml', 'kpt-1.0.0-beta.56-eval-input.yaml'].map(
    (file): [string, () => Item[]] => [file, () => readResourceList(fixture(`krm/${file}`)).items],
  ),
];

const PATHS = [
  [],
  ['metadata', 'labels'],
  ['spec', 'selector'],
  ['spec', 'template', 'spec', 'containers'],
  ['spec', 'template', 'spec', 'containers', 0, 'env'],
  ['spec', 'template', 'spec', 'volumes'],
  ['spec', 'replicas'],
];

function stockWorkers(items: Item[]) {
  const results = new Results();
  const instances = findInstances(
    items,
    { acksLate: true, lms: { queues: {}, groups: {} }, cms: { queues: {}, groups: {} } },
    results,
  );
  return instances.flatMap((i) => Object.values(i.workers));
}

describe('a stock worker read once as plain data', () => {
  it.each(INPUTS)('%s: reads what the input says, at every path', (_, items) => {
    const workers = stockWorkers(items());
    expect(workers.length).toBeGreaterThan(0);
    for (const stock of workers) {
      for (const path of PATHS) {
        expect(stock.read(path), `${stock.item.name} ${path.join('.')}`).toEqual(
          stock.item.plainAt(path),
        );
      }
      if (stock.text) expect(stock.text.value).toEqual(stock.item.plainAt([]));
    }
  });

  it.each(INPUTS)('%s: the narrowed form and the clones change copies of it', (_, items) => {
    for (const stock of stockWorkers(items())) {
      const before = structuredClone(stock.read([]));
      const narrowed = plainStockText(stock);
      const clone = plainStock(stock, () => true);
      if (narrowed) {
        expect(narrowed.value).not.toBe(stock.read([]));
        expect(narrowed.value).toEqual(before);
        (narrowed.value.spec as Record<string, unknown>).replicas = 7;
        delete narrowed.value.metadata;
      }
      // The clones' form is shared (each clone borrows it, workers.ts, and copies what it
      // changes), without the annotations `drop` names: here all of them.
      if (clone) {
        const { metadata, ...rest } = before as { metadata: Record<string, unknown> };
        const { annotations: _, ...kept } = metadata;
        expect(clone).toEqual({ ...rest, metadata: kept });
        expect(clone).not.toBe(stock.read([]));
      }
      expect(stock.read([])).toEqual(before);
    }
  });
});

// The record compares the stock worker whole on every run (tutor/stock.ts): deepEqual against a
// comparison of the values' JSON with sorted keys.
describe('deepEqual', () => {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted((v as Record<string, unknown>)[k])]),
          )
        : v;
  const same = (a: unknown, b: unknown) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));
  const value = fc.jsonValue({ maxDepth: 3 });

  it('property: equal exactly when the JSON with sorted keys is', () => {
    fc.assert(fc.property(value, value, (a, b) => deepEqual(a, b) === same(a, b)));
  });

  it('property: a copy is equal, in any key order; one change anywhere is not', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value), (a) => {
        const reversed = Object.fromEntries(Object.entries(a).reverse());
        expect(deepEqual(a, structuredClone(reversed))).toBe(true);
        expect(deepEqual(a, { ...a, extra: 1 })).toBe(Object.hasOwn(a, 'extra') && a.extra === 1);
        for (const key of Object.keys(a)) {
          expect(deepEqual(a, { ...a, [key]: [a[key]] })).toBe(false);
          // As many keys, one other.
          const { [key]: _, ...without } = a;
          if (!Object.hasOwn(a, `${key}'`)) {
            expect(deepEqual(a, { ...without, [`${key}'`]: a[key] })).toBe(false);
          }
        }
      }),
    );
  });
});
