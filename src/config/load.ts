// Reading the functionConfig: the native CeleryQueues resource, or the ConfigMap form that
// carries tutor-contrib-celery's settings (see legacy.ts).

import { isNode, type Node } from 'yaml';
import type * as z from 'zod/mini';
import type { ResourceRef } from '../krm/item.js';
import { CONFIG_REF, type Results } from '../krm/results.js';
import { parseYaml, toPlain } from '../krm/yaml.js';
import { fieldPath } from './field-path.js';
import { nonStringKey } from './keys.js';
import { configMapRef, fromTutorSettings } from './legacy.js';
import { API_VERSION, type CeleryQueues, celeryQueues, KIND } from './schema.js';

/**
 * The validated config of a YAML node (the functionConfig, a --config file's document), or
 * undefined with the reasons in `results`: loadConfig, once every mapping key is a string.
 */
export function loadConfigNode(node: unknown, results: Results): CeleryQueues | undefined {
  // (A scalar functionConfig comes as its value: no node.)
  const plain = isNode(node) ? nodeToPlain(node) : node;
  const badKey = nonStringKey(node);
  if (badKey) {
    const legacy = isConfigMap(plain);
    results.error(badKey.message, {
      ref: legacy ? configMapRef(plain as Record<string, unknown>) : CONFIG_REF,
      field: fieldPath(badKey.path) || '(root)',
    });
    return undefined;
  }
  return loadConfig(plain, results);
}

function nodeToPlain(node: Node): unknown {
  const doc = parseYaml('');
  doc.contents = node as never;
  return toPlain(doc);
}

function isConfigMap(value: unknown): boolean {
  const obj = value as Record<string, unknown> | null;
  return obj?.kind === 'ConfigMap' && obj.apiVersion === 'v1';
}

/** The validated config, or undefined with the reasons in `results`. */
export function loadConfig(value: unknown, results: Results): CeleryQueues | undefined {
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
  let native: unknown = obj;
  let source: Source = NATIVE;
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
  return parsed.data;
}

// What a valid config leaves open, said once, where the config says it.
function warnAboutOpenings(config: CeleryQueues, results: Results, source: Source): void {
  const flower = config.spec.flower;
  if (flower?.enabled && !flower.basicAuthSecret) {
    results.warning(
      'Flower asks no login: anyone who reaches the flower Service (port 5555) can revoke tasks and shut worker pools down; name a Secret holding user:password in basicAuthSecret',
      { ref: source.ref, field: fieldPath(source.path(['spec', 'flower', 'basicAuthSecret'])) },
    );
  }
}

/** Where the config came from: the resource to name in messages, and its spelling of a field. */
interface Source {
  ref: ResourceRef;
  path: (path: readonly PropertyKey[]) => PropertyKey[];
}
const NATIVE: Source = { ref: CONFIG_REF, path: (path) => [...path] };

function reportIssue(issue: z.core.$ZodIssue, results: Results, source: Source): void {
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
