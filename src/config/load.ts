// Reading the functionConfig: the native CeleryQueues resource, or the ConfigMap form that
// carries tutor-contrib-celery's settings (see legacy.ts).

import { isNode } from 'yaml';
import type * as z from 'zod/mini';
import type { ResourceRef } from '../krm/item.js';
import { CONFIG_REF, type Result, type Results } from '../krm/results.js';
import { nodeToPlain } from '../krm/yaml.js';
import { fieldPath, parseFieldPath } from './field-path.js';
import { nonStringKey } from './keys.js';
import { configMapRef, fromTutorSettings } from './legacy.js';
import { API_VERSION, type CeleryQueues, celeryQueues, KIND } from './schema.js';

/** The functionConfig as read: the config, and how messages name it and its fields. */
export interface LoadedConfig {
  config: CeleryQueues;
  source: ConfigSource;
}

/**
 * The validated config of a YAML node (the functionConfig, a --config file's document), or
 * undefined with the reasons in `results`: loadConfig, once every mapping key is a string.
 */
export function loadConfigNode(node: unknown, results: Results): CeleryQueues | undefined {
  return readConfigNode(node, results)?.config;
}

/** loadConfigNode, with the config's source. */
export function readConfigNode(node: unknown, results: Results): LoadedConfig | undefined {
  // (A scalar functionConfig comes as its value: no node.)
  const plain = isNode(node) ? nodeToPlain(node) : node;
  const badKey = nonStringKey(node);
  if (badKey) {
    results.error(badKey.message, {
      ref: configRef(plain),
      field: fieldPath(badKey.path) || '(root)',
    });
    return undefined;
  }
  return readConfig(plain, results);
}

function isConfigMap(value: unknown): boolean {
  const obj = value as Record<string, unknown> | null;
  return obj?.kind === 'ConfigMap' && obj.apiVersion === 'v1';
}

/**
 * The functionConfig as messages name it: its own apiVersion, kind and name (CONFIG_REF, the
 * name the families use, only when it has none of them).
 */
export function configRef(value: unknown): ResourceRef {
  if (isConfigMap(value)) return configMapRef(value as Record<string, unknown>);
  const obj = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const metadata = obj.metadata as Record<string, unknown> | undefined;
  const text = (v: unknown, otherwise: string) => (typeof v === 'string' ? v : otherwise);
  return {
    apiVersion: text(obj.apiVersion, CONFIG_REF.apiVersion),
    kind: text(obj.kind, CONFIG_REF.kind),
    name: text(metadata?.name, ''),
  };
}

/** The validated config, or undefined with the reasons in `results`. */
export function loadConfig(value: unknown, results: Results): CeleryQueues | undefined {
  return readConfig(value, results)?.config;
}

/** loadConfig, with the config's source. */
export function readConfig(value: unknown, results: Results): LoadedConfig | undefined {
  if (value === null || value === undefined) {
    results.error(
      `no functionConfig: give a ${KIND} (apiVersion ${API_VERSION}) or a ConfigMap with tutor-contrib-celery's CELERY_* keys`,
    );
    return undefined;
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    results.error('the functionConfig is not a mapping', { ref: CONFIG_REF });
    return undefined;
  }
  const obj = value as Record<string, unknown>;
  if (looksLikeTutorConfig(obj)) {
    results.error(
      `the config has no kind and holds Tutor settings (${Object.keys(obj).filter(isSettingName).slice(0, 3).join(', ')}, ...): it looks like Tutor's config.yml, not a ${KIND}. \`celery-queues migrate config.yml\` prints the ${KIND} for its tutor-contrib-celery settings`,
    );
    return undefined;
  }
  const ref = configRef(obj);
  if (!isConfigMap(obj) && typeof obj.kind === 'string' && obj.kind !== KIND) {
    results.error(
      `is not a ${KIND}: the functionConfig must be a ${KIND} (apiVersion ${API_VERSION}), or a ConfigMap (apiVersion v1) with tutor-contrib-celery's CELERY_* keys`,
      { ref },
    );
    return undefined;
  }
  let native: unknown = obj;
  let source: ConfigSource = { ref, path: (path) => [...path] };
  if (isConfigMap(obj)) {
    const settings = fromTutorSettings(obj, results);
    if (settings === undefined) return undefined;
    native = settings.config;
    source = { ref: settings.ref, path: settings.sourcePath };
  }
  const parsed = celeryQueues.safeParse(native);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) reportIssue(issue, results, source);
    return undefined;
  }
  warnAboutOpenings(parsed.data, results, source);
  return { config: parsed.data, source };
}

// Tutor's config.yml: a mapping of setting names (LMS_HOST, CELERY_FLOWER...), no kind.
function looksLikeTutorConfig(obj: Record<string, unknown>): boolean {
  return !('kind' in obj) && !('apiVersion' in obj) && Object.keys(obj).some(isSettingName);
}

function isSettingName(key: string): boolean {
  return /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(key);
}

/**
 * The results of a run with the config named as it is: the families name it by CONFIG_REF and
 * its native field paths; this gives them the functionConfig's own apiVersion, kind and name,
 * and, for the ConfigMap form, the ConfigMap's spelling of the field.
 */
export function nameTheConfig(results: readonly Result[], source: ConfigSource): Result[] {
  return results.map((r) => {
    if (!isConfigRef(r.resourceRef)) return r;
    const out: Result = { ...r, resourceRef: source.ref };
    const path = r.field && parseFieldPath(r.field.path);
    if (r.field && path) out.field = { path: fieldPath(source.path(path)) || r.field.path };
    return out;
  });
}

function isConfigRef(ref: ResourceRef | undefined): boolean {
  return (
    ref !== undefined &&
    ref.namespace === undefined &&
    ref.apiVersion === CONFIG_REF.apiVersion &&
    ref.kind === CONFIG_REF.kind &&
    ref.name === CONFIG_REF.name
  );
}

// What a valid config leaves open, said once, where the config says it.
function warnAboutOpenings(config: CeleryQueues, results: Results, source: ConfigSource): void {
  const flower = config.spec.flower;
  if (flower?.enabled && !flower.basicAuthSecret) {
    results.warning(
      'Flower asks no login: anyone who reaches the flower Service (port 5555) can revoke tasks and shut worker pools down; name a Secret holding user:password in basicAuthSecret',
      { ref: source.ref, field: fieldPath(source.path(['spec', 'flower', 'basicAuthSecret'])) },
    );
  }
}

/** Where the config came from: the resource to name in messages, and its spelling of a field. */
export interface ConfigSource {
  ref: ResourceRef;
  path: (path: readonly PropertyKey[]) => PropertyKey[];
}

function reportIssue(issue: z.core.$ZodIssue, results: Results, source: ConfigSource): void {
  const path = source.path(issue.path);
  const ref = source.ref;
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    // One message per unknown key, naming the key itself as the field.
    for (const key of issue.keys) {
      results.error(`unknown field ${JSON.stringify(key)}${nearest(key, path)}`, {
        ref,
        field: fieldPath(source.path([...issue.path, key])),
      });
    }
    return;
  }
  const received = /received (\w+)/.exec(message)?.[1];
  if (issue.code === 'invalid_type' && path[0] === 'spec' && path[1] === 'explicitQueues') {
    // Routes are the one map of free-form keys: say what shape they take.
    if (path.length === 4) {
      message = `a route is a mapping such as {queue: edx.${String(path[2])}.core.high}, not ${article(received)}`;
    } else if (path.length === 3) {
      message = `routes are a mapping of task name to route, not ${article(received === 'array' ? 'list' : received)}`;
    }
  } else if (issue.code === 'invalid_value' && path.length === 1 && path[0] === 'apiVersion') {
    message = `apiVersion must be ${API_VERSION}`;
  } else if (issue.code === 'invalid_value' && path.length === 1 && path[0] === 'kind') {
    message = `kind must be ${KIND} (or a ConfigMap with tutor-contrib-celery's CELERY_* keys)`;
  }
  results.error(message, { ref, field: fieldPath(path) || '(root)' });
}

function article(type: string | undefined): string {
  if (!type) return 'that';
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function nearest(_key: string, path: PropertyKey[]): string {
  return path.length === 0 ? '' : ` in ${fieldPath(path)}`;
}

export { fieldPath };
