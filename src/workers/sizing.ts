// Sizing and placing a worker: replicas, resources, scheduling, graceful shutdown, extra env,
// pod labels and annotations, and Celery's concurrency and pool. What the config does not set
// stays as the stock worker has it (Tutor's, or a plugin's such as tutor-contrib-pod-autoscaling).
import { parseArgs } from '../celery/args.js';
import { DEFAULT_GRACE_PERIOD, gracePeriodOf, type WorkerSizing } from '../celery/worker.js';
import { fieldPath } from '../config/load.js';
import type { Spec } from '../config/schema.js';
import { SIZING_FLAGS, type Sizing } from '../config/sizing.js';
import type { Body } from '../krm/body.js';
import { isObject } from '../krm/json.js';
import { CONFIG_REF, type Results } from '../krm/results.js';
import type { ServiceName } from '../names.js';

/**
 * The celery flags that concurrency and pool become, to go before the variant's extraArgs. A
 * flag the variant's extraArgs set itself wins over the defaults' field (the schema refuses both
 * on one variant).
 */
export function sizingArgs(sizing: Sizing, extraArgs: readonly string[]): string[] {
  const given = new Set(parseArgs(extraArgs).map((g) => g.flag));
  const flags: string[] = [];
  for (const [field, flag] of Object.entries(SIZING_FLAGS)) {
    const value = sizing[field as keyof typeof SIZING_FLAGS];
    if (value !== undefined && !given.has(flag)) flags.push(`${flag}=${value}`);
  }
  return flags;
}

/** The plain value at a path of a Deployment. */
type Reader = (path: readonly (string | number)[]) => unknown;

const POD = ['spec', 'template', 'spec'];
const POD_META = ['spec', 'template', 'metadata'];
/** Pod spec fields the config sets as a whole, in the order they are added. */
const POD_FIELDS = [
  'nodeSelector',
  'tolerations',
  'affinity',
  'priorityClassName',
  'terminationGracePeriodSeconds',
] as const;

/**
 * Pod labels the config may not set: those the workers' selector uses (the stock worker's keys;
 * a clone changes only the value of its name label). Reported once per config field; false if
 * any.
 */
export function checkPodLabels(
  spec: Spec,
  service: ServiceName,
  stock: Reader,
  results: Results,
): boolean {
  const selector = stock(['spec', 'selector']) as
    | { matchLabels?: Record<string, string>; matchExpressions?: { key: string }[] }
    | undefined;
  const selectorKeys = new Set([
    ...Object.keys(selector?.matchLabels ?? {}),
    ...(selector?.matchExpressions ?? []).map((e) => e.key),
  ]);
  const config = spec[service];
  const layers: [Sizing | undefined, (string | number)[]][] = [
    [config?.workerDefaults, ['spec', service, 'workerDefaults']],
    ...Object.entries(config?.queues ?? {}).map(([variant, q]): [Sizing, (string | number)[]] => [
      q,
      ['spec', service, 'queues', variant],
    ]),
    ...Object.entries(config?.groups ?? {}).map(([group, g]): [Sizing, (string | number)[]] => [
      g,
      ['spec', service, 'groups', group],
    ]),
  ];
  let ok = true;
  for (const [layer, path] of layers) {
    for (const key of Object.keys(layer?.labels ?? {})) {
      if (!selectorKeys.has(key)) continue;
      results.error(
        `${key} is in the selector of Deployment ${String(stock(['metadata', 'name']))} and its clones: a pod label the selector uses cannot be changed`,
        { ref: CONFIG_REF, field: fieldPath([...path, 'labels', key]) },
      );
      ok = false;
    }
  }
  return ok;
}

/**
 * Env the config gives the stock worker (its sizing: workerDefaults, or the variant `default`)
 * may not name one of its own variables: changing one in place would leave a later run nothing
 * to put Tutor's value back from but a copy of it in an annotation, and env holds passwords.
 * Reported once per config field; false if any.
 */
export function checkStockEnv(
  { sizing, from }: WorkerSizing,
  stock: Reader,
  container: number,
  results: Results,
): boolean {
  const env = stock([...POD, 'containers', container, 'env']);
  const own = new Set(Array.isArray(env) ? env.map((v) => (v as { name?: unknown })?.name) : []);
  let ok = true;
  for (const [i, variable] of (sizing.env ?? []).entries()) {
    if (!own.has(variable.name)) continue;
    const name = String(stock(['metadata', 'name']));
    results.error(
      `${variable.name} is a variable of the stock ${name} already: celery-queues changes no variable of a stock worker (it would have to keep Tutor's value in an annotation to put it back); set it on the variants that need it, or on ${name} through Tutor`,
      { ref: CONFIG_REF, field: fieldPath([...(from.env ?? []), 'env', i, 'name']) },
    );
    ok = false;
  }
  return ok;
}

/**
 * Applies a worker's sizing to its Deployment (in place). `container` is the index of the celery
 * container. Pod labels must have passed checkPodLabels.
 */
export function applySizing(body: Body, container: number, { sizing }: WorkerSizing): void {
  const selector = body.get(['spec', 'selector']) as
    | { matchLabels?: Record<string, string> }
    | undefined;
  // A new key goes first: replicas reads best above the selector and the pod template, where
  // kubectl and Helm charts put it.
  if (sizing.replicas !== undefined) body.insert(['spec'], 'replicas', sizing.replicas, 'first');
  const containerPath = [...POD, 'containers', container];
  if (sizing.resources !== undefined)
    body.replace([...containerPath, 'resources'], sizing.resources);
  if (sizing.env !== undefined) mergeEnv(body, [...containerPath, 'env'], sizing.env);
  for (const field of POD_FIELDS) {
    const value = sizing[field];
    if (value !== undefined) body.replace([...POD, field], value);
  }
  if (sizing.topologySpreadConstraints !== undefined) {
    // Without a selector a constraint counts no pods; the worker's own pods are what to spread.
    const own = { matchLabels: { ...selector?.matchLabels } };
    const constraints = sizing.topologySpreadConstraints.map((c) =>
      c.labelSelector ? c : { ...c, labelSelector: own },
    );
    body.replace([...POD, 'topologySpreadConstraints'], constraints);
  }
  for (const [key, value] of Object.entries(sizing.labels ?? {})) {
    body.set([...POD_META, 'labels', key], value);
  }
  for (const [key, value] of Object.entries(sizing.annotations ?? {})) {
    body.set([...POD_META, 'annotations', key], value);
  }
  const strategy = rolloutStrategy(body, sizing);
  // A new key goes before the pod template, where kubectl prints it.
  if (strategy) body.insert(['spec'], 'strategy', strategy, { before: 'template' });
}

/**
 * The Deployment strategy a worker gets: the config's rollingUpdate; else, for a worker whose
 * grace period is longer than Kubernetes' default and that has no strategy of its own, no pod
 * stopped before its replacement is ready. A stopping worker takes no new task and may take the
 * whole grace period to finish the ones it runs; where its replacement cannot be scheduled
 * meanwhile (its node's room is held by the stopping pod, a dedicated pool is full), the queue
 * would lose that worker for as long.
 */
function rolloutStrategy(body: Body, sizing: Sizing): Record<string, unknown> | undefined {
  if (sizing.rollingUpdate) return { type: 'RollingUpdate', rollingUpdate: sizing.rollingUpdate };
  if (gracePeriodOf(body) <= DEFAULT_GRACE_PERIOD) return undefined;
  if (body.get(['spec', 'strategy']) !== undefined) return undefined;
  return { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } };
}

// A variable named like a stock one replaces it where it stands; the others go after the stock
// ones, in the config's order.
function mergeEnv(body: Body, path: (string | number)[], env: NonNullable<Sizing['env']>): void {
  const list = body.get(path);
  if (!Array.isArray(list)) {
    body.replace(path, env);
    return;
  }
  const names = list.map((item) => (isObject(item) ? item.name : undefined));
  for (const variable of env) {
    const at = names.indexOf(variable.name);
    if (at < 0) names.push(variable.name);
    body.replace([...path, at < 0 ? names.length - 1 : at], variable);
  }
}
