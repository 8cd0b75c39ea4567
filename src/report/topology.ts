// The queue topology of each Open edX instance, read off resources as they are (the output of a
// run, or its input when the run is refused): which worker consumes each queue (its Deployment's
// `--queues`, a worker group's several queues alike), how it scales (a KEDA ScaledObject or an
// HPA by its scaleTargetRef, else its replicas), its concurrency, pool and resources, the tasks
// routed to the queue (the settings block's routes and edx-platform's own) and the alerts that
// watch it (the PrometheusRule's). Nothing here knows what the families write: it reads what any
// run wrote, whichever families wrote it.

import { parseArgs, queuesOf } from '../celery/args.js';
import { EDX_PLATFORM_ROUTES } from '../celery/edx-platform.js';
import type { Item } from '../krm/item.js';
import { SERVICES, type ServiceName, stockOffQueue, stockWorkerName } from '../names.js';
import { blockOf, routesOf } from '../settings/block.js';
import { PRODUCTION_KEY, settingsService } from '../tutor/settings.js';

export interface Scaling {
  /** A fixed replica count (Kubernetes' default 1 when unset), or an autoscaler's bounds. */
  replicas?: number;
  autoscaler?: {
    kind: 'ScaledObject' | 'HorizontalPodAutoscaler';
    name: string;
    min: number;
    max: number;
    /** What it scales on: `redis list edx.lms.core.high_mem, 1 task per replica`. */
    triggers: string[];
  };
}

export interface WorkerFacts {
  kind: string;
  name: string;
  service?: ServiceName;
  queues: string[];
  scaling: Scaling;
  /** `--concurrency`; undefined: Celery's default, the number of CPUs the pod sees. */
  concurrency?: number;
  /** `--pool`; Celery's default is prefork. */
  pool: string;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  /** Written by celery-queues (its generated-by annotation). */
  generated: boolean;
  /**
   * A stock worker the config turns off: no replicas, and only a queue no task is sent to, which
   * is not listed among the queues.
   */
  off?: true;
}

export interface TaskRoute {
  task: string;
  /** Whose settings route it. */
  service: ServiceName;
  /** `config`: the settings block celery-queues wrote; `edx-platform`: its default routes. */
  from: 'config' | 'edx-platform';
}

export interface QueueFacts {
  queue: string;
  /** The workers that consume it (none: tasks routed to it wait forever). */
  workers: string[];
  tasks: TaskRoute[];
  /** Every task of this service that no route sends elsewhere comes here. */
  defaultOf?: ServiceName;
  alerts: string[];
}

export interface InstanceTopology {
  namespace: string;
  workers: WorkerFacts[];
  queues: QueueFacts[];
}

type Plain = Record<string, unknown>;

const GENERATED_BY = 'celery-queues.tutor-krm.dev/generated-by';

function plain(item: Item, path: (string | number)[]): unknown {
  return item.plainAt(path);
}

function record(value: unknown): Plain {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Plain) : {};
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

function strings(value: unknown): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record(value))) {
    if (typeof v === 'string' || typeof v === 'number') out[k] = String(v);
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

// Kubernetes writes $$ for a $ that is not to expand.
function unescapeArg(arg: string): string {
  return arg.replaceAll('$$', '$');
}

/** The celery worker command line of a workload's pod, if it runs one. */
function celeryContainer(item: Item): { args: string[]; container: Plain } | undefined {
  if (!['Deployment', 'StatefulSet'].includes(item.kind)) return undefined;
  for (const c of list(plain(item, ['spec', 'template', 'spec', 'containers']))) {
    const container = record(c);
    for (const field of ['args', 'command']) {
      const args = list(container[field]).filter((a): a is string => typeof a === 'string');
      if (args.includes('worker') && args.some((a) => a.includes('celery'))) {
        return { args: args.map(unescapeArg), container };
      }
    }
  }
  return undefined;
}

function serviceOf(args: string[], queues: string[]): ServiceName | undefined {
  const app = parseArgs(args).find((g) => g.flag === '--app')?.value ?? '';
  const byApp = SERVICES.find((s) => app === `${s}.celery` || app.startsWith(`${s}.`));
  if (byApp) return byApp;
  return SERVICES.find((s) => queues.some((q) => q.startsWith(`edx.${s}.`)));
}

function autoscalerOf(item: Item): { target: string; scaler: Scaling['autoscaler'] } | undefined {
  const keda = item.kind === 'ScaledObject' && item.apiVersion.startsWith('keda.sh/');
  const hpa = item.kind === 'HorizontalPodAutoscaler' && item.apiVersion.startsWith('autoscaling/');
  if (!keda && !hpa) return undefined;
  const spec = record(plain(item, ['spec']));
  const target = record(spec.scaleTargetRef);
  // A ScaledObject's target is a Deployment unless it says otherwise; an HPA's always says.
  const kind = target.kind ?? (keda ? 'Deployment' : undefined);
  if (kind !== 'Deployment' || typeof target.name !== 'string') return undefined;
  const count = (value: unknown, otherwise: number) =>
    typeof value === 'number' ? value : otherwise;
  if (keda) {
    const formula = record(record(spec.advanced).scalingModifiers).formula;
    const triggers = list(spec.triggers).map((t) => triggerText(record(t)));
    return {
      target: target.name,
      scaler: {
        kind: 'ScaledObject',
        name: item.name,
        min: count(spec.minReplicaCount, 0),
        max: count(spec.maxReplicaCount, 100),
        triggers:
          typeof formula === 'string' ? [`${formula} of: ${triggers.join('; ')}`] : triggers,
      },
    };
  }
  const metrics = list(spec.metrics).map((m) => {
    const resource = record(record(m).resource);
    const utilization = record(resource.target).averageUtilization;
    return typeof resource.name === 'string'
      ? `${resource.name}${typeof utilization === 'number' ? ` ${utilization}%` : ''}`
      : String(record(m).type ?? 'metric');
  });
  const cpu = spec.targetCPUUtilizationPercentage;
  return {
    target: target.name,
    scaler: {
      kind: 'HorizontalPodAutoscaler',
      name: item.name,
      min: count(spec.minReplicas, 1),
      max: count(spec.maxReplicas, 1),
      triggers: metrics.length > 0 ? metrics : typeof cpu === 'number' ? [`cpu ${cpu}%`] : [],
    },
  };
}

function triggerText(trigger: Plain): string {
  const meta = record(trigger.metadata);
  const name = typeof trigger.name === 'string' ? `${trigger.name}: ` : '';
  if (trigger.type === 'redis' && typeof meta.listName === 'string') {
    return `${name}redis list ${meta.listName}, ${meta.listLength ?? 5} per replica`;
  }
  if (trigger.type === 'prometheus') {
    return `${name}prometheus, ${meta.threshold ?? '?'} per replica`;
  }
  return `${name}${String(trigger.type ?? 'trigger')}`;
}

/** Routes of a service from the block celery-queues wrote in its settings ConfigMap. */
function configuredRoutes(
  items: readonly Item[],
  workers: readonly Item[],
): Map<ServiceName, string[][]> {
  const byName = new Map(items.filter((i) => i.kind === 'ConfigMap').map((i) => [i.name, i]));
  const found = new Map<ServiceName, string[][]>();
  for (const worker of workers) {
    const pod = record(plain(worker, ['spec', 'template', 'spec']));
    const mounts = list(pod.containers).flatMap((c) => list(record(c).volumeMounts));
    for (const v of list(pod.volumes)) {
      const volume = record(v);
      const name = record(volume.configMap).name;
      if (typeof volume.name !== 'string' || typeof name !== 'string') continue;
      const paths = mounts
        .map(record)
        .filter((m) => m.name === volume.name && typeof m.mountPath === 'string')
        .map((m) => m.mountPath as string);
      const service = settingsService(volume.name, paths);
      if (!service || found.has(service)) continue;
      const text = byName.get(name)?.plainAt(['data', PRODUCTION_KEY]);
      const block = typeof text === 'string' ? blockOf(text) : undefined;
      found.set(service, block ? routesOf(block).map((r) => [r.task, r.queue]) : []);
    }
  }
  return found;
}

function alertsOf(items: readonly Item[]): { alert: string; deployment?: string }[] {
  const out: { alert: string; deployment?: string }[] = [];
  for (const item of items) {
    if (item.kind !== 'PrometheusRule') continue;
    for (const group of list(plain(item, ['spec', 'groups']))) {
      for (const r of list(record(group).rules)) {
        const rule = record(r);
        if (typeof rule.alert !== 'string') continue;
        const deployment = record(rule.labels).deployment;
        out.push({
          alert: rule.alert,
          ...(typeof deployment === 'string' ? { deployment } : {}),
        });
      }
    }
  }
  return out;
}

// The queues celery-exporter is told to watch (its --queues), if it runs.
function exporterQueues(items: readonly Item[]): string[] | undefined {
  for (const item of items) {
    if (item.kind !== 'Deployment' || item.annotation(GENERATED_BY) === undefined) continue;
    for (const c of list(plain(item, ['spec', 'template', 'spec', 'containers']))) {
      const args = list(record(c).args).filter((a): a is string => typeof a === 'string');
      if (!args.some((a) => a.startsWith('--queues=')) || args.includes('worker')) continue;
      return queuesOf(args.map(unescapeArg)) ?? [];
    }
  }
  return undefined;
}

const SERVICE_ORDER = (q: string) => {
  const i = SERVICES.findIndex((s) => q.startsWith(`edx.${s}.`));
  return i < 0 ? SERVICES.length : i;
};

function byQueue(a: string, b: string): number {
  const rank = (q: string) => (/\.default$/.test(q) ? 0 : 1);
  return SERVICE_ORDER(a) - SERVICE_ORDER(b) || rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** Every instance's topology: the namespaces with celery workers, in the order they come. */
export function topologyOf(items: readonly Item[]): InstanceTopology[] {
  const namespaces: string[] = [];
  const inNamespace = new Map<string, Item[]>();
  for (const item of items) {
    const list = inNamespace.get(item.namespace) ?? [];
    list.push(item);
    inNamespace.set(item.namespace, list);
  }
  for (const item of items) {
    if (!namespaces.includes(item.namespace) && celeryContainer(item)) {
      namespaces.push(item.namespace);
    }
  }
  return namespaces.map((ns) => instanceTopology(ns, inNamespace.get(ns) ?? []));
}

function instanceTopology(namespace: string, items: readonly Item[]): InstanceTopology {
  const scalers = new Map<string, NonNullable<Scaling['autoscaler']>>();
  for (const item of items) {
    const a = autoscalerOf(item);
    if (a?.scaler && !scalers.has(a.target)) scalers.set(a.target, a.scaler);
  }
  const workerItems: Item[] = [];
  const workers: WorkerFacts[] = [];
  for (const item of items) {
    const celery = celeryContainer(item);
    if (!celery) continue;
    workerItems.push(item);
    const queues = queuesOf(celery.args) ?? [];
    const groups = parseArgs(celery.args);
    const concurrency = Number(groups.find((g) => g.flag === '--concurrency')?.value);
    const resources = record(celery.container.resources);
    const requests = strings(resources.requests);
    const limits = strings(resources.limits);
    const replicas = plain(item, ['spec', 'replicas']);
    const autoscaler = scalers.get(item.name);
    const service = serviceOf(celery.args, queues);
    const off =
      service !== undefined &&
      item.name === stockWorkerName(service) &&
      queues.length === 1 &&
      queues[0] === stockOffQueue(service);
    workers.push({
      kind: item.kind,
      name: item.name,
      ...(service ? { service } : {}),
      queues,
      scaling: autoscaler
        ? { autoscaler }
        : { replicas: typeof replicas === 'number' ? replicas : 1 },
      ...(Number.isInteger(concurrency) && concurrency > 0 ? { concurrency } : {}),
      pool: groups.find((g) => g.flag === '--pool')?.value ?? 'prefork',
      ...(requests || limits
        ? { resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } }
        : {}),
      generated: item.annotation(GENERATED_BY) !== undefined,
      ...(off ? { off: true as const } : {}),
    });
  }

  const queues = new Map<string, QueueFacts>();
  const queue = (name: string) => {
    let q = queues.get(name);
    if (!q) {
      q = { queue: name, workers: [], tasks: [], alerts: [] };
      queues.set(name, q);
    }
    return q;
  };
  for (const w of workers) {
    if (w.off) continue;
    for (const q of w.queues) queue(q).workers.push(w.name);
  }

  // Routes: the services the instance runs, edx-platform's defaults overridden by the block's.
  const services = SERVICES.filter((s) => workers.some((w) => w.service === s));
  const configured = configuredRoutes(items, workerItems);
  for (const service of services) {
    queue(`edx.${service}.core.default`).defaultOf = service;
    const own = configured.get(service) ?? [];
    const overridden = new Set(own.map(([task]) => task));
    for (const route of EDX_PLATFORM_ROUTES[service]) {
      if (overridden.has(route.task)) continue;
      queue(route.queue).tasks.push({ task: route.task, service, from: 'edx-platform' });
    }
    for (const [task, q] of own) {
      queue(q as string).tasks.push({ task: task as string, service, from: 'config' });
    }
  }

  // Alerts: a worker's by its deployment label; the others on every queue the exporter watches.
  const watched = exporterQueues(items);
  for (const { alert, deployment } of alertsOf(items)) {
    for (const q of queues.values()) {
      const applies = deployment
        ? q.workers.includes(deployment)
        : watched === undefined || watched.includes(q.queue);
      if (applies && !q.alerts.includes(alert)) q.alerts.push(alert);
    }
  }
  for (const q of queues.values()) q.alerts.sort();

  const rank = (w: WorkerFacts) =>
    (w.service ? SERVICES.indexOf(w.service) : SERVICES.length) * 2 + (w.generated ? 1 : 0);
  workers.sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    namespace,
    workers,
    queues: [...queues.values()].sort((a, b) => byQueue(a.queue, b.queue)),
  };
}
