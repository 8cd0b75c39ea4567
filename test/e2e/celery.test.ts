// What the function writes, run for real: a real redis-server, every worker Deployment's
// command line as a real Celery worker (Debian's python3-celery), tasks sent to every queue,
// and the Redis lists the ScaledObjects count.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fixture, otherThanSettings, RENDERS, ROOT, resources, runStream } from '../helpers.js';
import { PYTHON, type RedisServer, startRedis, stopByPid, until } from './processes.js';

const STUB = join(ROOT, 'test', 'e2e', 'stub');
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
const RECORD_DB = 15;

// The v20 render with its broker in database 3, so that a wrong database shows.
const INPUT = fixture(RENDERS.v20).replace(
  /CELERY_BROKER_VHOST:(\s+)\\"0\\"/g,
  'CELERY_BROKER_VHOST:$1\\"3\\"',
);
const run = runStream(INPUT, CONFIG);
const output = resources(run.stdout);

interface Worker {
  name: string;
  service: string;
  args: string[];
  queues: string[];
  process?: ChildProcess;
  log: string;
}

const workers: Worker[] = output
  .filter((r) => r.kind === 'Deployment' && /^(lms|cms)-worker(-|$)/.test(r.metadata.name))
  .map((d) => {
    const container = d.spec.template.spec.containers[0];
    const args = container.args as string[];
    return {
      name: d.metadata.name,
      service: container.env.find((e: any) => e.name === 'SERVICE_VARIANT').value,
      args,
      queues: args
        .filter((a) => a.startsWith('--queues='))
        .flatMap((a) => a.slice('--queues='.length).split(',')),
      log: '',
    };
  });

let redis: RedisServer;
let scratch = '';

/** The broker URL edx-platform composes from <service>.env.yml, pointed at the local server. */
function brokerUrl(service: string): string {
  const config = output.find((r) => r.kind === 'ConfigMap' && r.data?.[`${service}.env.yml`]);
  const env = parse(config?.data[`${service}.env.yml`]);
  const auth = env.CELERY_BROKER_PASSWORD ? `:${env.CELERY_BROKER_PASSWORD}@` : '';
  return `${env.CELERY_BROKER_TRANSPORT}://${auth}127.0.0.1:${redis.port}/${env.CELERY_BROKER_VHOST}`;
}

function pythonHas(module: string): boolean {
  try {
    execFileSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The container's command line as a local command. A pool that needs a package this machine
 * lacks (gevent, eventlet) becomes `solo`: queues and node names do not depend on the pool.
 */
function localCommand(args: string[]): string[] {
  expect(args[0]).toBe('celery');
  return args.slice(1).map((a) => {
    const pool = /^--pool=(gevent|eventlet)$/.exec(a);
    return pool && !pythonHas(pool[1] as string) ? '--pool=solo' : a;
  });
}

function env(service: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: STUB,
    CELERY_BROKER_URL: brokerUrl(service),
    E2E_RECORD_URL: `redis://127.0.0.1:${redis.port}/${RECORD_DB}`,
    E2E_TASKS: TASKS.join(','),
  };
}

function startWorker(w: Worker): void {
  const child = spawn(PYTHON, ['-m', 'celery', ...localCommand(w.args)], {
    cwd: scratch,
    env: env(w.service),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const append = (d: Buffer) => {
    w.log += d.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  w.process = child;
}

/** The block the function wrote at the end of the service's production.py, as a file. */
function settingsBlock(service: string): string {
  const stock = output.find(
    (r) => r.kind === 'Deployment' && r.metadata.name === `${service}-worker`,
  );
  const volume = stock?.spec.template.spec.volumes.find(
    (v: any) => v.name === `settings-${service}`,
  );
  const settings = output.find(
    (r) => r.kind === 'ConfigMap' && r.metadata.name === volume?.configMap.name,
  );
  const text = settings?.data['production.py'] as string;
  const block = text.slice(
    text.indexOf('# BEGIN celery-queues'),
    text.indexOf('# END celery-queues'),
  );
  expect(block).toContain('EXPLICIT_QUEUES.update(');
  const file = join(scratch, `${service}-block.py`);
  writeFileSync(file, block);
  return file;
}

function send(
  service: string,
  sends: { task: string; queue?: string; service?: string }[],
  settings?: string,
) {
  const extra = settings
    ? { E2E_SETTINGS: settings, E2E_PREDEFINED: JSON.stringify(PREDEFINED) }
    : {};
  const out = execFileSync(PYTHON, [join(STUB, 'send.py'), JSON.stringify(sends)], {
    env: { ...env(service), ...extra },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { task: string; id: string; queue: string }[];
}

function ran(): { task: string; id: string; node: string; queue: string }[] {
  const raw = redis.cli('-n', String(RECORD_DB), 'LRANGE', 'e2e:ran', '0', '-1');
  return raw ? raw.split('\n').map((l: string) => JSON.parse(l)) : [];
}

beforeAll(async () => {
  expect(otherThanSettings(run.stderr)).toBe('');
  scratch = mkdtempSync(join(tmpdir(), 'celery-e2e-'));
  redis = await startRedis();
  for (const w of workers) startWorker(w);
  await until('every worker to be ready', () => workers.every((w) => / ready\.$/m.test(w.log)), 90);
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => stopByPid(w.process)));
  await redis?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

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
      send(
        w.service,
        w.queues.map((queue) => ({ task: TASK, queue })),
      ),
    );
    await until('every task to run', () => ran().length >= sent.length, 60);
    // Give a second consumer of a queue (the defect this guards against) a moment to show.
    await new Promise((r) => setTimeout(r, 500));
    const records = ran();
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
    const before = ran().length;
    const sent = (['lms', 'cms'] as const).flatMap((service) =>
      send(
        service,
        [
          ...Object.keys(ROUTES[service]),
          ...(service === 'lms' ? Object.keys(PREDEFINED) : []),
          UNROUTED,
        ].map((task) => ({ task, service })),
        settingsBlock(service),
      ).map((s) => ({ ...s, service })),
    );
    await until('every routed task to run', () => ran().length >= before + sent.length, 60);
    await new Promise((r) => setTimeout(r, 500));
    const records = ran().slice(before);
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
    await Promise.all(workers.map((w) => stopByPid(w.process)));
    const scaledObjects = output.filter((r) => r.kind === 'ScaledObject');
    expect(scaledObjects).toHaveLength(workers.length);
    for (const so of scaledObjects) {
      const target = workers.find((w) => w.name === so.spec.scaleTargetRef.name) as Worker;
      const { listName, databaseIndex } = so.spec.triggers[0].metadata;
      const llen = () => Number(redis.cli('-n', databaseIndex, 'LLEN', listName));
      const before = llen();
      const queued = 5;
      // Tasks for the queue the worker was made for (a stock worker's: the default queue).
      const queue =
        target.name === `${target.service}-worker`
          ? `edx.${target.service}.core.default`
          : (target.queues[0] as string);
      send(
        target.service,
        Array.from({ length: queued }, () => ({ task: TASK, queue })),
      );
      expect(llen()).toBe(before + queued);
    }
  });
});
