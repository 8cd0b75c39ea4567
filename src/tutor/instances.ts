// Reading a Tutor render: which Open edX instances the input holds, and their stock workers.
// Everything Tutor-specific about the input is read in this folder.

import { parseArgs, queuesOf } from '../celery/args.js';
import type { Spec } from '../config/schema.js';
import type { Item } from '../krm/item.js';
import { jsonAt } from '../krm/json.js';
import { isBookkeepingAnnotation } from '../krm/k8s.js';
import { type TextForm, textForm } from '../krm/plain-text.js';
import { CONFIG_REF, type Results } from '../krm/results.js';
import { cloneDoc, type Doc, plainAt } from '../krm/yaml.js';
import {
  GENERATED_BY,
  generatedFrom,
  INSTANCE_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  PART_OF_LABEL,
  SERVICES,
  type ServiceName,
  STOCK_FIELDS,
  stockWorkerName,
} from '../names.js';
import {
  checkRecordedContainer,
  readStockFields,
  restoreStockFields,
  type StockFields,
} from './stock.js';

export interface StockWorker {
  service: ServiceName;
  item: Item;
  /**
   * The Deployment as Tutor rendered it (an earlier run's changes undone). Never modify it: see
   * `ownPristine`.
   */
  readonly pristine: Doc;
  /**
   * The plain value at a path of the pristine form (read off the input's text when it is that).
   * Shared: never modify it.
   */
  read(path: readonly (string | number)[]): unknown;
  /**
   * The input's text as a text form (krm/plain-text.ts), when printPlain prints its value as
   * that text and it carries no record: its value is the pristine form's, shared (never modify
   * it: copy it).
   */
  readonly text: TextForm | undefined;
  /** The pristine form as a copy of its own, to change (a renamed ConfigMap: see rollout.ts). */
  ownPristine(): Doc;
  /** What an earlier run changed on it, as recorded in its STOCK_FIELDS annotation. */
  recorded: StockFields | undefined;
  /** Index of the celery container in the pod template. */
  container: number;
  /** The container field holding the celery command line. */
  argsField: 'args' | 'command';
  /** The command line as Tutor rendered it. */
  stockArgs: string[];
  /** The queues the stock worker consumed as Tutor rendered it. */
  stockQueues: string[];
}

/** One Open edX instance: a namespace with Tutor's stock workers. */
export interface TutorInstance {
  namespace: string;
  workers: Partial<Record<ServiceName, StockWorker>>;
  /** Resources an earlier run of the function wrote in this namespace. */
  generated: Item[];
  /** Where instance-wide resources go in the output: after the first stock worker. */
  anchor: Item;
  /**
   * The labels of every resource the function writes for it: Tutor's instance and part-of labels
   * (as the first stock worker has them), and managed-by celery-queues, so that
   * `kubectl get ... -l app.kubernetes.io/managed-by=celery-queues` lists them and no stock one.
   */
  labels: Readonly<Record<string, string>>;
}

/** An instance's labels (see TutorInstance), read off its first stock worker's text as it is read. */
function labelsOf(anchor: Item): Record<string, string> {
  const stock = anchor.plainAt(['metadata', 'labels']) as Record<string, unknown> | undefined;
  const tutor = (key: string) => (typeof stock?.[key] === 'string' ? stock[key] : undefined);
  const instanceLabel = tutor(INSTANCE_LABEL);
  return {
    ...(instanceLabel ? { [INSTANCE_LABEL]: instanceLabel } : {}),
    [MANAGED_BY_LABEL]: MANAGED_BY,
    [PART_OF_LABEL]: tutor(PART_OF_LABEL) ?? 'openedx',
  };
}

export function isDeployment(item: Item): boolean {
  return item.kind === 'Deployment' && item.apiVersion === 'apps/v1';
}

/** Finds every instance, and reports services the config names but an instance lacks. */
export function findInstances(
  items: readonly Item[],
  spec: Spec,
  results: Results,
): TutorInstance[] {
  const byNamespace = new Map<string, TutorInstance>();
  const generated: Item[] = [];
  // Stock workers already reported as unreadable: not reported again as missing.
  const unreadable = new Set<string>();
  for (const item of items) {
    if (item.annotation(GENERATED_BY) !== undefined) generated.push(item);
    const service = SERVICES.find((s) => item.name === stockWorkerName(s));
    if (!service || !isDeployment(item) || item.isLocalConfig) continue;
    const worker = readStockWorker(item, service, results);
    if (!worker) {
      unreadable.add(`${item.namespace}/${service}`);
      continue;
    }
    let instance = byNamespace.get(item.namespace);
    if (!instance) {
      instance = {
        namespace: item.namespace,
        workers: {},
        generated: [],
        anchor: item,
        labels: labelsOf(item),
      };
      byNamespace.set(item.namespace, instance);
    }
    instance.workers[service] = worker;
    // What was read off its text to find it (its outline) goes now, while it is young garbage:
    // kept, it would be copied by every collection until its instance's turn. (The first
    // instance's turn comes next: its stock workers keep theirs.)
    if (byNamespace.values().next().value !== instance) item.release();
  }
  for (const item of generated) byNamespace.get(item.namespace)?.generated.push(item);
  for (const instance of byNamespace.values()) checkRecords(instance, results);
  checkPlugin(items, byNamespace, results);

  const instances = [...byNamespace.values()];
  const configured = SERVICES.filter((s) => spec[s] !== undefined);
  if (instances.length === 0 && !results.hasErrors) {
    results.error(
      `no Tutor instance in the input: no Deployment ${configured.map(stockWorkerName).join(' or ') || 'lms-worker or cms-worker'} (apps/v1) was found`,
    );
  }
  for (const instance of instances) {
    for (const service of configured) {
      if (!instance.workers[service] && !unreadable.has(`${instance.namespace}/${service}`)) {
        results.error(
          `namespace ${instance.namespace || '(none)'} has no stock Deployment ${stockWorkerName(service)} to take the ${service.toUpperCase()} queues from`,
          { ref: CONFIG_REF, field: `spec.${service}` },
        );
      }
    }
  }
  return instances;
}

function readStockWorker(
  item: Item,
  service: ServiceName,
  results: Results,
): StockWorker | undefined {
  const where = { item, field: `metadata.annotations.${STOCK_FIELDS}` };
  const recorded = readStockFields(item);
  if (typeof recorded === 'string') {
    results.error(recorded, where);
    return undefined;
  }
  // Without a record the stock worker is its input: its containers are read off its text, and
  // it is parsed only when its instance's turn comes (see transform.ts).
  let pristine: Doc | undefined;
  if (recorded) {
    pristine = cloneDoc(item.doc);
    const problem = restoreStockFields(pristine, recorded);
    if (problem) {
      results.error(problem, where);
      return undefined;
    }
  }
  const containersPath = ['spec', 'template', 'spec', 'containers'];
  const containers = pristine ? plainAt(pristine, containersPath) : item.plainAt(containersPath);
  const list = Array.isArray(containers) ? containers : [];
  const index = findCeleryContainer(list, item.name);
  if (index < 0) {
    results.error(
      `no celery worker container (one named ${item.name}, or running "celery ... worker")`,
      { item, field: 'spec.template.spec.containers' },
    );
    return undefined;
  }
  const container = list[index] as Record<string, unknown>;
  const argsField = isCelery(container.args) ? 'args' : 'command';
  const field = `spec.template.spec.containers[${index}].${argsField}`;
  const stockArgs = container[argsField];
  if (!Array.isArray(stockArgs) || !stockArgs.every((a) => typeof a === 'string')) {
    results.error('the celery command line is not a list of strings', { item, field });
    return undefined;
  }
  const wrongContainer = recorded && checkRecordedContainer(recorded, index, argsField);
  if (wrongContainer) {
    results.error(wrongContainer, where);
    return undefined;
  }
  const stockQueues = queuesOf(stockArgs);
  if (!stockQueues || stockQueues.length === 0) {
    results.error(
      'the stock worker sets no --queues; celery-queues needs the list of queues it consumes',
      { item, field },
    );
    return undefined;
  }
  // At its instance's turn, the first read reads its text whole, once, as plain data (and as its
  // text form when printPlain prints it as that text: workers/plain-form.ts): its checks, its
  // clones, its narrowing, its record and the broker read that value, not the text again. (Read
  // here and kept until its turn, the values of every instance would outlive young collections:
  // measured, that costs more than the outline made again.)
  let read: { text: TextForm | undefined; value: unknown } | undefined;
  const own = () => {
    if (!read) {
      const text = textForm(item, isBookkeepingAnnotation);
      read = { text, value: text ? text.value : item.plainAt([]) };
    }
    return read;
  };
  return {
    service,
    item,
    // Without a record the pristine form is the input's own document until someone needs to
    // change it: most runs never copy it.
    get pristine() {
      return pristine ?? item.doc;
    },
    read: (path) => (pristine ? plainAt(pristine, path) : jsonAt(own().value, path)),
    get text() {
      return recorded ? undefined : own().text;
    },
    ownPristine() {
      pristine ??= cloneDoc(item.doc);
      return pristine;
    },
    recorded,
    container: index,
    argsField,
    stockArgs,
    stockQueues,
  };
}

/**
 * A stock worker with clones always carries its record, empty or not (tutor/stock.ts). Without
 * it the stock worker may be an earlier run's narrowed one, taken for Tutor's: a queue whose
 * variant is gone would be left with no consumer. So clones without the record are an error.
 */
function checkRecords(instance: TutorInstance, results: Results): void {
  for (const stock of Object.values(instance.workers)) {
    if (stock.recorded) continue;
    const clones = instance.generated.filter(
      (item) =>
        isDeployment(item) &&
        generatedFrom(item.annotation(GENERATED_BY) ?? '') === stock.item.name &&
        item.name.startsWith(`${stock.item.name}-`),
    );
    if (clones.length === 0) continue;
    results.error(
      `has no annotation ${STOCK_FIELDS}, yet ${clones.map((c) => c.name).join(', ')} ${clones.length === 1 ? 'is a worker' : 'are workers'} that celery-queues cloned from it: the record of what it changed on ${stock.item.name} is gone (removed by hand or by a tool), so the queues Tutor gave it are unknown and one could be left without a consumer. Give the function ${stock.item.name} as Tutor renders it (tutor config save, or your Tutor env/), or take the workers celery-queues wrote out of the input`,
      { item: stock.item, field: `metadata.annotations.${STOCK_FIELDS}` },
    );
  }
}

/**
 * tutor-contrib-celery's own render: its per-queue workers (node names `edx.<service>.core.<variant>.%%h`,
 * patches/k8s-deployments of v18 to v21) next to stock workers it gave a second --queues. The
 * function writes those workers itself: with the plugin on, its names would collide and two
 * workers would drain one queue. One error, with the way out, instead.
 */
function checkPlugin(
  items: readonly Item[],
  instances: ReadonlyMap<string, TutorInstance>,
  results: Results,
): void {
  // One pass over the items for all instances: a render of many instances stays linear.
  const plugins = new Map<string, Item[]>();
  for (const item of items) {
    if (
      instances.has(item.namespace) &&
      isDeployment(item) &&
      item.annotation(GENERATED_BY) === undefined &&
      item.mentions('%%h') &&
      /\.core\.[^"\s]*\.%%h/.test(
        JSON.stringify(item.plainAt(['spec', 'template', 'spec', 'containers'])),
      )
    ) {
      const theirs = plugins.get(item.namespace);
      if (theirs) theirs.push(item);
      else plugins.set(item.namespace, [item]);
    }
  }
  for (const [namespace, instance] of instances) {
    const theirs = plugins.get(namespace) ?? [];
    const doubled = Object.values(instance.workers).filter(
      (w) => parseArgsCount(w.stockArgs, '--queues') > 1,
    );
    if (theirs.length === 0 && doubled.length === 0) continue;
    const what = theirs.length > 0 ? theirs.map((i) => i.name) : doubled.map((w) => w.item.name);
    results.error(
      `the input was rendered with tutor-contrib-celery enabled (${what.join(', ')}: ${theirs.length > 0 ? 'its per-queue workers' : 'a second --queues'}); celery-queues writes the per-queue workers itself, and both together would drain a queue twice. Disable the plugin first, tutor plugins disable celery && tutor config save, render again, and keep its settings in the config (celery-queues migrate config.yml)`,
      { item: theirs[0] ?? (doubled[0] as StockWorker).item },
    );
  }
}

function parseArgsCount(args: readonly string[], flag: string): number {
  return parseArgs(args).filter((g) => g.flag === flag).length;
}

function findCeleryContainer(containers: unknown[], name: string): number {
  const named = containers.findIndex((c) => (c as Record<string, unknown>)?.name === name);
  if (named >= 0) return named;
  return containers.findIndex((c) => {
    const container = c as Record<string, unknown>;
    return isCelery(container?.args) || isCelery(container?.command);
  });
}

function isCelery(args: unknown): boolean {
  return Array.isArray(args) && args.includes('worker') && args.some((a) => /celery/.test(a));
}
