// A worker Deployment that consumes queues, as the workers stage plans it, and the facts the
// other families read off it: its command line and sizing (computed once, by that stage), its
// grace period, whether it may be scaled to zero on purpose.
import type { QueueSpec, Spec } from '../config/schema.js';
import { SIZING_KEYS, type Sizing } from '../config/sizing.js';
import type { Body } from '../krm/body.js';
import { DEFAULT_VARIANT, SERVICES, type ServiceName } from '../names.js';
import type { StockWorker, TutorInstance } from '../tutor/instances.js';

/**
 * A worker Deployment in the output that consumes queues: the stock one of a service, a
 * variant's (one queue), or a group's (several). A stock worker the config turns off consumes
 * none, and is none of these.
 */
export interface Worker {
  readonly service: ServiceName;
  readonly kind: 'stock' | 'variant' | 'group';
  /** `default` for the stock worker; the variant, or the group's name. */
  readonly key: string;
  /** Where the config sets it up: `spec.<service>.queues.<variant>` or `spec.<service>.groups.<group>`. */
  readonly path: readonly string[];
  /** The Deployment's name. */
  readonly name: string;
  /** The queues it consumes. */
  readonly queues: readonly string[];
  /** Its celery command line as written. */
  readonly args: readonly string[];
  /** Its sizing: what the config sets on it, and where. */
  readonly sizing: WorkerSizing;
  /**
   * The Deployment as it will be written (the autoscaling family still takes its replicas out):
   * a document, or plain data for a clone of a stock worker in yaml's own layout.
   */
  readonly body: Body;
  readonly stock: StockWorker;
  /** Its config (a group's lists its queues too); undefined for a stock worker the config does not tune. */
  readonly config: QueueSpec | undefined;
}

type SizingKey = keyof Sizing;

export interface WorkerSizing {
  sizing: Sizing;
  /** Where each field was set in the config (`spec.lms.queues.high`), for messages. */
  from: Partial<Record<SizingKey, (string | number)[]>>;
}

/** A worker as the config sets it up: its own settings, and where they are. */
export interface WorkerConfig {
  service: ServiceName;
  config: (Sizing & { autoscaling?: { enabled: boolean } | undefined }) | undefined;
  path: readonly (string | number)[];
}

/** The stock worker of a service as the config sets it up: the variant `default`. */
export function stockConfig(
  spec: Spec,
  service: ServiceName,
): WorkerConfig & { config: QueueSpec | undefined; path: string[] } {
  return {
    service,
    config: spec[service]?.queues[DEFAULT_VARIANT],
    path: ['spec', service, 'queues', DEFAULT_VARIANT],
  };
}

/**
 * A worker's sizing: spec.<service>.workerDefaults, each field the worker's own config (a
 * variant's, `default` for the stock worker, or a group's) sets replacing the default's as a
 * whole. An autoscaled worker takes no replicas from the defaults (KEDA owns them; the schema
 * refuses them on the worker itself).
 */
export function workerSizing(
  spec: Spec,
  { service, config: own, path }: WorkerConfig,
): WorkerSizing {
  const config = spec[service];
  const out: WorkerSizing = { sizing: {}, from: {} };
  const layers: [Sizing | undefined, readonly (string | number)[]][] = [
    [config?.workerDefaults, ['spec', service, 'workerDefaults']],
    [own, path],
  ];
  for (const [layer, at] of layers) {
    for (const key of SIZING_KEYS) {
      const value = layer?.[key];
      if (value === undefined) continue;
      (out.sizing as Record<string, unknown>)[key] = value;
      out.from[key] = [...at];
    }
  }
  if (own?.autoscaling?.enabled) {
    delete out.sizing.replicas;
    delete out.from.replicas;
  }
  return out;
}

/**
 * Every worker Deployment of the instance: those the workers stage planned, and the stock
 * workers of services the config leaves alone, as they stand (read when asked for: most runs
 * never ask).
 */
export function instanceWorkers(
  instance: TutorInstance,
  planned: readonly Worker[],
  current: (stock: StockWorker) => Body,
): Worker[] {
  const workers = [...planned];
  for (const service of SERVICES) {
    const stock = instance.workers[service];
    if (!stock || workers.some((w) => w.service === service)) continue;
    workers.push({
      service,
      kind: 'stock',
      key: DEFAULT_VARIANT,
      path: ['spec', service, 'queues', DEFAULT_VARIANT],
      name: stock.item.name,
      queues: stock.stockQueues,
      get args() {
        return argsOf(this.body, stock);
      },
      sizing: { sizing: {}, from: {} },
      get body() {
        return current(stock);
      },
      stock,
      config: undefined,
    });
  }
  return workers;
}

/** Where a stock worker (and each of its clones) has its celery command line. */
export function argsPath(stock: StockWorker): (string | number)[] {
  return ['spec', 'template', 'spec', 'containers', stock.container, stock.argsField];
}

/** The celery command line of a worker Deployment (a stock worker's, or a clone of it). */
export function argsOf(body: Body, stock: StockWorker): string[] {
  const args = body.get(argsPath(stock));
  return Array.isArray(args) ? args.filter((a): a is string => typeof a === 'string') : [];
}

/** Kubernetes' default terminationGracePeriodSeconds, which Tutor's workers keep. */
export const DEFAULT_GRACE_PERIOD = 30;

/** The grace period of a worker's pods, however it was set (input, config, or default). */
export function gracePeriodOf(worker: Body): number {
  const value = worker.get(['spec', 'template', 'spec', 'terminationGracePeriodSeconds']);
  return typeof value === 'number' ? value : DEFAULT_GRACE_PERIOD;
}

/**
 * Whether nothing may be running on purpose: KEDA scales the worker to zero when its queue is
 * empty (autoscaled, minReplicas 0), or the Deployment asks for no replicas.
 */
export function mayScaleToZero(worker: Worker): boolean {
  const autoscaling = worker.config?.autoscaling;
  if (autoscaling?.enabled) return autoscaling.minReplicas === 0;
  return worker.body.get(['spec', 'replicas']) === 0;
}
