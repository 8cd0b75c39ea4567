// The dashboard's queue panels when celery-exporter runs: queue lengths read from Redis, in
// place of Flower's estimate from events. Without the exporter the dashboard stays as it is.
import type { Monitoring } from '../config/schema.js';
import { dashboardQueueLength } from '../promql/celery-exporter.js';
import type { DashboardOptions, PanelSpec } from './dashboard.js';

const SOURCE =
  'celery-exporter reads the length of each queue’s Redis list at every scrape, for every queue of the instance (workers scaled to zero included). Tasks a worker has already taken (running, or prefetched) are no longer in the list. Tasks sent with a priority wait in extra lists that are not counted.';

/**
 * The panels that replace and extend Flower's queue panels; none without the exporter. The
 * same objects every call: the dashboard makes their JSON once (see flowerDashboardJson).
 */
export function exporterQueuePanels(
  monitoring: Monitoring | undefined,
): Pick<DashboardOptions, 'panels' | 'extraPanels'> {
  if (!monitoring?.exporter?.enabled) return {};
  queuePanels ??= makeQueuePanels();
  return queuePanels;
}

let queuePanels: Pick<DashboardOptions, 'panels' | 'extraPanels'> | undefined;

function makeQueuePanels(): Pick<DashboardOptions, 'panels' | 'extraPanels'> {
  const total: PanelSpec = {
    title: 'Total queue length',
    description: `Tasks waiting in the broker, all queues together. ${SOURCE}`,
    type: 'timeseries',
    targets: [{ expr: dashboardQueueLength(false), legendFormat: 'waiting' }],
    unit: 'short',
    min: 0,
  };
  const byQueue: PanelSpec = {
    title: 'Queue length by queue',
    description: `Tasks waiting in the broker, by queue (edx.<service>.core.<variant>). ${SOURCE}`,
    type: 'timeseries',
    targets: [{ expr: dashboardQueueLength(true), legendFormat: '{{queue_name}}' }],
    unit: 'short',
    min: 0,
    width: 24,
    stacked: true,
  };
  return { panels: { totalQueueLength: total }, extraPanels: [byQueue] };
}
