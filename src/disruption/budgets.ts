// PodDisruptionBudgets: one per worker that asks for it, with maxUnavailable, so a node drain or
// a cluster upgrade takes down at most that many of the worker's pods at once, yet is never
// blocked by a one-replica worker (as a minAvailable of 1 would block it).
import type { Worker } from '../celery/worker.js';
import type { PlainResource } from '../krm/print.js';
import { disruptionBudgetName } from '../names.js';
import type { Family } from '../plan.js';

export const disruptionBudgets: Family = (view) => {
  for (const worker of view.workers) {
    const budget = worker.sizing.sizing.podDisruptionBudget;
    if (!budget?.enabled) continue;
    view.resources.create(
      budgetFor(worker, budget.maxUnavailable),
      worker.stock.item,
      worker.stock.item.name,
    );
  }
};

function budgetFor(worker: Worker, maxUnavailable: number | string): PlainResource {
  const namespace = worker.body.get(['metadata', 'namespace']);
  const labels = worker.body.get(['metadata', 'labels']);
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      // Filled by edit.create; first, where Kustomize and kubectl print it.
      annotations: {},
      ...(labels ? { labels } : {}),
      name: disruptionBudgetName(worker.service, worker.key),
      ...(namespace !== undefined ? { namespace } : {}),
    },
    spec: {
      maxUnavailable,
      // The worker's own selector: it selects exactly its pods (the workers family checks
      // that the stock worker's selects none of the clones').
      selector: worker.body.get(['spec', 'selector']),
    },
  };
}
