// Routing lint: a task routed to a queue that no worker of the instance consumes waits in Redis
// forever. Checked after the workers family has decided who consumes what, for the config's own
// routes and for the routes edx-platform sets by default.

import { queuesOf } from '../celery/args.js';
import type { Route } from '../celery/edx-platform.js';
import { EDX_PLATFORM_ROUTES } from '../celery/edx-platform.js';
import { argsPath } from '../celery/worker.js';
import { fieldPath } from '../config/load.js';
import type { Resource } from '../krm/resources.js';
import { CONFIG_REF } from '../krm/results.js';
import { GENERATED_BY, queueName, SERVICES, type ServiceName } from '../names.js';
import { type InstanceView, oncePerConfig } from '../plan.js';
import { type Advice, adviceText, routingAdvice } from './advice.js';

/**
 * The routes edx-platform sets by default to a queue of the service's own that no stock Tutor
 * worker consumes: the four ORA workflow tasks go to ORA_WORKFLOW_UPDATE_ROUTING_KEY,
 * edx.lms.core.ora_workflow_update. Its other routes go to the default, high and high_mem queues,
 * which always keep a consumer, or across to the other service's default queue, by design.
 * (A site that overrides a routing key in lms.env.yml is not seen here.)
 */
export const EDX_PLATFORM_DEFAULT_ROUTES: Readonly<Record<ServiceName, readonly Route[]>> = {
  lms: ownQueueRoutes('lms'),
  cms: ownQueueRoutes('cms'),
};

function ownQueueRoutes(service: ServiceName): Route[] {
  const stock = ['default', 'high', 'high_mem', 'low'].map((v) => queueName(service, v));
  return EDX_PLATFORM_ROUTES[service]
    .filter((r) => r.queue.startsWith(`edx.${service}.`) && !stock.includes(r.queue))
    .map(({ task, queue }) => ({ task, queue }));
}

/** The routes are the config's alone: read once per config. */
const sortedRoutes = oncePerConfig((spec, service): readonly Route[] =>
  Object.freeze(
    Object.entries(spec.explicitQueues?.[service] ?? {})
      .map(([task, route]) => Object.freeze({ task, queue: route.queue }))
      .sort((a, b) => (a.task < b.task ? -1 : a.task > b.task ? 1 : 0)),
  ),
);

/** The config's routes of a service, sorted by task name (the order carries no meaning). */
export function configRoutes(
  view: Pick<InstanceView, 'spec'>,
  service: ServiceName,
): readonly Route[] {
  return sortedRoutes(view.spec, service);
}

/**
 * Reports routes to queues that no worker of the instance consumes after the transform, and
 * workers on queues that nothing routes tasks to (pods that would idle).
 */
export function lintRoutes(view: InstanceView): void {
  const consumed = consumedQueues(view);
  const where = view.instance.namespace ? `namespace ${view.instance.namespace}` : 'the input';
  lintIdleWorkers(view, where);
  for (const service of SERVICES) {
    for (const route of configRoutes(view, service)) {
      if (consumed.has(route.queue)) continue;
      view.results.warning(
        `task ${JSON.stringify(route.task)} is routed to queue ${JSON.stringify(route.queue)}, which no worker in ${where} consumes: such tasks would wait forever. ${adviceText(advise(view, service, route.queue, consumed))}`,
        {
          ref: CONFIG_REF,
          field: fieldPath(['spec', 'explicitQueues', service, route.task, 'queue']),
        },
      );
    }
    const overridden = new Set(Object.keys(view.spec.explicitQueues?.[service] ?? {}));
    const byQueue = new Map<string, string[]>();
    for (const route of EDX_PLATFORM_DEFAULT_ROUTES[service]) {
      if (overridden.has(route.task) || consumed.has(route.queue)) continue;
      byQueue.set(route.queue, [...(byQueue.get(route.queue) ?? []), route.task]);
    }
    const stock = view.instance.workers[service];
    if (!stock) continue;
    for (const [queue, tasks] of byQueue) {
      // Stock Tutor has no consumer for these either: worth knowing, not a fault of the config.
      const stockHadIt = SERVICES.some((s) =>
        view.instance.workers[s]?.stockQueues.includes(queue),
      );
      const advice = advise(view, service, queue, consumed);
      const what = `edx-platform routes ${tasks.length} ${service.toUpperCase()} task${tasks.length === 1 ? '' : 's'}`;
      const message = `${what} to queue ${queue} by default (${tasks.join(', ')}), which no worker in ${where} consumes${stockHadIt ? '' : ' (stock Tutor has no consumer for it either)'}. ${adviceText(advice, { several: true, routesField: `spec.explicitQueues.${service}` })}`;
      const way = advice.variant
        ? `: add the variant ${advice.variant.variant}`
        : advice.nearest
          ? `: route them to ${advice.nearest}`
          : '';
      const ref = {
        item: stock.item,
        brief: `${what} to ${queue}, which no worker consumes${stockHadIt ? '' : ' (nor in stock Tutor)'}${way}`,
      };
      if (stockHadIt) view.results.warning(message, ref);
      else view.results.info(message, ref);
    }
  }
}

/**
 * The queues edx-platform's own code sends tasks to (its routing keys: default, high for bulk
 * e-mail, high_mem for reports, low in Studio), whatever a worker consumes.
 */
const EDX_PLATFORM_QUEUES: Readonly<Record<ServiceName, readonly string[]>> = {
  lms: ['default', 'high', 'high_mem'].map((v) => queueName('lms', v)),
  cms: ['default', 'high', 'low'].map((v) => queueName('cms', v)),
};

// A queue gets tasks from edx-platform's own routing (its queues, the stock workers' queues, its
// default routes) or from the config's routes; a worker on any other queue waits for nothing.
function lintIdleWorkers(view: InstanceView, where: string): void {
  const routed = new Set<string>();
  for (const service of SERVICES) {
    for (const q of EDX_PLATFORM_QUEUES[service]) routed.add(q);
    for (const q of view.instance.workers[service]?.stockQueues ?? []) routed.add(q);
    for (const route of EDX_PLATFORM_DEFAULT_ROUTES[service]) routed.add(route.queue);
    for (const route of configRoutes(view, service)) routed.add(route.queue);
  }
  for (const worker of view.workers) {
    if (worker.kind === 'stock') continue;
    for (const [i, queue] of worker.queues.entries()) {
      if (routed.has(queue)) continue;
      // A group's worker idles on that queue only; the field is the queue in its list.
      const idles =
        worker.kind === 'group'
          ? `${worker.name} in ${where} would idle on it`
          : `${worker.name} in ${where} would idle`;
      view.results.warning(
        `nothing routes tasks to ${queue}, so ${idles}: route tasks to it in spec.explicitQueues.${worker.service}`,
        {
          ref: CONFIG_REF,
          field: fieldPath(worker.kind === 'group' ? [...worker.path, 'queues', i] : worker.path),
        },
      );
    }
  }
}

/** What to say about a route of `service` to a queue nobody consumes. */
function advise(
  view: InstanceView,
  service: ServiceName,
  queue: string,
  consumed: ReadonlySet<string>,
): Advice {
  const workers = new Set(view.workers.map((w) => w.name));
  const ns = view.instance.namespace;
  return routingAdvice({
    service,
    queue,
    consumed,
    taken: (name) => {
      if (workers.has(name)) return true;
      const item = view.resources.find('Deployment', ns, name);
      // What an earlier run wrote is about to be written again or removed.
      return item !== undefined && item.annotation(GENERATED_BY) === undefined;
    },
  });
}

/**
 * The queues the instance's workers consume once the transform is done: the workers family's
 * view, the stock workers it left alone, and any other celery worker in the namespace.
 */
export function consumedQueues(view: InstanceView): Set<string> {
  const consumed = new Set<string>();
  for (const worker of view.workers) for (const q of worker.queues) consumed.add(q);
  const planned = new Set(view.workers.map((w) => w.stock.item));
  for (const service of SERVICES) {
    const stock = view.instance.workers[service];
    // A stock worker the config turns off consumes nothing (no replicas).
    if (!stock || planned.has(stock.item) || view.spec[service]?.stockWorker?.enabled === false) {
      continue;
    }
    const args = view.resources.read(stock.item, argsPath(stock));
    for (const q of queuesOf(Array.isArray(args) ? args.map(String) : []) ?? []) consumed.add(q);
  }
  const stockItems = new Set(SERVICES.map((s) => view.instance.workers[s]?.item));
  for (const item of view.resources.inNamespace(view.instance.namespace)) {
    if (stockItems.has(item) || !isOtherWorker(item, view.instance.namespace)) continue;
    const containers = view.resources.read(item, ['spec', 'template', 'spec', 'containers']);
    for (const c of Array.isArray(containers) ? containers : []) {
      for (const field of ['command', 'args']) {
        const args = (c as Record<string, unknown>)?.[field];
        if (!Array.isArray(args) || !args.includes('worker')) continue;
        for (const q of queuesOf(args.map(String)) ?? []) consumed.add(q);
      }
    }
  }
  return consumed;
}

// A celery worker Deployment or StatefulSet someone else runs in the namespace. What this
// function wrote in an earlier run is either in the plan again or about to be removed.
function isOtherWorker(item: Resource, namespace: string): boolean {
  return (
    (item.kind === 'Deployment' || item.kind === 'StatefulSet') &&
    item.namespace === namespace &&
    item.mentions('celery') &&
    !item.isLocalConfig &&
    item.annotation(GENERATED_BY) === undefined
  );
}
