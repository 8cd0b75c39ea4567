// The CeleryQueues functionConfig: the one source of its types, validation, defaults, the JSON
// Schema in fn-config/ and the reference table in the README (`npm run gen` writes both).

import * as z from 'zod/mini';
import { derivedNames, MAX_NAME_LENGTH, type SERVICES, variantSlug } from '../names.js';
import { parseArgs } from '../workers/args.js';
import { checkVariant, sizingFields, workerDefaults } from './sizing.js';
import { deferred, describe } from './zod.js';

export const API_VERSION = 'tutor-krm.dev/v1alpha1';
export const KIND = 'CeleryQueues';

// Worker flags the function derives itself; setting them by hand would break "one consumer per
// queue" or the node names that Flower and the logs show.
const OWNED_FLAGS: Record<string, string> = {
  '--queues': 'the queue comes from the variant name',
  '--exclude-queues': 'each queue has exactly one consumer, chosen by the function',
  '--hostname': 'the node name is edx.<service>.core.<variant>@<host>',
  '--app': 'the Celery app is the stock worker’s (lms.celery, cms.celery)',
};

const extraArgs = describe(
  z._default(z.array(z.string()), []).check(
    z.superRefine((args, ctx) => {
      let index = 0;
      for (const group of parseArgs(args)) {
        const arg = group.tokens[0] as string;
        if (group.flag === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `${JSON.stringify(arg)} is not a flag or a flag's value: extraArgs are celery worker flags such as "--concurrency=4"`,
          });
        } else if (OWNED_FLAGS[group.flag]) {
          ctx.addIssue({
            code: 'custom',
            path: [index],
            message: `${JSON.stringify(arg)} sets ${group.flag}, which celery-queues sets itself (${OWNED_FLAGS[group.flag]})`,
          });
        }
        index += group.tokens.length;
      }
    }),
  ),
  'Extra celery worker flags, after the stock ones. A flag the stock worker already has (say --prefetch-multiplier) is replaced, not repeated. --queues, --hostname, --app and --exclude-queues are set by the function and refused here. Celery gets them as written: Kubernetes expands no $(VAR) in them (each $ is written $$).',
);

// Kubernetes' HPA scaling rules (autoscaling/v2 HPAScalingRules), with the API server's limits.
const scalingRules = (direction: string) =>
  describe(
    z.strictObject({
      stabilizationWindowSeconds: describe(
        z.optional(z.int().check(z.gte(0)).check(z.lte(3600))),
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
                z.strictObject({
                  type: describe(
                    z.enum(['Pods', 'Percent']),
                    'Pods: a number of pods; Percent: of the current replicas.',
                  ),
                  value: describe(z.int().check(z.gte(1)), 'How many pods, or what percentage.'),
                  periodSeconds: describe(
                    z.int().check(z.gte(1)).check(z.lte(1800)),
                    'Per how many seconds.',
                  ),
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

const hpaBehavior = deferred(() =>
  describe(
    z.strictObject({
      scaleUp: z.optional(scalingRules('up')),
      scaleDown: z.optional(scalingRules('down')),
    }),
    "The HPA's scaling behavior (KEDA's advanced.horizontalPodAutoscalerConfig.behavior). Long-running tasks want a slow scaleDown, e.g. one pod per 30 minutes, since a removed pod's running task is killed after its grace period.",
  ),
);

const autoscaling = deferred(() =>
  describe(
    z
      .strictObject({
        enabled: describe(
          z._default(z.boolean(), false),
          'Scale this worker with a KEDA ScaledObject.',
        ),
        minReplicas: describe(
          z._default(z.int().check(z.gte(0)), 0),
          'Fewest replicas (0: scale to zero when the queue is empty).',
        ),
        maxReplicas: describe(z._default(z.int().check(z.gte(1)), 30), 'Most replicas.'),
        listLength: describe(
          z._default(z.int().check(z.gte(1)), 40),
          'Target tasks waiting per replica (the Redis list length per worker).',
        ),
        activationListLength: describe(
          z.optional(z.int().check(z.gte(0))),
          "Tasks that may wait before KEDA wakes the worker from zero replicas (KEDA's activationListLength; KEDA's default 0: the first task).",
        ),
        pollingInterval: describe(
          z.optional(z.int().check(z.gte(1))),
          'Seconds between two looks at the queue (KEDA’s default: 30).',
        ),
        cooldownPeriod: describe(
          z.optional(z.int().check(z.gte(0))),
          'Seconds the queue must stay empty before the worker goes from 1 replica to 0 (KEDA’s default: 300). Slower scale-down above 1 replica: behavior.scaleDown.',
        ),
        behavior: z.optional(hpaBehavior),
        fallback: describe(
          z.optional(
            z.strictObject({
              failureThreshold: describe(
                z.int().check(z.gte(1)),
                'Failed reads of the queue in a row before the fallback applies.',
              ),
              replicas: describe(
                z.int().check(z.gte(0)),
                'Replicas while the queue cannot be read.',
              ),
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
          'Replicas to run when KEDA cannot read the queue (Redis down, wrong password), instead of keeping the last count.',
        ),
        existingHPA: describe(
          z.optional(z.enum(['drop', 'transfer'])),
          'What to do with a HorizontalPodAutoscaler in the input that already scales this worker (tutor-contrib-pod-autoscaling’s lms-worker-hpa, cms-worker-hpa): drop (left out of the output, with a warning) or transfer (KEDA takes it over: annotation scaledobject.keda.sh/transfer-hpa-ownership). Unset: such an HPA is an error, since KEDA refuses to scale a worker an HPA scales.',
        ),
        priorityLists: describe(
          z.optional(
            z.strictObject({
              enabled: describe(
                z._default(z.boolean(), false),
                'Count the tasks in the priority lists too (KEDA scalingModifiers summing one trigger per list).',
              ),
              steps: describe(
                z
                  ._default(
                    z.array(z.int().check(z.gte(0)).check(z.lte(255))).check(z.minLength(1)),
                    [0, 3, 6, 9],
                  )
                  .check(
                    z.superRefine((steps, ctx) => {
                      if (new Set(steps).size !== steps.length) {
                        ctx.addIssue({ code: 'custom', message: 'priority steps must be unique' });
                      }
                    }),
                  ),
                "kombu's priority_steps (broker_transport_options); each step N but 0 is the Redis list <queue>\\x06\\x16N.",
              ),
            }),
          ),
          'Tasks sent with a priority wait in extra Redis lists next to the queue’s own, which KEDA does not see unless these are counted.',
        ),
        load: describe(
          z.optional(
            z.strictObject({
              enabled: describe(
                z._default(z.boolean(), false),
                'Scale on the tasks waiting in the queue plus the tasks its workers are running, read from celery-exporter through Prometheus (a KEDA prometheus trigger). Needs monitoring.exporter and monitoring.prometheus.serverAddress.',
              ),
              tasksPerReplica: describe(
                z.optional(z.int().check(z.gte(1))),
                "Target waiting plus running tasks per replica (the trigger's threshold). Default: the worker's --concurrency, or listLength when it sets none.",
              ),
              listTrigger: describe(
                z._default(z.boolean(), true),
                'Keep the Redis list trigger next to this one: KEDA runs the larger of the two replica counts, and the list still wakes and scales the worker when Prometheus cannot be read. false: this trigger only.',
              ),
            }),
          ),
          'Load-aware scaling: a worker that has taken its tasks leaves the Redis list empty while it is busy, so the list alone lets KEDA scale a busy worker down.',
        ),
      })
      .check(
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
    'KEDA autoscaling on the length of this queue.',
  ),
);

export const queueSpec = describe(
  z
    .strictObject({
      extraArgs,
      autoscaling: z.optional(autoscaling),
      ...sizingFields,
    })
    .check(z.superRefine(checkVariant)),
  'One queue and its worker. The variant `default` tunes the stock worker itself.',
);

const VARIANT = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/;

// A routed queue goes into comma-separated lists (celery's and celery-exporter's --queues split
// at commas, celery/bin/worker.py and celery-exporter src/cli.py) and into PromQL and logs: no
// commas, white space or control characters.
const QUEUE = /^[^\s,\p{Cc}]+$/u;

function serviceSpec(service: (typeof SERVICES)[number]) {
  return describe(
    z.strictObject({
      queues: describe(
        z._default(z.record(z.string(), queueSpec), {}).check(
          z.superRefine((queues, ctx) => {
            for (const variant of Object.keys(queues)) {
              if (!VARIANT.test(variant)) {
                ctx.addIssue({
                  code: 'custom',
                  path: [variant],
                  message: `variant name ${JSON.stringify(variant)} must be lowercase letters, digits, "_" and "-", starting and ending with a letter or digit (it becomes the queue edx.${service}.core.<variant> and, with "_" as "-", Kubernetes names)`,
                });
                continue;
              }
              const tooLong = derivedNames(service, variant).find(
                (n) => n.length > MAX_NAME_LENGTH,
              );
              if (tooLong) {
                ctx.addIssue({
                  code: 'custom',
                  path: [variant],
                  message: `variant name ${JSON.stringify(variant)} is too long: ${JSON.stringify(tooLong)} would be ${tooLong.length} characters, over Kubernetes' ${MAX_NAME_LENGTH}`,
                });
              }
              const slugs = Object.keys(queues).filter(
                (other) => other !== variant && variantSlug(other) === variantSlug(variant),
              );
              if (slugs.length > 0 && variant < (slugs[0] as string)) {
                ctx.addIssue({
                  code: 'custom',
                  path: [variant],
                  message: `variants ${JSON.stringify(variant)} and ${JSON.stringify(slugs[0])} would both be named ${service}-worker-${variantSlug(variant)}`,
                });
              }
            }
          }),
        ),
        `Variant -> queue. Each variant V gets the queue edx.${service}.core.V and its own Deployment ${service}-worker-V (with "_" as "-"); \`default\` is the stock ${service}-worker.`,
      ),
      workerDefaults: z.optional(workerDefaults),
    }),
    `The ${service.toUpperCase()} Celery workers.`,
  );
}

const route = deferred(() =>
  describe(
    z.strictObject({
      queue: describe(
        z
          .string()
          .check(
            z.minLength(1),
            z.regex(
              QUEUE,
              'must be a queue name without commas, white space or control characters (lists of queues, such as --queues, are split at commas)',
            ),
          ),
        'The queue the task is sent to, e.g. edx.lms.core.high_mem.',
      ),
    }),
    'A Celery route.',
  ),
);

const explicitQueues = deferred(() =>
  describe(
    z.strictObject({
      lms: describe(
        z.optional(z.record(z.string().check(z.minLength(1)), route)),
        'LMS task name -> route.',
      ),
      cms: describe(
        z.optional(z.record(z.string().check(z.minLength(1)), route)),
        'CMS task name -> route.',
      ),
    }),
    "Task routes merged into edx-platform's EXPLICIT_QUEUES in the settings.",
  ),
);

const k8sName = z
  .string()
  .check(
    z.regex(
      /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/,
      'must be a Kubernetes object name (lowercase letters, digits, "-" and ".")',
    ),
  );

// Flower and what hangs off it (contract section 4, rows "Flower" and "Grafana dashboard").
const metadataKey = z
  .string()
  .check(
    z.regex(
      /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/,
      'must be a Kubernetes label or annotation key',
    ),
  );
const labelMap = z.record(
  metadataKey,
  z
    .string()
    .check(
      z.regex(
        /^(([A-Za-z0-9][A-Za-z0-9._-]{0,61})?[A-Za-z0-9])?$/,
        'must be a Kubernetes label value',
      ),
    ),
);

// Kubernetes resource quantities: "100m", "256Mi", "1.5", 2.
const quantity = z.union([
  z
    .string()
    .check(
      z.regex(
        /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[0-9]+)?$/,
        'must be a Kubernetes quantity such as 100m or 256Mi',
      ),
    ),
  z.number().check(z.nonnegative()),
]);
const resourceList = z.record(z.string().check(z.regex(/^[a-z0-9./-]+$/)), quantity);

const flowerResources = describe(
  z._default(
    z.strictObject({
      requests: describe(z.optional(resourceList), 'Resource requests (cpu, memory).'),
      limits: describe(z.optional(resourceList), 'Resource limits (cpu, memory).'),
    }),
    { requests: { cpu: '50m', memory: '256Mi' }, limits: { memory: '1Gi' } },
  ),
  "The Flower container's resources (replaces the default). Flower keeps the last tasks (10000 by default) in memory.",
);

const flowerServiceMonitor = deferred(() =>
  describe(
    z.strictObject({
      enabled: describe(z._default(z.boolean(), false), 'Write the ServiceMonitor flower.'),
      labels: describe(
        z._default(labelMap, { release: 'prometheus' }),
        'Labels by which your Prometheus picks ServiceMonitors up; kube-prometheus-stack looks for release: <its Helm release name>. Replaces the default.',
      ),
      interval: describe(
        z._default(
          z
            .string()
            .check(
              z.regex(
                /^([0-9]+(ms|s|m|h|d|w|y))+$/,
                'must be a Prometheus duration such as 30s or 1m',
              ),
            ),
          '30s',
        ),
        'How often Prometheus scrapes Flower.',
      ),
    }),
    'A Prometheus Operator ServiceMonitor for Flower’s metrics port.',
  ),
);

const flowerDashboard = deferred(() =>
  describe(
    z.strictObject({
      enabled: describe(z._default(z.boolean(), false), 'Write the ConfigMap flower-dashboard.'),
      labels: describe(
        z._default(labelMap, { grafana_dashboard: '1' }),
        'Labels by which the Grafana sidecar picks dashboard ConfigMaps up (kube-prometheus-stack: grafana_dashboard: "1"). Replaces the default.',
      ),
      folder: describe(
        z.optional(z.string().check(z.minLength(1))),
        'The Grafana folder to put the dashboard in, through folderAnnotation.',
      ),
      folderAnnotation: describe(
        z._default(metadataKey, 'k8s-sidecar-target-directory'),
        "The annotation the Grafana sidecar reads the folder from (the sidecar's FOLDER_ANNOTATION; kube-prometheus-stack: grafana.sidecar.dashboards.folderAnnotation).",
      ),
    }),
    'A Grafana dashboard of the Celery workers, in the ConfigMap flower-dashboard.',
  ),
);

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const flower = deferred(() =>
  describe(
    z
      .strictObject({
        enabled: describe(z._default(z.boolean(), false), 'Deploy Flower next to the workers.'),
        image: describe(
          z._default(z.string().check(z.minLength(1)), 'docker.io/mher/flower:2.0.1'),
          'The Flower image (as tutor-contrib-celery).',
        ),
        resources: flowerResources,
        basicAuthSecret: describe(
          z.optional(
            z.strictObject({
              name: describe(k8sName, 'The Secret, in the instance’s namespace.'),
              key: describe(
                z._default(z.string().check(z.minLength(1)), 'auth'),
                'Key of the value: user:password, several separated by commas.',
              ),
            }),
          ),
          'A Secret you manage with Flower’s basic auth (FLOWER_BASIC_AUTH); the function never writes the credentials. Needed to expose Flower.',
        ),
        serviceMonitor: z.optional(flowerServiceMonitor),
        grafanaDashboard: z.optional(flowerDashboard),
        expose: describe(
          z.optional(
            z.strictObject({
              host: describe(
                z
                  .string()
                  .check(
                    z.regex(HOSTNAME, 'must be a DNS host name such as flower.learn.example.com'),
                  ),
                'The public host name, e.g. flower.<your LMS host>.',
              ),
            }),
          ),
          'Serve Flower through Tutor’s Caddy: a site block for host in the Caddyfile. Needs basicAuthSecret; Flower’s /metrics stays internal.',
        ),
      })
      .check(
        z.superRefine((f, ctx) => {
          const needsFlower: [string, boolean][] = [
            ['serviceMonitor', f.serviceMonitor?.enabled === true],
            ['grafanaDashboard', f.grafanaDashboard?.enabled === true],
            ['expose', f.expose !== undefined],
          ];
          for (const [field, on] of needsFlower) {
            if (on && !f.enabled) {
              ctx.addIssue({
                code: 'custom',
                path: [field],
                message: `needs Flower: set flower.enabled: true, or drop flower.${field}`,
              });
            }
          }
          if (f.expose && !f.basicAuthSecret) {
            ctx.addIssue({
              code: 'custom',
              path: ['expose'],
              message:
                'Flower would be public without a login: name a Secret with its basic auth in flower.basicAuthSecret',
            });
          }
        }),
      ),
    'Flower, the Celery monitoring UI, and its Prometheus metrics.',
  ),
);

const redis = deferred(() =>
  describe(
    z.strictObject({
      address: describe(
        z.optional(
          z
            .string()
            .check(z.regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/, 'must be host:port')),
        ),
        "The broker's host:port, instead of CELERY_BROKER_HOSTNAME from openedx-config.",
      ),
      databaseIndex: describe(
        z.optional(z.int().check(z.gte(0))),
        'The Redis database, instead of CELERY_BROKER_VHOST.',
      ),
      enableTLS: describe(
        z.optional(z.boolean()),
        'Connect with TLS (rediss), instead of what CELERY_BROKER_TRANSPORT says.',
      ),
      credentialsSecret: describe(
        z.optional(
          z.strictObject({
            name: describe(k8sName, 'The Secret, in the instance’s namespace.'),
            passwordKey: describe(
              z._default(z.string().check(z.minLength(1)), 'password'),
              'Key of the password.',
            ),
            usernameKey: describe(
              z.optional(z.string().check(z.minLength(1))),
              'Key of the user name (Redis ACL).',
            ),
            urlKey: describe(
              z.optional(z.string().check(z.minLength(1))),
              'Key of a complete broker URL, for Flower and the exporter.',
            ),
          }),
        ),
        'A Secret you manage that holds the broker credentials; the function then writes none and reads no password from the input.',
      ),
    }),
    'The Celery broker (Redis), when it is not what Tutor’s openedx-config says. Credentials only ever travel through a Secret.',
  ),
);

// celery-exporter, the celery-mixin's alerts, and where KEDA finds Prometheus (issue 11).
const duration = z
  .string()
  .check(
    z.regex(/^([0-9]+(ms|s|m|h|d|w|y))+$/, 'must be a Prometheus duration such as 30s or 10m'),
  );

const exporterServiceMonitor = deferred(() =>
  describe(
    z.strictObject({
      enabled: describe(
        z._default(z.boolean(), true),
        'Write the ServiceMonitor celery-exporter (on by default: the alerts and load scaling select the exporter’s series by the job label it gives them, job="celery-exporter").',
      ),
      labels: describe(
        z._default(labelMap, { release: 'prometheus' }),
        'Labels by which your Prometheus picks ServiceMonitors up; kube-prometheus-stack looks for release: <its Helm release name>. Replaces the default.',
      ),
      interval: describe(z._default(duration, '30s'), 'How often Prometheus scrapes the exporter.'),
    }),
    'A Prometheus Operator ServiceMonitor for the exporter’s metrics port.',
  ),
);

const exporter = deferred(() =>
  describe(
    z.strictObject({
      enabled: describe(
        z._default(z.boolean(), false),
        'Deploy celery-exporter next to the workers: queue lengths read from Redis for every queue of the instance, and task and worker metrics from Celery events.',
      ),
      image: describe(
        z._default(z.string().check(z.minLength(1)), 'docker.io/danihodovic/celery-exporter'),
        'The exporter image, without its tag.',
      ),
      version: describe(
        z._default(
          z
            .string()
            .check(
              z.regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be an image tag such as 0.12.0'),
            ),
          '0.12.0',
        ),
        'The image tag: a celery-exporter release without its "v". Default: the release celery-exporter’s own Helm chart deploys. The metrics this function queries are those of 0.12.',
      ),
      resources: describe(
        z._default(
          z.strictObject({
            requests: describe(z.optional(resourceList), 'Resource requests (cpu, memory).'),
            limits: describe(z.optional(resourceList), 'Resource limits (cpu, memory).'),
          }),
          { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } },
        ),
        "The exporter container's resources (replaces the default). It keeps recent task states in memory.",
      ),
      serviceMonitor: z.prefault(exporterServiceMonitor, {}),
    }),
    'danihodovic/celery-exporter, the Celery exporter behind the celery-mixin: one Deployment, Service and ServiceMonitor celery-exporter per instance.',
  ),
);

const alerts = deferred(() =>
  describe(
    z.strictObject({
      enabled: describe(
        z._default(z.boolean(), false),
        'Write the PrometheusRule celery-alerts with the celery-mixin’s alerts on the exporter’s metrics. Needs monitoring.exporter.',
      ),
      labels: describe(
        z._default(labelMap, { release: 'prometheus' }),
        'Labels by which your Prometheus picks PrometheusRules up (kube-prometheus-stack: release: <its Helm release name>). Replaces the default.',
      ),
      taskFailureRate: describe(
        z.prefault(
          z.strictObject({
            threshold: describe(
              z._default(z.number().check(z.gt(0), z.lt(100)), 5),
              'Percent of the finished tasks of one name and queue that failed.',
            ),
            window: describe(
              z._default(duration, '10m'),
              'Over how long the failures are counted.',
            ),
          }),
          {},
        ),
        'CeleryTaskHighFailRate: too many tasks of one name fail.',
      ),
      queueLength: describe(
        z.prefault(
          z.strictObject({
            threshold: describe(
              z._default(z.int().check(z.gte(0)), 100),
              'Tasks waiting in one queue.',
            ),
            for: describe(z._default(duration, '20m'), 'How long the queue must stay that long.'),
          }),
          {},
        ),
        'CeleryHighQueueLength: a queue stays long, per queue.',
      ),
      workerDown: describe(
        z.prefault(
          z.strictObject({
            enabled: describe(z._default(z.boolean(), true), 'Write CeleryWorkerDown rules.'),
            for: describe(
              z._default(duration, '15m'),
              'How long a worker Deployment must have no worker online.',
            ),
            includeScaleToZero: describe(
              z._default(z.boolean(), false),
              'Also watch the workers that may scale to zero (autoscaled with minReplicas 0): they then alert whenever their queue stays empty that long (a warning says so).',
            ),
          }),
          {},
        ),
        'CeleryWorkerDown: no worker of a worker Deployment online. Left out for workers that may scale to zero, which have no worker online whenever their queue is empty.',
      ),
    }),
    'Prometheus alerts on the exporter’s metrics, as the celery-mixin has them.',
  ),
);

const monitoring = deferred(() =>
  describe(
    z.strictObject({
      exporter: z.optional(exporter),
      alerts: z.optional(alerts),
      prometheus: describe(
        z.optional(
          z.strictObject({
            serverAddress: describe(
              z
                .string()
                .check(
                  z.regex(
                    /^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/,
                    'must be an http:// or https:// URL',
                  ),
                ),
              'The Prometheus HTTP API that KEDA queries, e.g. http://prometheus-operated.monitoring.svc:9090.',
            ),
          }),
        ),
        'Where KEDA reads the exporter’s metrics from, for autoscaling.load.',
      ),
    }),
    'Queue monitoring from celery-exporter: its Deployment and ServiceMonitor, alerts, real queue lengths on the dashboard, and load-aware autoscaling.',
  ),
);

export const spec = describe(
  z
    .strictObject({
      lms: z.optional(serviceSpec('lms')),
      cms: z.optional(serviceSpec('cms')),
      explicitQueues: z.optional(explicitQueues),
      acksLate: describe(
        z._default(z.boolean(), true),
        'CELERY_ACKS_LATE in the settings (true, as tutor-contrib-celery).',
      ),
      flower: z.optional(flower),
      redis: z.optional(redis),
      monitoring: z.optional(monitoring),
    })
    .check(
      z.superRefine((spec, ctx) => {
        const exporterOn = spec.monitoring?.exporter?.enabled === true;
        if (spec.monitoring?.alerts?.enabled && !exporterOn) {
          ctx.addIssue({
            code: 'custom',
            path: ['monitoring', 'alerts'],
            message:
              'the alerts read celery-exporter’s metrics: set monitoring.exporter.enabled: true, or drop monitoring.alerts',
          });
        }
        for (const service of ['lms', 'cms'] as const) {
          for (const [variant, queue] of Object.entries(spec[service]?.queues ?? {})) {
            if (!queue.autoscaling?.load?.enabled) continue;
            const path = [service, 'queues', variant, 'autoscaling', 'load'];
            if (!queue.autoscaling.enabled) {
              ctx.addIssue({
                code: 'custom',
                path,
                message: `needs autoscaling: set spec.${service}.queues.${variant}.autoscaling.enabled: true`,
              });
            }
            if (!exporterOn) {
              ctx.addIssue({
                code: 'custom',
                path,
                message:
                  'load scaling reads celery-exporter’s metrics: set monitoring.exporter.enabled: true',
              });
            }
            if (!spec.monitoring?.prometheus) {
              ctx.addIssue({
                code: 'custom',
                path,
                message:
                  'load scaling needs the Prometheus KEDA queries: set monitoring.prometheus.serverAddress',
              });
            }
          }
        }
      }),
    ),
  'What to do with the Tutor instances in the input.',
);

export const celeryQueues = describe(
  z.strictObject({
    apiVersion: describe(z.literal(API_VERSION), 'Always tutor-krm.dev/v1alpha1.'),
    kind: describe(z.literal(KIND), 'Always CeleryQueues.'),
    metadata: describe(
      z.optional(z.looseObject({ name: z.optional(z.string()) })),
      'Kubernetes metadata (the function reads none of it).',
    ),
    spec,
  }),
  'The celery-queues functionConfig.',
);

export type CeleryQueues = z.output<typeof celeryQueues>;
export type Spec = CeleryQueues['spec'];
export type QueueSpec = z.output<typeof queueSpec>;
export type Monitoring = z.output<typeof monitoring>;
export type Service = (typeof SERVICES)[number];
