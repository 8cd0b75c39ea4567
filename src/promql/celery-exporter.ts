// Every PromQL expression the function writes over celery-exporter's metrics: the alerts, the
// dashboard's queue panels and KEDA's load query. The metrics and their labels are those of
// danihodovic/celery-exporter 0.12 (src/exporter.py):
//   celery_queue_length{queue_name}                 gauge: LLEN of the queue's Redis list, read at
//                                                   every scrape for every queue in --queues and
//                                                   every queue a live worker consumes
//   celery_worker_up{hostname}                      gauge: 1 while the worker sends heartbeats
//   celery_worker_tasks_active{hostname}            gauge: tasks the worker runs (its heartbeat)
//   celery_task_{sent,received,started,succeeded,failed,rejected,revoked,retried}_total
//                                                   counters{name, hostname, queue_name}, failed
//                                                   also {exception}
// `hostname` is the worker's Celery node name after its "@" (`edx.lms.core.high.<pod>` for
// celery@edx.lms.core.high.<pod>). The exporter purges the series of a worker it has not heard
// from for 10 minutes (--purge-offline-worker-metrics), so a scaled-down pod's series go away.

import { flagValue } from '../celery/args.js';
import { EXPORTER_NAME } from '../names.js';
import { oncePer } from '../once.js';

export const QUEUE_LENGTH = 'celery_queue_length';
export const WORKER_UP = 'celery_worker_up';
export const TASKS_ACTIVE = 'celery_worker_tasks_active';
export const TASKS_FAILED = 'celery_task_failed_total';
export const TASKS_SUCCEEDED = 'celery_task_succeeded_total';

/** A PromQL string literal. */
export function quote(text: string): string {
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

// The characters a regular expression reads as more than themselves.
const REGEX_SPECIAL = /[.*+?^${}()|[\]\\]/g;

/** `text` as a regular expression that matches exactly it (RE2 syntax). */
export function literalRegex(text: string): string {
  return text.replace(REGEX_SPECIAL, '\\$&');
}

/**
 * The label matchers that select one instance's exporter: Prometheus gives the series of a
 * ServiceMonitor's targets the Service's namespace and, as job, the Service's name.
 */
export function exporterMatchers(namespace: string): string[] {
  return [...(namespace ? [`namespace=${quote(namespace)}`] : []), `job=${quote(EXPORTER_NAME)}`];
}

export function selector(metric: string, matchers: readonly string[]): string {
  return `${metric}{${matchers.join(', ')}}`;
}

/** `queue_name="q"`, or `queue_name=~"q1|q2"` for several queues. */
export function queueMatcher(queues: readonly string[]): string {
  if (queues.length === 1) return `queue_name=${quote(queues[0] as string)}`;
  return `queue_name=~${quote(queues.map(literalRegex).join('|'))}`;
}

/**
 * The regular expression of the `hostname` label celery-exporter gives the workers of one
 * Deployment: their node name (from the worker's --hostname) after its "@", with Celery's
 * `%h`, `%n` and `%d` (host name, its first part, its domain) standing for any text. Without a
 * --hostname, Celery names the node after the host: for a pod, `<deployment>-<hash>-<id>`.
 */
export function nodeNamePattern(args: readonly string[], deployment: string): string {
  const hostname = flagValue(args, '--hostname');
  if (hostname === undefined) return `${literalRegex(deployment)}-[a-z0-9]+-[a-z0-9]+`;
  const afterAt = hostname.includes('@') ? hostname.slice(hostname.indexOf('@') + 1) : hostname;
  return afterAt.replace(NODE_NAME_PARTS, (part) =>
    part === '%%' ? '%' : part[0] === '%' ? '.+' : `\\${part}`,
  );
}

/**
 * nodeNamePattern of a worker Deployment, made once for the three outputs that read it (the
 * dashboard's Deployment filter, CeleryWorkerDown, KEDA's load query): its command line is
 * final once the workers stage planned it.
 */
export const workerNodes = oncePer(
  (worker: { readonly args: readonly string[]; readonly name: string }): string =>
    nodeNamePattern(worker.args, worker.name),
);

// What a --hostname holds, read left to right: Celery's %h, %n, %d and %%, and the characters
// that a regular expression reads as more than themselves (literalRegex's).
const NODE_NAME_PARTS = new RegExp(`%[hnd%]|${REGEX_SPECIAL.source}`, 'g');

export interface WorkerSeries {
  namespace: string;
  /** The queues the worker Deployment consumes. */
  queues: readonly string[];
  /** nodeNamePattern of its workers. */
  nodes: string;
}

/**
 * KEDA's load query for one worker Deployment: the tasks waiting in its queues plus the tasks its
 * workers run, as one number. The queue lengths are always there (the exporter is given every
 * queue), so an empty answer means the exporter is not scraped, and KEDA reports an error
 * instead of reading 0; no running workers (scaled to zero) count as 0 running tasks.
 */
export function loadQuery(w: WorkerSeries): string {
  const base = exporterMatchers(w.namespace);
  const waiting = `sum(${selector(QUEUE_LENGTH, [...base, queueMatcher(w.queues)])})`;
  const running = `sum(${selector(TASKS_ACTIVE, [...base, `hostname=~${quote(w.nodes)}`])})`;
  return `${waiting} + (${running} or vector(0))`;
}

export interface AlertThresholds {
  failurePercent: number;
  failureWindow: string;
  queueLength: number;
}

/**
 * CeleryTaskHighFailRate: the celery-mixin's expression (celery-mixin/alerts/alerts.libsonnet,
 * celery-exporter 0.12), on this instance's exporter. Its filters on "None" drop the series of
 * events the exporter could not tie to a task name or queue (celeryIgnoredTasks,
 * celeryIgnoredQueues in config.libsonnet).
 */
export function taskFailureRateExpr(namespace: string, t: AlertThresholds): string {
  const by = 'sum by (job, namespace, queue_name, name)';
  const m = [...exporterMatchers(namespace), 'queue_name!~"None"', 'name!~"None"'];
  const failed = `${by} (increase(${selector(TASKS_FAILED, m)}[${t.failureWindow}]))`;
  const succeeded = `${by} (increase(${selector(TASKS_SUCCEEDED, m)}[${t.failureWindow}]))`;
  return `${failed} / (${failed} + ${succeeded}) * 100 > ${t.failurePercent}`;
}

/** CeleryHighQueueLength: the celery-mixin's expression, per queue of this instance. */
export function queueLengthExpr(namespace: string, t: AlertThresholds): string {
  return `sum by (job, namespace, queue_name) (${selector(QUEUE_LENGTH, exporterMatchers(namespace))}) > ${t.queueLength}`;
}

/**
 * CeleryWorkerDown for one worker Deployment: none of its workers online, while the exporter
 * itself is scraped (its queue lengths are there), so that an exporter outage does not read as
 * every worker down. The mixin's per-node `celery_worker_up == 0` cannot serve on Kubernetes:
 * node names are pod names, which change with every rollout and scaling, and the exporter drops
 * a silent node's series after 10 minutes, before a 15-minute alert could fire.
 */
export function workerDownExpr(w: Pick<WorkerSeries, 'namespace' | 'nodes'>): string {
  const base = exporterMatchers(w.namespace);
  const up = `max(${selector(WORKER_UP, [...base, `hostname=~${quote(w.nodes)}`])})`;
  return `(${up} or vector(0)) < 1 and on () count(${selector(QUEUE_LENGTH, base)}) > 0`;
}

/** The dashboard's queue panels, with Grafana's $namespace filter. */
export function dashboardQueueLength(byQueue: boolean): string {
  const m = ['namespace=~"$namespace"', `job=${quote(EXPORTER_NAME)}`];
  const length = selector(QUEUE_LENGTH, m);
  return byQueue ? `sum by (queue_name) (${length})` : `sum(${length})`;
}
