// Queue monitoring per instance: celery-exporter (Deployment, Service, ServiceMonitor), the
// celery-mixin's alerts as a PrometheusRule, and warnings about settings that clash. The
// dashboard's exporter panels are in src/grafana/ (Flower's family writes the dashboard) and
// KEDA's load trigger in the autoscaling family.
import { brokerConnection } from '../broker/connection.js';
import { componentLabels } from '../flower/flower.js';
import { docFrom } from '../krm/yaml.js';
import { ALERTS_NAME, EXPORTER_NAME } from '../names.js';
import type { Family, InstancePlan } from '../plan.js';
import { instanceWorkers } from '../workers/workers.js';
import { alertRules } from './alerts.js';
import {
  type ExporterConfig,
  type ExporterInput,
  exporterDeployment,
  exporterService,
  exporterServiceMonitor,
  instanceQueues,
} from './exporter.js';
import { lintCooldown, lintHeartbeat, lintWorkerDown } from './lint.js';

export const monitoring: Family = (plan) => {
  lintCooldown(plan);
  const config = plan.spec.monitoring;
  if (!config?.exporter?.enabled) return;
  if (!writeExporter(plan, config.exporter)) return;
  lintHeartbeat(plan, instanceWorkers(plan));
  if (config.alerts?.enabled) {
    lintWorkerDown(plan, instanceWorkers(plan), config.alerts);
    const stock = plan.instance.workers.lms ?? plan.instance.workers.cms;
    if (!stock) return;
    const doc = alertRules({
      name: ALERTS_NAME,
      namespace: plan.instance.namespace,
      labels: {
        ...componentLabels(stock, ALERTS_NAME).labels,
        ...config.alerts.labels,
      },
      config: config.alerts,
      workers: instanceWorkers(plan),
    });
    plan.edit.create(docFrom(doc), plan.instance.anchor, stock.item.name);
  }
};

function writeExporter(plan: InstancePlan, config: ExporterConfig): boolean {
  const { instance } = plan;
  // Tutor gives the LMS and CMS workers the same broker; the exporter watches the LMS's.
  const stock = instance.workers.lms ?? instance.workers.cms;
  if (!stock) return false;
  const connection = brokerConnection(plan, stock.service);
  if (!connection) return false;
  const { labels, selector } = componentLabels(stock, EXPORTER_NAME);
  const input: ExporterInput = {
    metadata: (name, extraLabels = {}) => ({
      name,
      ...(instance.namespace ? { namespace: instance.namespace } : {}),
      labels: { ...labels, ...extraLabels },
    }),
    selector,
    namespace: instance.namespace,
    config,
    connection,
    queues: instanceQueues(plan),
  };
  const create = (doc: Record<string, unknown>) =>
    plan.edit.create(docFrom(doc), instance.anchor, stock.item.name);
  create(exporterDeployment(input));
  create(exporterService(input));
  if (config.serviceMonitor.enabled) create(exporterServiceMonitor(input));
  return true;
}
