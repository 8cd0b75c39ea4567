// Queue monitoring per instance: celery-exporter (Deployment, Service, ServiceMonitor), the
// celery-mixin's alerts as a PrometheusRule, and warnings about settings that clash. The
// dashboard's exporter panels are in src/grafana/ (Flower's family writes the dashboard) and
// KEDA's load trigger in the autoscaling family.
import { ALERTS_NAME, EXPORTER_NAME } from '../names.js';
import type { Family, InstanceView } from '../plan.js';
import { componentLabels, monitoredStock } from '../tutor/components.js';
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

export const monitoring: Family = (view) => {
  lintCooldown(view);
  const config = view.spec.monitoring;
  if (!config?.exporter?.enabled) return;
  if (!writeExporter(view, config.exporter)) return;
  lintHeartbeat(view, view.instanceWorkers);
  if (config.alerts?.enabled) {
    lintWorkerDown(view, view.instanceWorkers, config.alerts);
    const stock = monitoredStock(view.instance);
    if (!stock) return;
    const doc = alertRules({
      name: ALERTS_NAME,
      namespace: view.instance.namespace,
      labels: {
        ...componentLabels(view.instance, stock, ALERTS_NAME).labels,
        ...config.alerts.labels,
      },
      config: config.alerts,
      workers: view.instanceWorkers,
    });
    view.resources.create(doc, view.instance.anchor, stock.item.name);
  }
};

function writeExporter(view: InstanceView, config: ExporterConfig): boolean {
  const { instance } = view;
  const stock = monitoredStock(instance);
  if (!stock) return false;
  const connection = view.broker.connections[stock.service];
  if (!connection) return false;
  const { labels, selector, serviceSelector } = componentLabels(instance, stock, EXPORTER_NAME);
  const input: ExporterInput = {
    metadata: (name, extraLabels = {}) => ({
      name,
      ...(instance.namespace ? { namespace: instance.namespace } : {}),
      labels: { ...labels, ...extraLabels },
    }),
    selector,
    serviceSelector,
    namespace: instance.namespace,
    config,
    connection,
    queues: instanceQueues(view),
  };
  const create = (doc: Record<string, unknown>) =>
    view.resources.create(doc, instance.anchor, stock.item.name);
  create(exporterDeployment(input));
  create(exporterService(input));
  if (config.serviceMonitor.enabled) create(exporterServiceMonitor(input));
  return true;
}
