// What the function writes, run for real: a real redis-server, every worker Deployment's
// command line as a real Celery worker (Debian's python3-celery), tasks sent to every queue.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configPath, fixture, RENDERS, ROOT, resources, runStream } from '../helpers.js';

// Debian's interpreter: python3-celery and python3-redis are installed for it (see .ci/run).
const PYTHON = '/usr/bin/python3';
const STUB = join(ROOT, 'test', 'e2e', 'stub');

interface Worker {
  name: string;
  args: string[];
  queues: string[];
  process?: ChildProcess;
  log: string;
}

let redis: ChildProcess | undefined;
let port = 0;
let scratch = '';
const workers: Worker[] = [];
const output = resources(runStream(fixture(RENDERS.v20), configPath('recommended')).stdout);
const deployments = output.filter(
  (r) => r.kind === 'Deployment' && /-worker(-|$)/.test(r.metadata.name),
);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function redisCli(...args: string[]): string {
  return execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).trim();
}

async function until(what: string, check: () => boolean, seconds = 60): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
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
 * lacks (gevent, eventlet) becomes `solo`: routing and node names do not depend on the pool.
 */
function localCommand(args: string[]): string[] {
  expect(args[0]).toBe('celery');
  return args.slice(1).map((a) => {
    const pool = /^--pool=(gevent|eventlet)$/.exec(a);
    return pool && !pythonHas(pool[1] as string) ? '--pool=solo' : a;
  });
}

const BROKER_DB = 0;
const RECORD_DB = 1;
const TASK = 'e2e.probe';

function env(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PYTHONPATH: STUB,
    CELERY_BROKER_URL: `redis://127.0.0.1:${port}/${BROKER_DB}`,
    E2E_RECORD_URL: `redis://127.0.0.1:${port}/${RECORD_DB}`,
    E2E_TASKS: TASK,
  };
}

function startWorker(w: Worker): void {
  const child = spawn(PYTHON, ['-m', 'celery', ...localCommand(w.args)], {
    cwd: scratch,
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (d) => {
    w.log += d;
  });
  child.stderr?.on('data', (d) => {
    w.log += d;
  });
  w.process = child;
}

function stopByPid(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    process.kill(child.pid as number, 'SIGTERM');
  });
}

function send(sends: { task: string; queue?: string; service: string }[]) {
  const out = execFileSync(PYTHON, [join(STUB, 'send.py'), JSON.stringify(sends)], {
    env: env(),
    encoding: 'utf8',
  });
  return JSON.parse(out) as { task: string; id: string; queue: string }[];
}

function ran(): { task: string; id: string; node: string; queue: string }[] {
  const raw = redisCli('-n', String(RECORD_DB), 'LRANGE', 'e2e:ran', '0', '-1');
  return raw ? raw.split('\n').map((l) => JSON.parse(l)) : [];
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'celery-e2e-'));
  port = await freePort();
  redis = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  await until('redis-server', () => {
    try {
      return redisCli('PING') === 'PONG';
    } catch {
      return false;
    }
  });
  for (const d of deployments) {
    const args = d.spec.template.spec.containers[0].args as string[];
    const queues = args
      .filter((a) => a.startsWith('--queues='))
      .flatMap((a) => a.slice('--queues='.length).split(','));
    workers.push({ name: d.metadata.name, args, queues, log: '' });
  }
  for (const w of workers) startWorker(w);
  await until('every worker to be ready', () => workers.every((w) => / ready\.$/m.test(w.log)), 90);
}, 120_000);

afterAll(async () => {
  await Promise.all(workers.map((w) => stopByPid(w.process)));
  await stopByPid(redis);
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
    const queues = workers.flatMap((w) => w.queues);
    const sent = send(
      queues.map((queue) => ({ task: TASK, queue, service: queue.split('.')[1] as string })),
    );
    await until('every task to run', () => ran().length >= sent.length, 60);
    // Give a duplicate consumer (the bug this guards against) a moment to show itself.
    await new Promise((r) => setTimeout(r, 500));
    const records = ran();
    expect(records).toHaveLength(sent.length);
    const host = hostname();
    for (const s of sent) {
      const record = records.find((r) => r.id === s.id);
      const owners = workers.filter((w) => w.queues.includes(s.queue));
      expect(owners).toHaveLength(1);
      const owner = owners[0] as Worker;
      const service = s.queue.split('.')[1];
      const variant = owner.name === `${service}-worker` ? 'default' : s.queue.split('.')[3];
      // `--hostname=edx.<service>.core.<variant>.%h`: celery names the node
      // celery@edx.<service>.core.<variant>.<host>, %h expanded, no `%` left.
      expect(record?.node).toBe(`celery@edx.${service}.core.${variant}.${host}`);
      expect(record?.queue).toBe(s.queue);
    }
  });

  it('leave tasks in the Redis list named after the queue while no worker runs', async () => {
    await Promise.all(workers.map((w) => stopByPid(w.process)));
    const queued = 7;
    for (const w of workers) {
      for (const queue of w.queues) {
        const before = Number(redisCli('-n', String(BROKER_DB), 'LLEN', queue));
        send(Array.from({ length: queued }, () => ({ task: TASK, queue, service: 'lms' })));
        expect(Number(redisCli('-n', String(BROKER_DB), 'LLEN', queue))).toBe(before + queued);
      }
    }
  });
});
