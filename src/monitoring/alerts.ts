// The celery-mixin's three alerts as a PrometheusRule per instance, on that instance's exporter
// only: CeleryTaskHighFailRate, CeleryHighQueueLength (per queue) and CeleryWorkerDown (per
// worker Deployment, left out for the workers that may scale to zero).

import { mayScaleToZero, type Worker } from '../celery/worker.js';
import type { Monitoring } from '../config/schema.js';
import {
  type AlertThresholds,
  queueLengthExpr,
  taskFailureRateExpr,
  workerDownExpr,
  workerNodes,
} from '../promql/celery-exporter.js';

export type AlertsConfig = NonNullable<Monitoring['alerts']>;

export interface AlertRulesInput {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  config: AlertsConfig;
  workers: readonly Worker[];
}

type Rule = Record<string, unknown>;

export function alertRules(input: AlertRulesInput): Record<string, unknown> {
  const { config, namespace } = input;
  const t: AlertThresholds = {
    failurePercent: config.taskFailureRate.threshold,
    failureWindow: config.taskFailureRate.window,
    queueLength: config.queueLength.threshold,
  };
  const rules: Rule[] = [
    {
      alert: 'CeleryTaskHighFailRate',
      expr: taskFailureRateExpr(namespace, t),
      for: '1m',
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Celery high task fail rate.',
        description: `More than ${t.failurePercent}% of the tasks {{ $labels.name }} from queue {{ $labels.queue_name }} ({{ $labels.namespace }}) failed in the past ${t.failureWindow}.`,
      },
    },
    {
      alert: 'CeleryHighQueueLength',
      expr: queueLengthExpr(namespace, t),
      for: config.queueLength.for,
      labels: { severity: 'warning' },
      annotations: {
        summary: 'Celery high queue length.',
        description: `More than ${t.queueLength} tasks have waited in the queue {{ $labels.queue_name }} ({{ $labels.namespace }}) for the past ${config.queueLength.for}.`,
      },
    },
  ];
  if (config.workerDown.enabled) rules.push(...workerDownRules(input));
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PrometheusRule',
    metadata: {
      name: input.name,
      ...(namespace ? { namespace } : {}),
      labels: input.labels,
    },
    spec: { groups: [{ name: 'celery', rules }] },
  };
}

/** The workers CeleryWorkerDown watches, and the ones it leaves out. */
export function workerDownScope(
  workers: readonly Worker[],
  config: AlertsConfig,
): { watched: Worker[]; leftOut: Worker[] } {
  const watched: Worker[] = [];
  const leftOut: Worker[] = [];
  for (const w of workers) {
    if (mayScaleToZero(w) && !config.workerDown.includeScaleToZero) leftOut.push(w);
    else watched.push(w);
  }
  return { watched, leftOut };
}

function workerDownRules(input: AlertRulesInput): Rule[] {
  const { config, namespace } = input;
  const { watched, leftOut } = workerDownScope(input.workers, config);
  const why =
    leftOut.length === 0
      ? ''
      : ` Not watched: ${leftOut.map((w) => w.name).join(', ')}, which KEDA may scale to zero; with no tasks they rightly have no worker, which this alert could not tell from a failure.`;
  return watched.map((w) => ({
    alert: 'CeleryWorkerDown',
    expr: workerDownExpr({ namespace, nodes: workerNodes(w) }),
    for: config.workerDown.for,
    labels: {
      severity: 'warning',
      ...(namespace ? { namespace } : {}),
      deployment: w.name,
    },
    annotations: {
      summary: 'No Celery worker of a worker Deployment is online.',
      description: `No worker of Deployment ${w.name} (queues ${w.queues.join(', ')}) has sent a heartbeat to celery-exporter for ${config.workerDown.for}.${mayScaleToZero(w) ? ' It may be scaled to zero, so this also fires when its queue has simply been empty.' : ''}${why}`,
    },
  }));
}
