// The pure core: items and a config in, items and results out. On any error the items come
// back exactly as they went in.
import { autoscaling } from './autoscaling/autoscaling.js';
import { lintConfig } from './config/lint.js';
import type { CeleryQueues } from './config/schema.js';
import { disruptionBudgets } from './disruption/budgets.js';
import { flower } from './flower/flower.js';
import { Edit } from './krm/edit.js';
import { InputError, type Item } from './krm/item.js';
import { type Result, Results } from './krm/results.js';
import { checkItems } from './krm/validate.js';
import { monitoring } from './monitoring/monitoring.js';
import type { Family, InstancePlan } from './plan.js';
import { settings } from './settings/settings.js';
import { findInstances, type TutorInstance } from './tutor/instances.js';
import { recordStockWorkers, resetStockWorkers } from './tutor/stock.js';
import { workers } from './workers/workers.js';

/** The output families, in the order they run: later ones read what earlier ones planned. */
export const FAMILIES: readonly Family[] = [
  workers,
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

export function transform(items: readonly Item[], config: CeleryQueues): TransformResult {
  const results = new Results();
  try {
    checkItems(items, results);
    if (results.hasErrors) return { items: [...items], results: results.list };
    lintConfig(config.spec, results);
    const edit = new Edit(items, results);
    const instances = findInstances(items, config.spec, results);
    if (!results.hasErrors) {
      // One instance at a time, each let go of when done (its documents printed or released):
      // what a large input holds meanwhile is text.
      for (let instance = instances.shift(); instance; instance = instances.shift()) {
        const plan: InstancePlan = { instance, spec: config.spec, edit, results, workers: [] };
        resetStockWorkers(instance, edit);
        for (const family of FAMILIES) family(plan);
        recordStockWorkers(instance, edit, plan.workers);
        removeStale(instance, edit, results);
        edit.settle();
      }
    }
    // Infos say what was done; on error nothing was.
    if (results.hasErrors) {
      return { items: [...items], results: results.list.filter((r) => r.severity !== 'info') };
    }
    return { items: edit.output(), results: results.list };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    results.error(e.message);
    return { items: [...items], results: results.list };
  }
}

// What an earlier run wrote for a setting that is gone from the config.
function removeStale(instance: TutorInstance, edit: Edit, results: Results): void {
  for (const item of instance.generated) {
    if (edit.wasRecreated(item)) continue;
    edit.remove(item);
    results.info(
      'removed: celery-queues wrote it in an earlier run, and the config no longer asks for it',
      {
        item,
      },
    );
  }
}
