// The stock workers' record (stock.ts) over one run: put back before the families run, and
// written again after them.
import type { Worker } from '../celery/worker.js';
import type { Resources } from '../krm/resources.js';
import type { TutorInstance } from './instances.js';
import { recordStockFields, restoreStockFields } from './stock.js';

/**
 * Before the output families run: a stock worker that carries a record is staged as Tutor
 * rendered it, so that whatever the config no longer sets goes back to the stock value.
 */
export function resetStockWorkers(instance: TutorInstance, resources: Resources): void {
  for (const stock of Object.values(instance.workers)) {
    if (stock.recorded) restoreStockFields(resources.update(stock.item), stock.recorded);
  }
}

/**
 * After the output families ran: each stock worker records what they changed on it (an empty
 * record when it has clones: see `strippedRecords`).
 */
export function recordStockWorkers(
  instance: TutorInstance,
  resources: Resources,
  workers: readonly Worker[],
): void {
  for (const stock of Object.values(instance.workers)) {
    const working = resources.working(stock.item);
    const cloned = workers.some((w) => w.stock === stock && w.kind !== 'stock');
    if (working) recordStockFields(stock.read([]), working, cloned);
  }
}
