// The Kubernetes types of the config, one of each, checked as the API server (or the operator
// that reads them) would check them, with unknown fields refused: a quantity means the same in
// spec.lms.workerDefaults and in spec.flower, and a typo fails the render instead of the rollout.

import * as z from 'zod/mini';
import { quantityValue } from '../krm/quantity.js';
import {
  dnsSubdomainProblem,
  labelValueProblem,
  qualifiedNameProblem,
  secretKeyProblem,
} from '../krm/validation.js';
import { deferred, describe, flag, int, meta, once, strictObject, string } from './zod.js';

// The rules of Kubernetes' names as whole regular expressions, lengths included, so that the JSON
// Schema's patterns refuse what the function refuses (k8s.io/apimachinery/pkg/util/validation;
// src/krm/validation.ts says in words what is wrong).
const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = `${DNS_LABEL}(\\.${DNS_LABEL})*`;
const NAME_PART = '[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?';
export const OBJECT_NAME = new RegExp(`^(?=.{1,253}$)${DNS_SUBDOMAIN}$`);
export const QUALIFIED_NAME = new RegExp(
  `^((?=[^/]{1,253}/)${DNS_SUBDOMAIN}/)?(?=[^/]{1,63}$)${NAME_PART}$`,
);
export const LABEL_VALUE = new RegExp(`^(?=.{0,63}$)(${NAME_PART})?$`);
const SECRET_KEY = /^(?!\.$)(?!\.\.)(?=.{1,253}$)[-._a-zA-Z0-9]+$/;
/** A quantity as the config takes it: Kubernetes' grammar (src/krm/quantity.ts), never negative. */
export const QUANTITY_TEXT =
  /^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$/;

/**
 * What the JSON Schema says of a part instead of what zod's conversion makes of it (docs.ts puts
 * it in): for a rule zod checks in code, the same rule as JSON Schema keywords.
 */
export const jsonSchema = (schema: Record<string, unknown>) => ({ json: schema });

// Shown in the reference table (docs/config-reference.md) instead of the structure's every
// field: these are Kubernetes' own types, documented by Kubernetes. `id` puts each once under the
// JSON Schema's $defs, however many fields use it.
export const k8s = (type: string) => ({ 'x-kubernetes': type });
const def = (id: string) => ({ id });

/**
 * A string matching `pattern` (which the JSON Schema carries, for editors), then checked by a
 * rule that says what is wrong; `what` (if any) names it in messages.
 */
function checked(
  pattern: RegExp,
  problemOf: (value: string) => string | undefined,
  what: string,
): z.ZodMiniString {
  const message = (value: string) =>
    `${what ? `${what} ` : ''}${problemOf(value) ?? `must match ${pattern}`}`;
  return string(
    z.regex(pattern, { error: (issue) => message(String(issue.input)) }),
    // What the pattern cannot say: lengths, ".." and the like.
    z.superRefine((value, ctx) => {
      if (pattern.test(value) && problemOf(value)) {
        ctx.addIssue({ code: 'custom', message: message(value) });
      }
    }),
  );
}

/** An object name (a Secret's, a PriorityClass's): a DNS subdomain. */
export const objectName = (what = 'the name') => checked(OBJECT_NAME, dnsSubdomainProblem, what);

/** A key of a Secret's data, as `secretKeyRef.key` takes it. */
export const secretKey = (what = 'the key') => checked(SECRET_KEY, secretKeyProblem, what);

/** A label or annotation key. */
export const metadataKey = (what = 'the key') =>
  checked(
    QUALIFIED_NAME,
    (key) => {
      const problem = qualifiedNameProblem(key);
      return problem && `${JSON.stringify(key)}: ${problem}`;
    },
    what,
  );

/** A Kubernetes resource quantity (`500m`, `1.5`, `2Gi`), never negative. */
export const quantity = meta(z.union([z.string(), z.number()]), {
  ...def('Quantity'),
  ...jsonSchema({
    anyOf: [
      { type: 'string', pattern: QUANTITY_TEXT.source },
      { type: 'number', minimum: 0 },
    ],
  }),
}).check(
  z.superRefine((q, ctx) => {
    const value = quantityValue(q);
    if (value === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(q)} is not a Kubernetes quantity (such as 500m, 1.5, 512Mi, 2Gi)`,
      });
    } else if (value < 0 || (typeof q === 'string' && q.startsWith('-'))) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(q)} is negative` });
    }
  }),
);

/** Keys must be label-style qualified names; `what` names them in messages. */
function keysAre(what: string) {
  return (map: Record<string, unknown>, ctx: z.core.$RefinementCtx) => {
    for (const key of Object.keys(map)) {
      const problem = qualifiedNameProblem(key);
      if (problem) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `${what} ${JSON.stringify(key)}: ${problem}`,
        });
      }
    }
  };
}

/** Labels (of pods, of a ServiceMonitor, of a node): qualified keys, label values. */
export const labelMap = meta(z.record(z.string(), z.string()), {
  propertyNames: { pattern: QUALIFIED_NAME.source },
  additionalProperties: { type: 'string', pattern: LABEL_VALUE.source },
}).check(
  z.superRefine(keysAre('label key')),
  z.superRefine((map, ctx) => {
    for (const [key, value] of Object.entries(map)) {
      const problem = labelValueProblem(value);
      if (problem) {
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: `label value ${JSON.stringify(value)} ${problem}`,
        });
      }
    }
  }),
);

export const annotationMap = meta(z.record(z.string(), z.string()), {
  propertyNames: { pattern: QUALIFIED_NAME.source },
}).check(z.superRefine(keysAre('annotation key')));

const resourceList = meta(z.record(z.string(), quantity), {
  propertyNames: { pattern: QUALIFIED_NAME.source },
}).check(z.superRefine(keysAre('resource name')));

/** Built once, shared by every block with resources: one $defs entry in the JSON Schema. */
let requirements: z.ZodMiniType | undefined;
function resourceRequirements() {
  requirements ??= meta(
    strictObject(
      {
        limits: z.optional(resourceList),
        requests: z.optional(resourceList),
      },
      z.superRefine((r, ctx) => {
        for (const [name, request] of Object.entries(r.requests ?? {})) {
          const limit = r.limits?.[name];
          if (limit === undefined) continue;
          const [req, lim] = [quantityValue(request), quantityValue(limit)];
          if (req !== undefined && lim !== undefined && req > lim) {
            ctx.addIssue({
              code: 'custom',
              path: ['requests', name],
              message: `the request (${request}) is above the limit (${limit}); Kubernetes refuses that`,
            });
          }
        }
      }),
    ),
    { ...def('ResourceRequirements'), ...k8s('ResourceRequirements') },
  );
  return requirements as z.ZodMiniType<ResourceRequirements>;
}

export interface ResourceRequirements {
  limits?: Record<string, string | number> | undefined;
  requests?: Record<string, string | number> | undefined;
}

/**
 * A container's resources (`limits`, `requests`; each request at most its limit), with a
 * default where the block has one.
 */
export function resources(description: string): z.ZodMiniLazy<z.ZodMiniType<ResourceRequirements>>;
export function resources(
  description: string,
  byDefault: ResourceRequirements,
): z.ZodMiniDefault<z.ZodMiniType<ResourceRequirements>>; // built with the block that has it
export function resources(description: string, byDefault?: ResourceRequirements) {
  if (byDefault === undefined) return deferred(() => describe(resourceRequirements(), description));
  return describe(z._default(resourceRequirements(), byDefault), description);
}

/**
 * A Prometheus duration (`30s`, `1h30m`): units from the largest down, each once, as Prometheus
 * (model.ParseDuration) and the Prometheus Operator's CRDs (their Duration pattern) take them;
 * more than zero.
 */
const DURATION =
  /^(?=.*[1-9])(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?$/;
export const duration = checked(
  DURATION,
  (d) =>
    DURATION.test(d)
      ? undefined
      : 'must be a Prometheus duration such as 30s, 10m or 1h30m (units from the largest down: y, w, d, h, m, s, ms)',
  '',
);

/** A Prometheus Operator ServiceMonitor for the metrics port of `component`. */
export function serviceMonitor(component: string, enabled: { byDefault: boolean; why: string }) {
  return describe(
    strictObject({
      enabled: describe(flag(enabled.byDefault), enabled.why),
      labels: describe(
        z._default(labelMap, { release: 'prometheus' }),
        'Labels by which your Prometheus picks ServiceMonitors up; kube-prometheus-stack looks for release: <its Helm release name>. Replaces the default.',
      ),
      interval: describe(z._default(duration, '30s'), `How often Prometheus scrapes ${component}.`),
    }),
    `A Prometheus Operator ServiceMonitor for ${component}’s metrics port.`,
  );
}

/** A key of a Secret you manage, in the instance's namespace. */
export function secretKeySelector(what: string, defaultKey?: string) {
  return strictObject({
    name: describe(objectName('the Secret name'), 'The Secret, in the instance’s namespace.'),
    key: describe(
      defaultKey === undefined ? secretKey() : z._default(secretKey(), defaultKey),
      `Key of ${what}.`,
    ),
  });
}

function requirementValues(
  r: { operator: string; values?: string[] | undefined },
  ctx: z.core.$RefinementCtx,
) {
  const hasValues = (r.values?.length ?? 0) > 0;
  if ((r.operator === 'In' || r.operator === 'NotIn') && !hasValues) {
    ctx.addIssue({ code: 'custom', path: ['values'], message: `${r.operator} needs values` });
  } else if ((r.operator === 'Exists' || r.operator === 'DoesNotExist') && hasValues) {
    ctx.addIssue({ code: 'custom', path: ['values'], message: `${r.operator} takes no values` });
  } else if ((r.operator === 'Gt' || r.operator === 'Lt') && r.values?.length !== 1) {
    ctx.addIssue({ code: 'custom', path: ['values'], message: `${r.operator} takes one value` });
  }
}

const labelSelector = once(() =>
  meta(
    strictObject({
      matchLabels: z.optional(labelMap),
      matchExpressions: z.optional(
        z.array(
          strictObject(
            {
              key: string(z.minLength(1)),
              operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
              values: z.optional(z.array(z.string())),
            },
            z.superRefine(requirementValues),
          ),
        ),
      ),
    }),
    def('LabelSelector'),
  ),
);

const nodeSelectorRequirement = once(() =>
  strictObject(
    {
      key: string(z.minLength(1)),
      operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
      values: z.optional(z.array(z.string())),
    },
    z.superRefine(requirementValues),
  ),
);

const nodeSelectorTerm = once(() =>
  meta(
    strictObject({
      matchExpressions: z.optional(z.array(nodeSelectorRequirement())),
      matchFields: z.optional(z.array(nodeSelectorRequirement())),
    }),
    def('NodeSelectorTerm'),
  ),
);

const podAffinityTerm = once(() =>
  strictObject({
    labelSelector: z.optional(labelSelector()),
    namespaceSelector: z.optional(labelSelector()),
    namespaces: z.optional(z.array(z.string())),
    topologyKey: string(z.minLength(1)),
    matchLabelKeys: z.optional(z.array(z.string())),
    mismatchLabelKeys: z.optional(z.array(z.string())),
  }),
);

const podAffinity = once(() =>
  meta(
    strictObject({
      requiredDuringSchedulingIgnoredDuringExecution: z.optional(z.array(podAffinityTerm())),
      preferredDuringSchedulingIgnoredDuringExecution: z.optional(
        z.array(strictObject({ weight: int(1, 100), podAffinityTerm: podAffinityTerm() })),
      ),
    }),
    def('PodAffinity'),
  ),
);

export const affinity = deferred(() =>
  describe(
    meta(
      strictObject({
        nodeAffinity: z.optional(
          strictObject({
            requiredDuringSchedulingIgnoredDuringExecution: z.optional(
              strictObject({
                nodeSelectorTerms: z.array(nodeSelectorTerm()).check(z.minLength(1)),
              }),
            ),
            preferredDuringSchedulingIgnoredDuringExecution: z.optional(
              z.array(strictObject({ weight: int(1, 100), preference: nodeSelectorTerm() })),
            ),
          }),
        ),
        podAffinity: z.optional(podAffinity()),
        podAntiAffinity: z.optional(podAffinity()),
      }),
      { ...def('Affinity'), ...k8s('Affinity') },
    ),
    "The pods' affinity (nodeAffinity, podAffinity, podAntiAffinity), as in a pod spec.",
  ),
);

export const toleration = deferred(() =>
  meta(
    strictObject({
      key: z.optional(z.string()),
      operator: z.optional(z.enum(['Exists', 'Equal'])),
      value: z.optional(z.string()),
      effect: z.optional(z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])),
      tolerationSeconds: z.optional(z.int()),
    }),
    def('Toleration'),
  ).check(
    z.superRefine((t, ctx) => {
      const problem = t.key ? qualifiedNameProblem(t.key) : undefined;
      if (problem) ctx.addIssue({ code: 'custom', path: ['key'], message: `key ${problem}` });
      if (!t.key && t.operator !== 'Exists') {
        ctx.addIssue({
          code: 'custom',
          path: ['operator'],
          message: 'a toleration without a key must have operator Exists',
        });
      }
      if (t.operator === 'Exists' && t.value) {
        ctx.addIssue({
          code: 'custom',
          path: ['value'],
          message: 'operator Exists takes no value',
        });
      }
      if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
        ctx.addIssue({
          code: 'custom',
          path: ['tolerationSeconds'],
          message: 'tolerationSeconds needs effect NoExecute',
        });
      }
    }),
  ),
);

export const topologySpreadConstraint = deferred(() =>
  meta(
    strictObject({
      maxSkew: int(1),
      topologyKey: string(z.minLength(1)),
      whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
      labelSelector: z.optional(labelSelector()),
      minDomains: z.optional(int(1)),
      nodeAffinityPolicy: z.optional(z.enum(['Honor', 'Ignore'])),
      nodeTaintsPolicy: z.optional(z.enum(['Honor', 'Ignore'])),
      matchLabelKeys: z.optional(z.array(z.string())),
    }),
    def('TopologySpreadConstraint'),
  ).check(
    z.superRefine((c, ctx) => {
      if (c.minDomains !== undefined && c.whenUnsatisfiable !== 'DoNotSchedule') {
        ctx.addIssue({
          code: 'custom',
          path: ['minDomains'],
          message: 'minDomains needs whenUnsatisfiable: DoNotSchedule',
        });
      }
    }),
  ),
);

const keySelector = once(() =>
  strictObject({
    name: objectName(),
    key: secretKey(),
    optional: flag(),
  }),
);

const envVar = once(() =>
  meta(
    strictObject({
      name: string(z.minLength(1)),
      value: z.optional(z.string()),
      valueFrom: z.optional(
        strictObject(
          {
            configMapKeyRef: z.optional(keySelector()),
            secretKeyRef: z.optional(keySelector()),
            fieldRef: z.optional(
              strictObject({
                fieldPath: string(z.minLength(1)),
                apiVersion: z.optional(z.string()),
              }),
            ),
            resourceFieldRef: z.optional(
              strictObject({
                resource: string(z.minLength(1)),
                containerName: z.optional(z.string()),
                divisor: z.optional(quantity),
              }),
            ),
          },
          z.superRefine((from, ctx) => {
            if (Object.keys(from).length !== 1) {
              ctx.addIssue({
                code: 'custom',
                message:
                  'valueFrom takes exactly one of configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef',
              });
            }
          }),
        ),
      ),
    }),
    def('EnvVar'),
  ).check(
    z.superRefine((e, ctx) => {
      if (e.name.includes('=')) {
        ctx.addIssue({ code: 'custom', path: ['name'], message: 'an env name has no "="' });
      }
      if (e.value !== undefined && e.valueFrom !== undefined) {
        ctx.addIssue({ code: 'custom', message: 'give value or valueFrom, not both' });
      }
    }),
  ),
);

export const env = deferred(() =>
  describe(
    meta(
      z.array(envVar()).check(
        z.superRefine((list, ctx) => {
          const seen = new Set<string>();
          list.forEach((e, i) => {
            if (seen.has(e.name)) {
              ctx.addIssue({
                code: 'custom',
                path: [i, 'name'],
                message: `${e.name} is set twice`,
              });
            }
            seen.add(e.name);
          });
        }),
      ),
      k8s('list of EnvVar'),
    ),
    'Environment variables for the celery container (name with value or valueFrom, as in a pod spec, $(VAR) references included). One named like a stock variable replaces it on a clone, and is an error for the stock worker itself (workerDefaults, the variant default); the others are added after the stock ones.',
  ),
);

// A Deployment's rolling update, by the API server's rules (pkg/apis/apps/validation/
// validation.go, ValidateRollingUpdateDeployment, Kubernetes 1.32): each a non-negative integer
// or a percentage (IsValidPercent: digits and "%"), maxUnavailable at most 100%, and not both 0.
const PERCENT = /^[0-9]+%$/;
const intOrPercent = (what: string) =>
  z.union([
    int(0),
    string(z.regex(PERCENT, `${what} must be a number of pods or a percentage such as 25%`)),
  ]);
const asPercent = (v: number | string | undefined) =>
  typeof v === 'string' ? Number(v.slice(0, -1)) : v;

export const rollingUpdate = deferred(() =>
  describe(
    meta(
      strictObject(
        {
          maxSurge: describe(
            z.optional(intOrPercent('maxSurge')),
            'Pods the rollout may start above the replica count.',
          ),
          maxUnavailable: describe(
            z.optional(intOrPercent('maxUnavailable')),
            'Pods the rollout may stop before their replacements are ready.',
          ),
        },
        z.superRefine((r, ctx) => {
          if ((asPercent(r.maxUnavailable) ?? 0) > 100 && typeof r.maxUnavailable === 'string') {
            ctx.addIssue({
              code: 'custom',
              path: ['maxUnavailable'],
              message: 'maxUnavailable must not be greater than 100%',
            });
          }
          if (asPercent(r.maxUnavailable) === 0 && asPercent(r.maxSurge) === 0) {
            ctx.addIssue({
              code: 'custom',
              path: ['maxUnavailable'],
              message:
                'maxUnavailable may not be 0 when maxSurge is 0: the rollout could not start a pod or stop one',
            });
          }
        }),
      ),
      { ...def('RollingUpdateDeployment'), ...k8s('RollingUpdateDeployment') },
    ),
    "The worker Deployment's rolling update (spec.strategy.rollingUpdate): maxSurge and maxUnavailable, each pods or a percentage; what is not set is Kubernetes' 25%. Unset on a worker whose grace period is above Kubernetes' 30 s: {maxSurge: 25%, maxUnavailable: 0}, so a rollout starts new pods before it stops old ones, which may take the whole grace period to finish their tasks.",
  ),
);
