// Invariants over generated inputs and configs (fast-check, fixed seed): nothing lost or
// duplicated, a second run changes nothing, same input same bytes, errors change nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configMapHash } from '../src/krm/hash.js';
import { celeryQueuesConfig, fixture, RENDERS, resources, runWithConfig } from './helpers.js';
import { expectReadAlikeIn11 } from './producers.js';

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
// Groups over the same queue names (so that some claim a queue twice), named apart from the
// variants, and the stock worker on or off.
const groupsArb = fc.dictionary(
  fc.constantFrom('g1', 'g2', 'bulk'),
  fc.record(
    {
      queues: fc.uniqueArray(variantArb, { minLength: 1, maxLength: 3 }),
      extraArgs: fc.array(
        argArb.filter((a) => !a.startsWith('--queues')),
        { maxLength: 1 },
      ),
    },
    { requiredKeys: ['queues'] },
  ),
  { maxKeys: 2 },
);
const anyServiceArb = fc.record(
  {
    queues: queuesArb,
    groups: groupsArb,
    stockWorker: fc.record({ enabled: fc.boolean() }),
  },
  { requiredKeys: ['queues'] },
);
// Every queue of both services' stock workers placed once, on a variant or a group (default on a
// group), the stock worker on or off: what a config that holds looks like, which the random one
// above rarely is.
const PLACED = ['default', 'high', 'high_mem', 'low', 'ora_workflow_update', 'x-y'];
const placedServiceArb = fc
  .record({
    places: fc.array(fc.constantFrom('variant', 'g1', 'g2', 'bulk'), {
      minLength: PLACED.length,
      maxLength: PLACED.length,
    }),
    keep: fc.array(fc.boolean(), { minLength: PLACED.length, maxLength: PLACED.length }),
    off: fc.boolean(),
  })
  .map(({ places, keep, off }) => {
    const queues: Record<string, { extraArgs?: string[] }> = {};
    const groups: Record<string, { queues: string[] }> = {};
    for (const [i, variant] of PLACED.entries()) {
      // With the stock worker on, it keeps default and whatever is not placed.
      if (!off && (variant === 'default' || !keep[i])) continue;
      const place = variant === 'default' && places[i] === 'variant' ? 'g1' : places[i];
      if (place === 'variant') queues[variant] = {};
      else {
        groups[place as string] ??= { queues: [] };
        groups[place as string]?.queues.push(variant);
      }
    }
    return { queues, groups, stockWorker: { enabled: !off } };
  });
const serviceArb = fc.oneof(anyServiceArb, placedServiceArb);
const specArb = fc
  .record({ lms: fc.option(serviceArb), cms: fc.option(serviceArb) })
  .map(({ lms, cms }) => ({ ...(lms ? { lms } : {}), ...(cms ? { cms } : {}) }));
const configArb = specArb.map(celeryQueuesConfig);

const key = (r: Record<string, any>) => `${r.kind}/${r.metadata?.namespace}/${r.metadata?.name}`;

describe('properties of the transform', () => {
  it('loses and duplicates nothing; adds only what it marks as its own; YAML 1.1 reads it alike', () => {
    const runs: { input: string; output: string }[] = [];
    fc.assert(
      fc.property(streamArb, configArb, (stream, config) => {
        const out = runWithConfig(stream, config);
        if (out.status !== 0) {
          expect(out.stdout).toBe(''); // refused: nothing written (see below)
          return;
        }
        runs.push({ input: stream, output: out.stdout });
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
    // Every output as Kubernetes reads it (libyaml, YAML 1.1): as the function reads it.
    expect(runs.length).toBeGreaterThan(RUNS / 4);
    expectReadAlikeIn11(runs);
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

interface ServiceConfig {
  queues: Record<string, unknown>;
  groups?: Record<string, { queues: string[] }>;
  stockWorker?: { enabled: boolean };
}

/**
 * Who should consume each queue of a service, from the config and the stock worker's queues as
 * Tutor rendered them: the queues claimed more than once, or left without a consumer, and
 * otherwise queue -> Deployment.
 */
function expectedConsumers(service: 'lms' | 'cms', spec: ServiceConfig, stockQueues: string[]) {
  const q = (v: string) => `edx.${service}.core.${v}`;
  const worker = (key: string) => `${service}-worker-${key.replaceAll('_', '-')}`;
  const claims = new Map<string, string[]>();
  const claim = (queue: string, by: string) =>
    claims.set(queue, [...(claims.get(queue) ?? []), by]);
  const stockOn = spec.stockWorker?.enabled !== false;
  for (const v of Object.keys(spec.queues)) if (v !== 'default') claim(q(v), worker(v));
  for (const [g, group] of Object.entries(spec.groups ?? {})) {
    for (const v of group.queues) claim(q(v), worker(g));
  }
  // What the config shows wrong by itself, and what only the render shows (checked after).
  const problems = new Set<string>();
  const leftOver = new Set<string>();
  if (stockOn) claim(q('default'), `${service}-worker`);
  else if (spec.queues.default !== undefined) problems.add(q('default'));
  if (!stockOn && !claims.has(q('default'))) problems.add(q('default'));
  for (const [queue, by] of claims) if (by.length > 1) problems.add(queue);
  for (const queue of stockQueues) {
    if (claims.has(queue)) continue;
    if (stockOn) claim(queue, `${service}-worker`);
    else leftOver.add(queue);
  }
  return { problems, leftOver, consumers: claims };
}

describe('worker groups, over generated configs', () => {
  const configured = fc.record({
    render: fc.constantFrom(RENDERS.v19, RENDERS.v20, RENDERS.v21, RENDERS.custom),
    spec: specArb,
  });

  it('every queue has exactly one consumer, or the run is an error naming the queue', () => {
    fc.assert(
      fc.property(configured, ({ render, spec }) => {
        const input = fixture(render);
        const out = runWithConfig(input, celeryQueuesConfig(spec));
        const rendered = resources(input);
        const errors = out.stderr.split('\n').filter((l) => l.startsWith('celery-queues: error:'));
        const expected = (['lms', 'cms'] as const).flatMap((service) => {
          const s = spec[service];
          if (!s) return [];
          const stock = rendered.find((r) => r.metadata?.name === `${service}-worker`);
          const args: string[] = stock?.spec.template.spec.containers[0].args ?? [];
          const queues = args.find((a) => a.startsWith('--queues=')) ?? '--queues=';
          const stockQueues = queues.slice('--queues='.length).split(',');
          return [{ service, ...expectedConsumers(service, s, stockQueues) }];
        });
        const inConfig = expected.flatMap((e) => [...e.problems]);
        const leftOver = expected.flatMap((e) => [...e.leftOver]);
        // Refused for something else the config shows (a flag the function owns), before the
        // render is read: no queue of the config at stake.
        const otherwise = errors.some((e) => / sets --queues, /.test(e));
        const problems = inConfig.length > 0 || otherwise ? inConfig : leftOver;
        if (problems.length > 0 || otherwise) {
          expect(out.status).toBe(1);
          expect(out.stdout).toBe('');
          for (const queue of problems) expect(errors.join('\n')).toContain(queue);
          return;
        }
        expect(errors).toEqual([]);
        const byQueue = new Map<string, { name: string; replicas: unknown }[]>();
        for (const d of resources(out.stdout)) {
          if (d.kind !== 'Deployment' || !/^(lms|cms)-worker/.test(d.metadata.name)) continue;
          const args = d.spec.template.spec.containers[0].args as string[];
          for (const arg of args.filter((a) => a.startsWith('--queues='))) {
            for (const queue of arg.slice('--queues='.length).split(',')) {
              const consumer = { name: d.metadata.name, replicas: d.spec.replicas };
              byQueue.set(queue, [...(byQueue.get(queue) ?? []), consumer]);
            }
          }
        }
        for (const { service, consumers } of expected) {
          for (const [queue, [by]] of consumers) {
            expect([queue, byQueue.get(queue)?.map((c) => c.name)]).toEqual([queue, [by]]);
          }
          // A stock worker turned off has no replicas, and a queue of its own no task goes to.
          if (spec[service]?.stockWorker?.enabled === false) {
            expect(byQueue.get(`celery-queues.${service}-worker-off`)).toEqual([
              { name: `${service}-worker`, replicas: 0 },
            ]);
          }
        }
        // No queue has two consumers, whoever configured it.
        for (const [queue, by] of byQueue) expect([queue, by.length]).toEqual([queue, 1]);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
