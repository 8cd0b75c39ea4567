// Warnings about settings that work against each other: a scale-down to zero that can come
// while the last tasks still run, a worker-down alert on workers that are down on purpose, and
// workers that tell the exporter nothing.
import { flagCount } from '../celery/args.js';
import { argsPath, gracePeriodOf, mayScaleToZero, type Worker } from '../celery/worker.js';
import { fieldPath } from '../config/field-path.js';
import { CONFIG_REF } from '../krm/results.js';
import type { InstanceView } from '../plan.js';
import { type AlertsConfig, workerDownScope } from './alerts.js';

/** KEDA's default cooldownPeriod. */
export const DEFAULT_COOLDOWN = 300;

/**
 * KEDA counts the tasks in the Redis list, and a worker that has taken the last ones leaves it
 * empty while it runs them: after cooldownPeriod KEDA scales it to zero, and what still runs
 * has the grace period to finish. A cooldown shorter than the grace period, the time the
 * workers are given for their longest tasks, stops workers in the middle of them. Load scaling
 * counts the running tasks, so the cooldown only starts once they are done.
 */
export function lintCooldown(view: InstanceView): void {
  for (const worker of view.workers) {
    const a = worker.config?.autoscaling;
    if (!a?.enabled || a.minReplicas > 0 || a.load?.enabled) continue;
    const cooldown = a.cooldownPeriod ?? DEFAULT_COOLDOWN;
    const grace = gracePeriodOf(worker.body);
    if (cooldown >= grace) continue;
    const field = fieldPath([...worker.path, 'autoscaling']);
    view.results.warning(
      `cooldownPeriod (${cooldown} s${a.cooldownPeriod === undefined ? ', KEDA’s default' : ''}) is shorter than the termination grace period of ${worker.name}${view.instance.namespace ? ` in ${view.instance.namespace}` : ''} (${grace} s): the queue reads empty while a worker runs the tasks it took, so KEDA may scale it to zero in the middle of a task. Set cooldownPeriod to at least ${grace}, minReplicas to 1, or load.enabled (which counts running tasks)`,
      {
        ref: CONFIG_REF,
        field: a.cooldownPeriod === undefined ? field : `${field}.cooldownPeriod`,
      },
    );
  }
}

/** CeleryWorkerDown on a worker that scales to zero fires whenever its queue stays empty. */
export function lintWorkerDown(
  view: InstanceView,
  workers: readonly Worker[],
  config: AlertsConfig,
): void {
  if (!config.workerDown.enabled) return;
  const { watched } = workerDownScope(workers, config);
  for (const worker of watched.filter(mayScaleToZero)) {
    view.results.warning(
      `CeleryWorkerDown watches ${worker.name}${view.instance.namespace ? ` in ${view.instance.namespace}` : ''}, which may scale to zero: it will fire whenever its queue stays empty for ${config.workerDown.for}. Set includeScaleToZero to false${worker.config?.autoscaling?.enabled ? ', or minReplicas to 1' : ''}`,
      { ref: CONFIG_REF, field: 'spec.monitoring.alerts.workerDown.includeScaleToZero' },
    );
  }
}

/**
 * celery-exporter knows a worker by its heartbeats: celery_worker_up, and the active tasks that
 * load scaling counts, come from worker-heartbeat events (src/exporter.py,
 * track_worker_heartbeat). A worker started with --without-heartbeat sends none.
 */
export function lintHeartbeat(view: InstanceView, workers: readonly Worker[]): void {
  for (const worker of workers) {
    const { args } = worker;
    if (flagCount(args, '--without-heartbeat') === 0) continue;
    const own = worker.config?.extraArgs.includes('--without-heartbeat');
    const effects = [
      'celery-exporter never sees it online (celery_worker_up)',
      ...(view.spec.monitoring?.alerts?.enabled ? ['CeleryWorkerDown fires for it'] : []),
      ...(worker.config?.autoscaling?.load?.enabled
        ? ['load scaling counts none of its running tasks']
        : []),
    ];
    view.results.warning(
      `${worker.name} runs with --without-heartbeat: ${effects.join(', ')}. Remove --without-heartbeat${own ? '' : ' from its command line'}`,
      own
        ? {
            ref: CONFIG_REF,
            field: fieldPath([...worker.path, 'extraArgs']),
          }
        : { item: worker.stock.item, field: fieldPath(argsPath(worker.stock)) },
    );
  }
}
