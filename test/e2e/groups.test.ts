// Worker groups, run for real (test/e2e/site.ts): every worker Deployment of the output as a real
// Celery worker on a real redis-server, the stock workers (turned off) scaled up too. A group's
// worker consumes exactly its queues, every task sent to any queue runs on exactly one worker,
// and each group's ScaledObject counts, in its formula, the tasks waiting in all of its lists.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { otherThanSettings, ROOT, resources, runStream } from '../helpers.js';
import { until } from './processes.js';
import { renderWithBrokerDb, Site } from './site.js';

const CONFIG = join(ROOT, 'test', 'e2e', 'groups.yaml');
const SPEC = parse(readFileSync(CONFIG, 'utf8')).spec;
const ROUTES = SPEC.explicitQueues as Record<'lms' | 'cms', Record<string, { queue: string }>>;
const TASK = 'e2e.probe';
const UNROUTED = 'e2e.unrouted';
const TASKS = [TASK, UNROUTED, ...Object.values(ROUTES).flatMap((r) => Object.keys(r))];

// The v20 render with its broker in database 3, so that a wrong database shows.
const INPUT = renderWithBrokerDb(3);
const run = runStream(INPUT, CONFIG);
const output = resources(run.stdout);
const site = new Site(output, TASKS);

/** Group -> the queues the config gives it, by its Deployment's name. */
const GROUPS: Record<string, string[]> = Object.fromEntries(
  (['lms', 'cms'] as const).flatMap((service) =>
    Object.entries(SPEC[service].groups as Record<string, { queues: string[] }>).map(
      ([group, { queues }]) => [
        `${service}-worker-${group}`,
        queues.map((v) => `edx.${service}.core.${v}`),
      ],
    ),
  ),
);
/** Every queue that tasks are sent to: the groups'. */
const QUEUES = Object.values(GROUPS).flat();

beforeAll(async () => {
  expect(run.status).toBe(0);
  expect(otherThanSettings(run.stderr)).toBe('');
  // Every Deployment, the stock workers with replicas 0 included: as if someone scaled them up.
  await site.start();
}, 120_000);

afterAll(() => site.stop());

describe('worker groups, run by real Celery on a real Redis', () => {
  it('start one worker per Deployment: the groups’, and the stock workers on no queue of theirs', () => {
    expect(site.workers.map((w) => [w.name, w.queues, w.replicas])).toEqual([
      ['cms-worker', ['celery-queues.cms-worker-off'], 0],
      ['cms-worker-interactive', GROUPS['cms-worker-interactive'], undefined],
      ['cms-worker-background', GROUPS['cms-worker-background'], undefined],
      ['lms-worker', ['celery-queues.lms-worker-off'], 0],
      ['lms-worker-interactive', GROUPS['lms-worker-interactive'], undefined],
      ['lms-worker-bulk', GROUPS['lms-worker-bulk'], undefined],
    ]);
  });

  it('a group’s worker consumes exactly its queues, as Celery’s remote control reports them', () => {
    const active = site.activeQueues('lms');
    const host = hostname();
    const expected: Record<string, string[]> = {
      [`celery@edx.lms.core.default.${host}`]: ['celery-queues.lms-worker-off'],
      [`celery@edx.cms.core.default.${host}`]: ['celery-queues.cms-worker-off'],
    };
    for (const [name, queues] of Object.entries(GROUPS)) {
      const [service, , group] = name.split('-');
      expected[`celery@edx.${service}.group.${group}.${host}`] = [...queues].sort();
    }
    expect(active).toEqual(expected);
  });

  it('runs every task sent to any queue on exactly one worker: its group’s', async () => {
    const before = site.ran().length;
    const sent = Object.entries(GROUPS).flatMap(([name, queues]) =>
      site.send(
        name.slice(0, 3),
        queues.flatMap((queue) => [1, 2, 3].map(() => ({ task: TASK, queue }))),
      ),
    );
    expect(sent).toHaveLength(QUEUES.length * 3);
    await until('every task to run', () => site.ran().length >= before + sent.length, 60);
    // Give a second consumer of a queue (the defect this guards against) a moment to show.
    await new Promise((r) => setTimeout(r, 500));
    const records = site.ran().slice(before);
    expect(records).toHaveLength(sent.length);
    expect(new Set(records.map((r) => r.id)).size).toBe(sent.length);
    for (const s of sent) {
      const owner = Object.entries(GROUPS).find(([, queues]) => queues.includes(s.queue))?.[0];
      const [service, , group] = (owner as string).split('-');
      const record = records.find((r) => r.id === s.id);
      expect([s.queue, record?.node]).toEqual([
        s.queue,
        `celery@edx.${service}.group.${group}.${hostname()}`,
      ]);
      expect(record?.queue).toBe(s.queue);
    }
  });

  it('routes each configured task, through the settings block, to the group consuming its queue', async () => {
    const { sent, ran: records } = await site.sendRouted(
      { lms: [...Object.keys(ROUTES.lms), UNROUTED], cms: [...Object.keys(ROUTES.cms), UNROUTED] },
      {},
    );
    expect(records).toHaveLength(sent.length);
    for (const s of sent) {
      const want = ROUTES[s.service][s.task]?.queue ?? `edx.${s.service}.core.default`;
      expect([s.task, s.queue]).toEqual([s.task, want]);
      const owner = Object.entries(GROUPS).find(([, queues]) => queues.includes(want))?.[0];
      const [, , group] = (owner as string).split('-');
      expect(records.find((r) => r.id === s.id)?.node).toBe(
        `celery@edx.${s.service}.group.${group}.${hostname()}`,
      );
    }
  });

  it('with the workers stopped, each group’s ScaledObject sees the sum of its lists', async () => {
    await site.stopWorkers();
    const scaledObjects = output.filter((r) => r.kind === 'ScaledObject');
    expect(scaledObjects.map((so) => so.spec.scaleTargetRef.name).sort()).toEqual(
      Object.keys(GROUPS).sort(),
    );
    for (const so of scaledObjects) {
      const name = so.spec.scaleTargetRef.name as string;
      const queues = GROUPS[name] as string[];
      // What KEDA reads: LLEN of each trigger's list in its database, then the formula.
      const lengths = () =>
        Object.fromEntries(
          so.spec.triggers.map((t: any) => [
            t.name,
            Number(site.redis.cli('-n', t.metadata.databaseIndex, 'LLEN', t.metadata.listName)),
          ]),
        ) as Record<string, number>;
      const formula = so.spec.advanced.scalingModifiers.formula as string;
      // The formula is a sum of trigger names (test/keda-webhook.ts checks its names).
      const value = (l: Record<string, number>) =>
        formula.split(' + ').reduce((sum, n) => sum + (l[n] as number), 0);
      const before = value(lengths());
      // 2, 3, ... tasks per queue; on a group counting priority lists, some with a priority
      // (which kombu puts in another list: test/e2e/scaledobject-lists.test.ts).
      const priorities = so.spec.triggers.length > queues.length;
      const sends = queues.flatMap((queue, i) =>
        Array.from({ length: i + 2 }, (_, n) => ({
          task: TASK,
          queue,
          ...(priorities && n % 2 === 1 ? { priority: 7 } : {}),
        })),
      );
      expect(sends.some((s) => 'priority' in s)).toBe(name === 'lms-worker-bulk');
      site.send(name.slice(0, 3), sends);
      const after = lengths();
      expect([name, value(after) - before]).toEqual([name, sends.length]);
      // Every list that holds a task of the group is one the ScaledObject counts.
      const counted = so.spec.triggers.map((t: any) => t.metadata.listName);
      const keys = site.redis
        .cli('-n', '3', 'KEYS', 'edx.*')
        .split('\n')
        .filter(
          (k: string) =>
            queues.some((q) => k.startsWith(q)) && Number(site.redis.cli('-n', '3', 'LLEN', k)) > 0,
        );
      for (const key of keys) expect(counted).toContain(key);
    }
  });
});
