// An Open edX site as the function's output describes it, run for real: every worker
// Deployment's command line as a real Celery worker (Debian's python3-celery) on a real
// redis-server, the stub apps of test/e2e/stub in place of edx-platform's, and tasks sent the way
// edx-platform sends them.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parse } from 'yaml';
import { fixture, RENDERS, ROOT } from '../helpers.js';
import { PYTHON, type RedisServer, startRedis, stopByPid, until } from './processes.js';

const STUB = join(ROOT, 'test', 'e2e', 'stub');
const RECORD_DB = 15;

type Resource = Record<string, any>;

export interface SiteWorker {
  /** The Deployment's name. */
  name: string;
  service: string;
  args: string[];
  /** Its --queues. */
  queues: string[];
  /** spec.replicas as written (undefined: Kubernetes' 1, or KEDA's). */
  replicas: unknown;
  process?: ChildProcess;
  log: string;
}

export interface Sent {
  task: string;
  id: string;
  queue: string;
}

export interface Ran {
  task: string;
  id: string;
  node: string;
  queue: string;
}

/** The v20 render with its broker in another database, so that a wrong database shows. */
export function renderWithBrokerDb(db: number): string {
  return fixture(RENDERS.v20).replace(
    /CELERY_BROKER_VHOST:(\s+)\\"0\\"/g,
    `CELERY_BROKER_VHOST:$1\\"${db}\\"`,
  );
}

/** The worker Deployments of an output: the stock workers and every one cloned from them. */
export function siteWorkers(output: Resource[]): SiteWorker[] {
  return output
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
        replicas: d.spec.replicas,
        log: '',
      };
    });
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

export class Site {
  readonly workers: SiteWorker[];
  redis!: RedisServer;
  private scratch = '';

  /** `tasks`: every task name the stub apps register. */
  constructor(
    readonly output: Resource[],
    private readonly tasks: string[],
  ) {
    this.workers = siteWorkers(output);
  }

  async start(workers: SiteWorker[] = this.workers): Promise<void> {
    this.scratch = mkdtempSync(join(tmpdir(), 'celery-e2e-'));
    this.redis = await startRedis();
    for (const w of workers) this.startWorker(w);
    await until(
      'every worker to be ready',
      () => workers.every((w) => / ready\.$/m.test(w.log)),
      90,
    );
  }

  async stopWorkers(): Promise<void> {
    await Promise.all(this.workers.map((w) => stopByPid(w.process)));
  }

  async stop(): Promise<void> {
    await this.stopWorkers();
    await this.redis?.stop();
    if (this.scratch) rmSync(this.scratch, { recursive: true, force: true });
  }

  /** The broker URL edx-platform composes from <service>.env.yml, pointed at the local server. */
  brokerUrl(service: string): string {
    const config = this.output.find(
      (r) => r.kind === 'ConfigMap' && r.data?.[`${service}.env.yml`],
    );
    const env = parse(config?.data[`${service}.env.yml`]);
    const auth = env.CELERY_BROKER_PASSWORD ? `:${env.CELERY_BROKER_PASSWORD}@` : '';
    return `${env.CELERY_BROKER_TRANSPORT}://${auth}127.0.0.1:${this.redis.port}/${env.CELERY_BROKER_VHOST}`;
  }

  env(service: string): NodeJS.ProcessEnv {
    return {
      ...process.env,
      PYTHONPATH: STUB,
      CELERY_BROKER_URL: this.brokerUrl(service),
      E2E_RECORD_URL: `redis://127.0.0.1:${this.redis.port}/${RECORD_DB}`,
      E2E_TASKS: this.tasks.join(','),
    };
  }

  private startWorker(w: SiteWorker): void {
    const child = spawn(PYTHON, ['-m', 'celery', ...localCommand(w.args)], {
      cwd: this.scratch,
      env: this.env(w.service),
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
  settingsBlock(service: string): string {
    const stock = this.output.find(
      (r) => r.kind === 'Deployment' && r.metadata.name === `${service}-worker`,
    );
    const volume = stock?.spec.template.spec.volumes.find(
      (v: any) => v.name === `settings-${service}`,
    );
    const settings = this.output.find(
      (r) => r.kind === 'ConfigMap' && r.metadata.name === volume?.configMap.name,
    );
    const text = settings?.data['production.py'] as string;
    const block = text.slice(
      text.indexOf('# BEGIN celery-queues'),
      text.indexOf('# END celery-queues'),
    );
    expect(block).toContain('EXPLICIT_QUEUES.update(');
    const file = join(this.scratch, `${service}-block.py`);
    writeFileSync(file, block);
    return file;
  }

  /**
   * Sends tasks as edx-platform does (test/e2e/stub/send.py): to the queue given, or where the
   * settings block (with `predefined`, edx-platform's own routes) routes them.
   */
  send(
    service: string,
    sends: { task: string; queue?: string; service?: string; priority?: number }[],
    settings?: { file: string; predefined: unknown },
  ): Sent[] {
    const extra = settings
      ? { E2E_SETTINGS: settings.file, E2E_PREDEFINED: JSON.stringify(settings.predefined) }
      : {};
    const out = execFileSync(PYTHON, [join(STUB, 'send.py'), JSON.stringify(sends)], {
      env: { ...this.env(service), ...extra },
      encoding: 'utf8',
    });
    return JSON.parse(out) as Sent[];
  }

  /**
   * Sends these tasks from each service, to where edx-platform's router sends them with the
   * settings block the function wrote (on top of `predefined`, edx-platform's own routes), and
   * waits until each has run: what was sent, and what ran.
   */
  async sendRouted(
    tasks: Record<'lms' | 'cms', string[]>,
    predefined: unknown,
  ): Promise<{ sent: (Sent & { service: 'lms' | 'cms' })[]; ran: Ran[] }> {
    const before = this.ran().length;
    const sent = (['lms', 'cms'] as const).flatMap((service) =>
      this.send(
        service,
        tasks[service].map((task) => ({ task, service })),
        { file: this.settingsBlock(service), predefined },
      ).map((s) => ({ ...s, service })),
    );
    await until('every routed task to run', () => this.ran().length >= before + sent.length, 60);
    // Give a second consumer of a queue (the defect this guards against) a moment to show.
    await new Promise((r) => setTimeout(r, 500));
    return { sent, ran: this.ran().slice(before) };
  }

  /** Every task a worker ran so far, in order. */
  ran(): Ran[] {
    const raw = this.redis.cli('-n', String(RECORD_DB), 'LRANGE', 'e2e:ran', '0', '-1');
    return raw ? raw.split('\n').map((l: string) => JSON.parse(l)) : [];
  }

  /** The queues each running worker node consumes, as Celery's remote control reports them. */
  activeQueues(service: string): Record<string, string[]> {
    const script = `
import json, os
from celery import Celery
app = Celery(broker=os.environ["CELERY_BROKER_URL"])
replies = app.control.inspect(timeout=5).active_queues() or {}
print(json.dumps({node: sorted(q["name"] for q in queues) for node, queues in replies.items()}))
`;
    return JSON.parse(
      execFileSync(PYTHON, ['-c', script], { env: this.env(service), encoding: 'utf8' }),
    );
  }
}
