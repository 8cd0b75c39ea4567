// A variant's KEDA autoscaling: the ScaledObject's replica bounds, timings, HPA behavior,
// fallback, and what it counts (the queue's list, its priority lists, or its load).

import * as z from 'zod/mini';
import { deferred, describe, flag, int, meta, once, strictObject } from './zod.js';

// Kubernetes' HPA scaling rules (autoscaling/v2 HPAScalingRules), with the API server's limits.
const scalingRules = (direction: string) =>
  describe(
    strictObject({
      stabilizationWindowSeconds: describe(
        z.optional(int(0, 3600)),
        `Seconds of past recommendations considered before scaling ${direction}.`,
      ),
      selectPolicy: describe(
        z.optional(z.enum(['Max', 'Min', 'Disabled'])),
        'Which policy wins when several apply (Disabled: never scale this way).',
      ),
      policies: describe(
        z.optional(
          z
            .array(
              describe(
                strictObject({
                  type: describe(
                    z.enum(['Pods', 'Percent']),
                    'Pods: a number of pods; Percent: of the current replicas.',
                  ),
                  value: describe(int(1), 'How many pods, or what percentage.'),
                  periodSeconds: describe(int(1, 1800), 'Per how many seconds.'),
                }),
                'One limit on the change of replicas per period.',
              ),
            )
            .check(z.minLength(1)),
        ),
        `At most this much change per period when scaling ${direction}: [{type: Pods|Percent, value, periodSeconds}].`,
      ),
    }),
    `How fast to scale ${direction}.`,
  );

const hpaBehavior = once(() =>
  describe(
    strictObject({
      scaleUp: z.optional(deferred(() => scalingRules('up'))),
      scaleDown: z.optional(deferred(() => scalingRules('down'))),
    }),
    "The HPA's scaling behavior (KEDA's advanced.horizontalPodAutoscalerConfig.behavior). Long-running tasks want a slow scaleDown, e.g. one pod per 30 minutes, since a removed pod's running task is killed after its grace period.",
  ),
);

export const autoscaling = deferred(() =>
  describe(
    meta(
      strictObject(
        {
          enabled: describe(flag(false), 'Scale this worker with a KEDA ScaledObject.'),
          minReplicas: describe(
            z._default(int(0), 0),
            'Fewest replicas (0: scale to zero when the queue is empty).',
          ),
          maxReplicas: describe(z._default(int(1), 30), 'Most replicas.'),
          listLength: describe(
            z._default(int(1), 40),
            'Target tasks waiting per replica (the Redis list length per worker).',
          ),
          activationListLength: describe(
            z.optional(int(0)),
            "Tasks that may wait before KEDA wakes the worker from zero replicas (KEDA's activationListLength; KEDA's default 0: the first task).",
          ),
          pollingInterval: describe(
            z.optional(int(1)),
            'Seconds between two looks at the queue (KEDA’s default: 30).',
          ),
          cooldownPeriod: describe(
            z.optional(int(0)),
            'Seconds the queue must stay empty before the worker goes from 1 replica to 0 (KEDA’s default: 300). Slower scale-down above 1 replica: behavior.scaleDown.',
          ),
          behavior: z.optional(hpaBehavior()),
          fallback: describe(
            z.optional(
              deferred(() =>
                strictObject({
                  failureThreshold: describe(
                    int(1),
                    'Failed reads of the queue in a row before the fallback applies.',
                  ),
                  replicas: describe(int(0), 'Replicas while the queue cannot be read.'),
                  behavior: describe(
                    z.optional(
                      z.enum([
                        'static',
                        'currentReplicas',
                        'currentReplicasIfHigher',
                        'currentReplicasIfLower',
                      ]),
                    ),
                    'How the fallback replicas relate to the current ones (KEDA’s default: static, exactly `replicas`).',
                  ),
                }),
              ),
            ),
            'Replicas to run when KEDA cannot read the queue (Redis down, wrong password), instead of keeping the last count.',
          ),
          existingHPA: describe(
            z.optional(z.enum(['drop', 'transfer'])),
            'What to do with a HorizontalPodAutoscaler in the input that already scales this worker (tutor-contrib-pod-autoscaling’s lms-worker-hpa, cms-worker-hpa): drop (left out of the output, with a warning) or transfer (KEDA takes it over: annotation scaledobject.keda.sh/transfer-hpa-ownership). Unset: such an HPA is an error, since KEDA refuses to scale a worker an HPA scales.',
          ),
          priorityLists: describe(
            z.optional(
              deferred(() =>
                strictObject({
                  enabled: describe(
                    flag(false),
                    'Count the tasks in the priority lists too (KEDA scalingModifiers summing one trigger per list).',
                  ),
                  steps: describe(
                    meta(z._default(z.array(int(0, 255)).check(z.minLength(1)), [0, 3, 6, 9]), {
                      uniqueItems: true,
                    }).check(
                      z.superRefine((steps, ctx) => {
                        if (new Set(steps).size !== steps.length) {
                          ctx.addIssue({
                            code: 'custom',
                            message: 'priority steps must be unique',
                          });
                        }
                      }),
                    ),
                    "kombu's priority_steps (broker_transport_options); each step N but 0 is the Redis list <queue>\\x06\\x16N.",
                  ),
                }),
              ),
            ),
            'Tasks sent with a priority wait in extra Redis lists next to the queue’s own, which KEDA does not see unless these are counted.',
          ),
          load: describe(
            z.optional(
              deferred(() =>
                strictObject({
                  enabled: describe(
                    flag(false),
                    'Scale on the tasks waiting in the queue plus the tasks its workers are running, read from celery-exporter through Prometheus (a KEDA prometheus trigger). Needs monitoring.exporter and monitoring.prometheus.serverAddress.',
                  ),
                  tasksPerReplica: describe(
                    z.optional(int(1)),
                    "Target waiting plus running tasks per replica (the trigger's threshold). Default: the worker's --concurrency, or listLength when it sets none.",
                  ),
                  listTrigger: describe(
                    flag(true),
                    'Keep the Redis list trigger next to this one: KEDA runs the larger of the two replica counts, and the list still wakes and scales the worker when Prometheus cannot be read. false: this trigger only.',
                  ),
                }),
              ),
            ),
            'Load-aware scaling: a worker that has taken its tasks leaves the Redis list empty while it is busy, so the list alone lets KEDA scale a busy worker down.',
          ),
        },
        z.superRefine((a, ctx) => {
          if (a.minReplicas > a.maxReplicas) {
            ctx.addIssue({
              code: 'custom',
              path: ['minReplicas'],
              message: `minReplicas (${a.minReplicas}) is above maxReplicas (${a.maxReplicas})`,
            });
          }
          if (a.fallback && a.fallback.replicas > a.maxReplicas) {
            ctx.addIssue({
              code: 'custom',
              path: ['fallback', 'replicas'],
              message: `fallback.replicas (${a.fallback.replicas}) is above maxReplicas (${a.maxReplicas}), which caps it`,
            });
          }
          if (a.load?.enabled && a.priorityLists?.enabled) {
            ctx.addIssue({
              code: 'custom',
              path: ['load'],
              message:
                'load and priorityLists cannot be combined: the priority lists are added up in a KEDA formula that the load trigger cannot join, and celery-exporter counts only the queue’s own list; choose one',
            });
          }
        }),
      ),
      { id: 'Autoscaling' },
    ),
    'KEDA autoscaling on the length of the worker’s queue (a group’s: the sum of its queues).',
  ),
);
