// Queue monitoring: celery-exporter, the celery-mixin's alerts, and where KEDA finds Prometheus.

import * as z from 'zod/mini';
import { duration, labelMap, resources, serviceMonitor } from './kubernetes.js';
import { deferred, describe, flag, int, once, strictObject, string } from './zod.js';

const exporterServiceMonitor = once(() =>
  serviceMonitor('the exporter', {
    byDefault: true,
    why: 'Write the ServiceMonitor celery-exporter (on by default: the alerts and load scaling select the exporter’s series by the job label it gives them, job="celery-exporter").',
  }),
);

const exporter = once(() =>
  describe(
    strictObject({
      enabled: describe(
        flag(false),
        'Deploy celery-exporter next to the workers: queue lengths read from Redis for every queue of the instance, and task and worker metrics from Celery events.',
      ),
      image: describe(
        z._default(string(z.minLength(1)), 'docker.io/danihodovic/celery-exporter'),
        'The exporter image, without its tag.',
      ),
      version: describe(
        z._default(
          string(
            z.regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be an image tag such as 0.12.0'),
          ),
          '0.12.0',
        ),
        'The image tag: a celery-exporter release without its "v". Default: the release celery-exporter’s own Helm chart deploys. The metrics this function queries are those of 0.12.',
      ),
      resources: resources(
        "The exporter container's resources (replaces the default). It keeps recent task states in memory.",
        { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
      ),
      serviceMonitor: z.prefault(exporterServiceMonitor(), {}),
    }),
    'danihodovic/celery-exporter, the Celery exporter behind the celery-mixin: one Deployment, Service and ServiceMonitor celery-exporter per instance.',
  ),
);

const alerts = once(() =>
  describe(
    strictObject({
      enabled: describe(
        flag(false),
        'Write the PrometheusRule celery-alerts with the celery-mixin’s alerts on the exporter’s metrics. Needs monitoring.exporter.',
      ),
      labels: describe(
        z._default(labelMap, { release: 'prometheus' }),
        'Labels by which your Prometheus picks PrometheusRules up (kube-prometheus-stack: release: <its Helm release name>). Replaces the default.',
      ),
      taskFailureRate: describe(
        z.prefault(
          strictObject({
            threshold: describe(
              z._default(z.number().check(z.gt(0), z.lt(100)), 5),
              'Percent of the finished tasks of one name and queue that failed.',
            ),
            window: describe(
              z._default(duration, '10m'),
              'Over how long the failures are counted.',
            ),
          }),
          {},
        ),
        'CeleryTaskHighFailRate: too many tasks of one name fail.',
      ),
      queueLength: describe(
        z.prefault(
          strictObject({
            threshold: describe(z._default(int(0), 100), 'Tasks waiting in one queue.'),
            for: describe(z._default(duration, '20m'), 'How long the queue must stay that long.'),
          }),
          {},
        ),
        'CeleryHighQueueLength: a queue stays long, per queue.',
      ),
      workerDown: describe(
        z.prefault(
          strictObject({
            enabled: describe(flag(true), 'Write CeleryWorkerDown rules.'),
            for: describe(
              z._default(duration, '15m'),
              'How long a worker Deployment must have no worker online.',
            ),
            includeScaleToZero: describe(
              flag(false),
              'Also watch the workers that may scale to zero (autoscaled with minReplicas 0): they then alert whenever their queue stays empty that long (a warning says so).',
            ),
          }),
          {},
        ),
        'CeleryWorkerDown: no worker of a worker Deployment online. Left out for workers that may scale to zero, which have no worker online whenever their queue is empty.',
      ),
    }),
    'Prometheus alerts on the exporter’s metrics, as the celery-mixin has them.',
  ),
);

export const monitoring = deferred(() =>
  describe(
    strictObject({
      exporter: z.optional(exporter()),
      alerts: z.optional(alerts()),
      prometheus: describe(
        z.optional(
          deferred(() =>
            strictObject({
              serverAddress: describe(
                string(
                  z.regex(
                    /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
                    'must be an http:// or https:// URL',
                  ),
                ),
                'The Prometheus HTTP API that KEDA queries, e.g. http://prometheus-operated.monitoring.svc:9090.',
              ),
            }),
          ),
        ),
        'Where KEDA reads the exporter’s metrics from, for autoscaling.load.',
      ),
    }),
    'Queue monitoring from celery-exporter: its Deployment and ServiceMonitor, alerts, real queue lengths on the dashboard, and load-aware autoscaling.',
  ),
);
