// Reading the functionConfig: the native CeleryQueues resource, or the ConfigMap form that
// carries tutor-contrib-celery's settings (see legacy.ts).
import type { z } from 'zod';
import { CONFIG_REF, type Results } from '../krm/results.js';
import { fromTutorSettings } from './legacy.js';
import { API_VERSION, type CeleryQueues, celeryQueues, KIND } from './schema.js';

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
  if (obj.kind === 'ConfigMap' && obj.apiVersion === 'v1') {
    native = fromTutorSettings(obj, results);
    if (native === undefined) return undefined;
  }
  const parsed = celeryQueues.safeParse(native);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) reportIssue(issue, results);
    return undefined;
  }
  return parsed.data;
}

function reportIssue(issue: z.core.$ZodIssue, results: Results): void {
  const path = [...issue.path];
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    // One message per unknown key, naming the key itself as the field.
    for (const key of issue.keys) {
      results.error(`unknown field ${JSON.stringify(key)}${nearest(key, path)}`, {
        ref: CONFIG_REF,
        field: fieldPath([...path, key]),
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
  results.error(message, { ref: CONFIG_REF, field: fieldPath(path) || '(root)' });
}

function article(type: string | undefined): string {
  if (!type) return 'that';
  return `${/^[aeiou]/.test(type) ? 'an' : 'a'} ${type}`;
}

function nearest(_key: string, path: PropertyKey[]): string {
  return path.length === 0 ? '' : ` in ${fieldPath(path)}`;
}

/** `['spec','lms','queues','high','extraArgs',0]` -> `spec.lms.queues.high.extraArgs[0]`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      out += /^[A-Za-z_][\w-]*$/.test(key) ? `${out ? '.' : ''}${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
