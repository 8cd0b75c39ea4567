// Per-queue workers: a Deployment per configured variant, cloned from the stock worker, and the
// stock worker narrowed to the queues left to it, so that every queue has exactly one consumer.
import { isMap } from 'yaml';
import { fieldPath } from '../config/load.js';
import {
  isBookkeepingAnnotation,
  type LabelSelector,
  noExpansion,
  selectorMatches,
} from '../krm/k8s.js';
import { CONFIG_REF } from '../krm/results.js';
import { cloneDoc, type Doc, plainAt, setStringList } from '../krm/yaml.js';
import {
  DEFAULT_VARIANT,
  GENERATED_BY,
  NAME_LABEL,
  queueName,
  SERVICES,
  workerHostname,
  workerName,
} from '../names.js';
import type { Family, InstancePlan, Worker } from '../plan.js';
import type { StockWorker } from '../tutor/instances.js';
import { parseArgs, workerArgs } from './args.js';
import {
  applySizing,
  checkPodLabels,
  checkStockEnv,
  sizingArgs,
  type WorkerSizing,
  workerSizing,
} from './sizing.js';

export { NAME_LABEL };

export const workers: Family = (plan) => {
  for (const service of SERVICES) {
    const stock = plan.instance.workers[service];
    const config = plan.spec[service];
    if (!stock || !config) continue;
    if (!checkPodLabels(plan.spec, service, stock.pristine, plan.results)) continue;
    if (!checkStockEnv(plan.spec, service, stock.pristine, stock.container, plan.results)) continue;
    const variants = Object.entries(config.queues).filter(([v]) => v !== DEFAULT_VARIANT);
    const ownQueues = new Set(variants.map(([v]) => queueName(service, v)));
    // The stock worker keeps every queue no new worker takes, and always the default queue
    // (some CMS tasks go to the LMS default queue).
    const left = stock.stockQueues.filter((q) => !ownQueues.has(q));
    const defaultQueue = queueName(service, DEFAULT_VARIANT);
    if (!left.includes(defaultQueue)) left.unshift(defaultQueue);
    plan.workers.push(narrowStock(plan, stock, left));
    for (const [variant, queueConfig] of variants) {
      const worker = clone(plan, stock, variant, queueConfig);
      if (worker) plan.workers.push(worker);
    }
  }
  for (const worker of plan.workers) warnCustomPool(plan, worker);
};

/**
 * `--pool=custom` runs the pool class named in CELERY_CUSTOM_WORKER_POOL (Celery 5.3 and later,
 * celery/concurrency/__init__.py); without it, or on an older Celery, the worker does not start.
 */
function warnCustomPool(plan: InstancePlan, worker: Worker): void {
  const args = plainAt(worker.doc, argsPath(worker.stock)) as string[];
  if (parseArgs(args).find((g) => g.flag === '--pool')?.value !== 'custom') return;
  const container = plainAt(worker.doc, [
    'spec',
    'template',
    'spec',
    'containers',
    worker.stock.container,
  ]) as { env?: { name?: unknown }[]; envFrom?: unknown[] } | undefined;
  if (container?.envFrom?.length) return; // it may come from there
  if (container?.env?.some((e) => e?.name === 'CELERY_CUSTOM_WORKER_POOL')) return;
  const { from } = workerSizing(plan.spec, worker.service, worker.variant);
  const own = parseArgs(worker.config?.extraArgs ?? []).some((g) => g.flag === '--pool');
  const variant = ['spec', worker.service, 'queues', worker.variant];
  plan.results.warning(
    `${worker.name} runs --pool=custom, which needs Celery 5.3 or later and the pool's class in the environment variable CELERY_CUSTOM_WORKER_POOL (module:Class); without it the worker does not start. Add it to env`,
    own || from.pool
      ? {
          ref: CONFIG_REF,
          field: fieldPath(own ? [...variant, 'extraArgs'] : [...(from.pool ?? []), 'pool']),
        }
      : { item: worker.stock.item, field: fieldPath(argsPath(worker.stock)) },
  );
}

function narrowStock(plan: InstancePlan, stock: StockWorker, queues: string[]): Worker {
  const config = plan.spec[stock.service]?.queues[DEFAULT_VARIANT];
  const sizing = workerSizing(plan.spec, stock.service, DEFAULT_VARIANT);
  const extraArgs = config?.extraArgs ?? [];
  const args = workerArgs(stock.stockArgs, {
    queues,
    extraArgs: [...sizingArgs(sizing.sizing, extraArgs), ...extraArgs.map(noExpansion)],
  });
  // The working copy starts as Tutor rendered it (see tutor/stock.ts).
  const doc = plan.edit.modify(stock.item);
  setStringList(doc, argsPath(stock), args);
  applySizing(doc, stock.container, sizing);
  warnIdle(plan, sizing, queues);
  return {
    service: stock.service,
    variant: DEFAULT_VARIANT,
    name: stock.item.name,
    queues,
    doc,
    stock,
    config,
  };
}

function clone(
  plan: InstancePlan,
  stock: StockWorker,
  variant: string,
  config: Worker['config'],
): Worker | undefined {
  const { service } = stock;
  const name = workerName(service, variant);
  const queue = queueName(service, variant);
  // From the stock worker as Tutor rendered it; its bookkeeping is the stock worker's, not the
  // clone's.
  const doc = cloneDoc(stock.pristine);
  // New nodes for the values that name the clone: a user's comment on the stock worker's name
  // ("# the stock LMS worker") is about the stock worker, and must not follow the clone.
  doc.setIn(['metadata', 'name'], doc.createNode(name));
  dropAnnotations(doc, (key) => isBookkeepingAnnotation(key) || key === GENERATED_BY);
  for (const path of [
    ['metadata', 'labels'],
    ['spec', 'selector', 'matchLabels'],
    ['spec', 'template', 'metadata', 'labels'],
  ]) {
    doc.setIn([...path, NAME_LABEL], doc.createNode(name));
  }
  const container = ['spec', 'template', 'spec', 'containers', stock.container];
  doc.setIn([...container, 'name'], doc.createNode(name));
  const sizing = workerSizing(plan.spec, service, variant);
  const extraArgs = config?.extraArgs ?? [];
  setStringList(
    doc,
    argsPath(stock),
    workerArgs(stock.stockArgs, {
      queues: [queue],
      hostname: workerHostname(service, variant),
      extraArgs: [...sizingArgs(sizing.sizing, extraArgs), ...extraArgs.map(noExpansion)],
    }),
  );
  applySizing(doc, stock.container, sizing);
  warnIdle(plan, sizing, [queue]);

  // Each worker's pods must belong to its own Deployment only.
  const stockSelector = plainAt(plan.edit.current(stock.item), ['spec', 'selector']);
  const labels = plainAt(doc, ['spec', 'template', 'metadata', 'labels']) as Record<string, string>;
  if (selectorMatches(stockSelector as LabelSelector, labels)) {
    plan.results.error(
      `its selector would also select the pods of ${name}: add ${NAME_LABEL} to its spec.selector.matchLabels`,
      { item: stock.item, field: 'spec.selector' },
    );
    return undefined;
  }
  if (!plan.edit.create(doc, stock.item, stock.item.name)) return undefined;
  return { service, variant, name, queues: [queue], doc, stock, config };
}

// Zero replicas is a way to pause a queue, and an easy way to lose one: say so.
function warnIdle(plan: InstancePlan, { sizing, from }: WorkerSizing, queues: string[]): void {
  if (sizing.replicas !== 0) return;
  plan.results.warning(
    `replicas 0: nothing consumes ${queues.join(', ')} until the worker is scaled up`,
    { ref: CONFIG_REF, field: fieldPath([...(from.replicas ?? []), 'replicas']) },
  );
}

export function argsPath(stock: StockWorker): (string | number)[] {
  return ['spec', 'template', 'spec', 'containers', stock.container, stock.argsField];
}

export function dropAnnotations(doc: Doc, drop: (key: string) => boolean): void {
  const annotations = doc.getIn(['metadata', 'annotations'], true);
  if (!isMap(annotations)) return;
  annotations.items = annotations.items.filter((pair) => {
    const key = (pair.key as { value?: unknown })?.value ?? pair.key;
    return !drop(String(key));
  });
  if (annotations.items.length === 0) doc.deleteIn(['metadata', 'annotations']);
}
