// Task routes against the workers that will exist: a route to a queue no worker consumes, or a
// worker on a queue nothing is routed to, does not break the render, but it is almost always a
// mistake (tasks that wait forever; pods that idle), so it gets a warning.
import { CONFIG_REF } from '../krm/results.js';
import { queueName, SERVICES, type ServiceName, workerName } from '../names.js';
import type { Family, InstancePlan } from '../plan.js';

// edx-platform routes four ORA workflow tasks to this queue, which no stock worker consumes
// (design/background.md, section 1); Tutor's stock worker args name every other routed queue.
const ROUTED_BY_EDX_PLATFORM = [queueName('lms', 'ora_workflow_update')];

export const routes: Family = (plan) => {
  const consumed = consumedQueues(plan);
  const namespace = plan.instance.namespace || '(none)';
  const routed = new Set<string>(ROUTED_BY_EDX_PLATFORM);
  for (const service of SERVICES) {
    for (const q of plan.instance.workers[service]?.stockQueues ?? []) routed.add(q);
  }
  for (const service of SERVICES) {
    for (const [task, route] of Object.entries(plan.spec.explicitQueues?.[service] ?? {})) {
      routed.add(route.queue);
      if (consumed.has(route.queue)) continue;
      plan.results.warning(
        `${task} is routed to ${route.queue}, which no worker in namespace ${namespace} consumes: its tasks would wait forever${suggestion(route.queue)}`,
        { ref: CONFIG_REF, field: `spec.explicitQueues.${service}[${JSON.stringify(task)}].queue` },
      );
    }
  }
  for (const worker of plan.workers) {
    if (worker.variant === 'default') continue;
    for (const queue of worker.queues) {
      if (routed.has(queue)) continue;
      plan.results.warning(
        `nothing routes tasks to ${queue}, so ${worker.name} in namespace ${namespace} would idle: route tasks to it in spec.explicitQueues.${worker.service}`,
        { ref: CONFIG_REF, field: `spec.${worker.service}.queues.${worker.variant}` },
      );
    }
  }
};

function consumedQueues(plan: InstancePlan): Set<string> {
  const consumed = new Set<string>();
  for (const service of SERVICES) {
    const planned = plan.workers.filter((w) => w.service === service);
    // A service the config leaves alone keeps its stock worker as Tutor rendered it.
    const queues =
      planned.length > 0
        ? planned.flatMap((w) => w.queues)
        : (plan.instance.workers[service]?.stockQueues ?? []);
    for (const q of queues) consumed.add(q);
  }
  return consumed;
}

function suggestion(queue: string): string {
  const m = /^edx\.(lms|cms)\.core\.([a-z0-9][a-z0-9_-]*)$/.exec(queue);
  if (!m) return '';
  const [, service, variant] = m as unknown as [string, ServiceName, string];
  return `; add the variant spec.${service}.queues.${variant} (a worker ${workerName(service, variant)})`;
}
