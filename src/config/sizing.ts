// How a worker is sized and placed: the fields a variant (spec.<service>.queues.<variant>) and
// the service-wide defaults (spec.<service>.workerDefaults) share. The Kubernetes structures
// (affinity, tolerations, env...) are checked here as the API server would check them, with
// unknown fields refused, so a typo fails the render instead of the rollout.

import * as z from 'zod/mini';
import { quantityValue } from '../krm/quantity.js';
import { dnsSubdomainProblem, labelValueProblem, qualifiedNameProblem } from '../krm/validation.js';
import { NAME_LABEL } from '../names.js';
import { parseArgs } from '../workers/args.js';
import { deferred, describe, meta } from './zod.js';

// Shown in the README's reference table instead of the structure's every field: these are
// Kubernetes' own types, documented by Kubernetes. `id` puts each once under the JSON Schema's
// $defs, however many fields use it.
const k8s = (type: string) => ({ 'x-kubernetes': type });
const def = (id: string) => ({ id });

const quantity = meta(z.union([z.string(), z.number()]), def('Quantity')).check(
  z.superRefine((q, ctx) => {
    const value = quantityValue(q);
    if (value === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(q)} is not a Kubernetes quantity (such as 500m, 1.5, 512Mi, 2Gi)`,
      });
    } else if (value < 0) {
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

const labelMap = z
  .record(z.string(), z.string())
  .check(z.superRefine(keysAre('label key')))
  .check(
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

const resourceList = z.record(z.string(), quantity).check(z.superRefine(keysAre('resource name')));

const resources = deferred(() =>
  describe(
    meta(
      z
        .strictObject({
          limits: z.optional(resourceList),
          requests: z.optional(resourceList),
        })
        .check(
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
    ),
    "The celery container's resources: `limits` and `requests`, each resource name -> Kubernetes quantity (`cpu: 500m`, `memory: 2Gi`). Replaces the stock worker's resources as a whole.",
  ),
);

const selectorOperator = z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']);

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

const labelSelector = deferred(() =>
  meta(
    z.strictObject({
      matchLabels: z.optional(labelMap),
      matchExpressions: z.optional(
        z.array(
          z
            .strictObject({
              key: z.string().check(z.minLength(1)),
              operator: selectorOperator,
              values: z.optional(z.array(z.string())),
            })
            .check(z.superRefine(requirementValues)),
        ),
      ),
    }),
    def('LabelSelector'),
  ),
);

const nodeSelectorRequirement = z
  .strictObject({
    key: z.string().check(z.minLength(1)),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
    values: z.optional(z.array(z.string())),
  })
  .check(z.superRefine(requirementValues));

const nodeSelectorTerm = deferred(() =>
  meta(
    z.strictObject({
      matchExpressions: z.optional(z.array(nodeSelectorRequirement)),
      matchFields: z.optional(z.array(nodeSelectorRequirement)),
    }),
    def('NodeSelectorTerm'),
  ),
);

const weight = z.int().check(z.gte(1)).check(z.lte(100));

const podAffinityTerm = z.strictObject({
  labelSelector: z.optional(labelSelector),
  namespaceSelector: z.optional(labelSelector),
  namespaces: z.optional(z.array(z.string())),
  topologyKey: z.string().check(z.minLength(1)),
  matchLabelKeys: z.optional(z.array(z.string())),
  mismatchLabelKeys: z.optional(z.array(z.string())),
});

const podAffinity = deferred(() =>
  meta(
    z.strictObject({
      requiredDuringSchedulingIgnoredDuringExecution: z.optional(z.array(podAffinityTerm)),
      preferredDuringSchedulingIgnoredDuringExecution: z.optional(
        z.array(z.strictObject({ weight, podAffinityTerm })),
      ),
    }),
    def('PodAffinity'),
  ),
);

const affinity = deferred(() =>
  describe(
    meta(
      z.strictObject({
        nodeAffinity: z.optional(
          z.strictObject({
            requiredDuringSchedulingIgnoredDuringExecution: z.optional(
              z.strictObject({
                nodeSelectorTerms: z.array(nodeSelectorTerm).check(z.minLength(1)),
              }),
            ),
            preferredDuringSchedulingIgnoredDuringExecution: z.optional(
              z.array(z.strictObject({ weight, preference: nodeSelectorTerm })),
            ),
          }),
        ),
        podAffinity: z.optional(podAffinity),
        podAntiAffinity: z.optional(podAffinity),
      }),
      { ...def('Affinity'), ...k8s('Affinity') },
    ),
    "The pods' affinity (nodeAffinity, podAffinity, podAntiAffinity), as in a pod spec.",
  ),
);

const toleration = deferred(() =>
  meta(
    z.strictObject({
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

const topologySpreadConstraint = deferred(() =>
  meta(
    z.strictObject({
      maxSkew: z.int().check(z.gte(1)),
      topologyKey: z.string().check(z.minLength(1)),
      whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
      labelSelector: z.optional(labelSelector),
      minDomains: z.optional(z.int().check(z.gte(1))),
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

const keySelector = z.strictObject({
  name: z.string().check(z.minLength(1)),
  key: z.string().check(z.minLength(1)),
  optional: z.optional(z.boolean()),
});

const envVar = deferred(() =>
  meta(
    z.strictObject({
      name: z.string().check(z.minLength(1)),
      value: z.optional(z.string()),
      valueFrom: z.optional(
        z
          .strictObject({
            configMapKeyRef: z.optional(keySelector),
            secretKeyRef: z.optional(keySelector),
            fieldRef: z.optional(
              z.strictObject({
                fieldPath: z.string().check(z.minLength(1)),
                apiVersion: z.optional(z.string()),
              }),
            ),
            resourceFieldRef: z.optional(
              z.strictObject({
                resource: z.string().check(z.minLength(1)),
                containerName: z.optional(z.string()),
                divisor: z.optional(quantity),
              }),
            ),
          })
          .check(
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

const env = deferred(() =>
  describe(
    meta(
      z.array(envVar).check(
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

const maxUnavailable = describe(
  z._default(
    z.union([z.int(), z.string()]).check(
      z.superRefine((v, ctx) => {
        const ok = typeof v === 'number' ? v >= 1 : /^(100|[1-9][0-9]?)%$/.test(v) && v !== '0%';
        if (!ok) {
          ctx.addIssue({
            code: 'custom',
            message: `maxUnavailable ${JSON.stringify(v)} must be a number of pods (at least 1) or a percentage from 1% to 100%: 0 would block every node drain`,
          });
        }
      }),
    ),
    1,
  ),
  'How many of its pods a voluntary disruption (a node drain) may take down at once: a number (at least 1) or a percentage.',
);

const podDisruptionBudget = deferred(() =>
  describe(
    z.strictObject({
      enabled: describe(
        z._default(z.boolean(), false),
        'Write a PodDisruptionBudget <worker>-pdb for this worker.',
      ),
      maxUnavailable,
    }),
    'A PodDisruptionBudget for the worker, with maxUnavailable (never minAvailable, which blocks drains of a one-replica worker).',
  ),
);

/** The fields a variant shares with spec.<service>.workerDefaults, all optional. */
export const sizingFields = {
  replicas: describe(
    z.optional(z.int().check(z.gte(0))),
    'spec.replicas of the worker Deployment. An error together with autoscaling.enabled (KEDA sets the replicas then); from workerDefaults it skips autoscaled workers.',
  ),
  resources: z.optional(resources),
  nodeSelector: describe(
    z.optional(labelMap),
    'Node labels the pods must run on (pod spec nodeSelector), e.g. a big-memory pool.',
  ),
  tolerations: describe(
    meta(z.optional(z.array(toleration)), k8s('list of Toleration')),
    'Taints the pods tolerate (pod spec tolerations).',
  ),
  affinity: z.optional(affinity),
  topologySpreadConstraints: describe(
    meta(z.optional(z.array(topologySpreadConstraint)), k8s('list of TopologySpreadConstraint')),
    "How the pods spread over zones or nodes (pod spec topologySpreadConstraints). A constraint without labelSelector gets the worker's own pod selector.",
  ),
  priorityClassName: describe(
    z.optional(
      z.string().check(
        z.superRefine((name, ctx) => {
          const problem = dnsSubdomainProblem(name);
          if (problem) ctx.addIssue({ code: 'custom', message: `priorityClassName ${problem}` });
        }),
      ),
    ),
    'The PriorityClass of the pods.',
  ),
  terminationGracePeriodSeconds: describe(
    z.optional(z.int().check(z.gte(0))),
    'Seconds a stopping pod has to finish its running tasks before it is killed (Kubernetes default 30): set it above the longest task of the queue.',
  ),
  env: z.optional(env),
  labels: describe(
    z.optional(
      labelMap.check(
        z.superRefine((map, ctx) => {
          if (Object.hasOwn(map, NAME_LABEL)) {
            ctx.addIssue({
              code: 'custom',
              path: [NAME_LABEL],
              message: `${NAME_LABEL} is the worker's own name in its selector, set by celery-queues`,
            });
          }
        }),
      ),
    ),
    "Extra labels on the pods (not the Deployment's selector: labels the selector uses are refused).",
  ),
  annotations: describe(
    z.optional(z.record(z.string(), z.string()).check(z.superRefine(keysAre('annotation key')))),
    'Extra annotations on the pods.',
  ),
  concurrency: describe(
    z.optional(z.int().check(z.gte(1))),
    "Celery --concurrency: processes (or green threads) per pod. With --concurrency in the same variant's extraArgs: an error; a variant's extraArgs flag overrides workerDefaults' concurrency.",
  ),
  pool: describe(
    z.optional(z.enum(['prefork', 'eventlet', 'gevent', 'solo', 'threads', 'processes', 'custom'])),
    "Celery --pool. With --pool in the same variant's extraArgs: an error; a variant's extraArgs flag overrides workerDefaults' pool.",
  ),
  podDisruptionBudget: z.optional(podDisruptionBudget),
};

export const SIZING_KEYS = Object.keys(sizingFields) as (keyof typeof sizingFields)[];

export const workerDefaults = describe(
  z.strictObject(sizingFields),
  'Defaults for every worker of the service (the stock worker included); a variant that sets a field replaces the default of that field as a whole.',
);

export type Sizing = z.output<typeof workerDefaults>;

/** First-class fields that become celery flags, by the flag. */
export const SIZING_FLAGS = { concurrency: '--concurrency', pool: '--pool' } as const;

/**
 * A variant's own checks: replicas against autoscaling, and concurrency/pool against the same
 * flag in its extraArgs (which of the two wins would be a guess).
 */
export function checkVariant(
  q: Sizing & { extraArgs: string[]; autoscaling?: { enabled: boolean } | undefined },
  ctx: z.core.$RefinementCtx,
): void {
  if (q.replicas !== undefined && q.autoscaling?.enabled) {
    ctx.addIssue({
      code: 'custom',
      path: ['replicas'],
      message:
        'replicas and autoscaling.enabled conflict: KEDA sets the replicas of an autoscaled worker (use autoscaling.minReplicas/maxReplicas)',
    });
  }
  const flags = new Set(parseArgs(q.extraArgs).map((g) => g.flag));
  for (const [field, flag] of Object.entries(SIZING_FLAGS)) {
    if (q[field as keyof typeof SIZING_FLAGS] !== undefined && flags.has(flag)) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `${field} and ${flag} in extraArgs conflict: set one of them`,
      });
    }
  }
}
