// Validating built-in Kubernetes resources against Kubernetes' own OpenAPI schemas, with unknown
// fields refused, as `kubectl apply --validate=strict` would (which needs a cluster).
//
// The schemas are those of the `kubernetes-models` package (generated from Kubernetes' OpenAPI
// spec, shipped as compiled validators). Those accept unknown fields, and being compiled they
// cannot be edited to refuse them. So the validator runs on a proxy of the resource that notes
// every field it reads: a validator reads each field its schema defines, so after a clean
// validation every field of an object that was never read is one the schema does not have.

import * as apps from 'kubernetes-models/apps/v1';
import * as autoscaling from 'kubernetes-models/autoscaling/v2';
import * as batch from 'kubernetes-models/batch/v1';
import * as policy from 'kubernetes-models/policy/v1';
import * as core from 'kubernetes-models/v1';

interface ModelClass {
  apiVersion: string;
  kind: string;
  prototype: { validate(): void };
}

const MODULES: Record<string, Record<string, unknown>> = {
  v1: core,
  'apps/v1': apps,
  'autoscaling/v2': autoscaling,
  'batch/v1': batch,
  'policy/v1': policy,
};

function modelOf(apiVersion: string, kind: string): ModelClass | undefined {
  const candidate = MODULES[apiVersion]?.[kind] as ModelClass | undefined;
  return candidate?.kind === kind && candidate.apiVersion === apiVersion ? candidate : undefined;
}

/** Can this resource be checked here (a built-in kind this file knows)? */
export function isBuiltIn(resource: { apiVersion?: string; kind?: string }): boolean {
  return modelOf(String(resource.apiVersion), String(resource.kind)) !== undefined;
}

/** What is wrong with a resource by Kubernetes' schema, unknown fields included; [] if nothing. */
export function kubernetesProblems(resource: Record<string, unknown>): string[] {
  const model = modelOf(String(resource.apiVersion), String(resource.kind));
  if (!model) return [`no Kubernetes schema here for ${resource.apiVersion} ${resource.kind}`];
  const reads = new Map<object, { path: string; read: Set<string> }>();
  const proxies = new WeakMap<object, object>();
  const wrap = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const known = proxies.get(value);
    if (known) return known;
    const read = new Set<string>();
    reads.set(value, { path, read });
    const proxy = new Proxy(value, {
      get(target, key) {
        const v = Reflect.get(target, key);
        if (typeof key !== 'string') return v;
        read.add(key);
        return Object.hasOwn(target, key) ? wrap(v, `${path}/${key}`) : v;
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  try {
    model.prototype.validate.call(wrap(resource, ''));
  } catch (e) {
    // After a failed check the reads are incomplete: report only what the schema said.
    return [(e as Error).message];
  }
  const unknown: string[] = [];
  for (const [value, { path, read }] of reads) {
    for (const key of Object.keys(value)) {
      if (!read.has(key)) unknown.push(`${path}/${key}: unknown field`);
    }
  }
  return [...unknown, ...validationProblems(resource)];
}

/**
 * What the API server's validation refuses beyond the schema, for the fields the function
 * writes and the schema cannot say: a Deployment's strategy, restated from
 * pkg/apis/apps/validation/validation.go (ValidateDeploymentStrategy,
 * ValidateRollingUpdateDeployment, Kubernetes 1.32), after defaulting (pkg/apis/apps/v1/
 * defaults.go: type RollingUpdate, each of maxUnavailable and maxSurge 25% when unset).
 */
function validationProblems(resource: Record<string, any>): string[] {
  if (resource.apiVersion !== 'apps/v1' || resource.kind !== 'Deployment') return [];
  const strategy = resource.spec?.strategy ?? {};
  const type = strategy.type ?? 'RollingUpdate';
  const at = '/spec/strategy';
  if (type === 'Recreate') {
    return strategy.rollingUpdate === undefined
      ? []
      : [`${at}/rollingUpdate: may not be specified when strategy \`type\` is 'Recreate'`];
  }
  if (type !== 'RollingUpdate') return [`${at}/type: Unsupported value: ${JSON.stringify(type)}`];
  const problems: string[] = [];
  // IsValidPercent (apimachinery validation.go): digits and "%".
  const value = (field: string): number | undefined => {
    const v = strategy.rollingUpdate?.[field] ?? '25%';
    if (typeof v === 'number' && Number.isInteger(v)) {
      if (v < 0) problems.push(`${at}/rollingUpdate/${field}: must be greater than or equal to 0`);
      return v;
    }
    if (typeof v === 'string' && /^[0-9]+%$/.test(v)) return Number(v.slice(0, -1));
    problems.push(`${at}/rollingUpdate/${field}: must be an integer or percentage (e.g '5%')`);
    return undefined;
  };
  const maxUnavailable = value('maxUnavailable');
  const maxSurge = value('maxSurge');
  if (maxUnavailable === 0 && maxSurge === 0) {
    problems.push(`${at}/rollingUpdate/maxUnavailable: may not be 0 when \`maxSurge\` is 0`);
  }
  const unavailable = strategy.rollingUpdate?.maxUnavailable;
  if (typeof unavailable === 'string' && (maxUnavailable ?? 0) > 100) {
    problems.push(`${at}/rollingUpdate/maxUnavailable: must not be greater than 100%`);
  }
  return problems;
}
