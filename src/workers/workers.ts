// Per-queue workers: a Deployment per configured variant, cloned from the stock worker, and the
// stock worker narrowed to the queues left to it, so that every queue has exactly one consumer.
import { isMap } from 'yaml';
import { isBookkeepingAnnotation } from '../krm/edit.js';
import { type LabelSelector, selectorMatches } from '../krm/k8s.js';
import { cloneDoc, type Doc, plainAt, setStringList } from '../krm/yaml.js';
import {
  DEFAULT_VARIANT,
  GENERATED_BY,
  queueName,
  SERVICES,
  STOCK_ARGS,
  workerHostname,
  workerName,
} from '../names.js';
import type { Family, InstancePlan, Worker } from '../plan.js';
import type { StockWorker } from '../tutor/instances.js';
import { workerArgs } from './args.js';

export const NAME_LABEL = 'app.kubernetes.io/name';

export const workers: Family = (plan) => {
  for (const service of SERVICES) {
    const stock = plan.instance.workers[service];
    const config = plan.spec[service];
    if (!stock || !config) continue;
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
};

function narrowStock(plan: InstancePlan, stock: StockWorker, queues: string[]): Worker {
  const config = plan.spec[stock.service]?.queues[DEFAULT_VARIANT];
  const args = workerArgs(stock.stockArgs, { queues, extraArgs: config?.extraArgs ?? [] });
  const doc = plan.edit.modify(stock.item);
  setStringList(doc, argsPath(stock), args);
  if (sameList(args, stock.stockArgs)) doc.deleteIn(['metadata', 'annotations', STOCK_ARGS]);
  else doc.setIn(['metadata', 'annotations', STOCK_ARGS], JSON.stringify(stock.stockArgs));
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
  // From the input as it came: its bookkeeping is the stock worker's, not the clone's.
  const doc = cloneDoc(stock.item.doc);
  doc.setIn(['metadata', 'name'], name);
  dropAnnotations(
    doc,
    (key) => isBookkeepingAnnotation(key) || key === STOCK_ARGS || key === GENERATED_BY,
  );
  for (const path of [
    ['metadata', 'labels'],
    ['spec', 'selector', 'matchLabels'],
    ['spec', 'template', 'metadata', 'labels'],
  ]) {
    doc.setIn([...path, NAME_LABEL], name);
  }
  const container = ['spec', 'template', 'spec', 'containers', stock.container];
  doc.setIn([...container, 'name'], name);
  setStringList(
    doc,
    argsPath(stock),
    workerArgs(stock.stockArgs, {
      queues: [queue],
      hostname: workerHostname(service, variant),
      extraArgs: config?.extraArgs ?? [],
    }),
  );

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

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
