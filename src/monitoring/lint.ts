// Warnings about settings that work against each other: a scale-down to zero that can come
// while the last tasks still run, and a worker-down alert on workers that are down on purpose.
import { CONFIG_REF } from '../krm/results.js';
import { plainAt } from '../krm/yaml.js';
import type { InstancePlan, Worker } from '../plan.js';
import { type AlertsConfig, mayScaleToZero, workerDownScope } from './alerts.js';

/** Kubernetes' default terminationGracePeriodSeconds, which Tutor's workers keep. */
export const DEFAULT_GRACE_PERIOD = 30;
/** KEDA's default cooldownPeriod. */
export const DEFAULT_COOLDOWN = 300;

/** The grace period of the worker's pods, however it was set (input, config, or default). */
export function gracePeriodOf(worker: Worker): number {
  const value = plainAt(worker.doc, ['spec', 'template', 'spec', 'terminationGracePeriodSeconds']);
  return typeof value === 'number' ? value : DEFAULT_GRACE_PERIOD;
}

/**
 * KEDA counts the tasks in the Redis list, and a worker that has taken the last ones leaves it
 * empty while it runs them: after cooldownPeriod KEDA scales it to zero, and what still runs
 * has the grace period to finish. A cooldown shorter than the grace period, the time the
 * workers are given for their longest tasks, stops workers in the middle of them. Load scaling
 * counts the running tasks, so the cooldown only starts once they are done.
 */
export function lintCooldown(plan: InstancePlan): void {
  for (const worker of plan.workers) {
    const a = worker.config?.autoscaling;
    if (!a?.enabled || a.minReplicas > 0 || a.load?.enabled) continue;
    const cooldown = a.cooldownPeriod ?? DEFAULT_COOLDOWN;
    const grace = gracePeriodOf(worker);
    if (cooldown >= grace) continue;
    const field = `spec.${worker.service}.queues.${worker.variant}.autoscaling`;
    plan.results.warning(
      `cooldownPeriod (${cooldown} s${a.cooldownPeriod === undefined ? ', KEDA’s default' : ''}) is shorter than the termination grace period of ${worker.name}${plan.instance.namespace ? ` in ${plan.instance.namespace}` : ''} (${grace} s): the queue reads empty while a worker runs the tasks it took, so KEDA may scale it to zero in the middle of a task. Set cooldownPeriod to at least ${grace}, minReplicas to 1, or load.enabled (which counts running tasks)`,
      {
        ref: CONFIG_REF,
        field: a.cooldownPeriod === undefined ? field : `${field}.cooldownPeriod`,
      },
    );
  }
}

/** CeleryWorkerDown on a worker that scales to zero fires whenever its queue stays empty. */
export function lintWorkerDown(
  plan: InstancePlan,
  workers: readonly Worker[],
  config: AlertsConfig,
): void {
  if (!config.workerDown.enabled) return;
  const { watched } = workerDownScope(workers, config);
  for (const worker of watched.filter(mayScaleToZero)) {
    plan.results.warning(
      `CeleryWorkerDown watches ${worker.name}${plan.instance.namespace ? ` in ${plan.instance.namespace}` : ''}, which may scale to zero: it will fire whenever its queue stays empty for ${config.workerDown.for}. Set includeScaleToZero to false${worker.config?.autoscaling?.enabled ? ', or minReplicas to 1' : ''}`,
      { ref: CONFIG_REF, field: 'spec.monitoring.alerts.workerDown.includeScaleToZero' },
    );
  }
}
