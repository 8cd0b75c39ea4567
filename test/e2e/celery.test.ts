// What the function writes, run for real: a real redis-server, every worker Deployment's
// command line as a real Celery worker (Debian's python3-celery), tasks sent to every queue,
// and the Redis lists the ScaledObjects count.

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { otherThanSettings, ROOT, resources, runStream } from '../helpers.js';
import { until } from './processes.js';
import { renderWithBrokerDb, Site, type SiteWorker } from './site.js';

const CONFIG = join(ROOT, 'test', 'e2e', 'config.yaml');
const TASK = 'e2e.probe';
// A route edx-platform's own settings define, which the block must keep.
const PREDEFINED = { 'e2e.predefined_by_edx_platform': { queue: 'edx.lms.core.high' } };
const UNROUTED = 'e2e.unrouted';
const ROUTES = parse(readFileSync(CONFIG, 'utf8')).spec.explicitQueues as Record<
  'lms' | 'cms',
  Record<string, { queue: string }>
>;
const TASKS = [
  TASK,
  UNROUTED,
  ...Object.keys(PREDEFINED),
  ...Object.values(ROUTES).flatMap((r) => Object.keys(r)),
];

// The v20 render with its broker in database 3, so that a wrong database shows.
const INPUT = renderWithBrokerDb(3);
const run = runStream(INPUT, CONFIG);
const output = resources(run.stdout);
const site = new Site(output, TASKS);
const workers = site.workers;
type Worker = SiteWorker;

beforeAll(async () => {
  expect(otherThanSettings(run.stderr)).toBe('');
  await site.start();
}, 120_000);

afterAll(() => site.stop());

describe('the workers the function writes, run by real Celery on a real Redis', () => {
  it('start one worker per Deployment: the stock ones and one per configured queue', () => {
    expect(workers.map((w) => w.name).sort()).toEqual([
      'cms-worker',
      'cms-worker-high',
      'cms-worker-low',
      'lms-worker',
      'lms-worker-high',
      'lms-worker-high-mem',
    ]);
  });

  it('consume every queue, each by the worker made for it, under its own node name', async () => {
    const sent = workers.flatMap((w) =>
      site.send(
        w.service,
        w.queues.map((queue) => ({ task: TASK, queue })),
      ),
    );
    await until('every task to run', () => site.ran().length >= sent.length, 60);
    // Give a second consumer of a queue (the defect this guards against) a moment to show.
    await new Promise((r) => setTimeout(r, 500));
    const records = site.ran();
    expect(records).toHaveLength(sent.length);
    for (const s of sent) {
      const owners = workers.filter((w) => w.queues.includes(s.queue));
      expect(owners.map((o) => o.name)).toHaveLength(1);
      const [, service, , variant] = s.queue.split('.');
      const owner = owners[0] as Worker;
      const nodeVariant = owner.name === `${service}-worker` ? 'default' : variant;
      // `--hostname=edx.<service>.core.<variant>.%h` (pinned): Celery names the node
      // celery@edx.<service>.core.<variant>.<host>, with %h expanded and no `%` left.
      const record = records.find((r) => r.id === s.id);
      expect(record?.node).toBe(`celery@edx.${service}.core.${nodeVariant}.${hostname()}`);
      expect(record?.queue).toBe(s.queue);
    }
  });

  it('route each configured task, through the settings block and edx-platform’s router, to the one worker consuming its queue', async () => {
    const { sent, ran: records } = await site.sendRouted(
      {
        lms: [...Object.keys(ROUTES.lms), ...Object.keys(PREDEFINED), UNROUTED],
        cms: [...Object.keys(ROUTES.cms), UNROUTED],
      },
      PREDEFINED,
    );
    expect(records).toHaveLength(sent.length);
    for (const s of sent) {
      const want =
        ROUTES[s.service][s.task]?.queue ??
        PREDEFINED[s.task as keyof typeof PREDEFINED]?.queue ??
        `edx.${s.service}.core.default`;
      expect([s.task, s.queue]).toEqual([s.task, want]);
      const owners = workers.filter((w) => w.queues.includes(want));
      expect([want, owners.length]).toEqual([want, 1]);
      const record = records.find((r) => r.id === s.id);
      expect(record?.queue).toBe(want);
      expect(record?.node.startsWith(`celery@edx.${want.split('.')[1]}.core.`)).toBe(true);
    }
  });

  it('with the workers stopped, each ScaledObject’s list grows by the tasks queued', async () => {
    await site.stopWorkers();
    const scaledObjects = output.filter((r) => r.kind === 'ScaledObject');
    expect(scaledObjects).toHaveLength(workers.length);
    for (const so of scaledObjects) {
      const target = workers.find((w) => w.name === so.spec.scaleTargetRef.name) as Worker;
      const { listName, databaseIndex } = so.spec.triggers[0].metadata;
      const llen = () => Number(site.redis.cli('-n', databaseIndex, 'LLEN', listName));
      const before = llen();
      const queued = 5;
      // Tasks for the queue the worker was made for (a stock worker's: the default queue).
      const queue =
        target.name === `${target.service}-worker`
          ? `edx.${target.service}.core.default`
          : (target.queues[0] as string);
      site.send(
        target.service,
        Array.from({ length: queued }, () => ({ task: TASK, queue })),
      );
      expect(llen()).toBe(before + queued);
    }
  });
});
