// How a worker is sized and placed: the fields a variant (spec.<service>.queues.<variant>) and
// the service-wide defaults (spec.<service>.workerDefaults) share. The Kubernetes structures
// (affinity, tolerations, env...) are checked here as the API server would check them, with
// unknown fields refused, so a typo fails the render instead of the rollout.
import './zod-setup.js';
import * as z from 'zod';
import { quantityValue } from '../krm/quantity.js';
import { dnsSubdomainProblem, labelValueProblem, qualifiedNameProblem } from '../krm/validation.js';
import { NAME_LABEL } from '../names.js';
import { parseArgs } from '../workers/args.js';

// Shown in the README's reference table instead of the structure's every field: these are
// Kubernetes' own types, documented by Kubernetes. `id` puts each once under the JSON Schema's
// $defs, however many fields use it.
const k8s = (type: string) => ({ 'x-kubernetes': type });
const def = (id: string) => ({ id });

const quantity = z
  .union([z.string(), z.number()])
  .meta(def('Quantity'))
  .superRefine((q, ctx) => {
    const value = quantityValue(q);
    if (value === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(q)} is not a Kubernetes quantity (such as 500m, 1.5, 512Mi, 2Gi)`,
      });
    } else if (value < 0) {
      ctx.addIssue({ code: 'custom', message: `${JSON.stringify(q)} is negative` });
    }
  });

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
  .superRefine(keysAre('label key'))
  .superRefine((map, ctx) => {
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
  });

const resourceList = z.record(z.string(), quantity).superRefine(keysAre('resource name'));

const resources = z
  .strictObject({
    limits: resourceList.optional(),
    requests: resourceList.optional(),
  })
  .superRefine((r, ctx) => {
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
  })
  .meta({ ...def('ResourceRequirements'), ...k8s('ResourceRequirements') })
  .describe(
    "The celery container's resources: `limits` and `requests`, each resource name -> Kubernetes quantity (`cpu: 500m`, `memory: 2Gi`). Replaces the stock worker's resources as a whole.",
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

const labelSelector = z
  .strictObject({
    matchLabels: labelMap.optional(),
    matchExpressions: z
      .array(
        z
          .strictObject({
            key: z.string().min(1),
            operator: selectorOperator,
            values: z.array(z.string()).optional(),
          })
          .superRefine(requirementValues),
      )
      .optional(),
  })
  .meta(def('LabelSelector'));

const nodeSelectorRequirement = z
  .strictObject({
    key: z.string().min(1),
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt']),
    values: z.array(z.string()).optional(),
  })
  .superRefine(requirementValues);

const nodeSelectorTerm = z
  .strictObject({
    matchExpressions: z.array(nodeSelectorRequirement).optional(),
    matchFields: z.array(nodeSelectorRequirement).optional(),
  })
  .meta(def('NodeSelectorTerm'));

const weight = z.int().min(1).max(100);

const podAffinityTerm = z.strictObject({
  labelSelector: labelSelector.optional(),
  namespaceSelector: labelSelector.optional(),
  namespaces: z.array(z.string()).optional(),
  topologyKey: z.string().min(1),
  matchLabelKeys: z.array(z.string()).optional(),
  mismatchLabelKeys: z.array(z.string()).optional(),
});

const podAffinity = z
  .strictObject({
    requiredDuringSchedulingIgnoredDuringExecution: z.array(podAffinityTerm).optional(),
    preferredDuringSchedulingIgnoredDuringExecution: z
      .array(z.strictObject({ weight, podAffinityTerm }))
      .optional(),
  })
  .meta(def('PodAffinity'));

const affinity = z
  .strictObject({
    nodeAffinity: z
      .strictObject({
        requiredDuringSchedulingIgnoredDuringExecution: z
          .strictObject({ nodeSelectorTerms: z.array(nodeSelectorTerm).min(1) })
          .optional(),
        preferredDuringSchedulingIgnoredDuringExecution: z
          .array(z.strictObject({ weight, preference: nodeSelectorTerm }))
          .optional(),
      })
      .optional(),
    podAffinity: podAffinity.optional(),
    podAntiAffinity: podAffinity.optional(),
  })
  .meta({ ...def('Affinity'), ...k8s('Affinity') })
  .describe("The pods' affinity (nodeAffinity, podAffinity, podAntiAffinity), as in a pod spec.");

const toleration = z
  .strictObject({
    key: z.string().optional(),
    operator: z.enum(['Exists', 'Equal']).optional(),
    value: z.string().optional(),
    effect: z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']).optional(),
    tolerationSeconds: z.int().optional(),
  })
  .meta(def('Toleration'))
  .superRefine((t, ctx) => {
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
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'operator Exists takes no value' });
    }
    if (t.tolerationSeconds !== undefined && t.effect !== 'NoExecute') {
      ctx.addIssue({
        code: 'custom',
        path: ['tolerationSeconds'],
        message: 'tolerationSeconds needs effect NoExecute',
      });
    }
  });

const topologySpreadConstraint = z
  .strictObject({
    maxSkew: z.int().min(1),
    topologyKey: z.string().min(1),
    whenUnsatisfiable: z.enum(['DoNotSchedule', 'ScheduleAnyway']),
    labelSelector: labelSelector.optional(),
    minDomains: z.int().min(1).optional(),
    nodeAffinityPolicy: z.enum(['Honor', 'Ignore']).optional(),
    nodeTaintsPolicy: z.enum(['Honor', 'Ignore']).optional(),
    matchLabelKeys: z.array(z.string()).optional(),
  })
  .meta(def('TopologySpreadConstraint'))
  .superRefine((c, ctx) => {
    if (c.minDomains !== undefined && c.whenUnsatisfiable !== 'DoNotSchedule') {
      ctx.addIssue({
        code: 'custom',
        path: ['minDomains'],
        message: 'minDomains needs whenUnsatisfiable: DoNotSchedule',
      });
    }
  });

const keySelector = z.strictObject({
  name: z.string().min(1),
  key: z.string().min(1),
  optional: z.boolean().optional(),
});

const envVar = z
  .strictObject({
    name: z.string().min(1),
    value: z.string().optional(),
    valueFrom: z
      .strictObject({
        configMapKeyRef: keySelector.optional(),
        secretKeyRef: keySelector.optional(),
        fieldRef: z
          .strictObject({ fieldPath: z.string().min(1), apiVersion: z.string().optional() })
          .optional(),
        resourceFieldRef: z
          .strictObject({
            resource: z.string().min(1),
            containerName: z.string().optional(),
            divisor: quantity.optional(),
          })
          .optional(),
      })
      .superRefine((from, ctx) => {
        if (Object.keys(from).length !== 1) {
          ctx.addIssue({
            code: 'custom',
            message:
              'valueFrom takes exactly one of configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef',
          });
        }
      })
      .optional(),
  })
  .meta(def('EnvVar'))
  .superRefine((e, ctx) => {
    if (e.name.includes('=')) {
      ctx.addIssue({ code: 'custom', path: ['name'], message: 'an env name has no "="' });
    }
    if (e.value !== undefined && e.valueFrom !== undefined) {
      ctx.addIssue({ code: 'custom', message: 'give value or valueFrom, not both' });
    }
  });

const env = z
  .array(envVar)
  .superRefine((list, ctx) => {
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
  })
  .meta(k8s('list of EnvVar'))
  .describe(
    'Environment variables for the celery container (name with value or valueFrom, as in a pod spec). One named like a stock variable replaces it; the others are added after the stock ones.',
  );

const maxUnavailable = z
  .union([z.int(), z.string()])
  .superRefine((v, ctx) => {
    const ok = typeof v === 'number' ? v >= 1 : /^(100|[1-9][0-9]?)%$/.test(v) && v !== '0%';
    if (!ok) {
      ctx.addIssue({
        code: 'custom',
        message: `maxUnavailable ${JSON.stringify(v)} must be a number of pods (at least 1) or a percentage from 1% to 100%: 0 would block every node drain`,
      });
    }
  })
  .default(1)
  .describe(
    'How many of its pods a voluntary disruption (a node drain) may take down at once: a number (at least 1) or a percentage.',
  );

const podDisruptionBudget = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe('Write a PodDisruptionBudget <worker>-pdb for this worker.'),
    maxUnavailable,
  })
  .describe(
    'A PodDisruptionBudget for the worker, with maxUnavailable (never minAvailable, which blocks drains of a one-replica worker).',
  );

/** The fields a variant shares with spec.<service>.workerDefaults, all optional. */
export const sizingFields = {
  replicas: z
    .int()
    .min(0)
    .optional()
    .describe(
      'spec.replicas of the worker Deployment. An error together with autoscaling.enabled (KEDA sets the replicas then); from workerDefaults it skips autoscaled workers.',
    ),
  resources: resources.optional(),
  nodeSelector: labelMap
    .optional()
    .describe('Node labels the pods must run on (pod spec nodeSelector), e.g. a big-memory pool.'),
  tolerations: z
    .array(toleration)
    .optional()
    .meta(k8s('list of Toleration'))
    .describe('Taints the pods tolerate (pod spec tolerations).'),
  affinity: affinity.optional(),
  topologySpreadConstraints: z
    .array(topologySpreadConstraint)
    .optional()
    .meta(k8s('list of TopologySpreadConstraint'))
    .describe(
      "How the pods spread over zones or nodes (pod spec topologySpreadConstraints). A constraint without labelSelector gets the worker's own pod selector.",
    ),
  priorityClassName: z
    .string()
    .superRefine((name, ctx) => {
      const problem = dnsSubdomainProblem(name);
      if (problem) ctx.addIssue({ code: 'custom', message: `priorityClassName ${problem}` });
    })
    .optional()
    .describe('The PriorityClass of the pods.'),
  terminationGracePeriodSeconds: z
    .int()
    .min(0)
    .optional()
    .describe(
      'Seconds a stopping pod has to finish its running tasks before it is killed (Kubernetes default 30): set it above the longest task of the queue.',
    ),
  env: env.optional(),
  labels: labelMap
    .superRefine((map, ctx) => {
      if (Object.hasOwn(map, NAME_LABEL)) {
        ctx.addIssue({
          code: 'custom',
          path: [NAME_LABEL],
          message: `${NAME_LABEL} is the worker's own name in its selector, set by celery-queues`,
        });
      }
    })
    .optional()
    .describe(
      "Extra labels on the pods (not the Deployment's selector: labels the selector uses are refused).",
    ),
  annotations: z
    .record(z.string(), z.string())
    .superRefine(keysAre('annotation key'))
    .optional()
    .describe('Extra annotations on the pods.'),
  concurrency: z
    .int()
    .min(1)
    .optional()
    .describe(
      "Celery --concurrency: processes (or green threads) per pod. With --concurrency in the same variant's extraArgs: an error; a variant's extraArgs flag overrides workerDefaults' concurrency.",
    ),
  pool: z
    .enum(['prefork', 'eventlet', 'gevent', 'solo', 'threads', 'processes', 'custom'])
    .optional()
    .describe(
      "Celery --pool. With --pool in the same variant's extraArgs: an error; a variant's extraArgs flag overrides workerDefaults' pool.",
    ),
  podDisruptionBudget: podDisruptionBudget.optional(),
};

export const SIZING_KEYS = Object.keys(sizingFields) as (keyof typeof sizingFields)[];

export const workerDefaults = z
  .strictObject(sizingFields)
  .describe(
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
