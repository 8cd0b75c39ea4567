// The ConfigMap form of the config: tutor-contrib-celery's Tutor settings (CELERY_*), mapped onto
// the native CeleryQueues resource so that both forms give the same output, byte for byte.
//
// The plugin's names and value shapes, as in eduNEXT/tutor-contrib-celery v18.0.0 to v21.0.0:
// - CELERY_WORKERS_CONFIG (v18.3+): a Python filter there, YAML or JSON text here, of
//   {service: {variant: {extra_params: [flags], enable_keda, min_replicas, max_replicas,
//   list_length}}}. The plugin's own entry for each stock worker (variant `default`) has
//   max_replicas 10; every other variant falls back to 0 / 30 / 40, as do ours.
// - CELERY_MULTIQUEUE_ENABLED and CELERY_WORKER_VARIANTS (v18.0 to v18.2): {service: [variant]}
//   took effect only with CELERY_MULTIQUEUE_ENABLED: true, and defaulted to lms high, high_mem and
//   cms high, low.
// - CELERY_LMS_EXPLICIT_QUEUES, CELERY_CMS_EXPLICIT_QUEUES: {task: {queue}}.
// - CELERY_FLOWER, CELERY_FLOWER_SERVICE_MONITOR: booleans; the ServiceMonitor only with Flower.
// - CELERY_FLOWER_BASIC_AUTH: the plugin's Flower always asks for a login (a CONFIG_UNIQUE
//   default, "flower:" and a random password). Credentials stay out of this config: the key
//   CELERY_FLOWER_BASIC_AUTH_SECRET, ours, names the Secret that holds them, and Flower without
//   it is an error, so that a migration keeps the login.
// - CELERY_FLOWER_DOCKER_IMAGE: flower.image. CELERY_FLOWER_EXPOSE_SERVICE with CELERY_FLOWER: a
//   Caddy site for CELERY_FLOWER_HOST (patches/caddyfile), flower.expose.host; the plugin's host
//   is the Tutor template flower.{{LMS_HOST}}, which only Tutor can fill in (celery-queues
//   migrate does, from config.yml), so here the host must be written out.
// - CELERY_VERSION: no counterpart here; UNMAPPED says so.
import { isMap, isScalar, isSeq } from 'yaml';
import type { ResourceRef } from '../krm/item.js';
import { isObject } from '../krm/json.js';
import type { Results } from '../krm/results.js';
import { parseYaml, toPlain } from '../krm/yaml.js';
import { DEFAULT_VARIANT, SERVICES, type ServiceName } from '../names.js';
import { fieldPath } from './field-path.js';
import { nonStringKey } from './keys.js';
import { API_VERSION, KIND } from './schema.js';

/** The native config built from the ConfigMap, and how to name its fields in the user's terms. */
export interface TutorSettings {
  config: Record<string, unknown>;
  ref: ResourceRef;
  /** A native field path (`spec.lms.queues.high.extraArgs[0]`) as the ConfigMap spells it. */
  sourcePath: (path: readonly PropertyKey[]) => PropertyKey[];
}

type Path = PropertyKey[];

const WORKERS_CONFIG = 'CELERY_WORKERS_CONFIG';
const MULTIQUEUE = 'CELERY_MULTIQUEUE_ENABLED';
const VARIANTS = 'CELERY_WORKER_VARIANTS';
const FLOWER = 'CELERY_FLOWER';
const SERVICE_MONITOR = 'CELERY_FLOWER_SERVICE_MONITOR';
const FLOWER_AUTH_SECRET = 'CELERY_FLOWER_BASIC_AUTH_SECRET';
const FLOWER_IMAGE = 'CELERY_FLOWER_DOCKER_IMAGE';
const EXPOSE = 'CELERY_FLOWER_EXPOSE_SERVICE';
const FLOWER_HOST = 'CELERY_FLOWER_HOST';
const explicitQueuesKey = (service: ServiceName) =>
  `CELERY_${service.toUpperCase()}_EXPLICIT_QUEUES`;

/** The plugin's default Flower image: asking for it asks for nothing in particular. */
export const PLUGIN_FLOWER_IMAGE = 'docker.io/mher/flower:2.0.1';
/** The variants CELERY_MULTIQUEUE_ENABLED gave when CELERY_WORKER_VARIANTS was not set. */
const PLUGIN_DEFAULT_VARIANTS: Record<ServiceName, string[]> = {
  lms: ['high', 'high_mem'],
  cms: ['high', 'low'],
};
/** The plugin's own autoscaling bounds for the stock workers (CORE_CELERY_WORKER_CONFIG). */
const PLUGIN_STOCK_MAX_REPLICAS = 10;

// Per-variant keys: the plugin's name -> ours under `autoscaling`.
const AUTOSCALING_KEYS: Record<string, string> = {
  enable_keda: 'enabled',
  min_replicas: 'minReplicas',
  max_replicas: 'maxReplicas',
  list_length: 'listLength',
};
const VARIANT_KEYS = ['extra_params', ...Object.keys(AUTOSCALING_KEYS)];

// Plugin keys with no counterpart in the function: why, and whether a value is refused.
const UNMAPPED: Record<string, (value: unknown, data: Record<string, unknown>) => Verdict> = {
  CELERY_VERSION: () => 'ignore',
  CELERY_FLOWER_BASIC_AUTH: () => ({
    warning: `ignored: keep credentials out of this config (Flower reads its basic-auth credentials from a Secret, named in ${FLOWER_AUTH_SECRET}); remove the key`,
  }),
};
type Verdict = 'ignore' | { warning: string } | { error: string };
const BOOLEAN_KEYS = new Set([FLOWER, SERVICE_MONITOR, MULTIQUEUE, EXPOSE]);

/**
 * The native config for a ConfigMap of tutor-contrib-celery settings; undefined (with the reasons
 * in `results`) when a value cannot be read. The result is validated by the native schema.
 */
export function fromTutorSettings(
  configMap: Record<string, unknown>,
  results: Results,
): TutorSettings | undefined {
  const ref = configMapRef(configMap);
  const name = ref.name;
  const errorsBefore = results.list.length;
  const fail = (field: Path, message: string) =>
    results.error(message, { ref, field: fieldPath(field) });

  const rawData = configMap.data ?? {};
  if (typeof rawData !== 'object' || rawData === null || Array.isArray(rawData)) {
    fail(['data'], 'must be a mapping of tutor-contrib-celery setting names to values');
    return undefined;
  }
  // Every value as plain data: booleans from "true"/"false", structures from YAML or JSON text.
  const data: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(rawData as Record<string, unknown>)) {
    const value = readValue(key, raw, (message, at = []) => fail(['data', key, ...at], message));
    if (value !== INVALID) data[key] = value;
  }

  const spec: Record<string, unknown> = {};
  const variantSources = new Map<string, Path>();
  const known = new Set<string>([
    WORKERS_CONFIG,
    MULTIQUEUE,
    VARIANTS,
    FLOWER,
    SERVICE_MONITOR,
    FLOWER_AUTH_SECRET,
    FLOWER_IMAGE,
    EXPOSE,
    FLOWER_HOST,
    ...SERVICES.map(explicitQueuesKey),
    ...Object.keys(UNMAPPED),
  ]);
  for (const key of Object.keys(rawData as object)) {
    if (!known.has(key)) {
      fail(
        ['data', key],
        `unknown key ${JSON.stringify(key)}: the ConfigMap form takes tutor-contrib-celery's settings (${[...known].sort().join(', ')})`,
      );
    }
  }

  // Workers and their autoscaling.
  const workers = readWorkers(data, fail, results, ref);
  if (workers) {
    for (const [service, variants] of workers) {
      const queues: Record<string, unknown> = {};
      for (const { variant, source, attributes } of variants) {
        queues[variant] = queueSpec(variant, attributes);
        variantSources.set(`${service}\u0000${variant}`, source);
      }
      spec[service] = { queues };
    }
  }

  // Task routes.
  const explicitQueues: Record<string, unknown> = {};
  for (const service of SERVICES) {
    const key = explicitQueuesKey(service);
    const routes = data[key];
    if (routes === undefined || routes === null) continue;
    if (!isObject(routes)) {
      fail(['data', key], 'must be a mapping of task names to routes ({queue: ...})');
      continue;
    }
    // The plugin's default is {}: no routes, and no explicitQueues in the native form.
    if (Object.keys(routes).length > 0) explicitQueues[service] = routes;
  }
  if (Object.keys(explicitQueues).length > 0) spec.explicitQueues = explicitQueues;

  // Flower, with a login as the plugin's.
  if (data[FLOWER] === true) {
    const flower: Record<string, unknown> = { enabled: true };
    if (data[FLOWER_AUTH_SECRET] !== undefined) {
      flower.basicAuthSecret = { name: data[FLOWER_AUTH_SECRET] };
    } else {
      fail(
        ['data', FLOWER_AUTH_SECRET],
        `is missing: tutor-contrib-celery's Flower always asks for a login (CELERY_FLOWER_BASIC_AUTH), and so must this one; put user:password in a Secret (kubectl create secret generic flower-basic-auth --from-literal=auth=USER:PASSWORD) and name it here`,
      );
    }
    if (data[SERVICE_MONITOR] === true) flower.serviceMonitor = { enabled: true };
    // Asking for the plugin's own image asks for nothing in particular.
    if (data[FLOWER_IMAGE] !== undefined && data[FLOWER_IMAGE] !== PLUGIN_FLOWER_IMAGE) {
      flower.image = data[FLOWER_IMAGE];
    }
    if (data[EXPOSE] === true) {
      const host = data[FLOWER_HOST];
      if (host === undefined) {
        fail(
          ['data', FLOWER_HOST],
          `is missing: ${EXPOSE} serves Flower on a site of Tutor's Caddy, and the plugin's default host flower.{{LMS_HOST}} is a Tutor template: write the host out, e.g. flower.learn.example.com (celery-queues migrate config.yml fills it in from LMS_HOST)`,
        );
      } else if (typeof host === 'string' && host.includes('{{')) {
        fail(
          ['data', FLOWER_HOST],
          `${JSON.stringify(host)} is a Tutor template, which only Tutor fills in: write the host out, e.g. flower.learn.example.com (celery-queues migrate config.yml fills it in from LMS_HOST)`,
        );
      } else flower.expose = { host };
    }
    spec.flower = flower;
  } else {
    for (const key of [SERVICE_MONITOR, FLOWER_AUTH_SECRET, EXPOSE]) {
      if (data[key] === undefined || data[key] === false) continue;
      results.warning(
        `has no effect without ${FLOWER}: "true"${key === SERVICE_MONITOR ? ' (the plugin renders the ServiceMonitor only with Flower)' : ''}`,
        { ref, field: fieldPath(['data', key]) },
      );
    }
  }

  for (const [key, verdictOf] of Object.entries(UNMAPPED)) {
    if (!(key in data)) continue;
    const verdict = verdictOf(data[key], data);
    if (verdict === 'ignore') continue;
    const where = { ref, field: fieldPath(['data', key]) };
    if ('error' in verdict) results.error(verdict.error, where);
    else results.warning(verdict.warning, where);
  }

  if (results.list.slice(errorsBefore).some((r) => r.severity === 'error')) return undefined;
  return {
    config: { apiVersion: API_VERSION, kind: KIND, metadata: { name }, spec },
    ref,
    sourcePath: (path) => sourcePath(path, variantSources),
  };
}

/** The ConfigMap, as messages about it name it. */
export function configMapRef(configMap: Record<string, unknown>): ResourceRef {
  const metadata = configMap.metadata as Record<string, unknown> | undefined;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    name: typeof metadata?.name === 'string' ? metadata.name : '',
  };
}

interface VariantEntry {
  variant: string;
  source: Path;
  attributes: Record<string, unknown>;
}

function readWorkers(
  data: Record<string, unknown>,
  fail: (field: Path, message: string) => void,
  results: Results,
  ref: ResourceRef,
): Map<ServiceName, VariantEntry[]> | undefined {
  const hasOld = MULTIQUEUE in data || VARIANTS in data;
  if (WORKERS_CONFIG in data && hasOld) {
    fail(
      ['data', MULTIQUEUE in data ? MULTIQUEUE : VARIANTS],
      `comes from tutor-contrib-celery before v18.3, ${WORKERS_CONFIG} from v18.3 on: keep only ${WORKERS_CONFIG}`,
    );
    return undefined;
  }
  const out = new Map<ServiceName, VariantEntry[]>();
  if (WORKERS_CONFIG in data) {
    const config = data[WORKERS_CONFIG];
    if (config === null) return out;
    if (!isObject(config)) {
      fail(['data', WORKERS_CONFIG], 'must be a mapping {service: {variant: {...}}}');
      return undefined;
    }
    for (const [service, variants] of Object.entries(config)) {
      const base: Path = ['data', WORKERS_CONFIG, service];
      if (!isService(service)) {
        fail(base, `unknown service ${JSON.stringify(service)}: lms or cms`);
        continue;
      }
      if (variants === null) continue;
      if (!isObject(variants)) {
        fail(base, 'must be a mapping of variant names to their settings');
        continue;
      }
      const list: VariantEntry[] = [];
      for (const [variant, attributes] of Object.entries(variants)) {
        const source = [...base, variant];
        const attrs = attributes ?? {};
        if (!isObject(attrs)) {
          fail(source, `must be a mapping of ${VARIANT_KEYS.join(', ')}`);
          continue;
        }
        for (const key of Object.keys(attrs)) {
          if (!VARIANT_KEYS.includes(key)) {
            fail(
              [...source, key],
              `unknown key ${JSON.stringify(key)}: ${VARIANT_KEYS.join(', ')}`,
            );
          }
        }
        const extra = attrs.extra_params;
        if (isObject(extra)) {
          // The plugin's README once showed {pool: gevent}; its template renders only the keys.
          const flags = Object.entries(extra).map(([k, v]) => `--${k}=${v}`);
          fail(
            [...source, 'extra_params'],
            `must be a list of celery worker flags, e.g. ${JSON.stringify(flags)}`,
          );
        }
        list.push({ variant, source, attributes: attrs });
      }
      out.set(service, list);
    }
    return out;
  }
  if (!hasOld) return out;
  if (data[MULTIQUEUE] !== true) {
    if (VARIANTS in data) {
      results.warning(
        `has no effect without ${MULTIQUEUE}: "true" (as in tutor-contrib-celery before v18.3)`,
        { ref, field: fieldPath(['data', VARIANTS]) },
      );
    }
    return out;
  }
  const variants = VARIANTS in data ? data[VARIANTS] : PLUGIN_DEFAULT_VARIANTS;
  if (!isObject(variants)) {
    fail(['data', VARIANTS], 'must be a mapping {service: [variant, ...]}');
    return undefined;
  }
  for (const [service, names] of Object.entries(variants)) {
    const base: Path = ['data', VARIANTS, service];
    if (!isService(service)) {
      fail(base, `unknown service ${JSON.stringify(service)}: lms or cms`);
      continue;
    }
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
      fail(base, 'must be a list of variant names');
      continue;
    }
    out.set(
      service,
      names.map((variant, i) => ({ variant, source: [...base, i], attributes: {} })),
    );
  }
  return out;
}

function queueSpec(variant: string, attributes: Record<string, unknown>): Record<string, unknown> {
  const queue: Record<string, unknown> = {};
  if (attributes.extra_params !== undefined) queue.extraArgs = attributes.extra_params;
  const autoscaling: Record<string, unknown> = {};
  for (const [theirs, ours] of Object.entries(AUTOSCALING_KEYS)) {
    if (attributes[theirs] !== undefined) autoscaling[ours] = attributes[theirs];
  }
  if (Object.keys(autoscaling).length > 0) {
    if (variant === DEFAULT_VARIANT && autoscaling.maxReplicas === undefined) {
      autoscaling.maxReplicas = PLUGIN_STOCK_MAX_REPLICAS;
    }
    queue.autoscaling = autoscaling;
  }
  return queue;
}

// The native schema's field paths, back in the ConfigMap's terms.
function sourcePath(path: readonly PropertyKey[], variantSources: Map<string, Path>): Path {
  const [, section, a, b, c, d, ...rest] = path;
  if (isService(section) && a === 'queues' && typeof b === 'string') {
    const source = variantSources.get(`${section}\u0000${b}`) ?? ['data', WORKERS_CONFIG, section];
    if (c === 'extraArgs') return [...source, 'extra_params', ...(d === undefined ? [] : [d])];
    if (c === 'autoscaling') {
      const theirs = Object.entries(AUTOSCALING_KEYS).find(([, ours]) => ours === d)?.[0];
      return theirs ? [...source, theirs, ...rest] : source;
    }
    return source;
  }
  if (isService(section)) return ['data', WORKERS_CONFIG, section];
  if (section === 'explicitQueues' && isService(a)) {
    return ['data', explicitQueuesKey(a), ...path.slice(3)];
  }
  if (section === 'flower') {
    const keys: Record<string, string> = {
      serviceMonitor: SERVICE_MONITOR,
      basicAuthSecret: FLOWER_AUTH_SECRET,
      image: FLOWER_IMAGE,
      expose: FLOWER_HOST,
    };
    return ['data', keys[String(a)] ?? FLOWER];
  }
  return ['data'];
}

const INVALID = Symbol('invalid');

function readValue(
  key: string,
  raw: unknown,
  fail: (message: string, at?: (string | number)[]) => void,
): unknown {
  if (BOOLEAN_KEYS.has(key)) {
    if (typeof raw === 'boolean') return raw;
    if (typeof raw === 'string' && /^(true|false)$/i.test(raw.trim())) {
      return raw.trim().toLowerCase() === 'true';
    }
    fail(`must be "true" or "false", not ${JSON.stringify(raw)}`);
    return INVALID;
  }
  if (key === WORKERS_CONFIG || key === VARIANTS || key.endsWith('_EXPLICIT_QUEUES')) {
    if (typeof raw !== 'string') return raw;
    const doc = parseYaml(raw);
    const error = doc.errors[0];
    if (error) {
      fail(`is not valid YAML or JSON: ${error.message.split('\n')[0]}`);
      return INVALID;
    }
    const badKey = nonStringKey(doc.contents);
    if (badKey) {
      fail(badKey.message, badKey.path);
      return INVALID;
    }
    if (!isMap(doc.contents) && !isSeq(doc.contents) && !isScalar(doc.contents)) return null;
    return toPlain(doc);
  }
  return raw;
}

function isService(value: unknown): value is ServiceName {
  return (SERVICES as readonly unknown[]).includes(value);
}
