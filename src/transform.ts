// The pure core: items and a config in, items and results out. On any error the items come
// back exactly as they went in.
import { autoscaling } from './autoscaling/autoscaling.js';
import { resolveBroker, writeBrokerSecret } from './broker/connection.js';
import { instanceWorkers } from './celery/worker.js';
import { lintConfig } from './config/lint.js';
import type { CeleryQueues } from './config/schema.js';
import { disruptionBudgets } from './disruption/budgets.js';
import { flower } from './flower/flower.js';
import { InputError, type Item } from './krm/item.js';
import { Resources } from './krm/resources.js';
import { type Result, Results } from './krm/results.js';
import { checkItems } from './krm/validate.js';
import { monitoring } from './monitoring/monitoring.js';
import type { ServiceName } from './names.js';
import type { Family, InstanceView } from './plan.js';
import { settings } from './settings/settings.js';
import { monitoredStock } from './tutor/components.js';
import { findInstances, type TutorInstance } from './tutor/instances.js';
import { recordStockWorkers, resetStockWorkers } from './tutor/record.js';
import { workers } from './workers/workers.js';

/**
 * The output families, in the order they run, after the workers stage. Each reads the view and
 * stages its own changes; the order is that of the resources they add to the output.
 */
export const FAMILIES: readonly Family[] = [
  settings,
  autoscaling,
  flower,
  disruptionBudgets,
  monitoring,
];

export interface TransformResult {
  items: Item[];
  results: Result[];
}

/**
 * `families`: the families to run after the workers stage, all of them but for a test that runs
 * some on their own. `container`: the columns of a ResourceList entry the output is written in
 * (0: a stream), where the resources written are printed right away (see Item.settle).
 */
export function transform(
  items: readonly Item[],
  config: CeleryQueues,
  families: readonly Family[] = FAMILIES,
  container = 0,
): TransformResult {
  const results = new Results();
  try {
    checkItems(items, results);
    if (results.hasErrors) return { items: [...items], results: results.list };
    lintConfig(config.spec, results);
    const resources = new Resources(items, results, container);
    const instances = findInstances(items, config.spec, results);
    if (!results.hasErrors) {
      // One instance at a time, each let go of when done (its documents printed or released):
      // what a large input holds meanwhile is text.
      for (let instance = instances.shift(); instance; instance = instances.shift()) {
        resources.setLabels(instance.labels);
        resetStockWorkers(instance, resources);
        const view = viewOf({ instance, spec: config.spec, resources, results });
        // The broker's Secret, an explicit step: right before the first family that connects
        // to the broker, where its resources, which read the Secret, go.
        const secretBefore = brokerReaders(view).find(([, services]) => services.length > 0)?.[0];
        for (const family of families) {
          if (family === secretBefore) writeBrokerSecret(view);
          family(view);
        }
        recordStockWorkers(instance, resources, view.workers);
        removeStale(instance, resources, results);
        resources.settle();
      }
    }
    // Infos say what was done; on error nothing was.
    if (results.hasErrors) {
      return { items: [...items], results: results.list.filter((r) => r.severity !== 'info') };
    }
    return { items: resources.output(), results: results.list };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    results.error(e.message);
    return { items: [...items], results: results.list };
  }
}

/**
 * Runs the workers stage on one instance, and resolves what the families after it read: the
 * workers it planned, and the broker.
 */
export function viewOf(
  input: Pick<InstanceView, 'instance' | 'spec' | 'resources' | 'results'>,
): InstanceView {
  const planned = Object.freeze(workers(input));
  const { instance, spec, resources } = input;
  const broker = resolveBroker(
    instance,
    spec,
    (kind, namespace, name) => resources.find(kind, namespace, name),
    [...new Set(brokerReaders({ spec, instance, workers: planned }).flatMap(([, s]) => s))],
  );
  return Object.freeze({
    ...input,
    broker,
    workers: planned,
    instanceWorkers: Object.freeze(
      instanceWorkers(instance, planned, (stock) => resources.body(stock.item)),
    ),
  });
}

/**
 * The families that connect what they write to the broker, in the order they run, each with the
 * services whose broker it reads, in the order it reads them: KEDA's ScaledObjects for the
 * autoscaled workers, Flower and celery-exporter for the monitored stock worker's.
 */
function brokerReaders(
  view: Pick<InstanceView, 'spec' | 'instance' | 'workers'>,
): [Family, ServiceName[]][] {
  const monitored = monitoredStock(view.instance)?.service;
  const watches = (on: boolean | undefined) => (on && monitored ? [monitored] : []);
  return [
    [autoscaling, view.workers.filter((w) => w.config?.autoscaling?.enabled).map((w) => w.service)],
    [flower, watches(view.spec.flower?.enabled)],
    [monitoring, watches(view.spec.monitoring?.exporter?.enabled)],
  ];
}

// What an earlier run wrote for a setting that is gone from the config.
function removeStale(instance: TutorInstance, resources: Resources, results: Results): void {
  for (const item of instance.generated) {
    if (resources.wasRecreated(item)) continue;
    resources.remove(item);
    results.info(
      'removed: celery-queues wrote it in an earlier run, and the config no longer asks for it',
      {
        item,
      },
    );
  }
}
