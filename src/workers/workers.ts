// The workers: a Deployment per configured variant (one queue) and per group (several), cloned
// from the stock worker, and the stock worker narrowed to the queues left to it, or turned off,
// so that every queue has exactly one consumer.
import { type ArgGroup, flagCount, flagValue, parseArgs, workerArgs } from '../celery/args.js';
import {
  argsPath,
  stockConfig,
  type Worker,
  type WorkerConfig,
  type WorkerSizing,
  workerSizing,
} from '../celery/worker.js';
import { fieldPath } from '../config/load.js';
import type { GroupSpec, QueueSpec, Spec } from '../config/schema.js';
import { VARIANT } from '../config/workers.js';
import { type Body, docBody, dropAnnotations, plainBody } from '../krm/body.js';
import {
  isBookkeepingAnnotation,
  type LabelSelector,
  noExpansion,
  selectorMatches,
} from '../krm/k8s.js';
import { isIndexKey, type PlainResource, plainCopy } from '../krm/print.js';
import { CONFIG_REF } from '../krm/results.js';
import { cloneDoc, type Doc } from '../krm/yaml.js';
import {
  DEFAULT_VARIANT,
  GENERATED_BY,
  groupHostname,
  NAME_LABEL,
  queueName,
  SERVICES,
  type ServiceName,
  stockOffQueue,
  workerHostname,
  workerName,
} from '../names.js';
import { type InstanceInput, oncePerConfig, type WorkersStage } from '../plan.js';
import type { StockWorker } from '../tutor/instances.js';
import { plainStock, plainStockText } from './plain-form.js';
import { applySizing, checkPodLabels, checkStockEnv, sizingArgs } from './sizing.js';

export const workers: WorkersStage = (view) => {
  const planned: Worker[] = [];
  for (const service of SERVICES) {
    const stock = view.instance.workers[service];
    const config = view.spec[service];
    if (!stock || !config) continue;
    if (!checkPodLabels(view.spec, service, stock.read, view.results)) continue;
    const plan = servicePlan(view.spec, service);
    // A stock worker turned off takes no env (none of the config's sizing).
    if (
      plan.stock &&
      !checkStockEnv(plan.stock.sizing, stock.read, stock.container, view.results)
    ) {
      continue;
    }
    const { wanted, taken } = plan;
    // The stock worker keeps every queue no other worker takes, and always the default queue
    // (some CMS tasks go to the LMS default queue). Turned off, it keeps none, and every one
    // must have gone elsewhere (the config check makes sure of the default queue).
    const left = stock.stockQueues.filter((q) => !taken.has(q));
    // Its command line, read once for every worker made from it.
    const stockArgs = parseArgs(stock.stockArgs);
    if (plan.stock) {
      const defaultQueue = queueName(service, DEFAULT_VARIANT);
      if (!left.includes(defaultQueue)) left.unshift(defaultQueue);
      planned.push(narrowStock(view, stock, stockArgs, left, plan.stock));
    } else if (left.length > 0) {
      reportLeftOver(view, stock, left);
      continue;
    } else turnOffStock(view, stock, stockArgs);
    // Each worker's pods must belong to its own Deployment only: not to the stock one's.
    const stockSelector = stock.read(['spec', 'selector']) as LabelSelector;
    for (const want of wanted) {
      const worker = clone(view, stock, stockArgs, want, stockSelector);
      if (worker) planned.push(worker);
    }
  }
  for (const worker of planned) warnCustomPool(view, worker);
  return planned;
};

/** Queues of a stock worker the config turns off that no other worker takes. */
function reportLeftOver(view: InstanceInput, stock: StockWorker, left: string[]): void {
  const { service } = stock;
  const name = stock.item.name;
  const variants = left.flatMap((q) => {
    const variant = q.slice(`edx.${service}.core.`.length);
    return q === queueName(service, variant) && VARIANT.test(variant) ? [variant] : [];
  });
  // A queue not named edx.<service>.core.<variant> only the stock worker can consume.
  const way =
    variants.length === left.length
      ? `add ${variants.join(', ')} to spec.${service}.queues or to a group's queues, or turn the stock worker on`
      : `no variant or group consumes a queue not named edx.${service}.core.<variant>: keep the stock worker on`;
  view.results.error(
    `the stock ${name} is off, and nothing else consumes ${left.join(', ')}, which ${name} consumes as rendered: ${way}`,
    { ref: CONFIG_REF, field: `spec.${service}.stockWorker.enabled` },
  );
}

/** What the config asks of a worker: its sizing, and the flags it adds to the stock ones. */
interface Configured {
  readonly sizing: WorkerSizing;
  /** Can its Deployment be plain data (see fitsPlain)? */
  readonly fits: boolean;
  /** Celery flags after the stock ones: concurrency and pool, then its own extraArgs. */
  readonly extraArgs: readonly string[];
}

/** A worker the config asks for, before it is cloned. */
interface WantedWorker extends Configured {
  readonly service: ServiceName;
  readonly kind: 'variant' | 'group';
  readonly key: string;
  readonly path: readonly string[];
  readonly queues: readonly string[];
  readonly hostname: string;
  /** Its Deployment's name. */
  readonly name: string;
  readonly config: QueueSpec;
}

/** What the config asks of one service's workers, the same for every instance. */
interface ServicePlan {
  /** The stock worker's own, undefined when the config turns it off. */
  readonly stock: (Configured & { readonly own: ReturnType<typeof stockConfig> }) | undefined;
  readonly wanted: readonly WantedWorker[];
  /** The queues the wanted workers take from the stock worker. */
  readonly taken: ReadonlySet<string>;
}

/** What the config asks of a service's workers, read once per config. */
const servicePlan = oncePerConfig((spec, service): ServicePlan => {
  const config = spec[service];
  const wanted = Object.freeze([
    ...Object.entries(config ? config.queues : {})
      .filter(([v]) => v !== DEFAULT_VARIANT)
      .map(([variant, q]) => wantedWorker(spec, service, 'variant', variant, q)),
    ...Object.entries(config ? config.groups : {}).map(([group, g]) =>
      wantedWorker(spec, service, 'group', group, g),
    ),
  ]);
  const own = stockConfig(spec, service);
  return Object.freeze({
    stock:
      config?.stockWorker?.enabled === false
        ? undefined
        : Object.freeze({ own, ...configured(spec, own, own.config?.extraArgs) }),
    wanted,
    taken: new Set(wanted.flatMap((w) => w.queues)),
  });
});

function configured(
  spec: Spec,
  worker: WorkerConfig,
  extraArgs: readonly string[] = [],
): Configured {
  const sizing = workerSizing(spec, worker);
  return {
    sizing: Object.freeze(sizing),
    fits: fitsPlain(sizing),
    extraArgs: Object.freeze([
      ...sizingArgs(sizing.sizing, extraArgs),
      ...extraArgs.map(noExpansion),
    ]),
  };
}

/** A variant's worker (its one queue) or a group's (the queues of the variants it lists). */
function wantedWorker(
  spec: Spec,
  service: ServiceName,
  kind: 'variant' | 'group',
  key: string,
  config: QueueSpec | GroupSpec,
): WantedWorker {
  const group = kind === 'group';
  const path = Object.freeze(['spec', service, group ? 'groups' : 'queues', key]);
  return Object.freeze({
    service,
    kind,
    key,
    path,
    queues: Object.freeze(
      group
        ? (config as GroupSpec).queues.map((v) => queueName(service, v))
        : [queueName(service, key)],
    ),
    hostname: group ? groupHostname(service, key) : workerHostname(service, key),
    name: workerName(service, key),
    config,
    ...configured(spec, { service, config, path }, config.extraArgs),
  });
}

/**
 * `--pool=custom` runs the pool class named in CELERY_CUSTOM_WORKER_POOL (Celery 5.3 and later,
 * celery/concurrency/__init__.py); without it, or on an older Celery, the worker does not start.
 */
function warnCustomPool(view: InstanceInput, worker: Worker): void {
  if (flagValue(worker.args, '--pool') !== 'custom') return;
  const container = worker.body.get([
    'spec',
    'template',
    'spec',
    'containers',
    worker.stock.container,
  ]) as { env?: { name?: unknown }[]; envFrom?: unknown[] } | undefined;
  if (container?.envFrom?.length) return; // it may come from there
  if (container?.env?.some((e) => e?.name === 'CELERY_CUSTOM_WORKER_POOL')) return;
  const { from } = worker.sizing;
  const own = flagCount(worker.config?.extraArgs ?? [], '--pool') > 0;
  view.results.warning(
    `${worker.name} runs --pool=custom, which needs Celery 5.3 or later and the pool's class in the environment variable CELERY_CUSTOM_WORKER_POOL (module:Class); without it the worker does not start. Add it to env`,
    own || from.pool
      ? {
          ref: CONFIG_REF,
          field: fieldPath(own ? [...worker.path, 'extraArgs'] : [...(from.pool ?? []), 'pool']),
        }
      : { item: worker.stock.item, field: fieldPath(argsPath(worker.stock)) },
  );
}

function narrowStock(
  view: InstanceInput,
  stock: StockWorker,
  stockArgs: readonly ArgGroup[],
  queues: string[],
  { own, sizing, fits, extraArgs }: NonNullable<ServicePlan['stock']>,
): Worker {
  const args = workerArgs(stockArgs, { queues, extraArgs });
  // The working copy starts as Tutor rendered it (see tutor/stock.ts).
  const body = stockBody(view, stock, fits);
  body.setStrings(argsPath(stock), args);
  applySizing(body, stock.container, sizing);
  warnIdle(view, sizing, queues);
  return {
    service: stock.service,
    kind: 'stock',
    key: DEFAULT_VARIANT,
    path: own.path,
    name: stock.item.name,
    queues,
    args,
    sizing,
    body,
    stock,
    config: own.config,
  };
}

/**
 * A stock worker the config turns off stays, as Tutor rendered it but for no replicas and one
 * queue no task is sent to: re-runs clone from it (its record, tutor/stock.ts), `tutor k8s`
 * commands and other plugins find it, and scaled up it takes no queue from another worker.
 */
function turnOffStock(
  view: InstanceInput,
  stock: StockWorker,
  stockArgs: readonly ArgGroup[],
): void {
  const body = stockBody(view, stock, true);
  body.setStrings(
    argsPath(stock),
    workerArgs(stockArgs, { queues: [stockOffQueue(stock.service)] }),
  );
  body.insert(['spec'], 'replicas', 0, 'first');
}

/**
 * The stock worker's working copy: plain data, printed by printPlain, when its text is that
 * (see plain-form.ts) and what the workers stage puts in fits (`fits`); else its document.
 */
function stockBody(view: InstanceInput, stock: StockWorker, fits: boolean): Body {
  const form = fits ? plainStockText(stock) : undefined;
  const body = form && view.resources.updatePlain(stock.item, form);
  return body ?? docBody(view.resources.update(stock.item));
}

function clone(
  view: InstanceInput,
  stock: StockWorker,
  stockArgs: readonly ArgGroup[],
  want: WantedWorker,
  stockSelector: LabelSelector,
): Worker | undefined {
  const { service } = stock;
  const { name, sizing } = want;
  // From the stock worker as Tutor rendered it: as plain data when that prints the same (see
  // plain-form.ts; its bookkeeping, the stock worker's, left out), else its document. The plain
  // form is shared by the stock worker's clones: each borrows what it does not change, and is
  // copied whole when written.
  const plain = want.fits ? plainStock(stock, dropsFromClone) : undefined;
  const value = plain && { ...plain };
  const doc = value ? undefined : cloneDoc(stock.pristine);
  const body = value ? plainBody(value, true) : docBody(doc as Doc);
  // New nodes for the values that name the clone: a user's comment on the stock worker's name
  // ("# the stock LMS worker") is about the stock worker, and must not follow the clone.
  body.replace(['metadata', 'name'], name);
  // Its bookkeeping is the stock worker's, not the clone's.
  if (doc) dropAnnotations(body, dropsFromClone);
  for (const path of [
    ['metadata', 'labels'],
    ['spec', 'selector', 'matchLabels'],
    ['spec', 'template', 'metadata', 'labels'],
  ]) {
    body.replace([...path, NAME_LABEL], name);
  }
  const container = ['spec', 'template', 'spec', 'containers', stock.container];
  body.replace([...container, 'name'], name);
  const args = workerArgs(stockArgs, {
    queues: want.queues,
    hostname: want.hostname,
    extraArgs: want.extraArgs,
  });
  body.setStrings(argsPath(stock), args);
  applySizing(body, stock.container, sizing);
  warnIdle(view, sizing, want.queues);

  const labels = body.get(['spec', 'template', 'metadata', 'labels']) as Record<string, string>;
  if (selectorMatches(stockSelector, labels)) {
    view.results.error(
      `its selector would also select the pods of ${name}: add ${NAME_LABEL} to its spec.selector.matchLabels`,
      { item: stock.item, field: 'spec.selector' },
    );
    return undefined;
  }
  const written = view.resources.write(value ?? (doc as Doc), stock.item, stock.item.name);
  if (!written) return undefined;
  return {
    service,
    kind: want.kind,
    key: want.key,
    path: want.path,
    name,
    queues: want.queues,
    args,
    sizing,
    body: written,
    stock,
    config: want.config,
  };
}

/** What a clone of a stock worker leaves out of its annotations. */
const dropsFromClone = (key: string) => isBookkeepingAnnotation(key) || key === GENERATED_BY;

/**
 * Can a clone with this sizing be plain data? Its values must be in printPlain's subset, and
 * no label or annotation key it adds may read as an array index (a plain object puts those
 * first, a document last); constraints without a selector share one, which yaml prints as an
 * alias.
 */
function fitsPlain({ sizing }: WorkerSizing): boolean {
  const added = [...Object.keys(sizing.labels ?? {}), ...Object.keys(sizing.annotations ?? {})];
  const shared = (sizing.topologySpreadConstraints ?? []).filter((c) => !c.labelSelector);
  return (
    shared.length <= 1 &&
    !added.some(isIndexKey) &&
    plainCopy(sizing as PlainResource) !== undefined
  );
}

// Zero replicas is a way to pause a queue, and an easy way to lose one: say so.
function warnIdle(
  view: InstanceInput,
  { sizing, from }: WorkerSizing,
  queues: readonly string[],
): void {
  if (sizing.replicas !== 0) return;
  view.results.warning(
    `replicas 0: nothing consumes ${queues.join(', ')} until the worker is scaled up`,
    { ref: CONFIG_REF, field: fieldPath([...(from.replicas ?? []), 'replicas']) },
  );
}
