// Invariants over generated inputs and configs (fast-check, fixed seed): nothing lost or
// duplicated, a second run changes nothing, same input same bytes, errors change nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configMapHash } from '../src/krm/hash.js';
import { celeryQueuesConfig, fixture, RENDERS, resources, runWithConfig } from './helpers.js';

const SEED = 20261128;
const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);

const documents = (render: string) => fixture(render).split(/^---\n/m);

const renderArb = fc.constantFrom(RENDERS.v19, RENDERS.v20, RENDERS.v21, RENDERS.custom);

/** A manifest stream: some of a render's documents in any order, maybe a second instance. */
const streamArb = fc
  .record({
    render: renderArb,
    keep: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
    order: fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
    second: fc.option(fc.constantFrom('tenant-a', 'tenant-b')),
  })
  .map(({ render, keep, order, second }) => {
    const docs = documents(render);
    const chosen = docs
      .map((d, i) => ({ d, k: order[i] ?? 0, keep: keep[i] ?? true }))
      .filter((x) => x.keep || /name: (lms|cms)-worker\n/.test(x.d))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.d);
    if (second) {
      // The same render again in another namespace (Namespaces are cluster-wide: not twice).
      chosen.push(
        ...docs
          .filter((d) => !d.includes('kind: Namespace\n'))
          .map((d) => d.replaceAll('namespace: openedx', `namespace: ${second}`)),
      );
    }
    return chosen.map((d) => (d.endsWith('\n') ? d : `${d}\n`)).join('---\n');
  });

const variantArb = fc.constantFrom(
  'default',
  'high',
  'high_mem',
  'low',
  'ora_workflow_update',
  'x-y',
  'a1',
);
const argArb = fc.constantFrom(
  '--concurrency=4',
  '--pool=gevent',
  '--prefetch-multiplier=2',
  '--without-heartbeat',
  '--queues=oops', // refused: the function owns --queues
);
const queuesArb = fc.dictionary(
  variantArb,
  fc.record({ extraArgs: fc.array(argArb, { maxLength: 3 }) }, { requiredKeys: [] }),
  { maxKeys: 4 },
);
const configArb = fc
  .record({ lms: fc.option(queuesArb), cms: fc.option(queuesArb) })
  .map(({ lms, cms }) =>
    celeryQueuesConfig({
      ...(lms ? { lms: { queues: lms } } : {}),
      ...(cms ? { cms: { queues: cms } } : {}),
    }),
  );

const key = (r: Record<string, any>) => `${r.kind}/${r.metadata?.namespace}/${r.metadata?.name}`;

describe('properties of the transform', () => {
  it('loses and duplicates nothing; adds only what it marks as its own', () => {
    fc.assert(
      fc.property(streamArb, configArb, (stream, config) => {
        const out = runWithConfig(stream, config);
        if (out.status !== 0) {
          expect(out.stdout).toBe(''); // refused: nothing written (see below)
          return;
        }
        const before = resources(stream);
        const after = resources(out.stdout);
        const keys = after.map(key);
        expect(new Set(keys).size).toBe(keys.length);
        // A changed settings ConfigMap takes the name Kustomize would give its new content.
        const base = (r: Record<string, any>) => {
          const m = /^(openedx-settings-(?:lms|cms))-\w{10}$/.exec(r.metadata.name);
          if (!m || r.kind !== 'ConfigMap') return key(r);
          if (after.includes(r)) expect(r.metadata.name).toBe(`${m[1]}-${configMapHash(r)}`);
          return `ConfigMap/${r.metadata.namespace}/${m[1]}`;
        };
        const afterBases = after.map(base);
        for (const r of before) expect(afterBases).toContain(base(r));
        for (const r of after) {
          if (!before.some((b) => base(b) === base(r))) {
            expect(r.metadata.annotations['celery-queues.tutor-krm.dev/generated-by']).toBeTruthy();
          }
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('a second run changes nothing, and the same input gives the same bytes', () => {
    fc.assert(
      fc.property(streamArb, configArb, (stream, config) => {
        const first = runWithConfig(stream, config);
        expect(runWithConfig(stream, config)).toEqual(first);
        if (first.status === 0)
          expect(runWithConfig(first.stdout, config).stdout).toBe(first.stdout);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('on error, nothing is written and the exit status says so', () => {
    fc.assert(
      fc.property(streamArb, configArb, (stream, config) => {
        const out = runWithConfig(stream, config);
        const errors = out.stderr.split('\n').filter((l) => l.startsWith('celery-queues: error:'));
        expect(out.status).toBe(errors.length > 0 ? 1 : 0);
        if (out.status === 1) expect(out.stdout).toBe('');
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
