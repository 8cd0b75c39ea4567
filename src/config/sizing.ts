// How a worker is sized and placed: the fields a variant (spec.<service>.queues.<variant>) and
// the service-wide defaults (spec.<service>.workerDefaults) share. The Kubernetes types are
// kubernetes.ts's.

import * as z from 'zod/mini';
import { parseArgs } from '../celery/args.js';
import { NAME_LABEL } from '../names.js';
import {
  affinity,
  annotationMap,
  env,
  k8s,
  labelMap,
  objectName,
  QUALIFIED_NAME,
  resources,
  rollingUpdate,
  toleration,
  topologySpreadConstraint,
} from './kubernetes.js';
import { deferred, describe, flag, int, meta, strictObject } from './zod.js';

const maxUnavailable = describe(
  z._default(
    meta(z.union([z.int(), z.string()]), {
      json: {
        anyOf: [
          { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
          { type: 'string', pattern: '^(100|[1-9][0-9]?)%$' },
        ],
      },
    }).check(
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
    strictObject({
      enabled: describe(flag(false), 'Write a PodDisruptionBudget <worker>-pdb for this worker.'),
      maxUnavailable,
    }),
    'A PodDisruptionBudget for the worker, with maxUnavailable (never minAvailable, which blocks drains of a one-replica worker).',
  ),
);

/** The fields a variant shares with spec.<service>.workerDefaults, all optional. */
export const sizingFields = {
  replicas: describe(
    z.optional(int(0)),
    'spec.replicas of the worker Deployment. An error together with autoscaling.enabled (KEDA sets the replicas then); from workerDefaults it skips autoscaled workers.',
  ),
  resources: z.optional(
    resources(
      "The celery container's resources: `limits` and `requests`, each resource name -> Kubernetes quantity (`cpu: 500m`, `memory: 2Gi`). Replaces the stock worker's resources as a whole.",
    ),
  ),
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
    z.optional(objectName('priorityClassName')),
    'The PriorityClass of the pods.',
  ),
  terminationGracePeriodSeconds: describe(
    z.optional(int(0)),
    'Seconds a stopping pod has to finish its running tasks before it is killed (Kubernetes default 30): set it above the longest task of the queue.',
  ),
  env: z.optional(env),
  labels: describe(
    z.optional(
      meta(labelMap, {
        propertyNames: { pattern: QUALIFIED_NAME.source, not: { const: NAME_LABEL } },
      }).check(
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
  annotations: describe(z.optional(annotationMap), 'Extra annotations on the pods.'),
  concurrency: describe(
    z.optional(int(1)),
    "Celery --concurrency: processes (or green threads) per pod. With --concurrency in the same variant's extraArgs: an error; a variant's extraArgs flag overrides workerDefaults' concurrency.",
  ),
  pool: describe(
    z.optional(z.enum(['prefork', 'eventlet', 'gevent', 'solo', 'threads', 'processes', 'custom'])),
    "Celery --pool. With --pool in the same variant's extraArgs: an error; a variant's extraArgs flag overrides workerDefaults' pool.",
  ),
  podDisruptionBudget: z.optional(podDisruptionBudget),
  rollingUpdate: z.optional(rollingUpdate),
};

export const SIZING_KEYS = Object.keys(sizingFields) as (keyof typeof sizingFields)[];

export const workerDefaults = describe(
  strictObject(sizingFields),
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
