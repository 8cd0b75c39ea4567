// plainBody over borrowed data (a stock worker's clone, src/workers/workers.ts): only the value
// itself is the body's, every map and list in it another value's. Any run of changes gives what
// the same changes give on a deep copy of its own, and the lender is never changed: it is frozen
// here, so a change that reached it would throw.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Body, plainBody } from '../src/krm/body.js';
import type { PlainResource } from '../src/krm/print.js';
import { deepFreeze } from './helpers.js';

const part = fc.constantFrom<string | number>('a', 'b', 'c', 0, 1);
const path = fc.array(part, { minLength: 1, maxLength: 4 });
const leaf = fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.constant(null));
const { tree } = fc.letrec((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('tree'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('a', 'b', 'c'), tie('tree'), { maxKeys: 3 }),
  ),
}));
const op = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), path, value: tree }),
  fc.record({ kind: fc.constant('replace' as const), path, value: tree }),
  fc.record({
    kind: fc.constant('insert' as const),
    path: fc.array(part, { maxLength: 3 }),
    key: fc.constantFrom('a', 'b', 'd'),
    value: tree,
    first: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('delete' as const), path }),
  fc.record({ kind: fc.constant('setStrings' as const), path, value: fc.array(fc.string()) }),
);
type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

/** Each change's outcome (an error's message, or none), and the value after them all. */
function run(body: Body, ops: readonly Op[]): string[] {
  return ops.map((o) => {
    try {
      if (o.kind === 'insert')
        body.insert(o.path, o.key, o.value, o.first ? 'first' : { before: 'b' });
      else if (o.kind === 'delete') body.delete(o.path);
      else if (o.kind === 'setStrings') body.setStrings(o.path, o.value);
      else body[o.kind](o.path, structuredClone(o.value));
      return '';
    } catch (e) {
      return (e as Error).message;
    }
  });
}

describe('plainBody over borrowed data', () => {
  it('changes as a body over a copy of its own does, and never changes the lender', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.constantFrom('a', 'b', 'c'), tree, { minKeys: 1, maxKeys: 3 }),
        fc.array(op, { minLength: 1, maxLength: 6 }),
        (value, ops) => {
          const before = JSON.stringify(value);
          const lender = deepFreeze(structuredClone(value)) as PlainResource;
          const own = structuredClone(value) as PlainResource;
          const borrowing = { ...lender };
          const outcomes = run(plainBody(borrowing, true), ops);
          // (A change that reached the lender throws: frozen, in a module's strict mode.)
          expect(outcomes.filter((m) => /read only|not extensible|Cannot/.test(m))).toEqual([]);
          expect(outcomes).toEqual(run(plainBody(own), ops));
          expect(JSON.stringify(borrowing)).toBe(JSON.stringify(own));
          expect(JSON.stringify(lender)).toBe(before);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('copies only the maps and lists on the way to a change', () => {
    const lender = deepFreeze({
      metadata: { name: 'lms-worker', labels: { app: 'lms-worker' } },
      spec: { template: { spec: { containers: [{ name: 'lms-worker', env: [{ name: 'A' }] }] } } },
    });
    const borrowing: PlainResource = { ...lender };
    const body = plainBody(borrowing, true);
    body.replace(['metadata', 'name'], 'lms-worker-high');
    body.replace(['spec', 'template', 'spec', 'containers', 0, 'name'], 'lms-worker-high');
    const container = body.get(['spec', 'template', 'spec', 'containers', 0]) as {
      env: unknown;
    };
    expect(container.env).toBe(lender.spec.template.spec.containers[0]?.env);
    expect(body.get(['metadata', 'labels'])).toBe(lender.metadata.labels);
    expect(body.get(['metadata'])).not.toBe(lender.metadata);
    expect(lender.metadata.name).toBe('lms-worker');
  });
});
