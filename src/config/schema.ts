// The CeleryQueues functionConfig: the one source of its types, validation, defaults, the JSON
// Schema in fn-config/ and the reference table in the README (`npm run gen` writes both).
import './zod-setup.js';
import * as z from 'zod';
import { derivedNames, MAX_NAME_LENGTH, type SERVICES, variantSlug } from '../names.js';
import { parseArgs } from '../workers/args.js';
import { checkVariant, sizingFields, workerDefaults } from './sizing.js';

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

const extraArgs = z
  .array(z.string())
  .default([])
  .superRefine((args, ctx) => {
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
  })
  .describe(
    'Extra celery worker flags, after the stock ones. A flag the stock worker already has (say --prefetch-multiplier) is replaced, not repeated. --queues, --hostname, --app and --exclude-queues are set by the function and refused here.',
  );

// Kubernetes' HPA scaling rules (autoscaling/v2 HPAScalingRules), with the API server's limits.
const scalingRules = (direction: string) =>
  z
    .strictObject({
      stabilizationWindowSeconds: z
        .int()
        .min(0)
        .max(3600)
        .optional()
        .describe(`Seconds of past recommendations considered before scaling ${direction}.`),
      selectPolicy: z
        .enum(['Max', 'Min', 'Disabled'])
        .optional()
        .describe('Which policy wins when several apply (Disabled: never scale this way).'),
      policies: z
        .array(
          z
            .strictObject({
              type: z
                .enum(['Pods', 'Percent'])
                .describe('Pods: a number of pods; Percent: of the current replicas.'),
              value: z.int().min(1).describe('How many pods, or what percentage.'),
              periodSeconds: z.int().min(1).max(1800).describe('Per how many seconds.'),
            })
            .describe('One limit on the change of replicas per period.'),
        )
        .min(1)
        .optional()
        .describe(
          `At most this much change per period when scaling ${direction}: [{type: Pods|Percent, value, periodSeconds}].`,
        ),
    })
    .describe(`How fast to scale ${direction}.`);

const hpaBehavior = z
  .strictObject({
    scaleUp: scalingRules('up').optional(),
    scaleDown: scalingRules('down').optional(),
  })
  .describe(
    "The HPA's scaling behavior (KEDA's advanced.horizontalPodAutoscalerConfig.behavior). Long-running tasks want a slow scaleDown, e.g. one pod per 30 minutes, since a removed pod's running task is killed after its grace period.",
  );

const autoscaling = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Scale this worker with a KEDA ScaledObject.'),
    minReplicas: z
      .int()
      .min(0)
      .default(0)
      .describe('Fewest replicas (0: scale to zero when the queue is empty).'),
    maxReplicas: z.int().min(1).default(30).describe('Most replicas.'),
    listLength: z
      .int()
      .min(1)
      .default(40)
      .describe('Target tasks waiting per replica (the Redis list length per worker).'),
    activationListLength: z
      .int()
      .min(0)
      .optional()
      .describe(
        "Tasks that may wait before KEDA wakes the worker from zero replicas (KEDA's activationListLength; KEDA's default 0: the first task).",
      ),
    pollingInterval: z
      .int()
      .min(1)
      .optional()
      .describe('Seconds between two looks at the queue (KEDA’s default: 30).'),
    cooldownPeriod: z
      .int()
      .min(0)
      .optional()
      .describe(
        'Seconds the queue must stay empty before the worker goes from 1 replica to 0 (KEDA’s default: 300). Slower scale-down above 1 replica: behavior.scaleDown.',
      ),
    behavior: hpaBehavior.optional(),
    fallback: z
      .strictObject({
        failureThreshold: z
          .int()
          .min(1)
          .describe('Failed reads of the queue in a row before the fallback applies.'),
        replicas: z.int().min(0).describe('Replicas while the queue cannot be read.'),
        behavior: z
          .enum(['static', 'currentReplicas', 'currentReplicasIfHigher', 'currentReplicasIfLower'])
          .optional()
          .describe(
            'How the fallback replicas relate to the current ones (KEDA’s default: static, exactly `replicas`).',
          ),
      })
      .optional()
      .describe(
        'Replicas to run when KEDA cannot read the queue (Redis down, wrong password), instead of keeping the last count.',
      ),
    existingHPA: z
      .enum(['drop', 'transfer'])
      .optional()
      .describe(
        'What to do with a HorizontalPodAutoscaler in the input that already scales this worker (tutor-contrib-pod-autoscaling’s lms-worker-hpa, cms-worker-hpa): drop (left out of the output, with a warning) or transfer (KEDA takes it over: annotation scaledobject.keda.sh/transfer-hpa-ownership). Unset: such an HPA is an error, since KEDA refuses to scale a worker an HPA scales.',
      ),
    priorityLists: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            'Count the tasks in the priority lists too (KEDA scalingModifiers summing one trigger per list).',
          ),
        steps: z
          .array(z.int().min(0).max(255))
          .min(1)
          .default([0, 3, 6, 9])
          .superRefine((steps, ctx) => {
            if (new Set(steps).size !== steps.length) {
              ctx.addIssue({ code: 'custom', message: 'priority steps must be unique' });
            }
          })
          .describe(
            "kombu's priority_steps (broker_transport_options); each step N but 0 is the Redis list <queue>\\x06\\x16N.",
          ),
      })
      .optional()
      .describe(
        'Tasks sent with a priority wait in extra Redis lists next to the queue’s own, which KEDA does not see unless these are counted.',
      ),
    load: z
      .strictObject({
        enabled: z
          .boolean()
          .default(false)
          .describe(
            'Scale on the tasks waiting in the queue plus the tasks its workers are running, read from celery-exporter through Prometheus (a KEDA prometheus trigger). Needs monitoring.exporter and monitoring.prometheus.serverAddress.',
          ),
        tasksPerReplica: z
          .int()
          .min(1)
          .optional()
          .describe(
            "Target waiting plus running tasks per replica (the trigger's threshold). Default: the worker's --concurrency, or listLength when it sets none.",
          ),
        listTrigger: z
          .boolean()
          .default(true)
          .describe(
            'Keep the Redis list trigger next to this one: KEDA runs the larger of the two replica counts, and the list still wakes and scales the worker when Prometheus cannot be read. false: this trigger only.',
          ),
      })
      .optional()
      .describe(
        'Load-aware scaling: a worker that has taken its tasks leaves the Redis list empty while it is busy, so the list alone lets KEDA scale a busy worker down.',
      ),
  })
  .superRefine((a, ctx) => {
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
  })
  .describe('KEDA autoscaling on the length of this queue.');

export const queueSpec = z
  .strictObject({
    extraArgs,
    autoscaling: autoscaling.optional(),
    ...sizingFields,
  })
  .superRefine(checkVariant)
  .describe('One queue and its worker. The variant `default` tunes the stock worker itself.');

const VARIANT = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/;

function serviceSpec(service: (typeof SERVICES)[number]) {
  return z
    .strictObject({
      queues: z
        .record(z.string(), queueSpec)
        .default({})
        .superRefine((queues, ctx) => {
          for (const variant of Object.keys(queues)) {
            if (!VARIANT.test(variant)) {
              ctx.addIssue({
                code: 'custom',
                path: [variant],
                message: `variant name ${JSON.stringify(variant)} must be lowercase letters, digits, "_" and "-", starting and ending with a letter or digit (it becomes the queue edx.${service}.core.<variant> and, with "_" as "-", Kubernetes names)`,
              });
              continue;
            }
            const tooLong = derivedNames(service, variant).find((n) => n.length > MAX_NAME_LENGTH);
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
        })
        .describe(
          `Variant -> queue. Each variant V gets the queue edx.${service}.core.V and its own Deployment ${service}-worker-V (with "_" as "-"); \`default\` is the stock ${service}-worker.`,
        ),
      workerDefaults: workerDefaults.optional(),
    })
    .describe(`The ${service.toUpperCase()} Celery workers.`);
}

const route = z
  .strictObject({
    queue: z.string().min(1).describe('The queue the task is sent to, e.g. edx.lms.core.high_mem.'),
  })
  .describe('A Celery route.');

const explicitQueues = z
  .strictObject({
    lms: z.record(z.string().min(1), route).optional().describe('LMS task name -> route.'),
    cms: z.record(z.string().min(1), route).optional().describe('CMS task name -> route.'),
  })
  .describe("Task routes merged into edx-platform's EXPLICIT_QUEUES in the settings.");

const k8sName = z
  .string()
  .regex(
    /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/,
    'must be a Kubernetes object name (lowercase letters, digits, "-" and ".")',
  );

// Flower and what hangs off it (contract section 4, rows "Flower" and "Grafana dashboard").
const metadataKey = z
  .string()
  .regex(
    /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/,
    'must be a Kubernetes label or annotation key',
  );
const labelMap = z.record(
  metadataKey,
  z
    .string()
    .regex(
      /^(([A-Za-z0-9][A-Za-z0-9._-]{0,61})?[A-Za-z0-9])?$/,
      'must be a Kubernetes label value',
    ),
);

// Kubernetes resource quantities: "100m", "256Mi", "1.5", 2.
const quantity = z.union([
  z
    .string()
    .regex(
      /^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[0-9]+)?$/,
      'must be a Kubernetes quantity such as 100m or 256Mi',
    ),
  z.number().nonnegative(),
]);
const resourceList = z.record(z.string().regex(/^[a-z0-9./-]+$/), quantity);

const flowerResources = z
  .strictObject({
    requests: resourceList.optional().describe('Resource requests (cpu, memory).'),
    limits: resourceList.optional().describe('Resource limits (cpu, memory).'),
  })
  .default({ requests: { cpu: '50m', memory: '256Mi' }, limits: { memory: '1Gi' } })
  .describe(
    "The Flower container's resources (replaces the default). Flower keeps the last tasks (10000 by default) in memory.",
  );

const flowerServiceMonitor = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Write the ServiceMonitor flower.'),
    labels: labelMap
      .default({ release: 'prometheus' })
      .describe(
        'Labels by which your Prometheus picks ServiceMonitors up; kube-prometheus-stack looks for release: <its Helm release name>. Replaces the default.',
      ),
    interval: z
      .string()
      .regex(/^([0-9]+(ms|s|m|h|d|w|y))+$/, 'must be a Prometheus duration such as 30s or 1m')
      .default('30s')
      .describe('How often Prometheus scrapes Flower.'),
  })
  .describe('A Prometheus Operator ServiceMonitor for Flower’s metrics port.');

const flowerDashboard = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Write the ConfigMap flower-dashboard.'),
    labels: labelMap
      .default({ grafana_dashboard: '1' })
      .describe(
        'Labels by which the Grafana sidecar picks dashboard ConfigMaps up (kube-prometheus-stack: grafana_dashboard: "1"). Replaces the default.',
      ),
    folder: z
      .string()
      .min(1)
      .optional()
      .describe('The Grafana folder to put the dashboard in, through folderAnnotation.'),
    folderAnnotation: metadataKey
      .default('k8s-sidecar-target-directory')
      .describe(
        "The annotation the Grafana sidecar reads the folder from (the sidecar's FOLDER_ANNOTATION; kube-prometheus-stack: grafana.sidecar.dashboards.folderAnnotation).",
      ),
  })
  .describe('A Grafana dashboard of the Celery workers, in the ConfigMap flower-dashboard.');

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

const flower = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Deploy Flower next to the workers.'),
    image: z
      .string()
      .min(1)
      .default('docker.io/mher/flower:2.0.1')
      .describe('The Flower image (as tutor-contrib-celery).'),
    resources: flowerResources,
    basicAuthSecret: z
      .strictObject({
        name: k8sName.describe('The Secret, in the instance’s namespace.'),
        key: z
          .string()
          .min(1)
          .default('auth')
          .describe('Key of the value: user:password, several separated by commas.'),
      })
      .optional()
      .describe(
        'A Secret you manage with Flower’s basic auth (FLOWER_BASIC_AUTH); the function never writes the credentials. Needed to expose Flower.',
      ),
    serviceMonitor: flowerServiceMonitor.optional(),
    grafanaDashboard: flowerDashboard.optional(),
    expose: z
      .strictObject({
        host: z
          .string()
          .regex(HOSTNAME, 'must be a DNS host name such as flower.learn.example.com')
          .describe('The public host name, e.g. flower.<your LMS host>.'),
      })
      .optional()
      .describe(
        'Serve Flower through Tutor’s Caddy: a site block for host in the Caddyfile. Needs basicAuthSecret; Flower’s /metrics stays internal.',
      ),
  })
  .superRefine((f, ctx) => {
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
  })
  .describe('Flower, the Celery monitoring UI, and its Prometheus metrics.');

const redis = z
  .strictObject({
    address: z
      .string()
      .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/, 'must be host:port')
      .optional()
      .describe("The broker's host:port, instead of CELERY_BROKER_HOSTNAME from openedx-config."),
    databaseIndex: z
      .int()
      .min(0)
      .optional()
      .describe('The Redis database, instead of CELERY_BROKER_VHOST.'),
    enableTLS: z
      .boolean()
      .optional()
      .describe('Connect with TLS (rediss), instead of what CELERY_BROKER_TRANSPORT says.'),
    credentialsSecret: z
      .strictObject({
        name: k8sName.describe('The Secret, in the instance’s namespace.'),
        passwordKey: z.string().min(1).default('password').describe('Key of the password.'),
        usernameKey: z.string().min(1).optional().describe('Key of the user name (Redis ACL).'),
        urlKey: z
          .string()
          .min(1)
          .optional()
          .describe('Key of a complete broker URL, for Flower and the exporter.'),
      })
      .optional()
      .describe(
        'A Secret you manage that holds the broker credentials; the function then writes none and reads no password from the input.',
      ),
  })
  .describe(
    'The Celery broker (Redis), when it is not what Tutor’s openedx-config says. Credentials only ever travel through a Secret.',
  );

// celery-exporter, the celery-mixin's alerts, and where KEDA finds Prometheus (issue 11).
const duration = z
  .string()
  .regex(/^([0-9]+(ms|s|m|h|d|w|y))+$/, 'must be a Prometheus duration such as 30s or 10m');

const exporterServiceMonitor = z
  .strictObject({
    enabled: z
      .boolean()
      .default(true)
      .describe(
        'Write the ServiceMonitor celery-exporter (on by default: the alerts and load scaling select the exporter’s series by the job label it gives them, job="celery-exporter").',
      ),
    labels: labelMap
      .default({ release: 'prometheus' })
      .describe(
        'Labels by which your Prometheus picks ServiceMonitors up; kube-prometheus-stack looks for release: <its Helm release name>. Replaces the default.',
      ),
    interval: duration.default('30s').describe('How often Prometheus scrapes the exporter.'),
  })
  .describe('A Prometheus Operator ServiceMonitor for the exporter’s metrics port.');

const exporter = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Deploy celery-exporter next to the workers: queue lengths read from Redis for every queue of the instance, and task and worker metrics from Celery events.',
      ),
    image: z
      .string()
      .min(1)
      .default('docker.io/danihodovic/celery-exporter')
      .describe('The exporter image, without its tag.'),
    version: z
      .string()
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, 'must be an image tag such as 0.12.0')
      .default('0.12.0')
      .describe(
        'The image tag: a celery-exporter release without its "v". Default: the release celery-exporter’s own Helm chart deploys. The metrics this function queries are those of 0.12.',
      ),
    resources: z
      .strictObject({
        requests: resourceList.optional().describe('Resource requests (cpu, memory).'),
        limits: resourceList.optional().describe('Resource limits (cpu, memory).'),
      })
      .default({ requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '512Mi' } })
      .describe(
        "The exporter container's resources (replaces the default). It keeps recent task states in memory.",
      ),
    serviceMonitor: exporterServiceMonitor.prefault({}),
  })
  .describe(
    'danihodovic/celery-exporter, the Celery exporter behind the celery-mixin: one Deployment, Service and ServiceMonitor celery-exporter per instance.',
  );

const alerts = z
  .strictObject({
    enabled: z
      .boolean()
      .default(false)
      .describe(
        'Write the PrometheusRule celery-alerts with the celery-mixin’s alerts on the exporter’s metrics. Needs monitoring.exporter.',
      ),
    labels: labelMap
      .default({ release: 'prometheus' })
      .describe(
        'Labels by which your Prometheus picks PrometheusRules up (kube-prometheus-stack: release: <its Helm release name>). Replaces the default.',
      ),
    taskFailureRate: z
      .strictObject({
        threshold: z
          .number()
          .gt(0)
          .lt(100)
          .default(5)
          .describe('Percent of the finished tasks of one name and queue that failed.'),
        window: duration.default('10m').describe('Over how long the failures are counted.'),
      })
      .prefault({})
      .describe('CeleryTaskHighFailRate: too many tasks of one name fail.'),
    queueLength: z
      .strictObject({
        threshold: z.int().min(0).default(100).describe('Tasks waiting in one queue.'),
        for: duration.default('20m').describe('How long the queue must stay that long.'),
      })
      .prefault({})
      .describe('CeleryHighQueueLength: a queue stays long, per queue.'),
    workerDown: z
      .strictObject({
        enabled: z.boolean().default(true).describe('Write CeleryWorkerDown rules.'),
        for: duration
          .default('15m')
          .describe('How long a worker Deployment must have no worker online.'),
        includeScaleToZero: z
          .boolean()
          .default(false)
          .describe(
            'Also watch the workers that may scale to zero (autoscaled with minReplicas 0): they then alert whenever their queue stays empty that long (a warning says so).',
          ),
      })
      .prefault({})
      .describe(
        'CeleryWorkerDown: no worker of a worker Deployment online. Left out for workers that may scale to zero, which have no worker online whenever their queue is empty.',
      ),
  })
  .describe('Prometheus alerts on the exporter’s metrics, as the celery-mixin has them.');

const monitoring = z
  .strictObject({
    exporter: exporter.optional(),
    alerts: alerts.optional(),
    prometheus: z
      .strictObject({
        serverAddress: z
          .string()
          .regex(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/, 'must be an http:// or https:// URL')
          .describe(
            'The Prometheus HTTP API that KEDA queries, e.g. http://prometheus-operated.monitoring.svc:9090.',
          ),
      })
      .optional()
      .describe('Where KEDA reads the exporter’s metrics from, for autoscaling.load.'),
  })
  .describe(
    'Queue monitoring from celery-exporter: its Deployment and ServiceMonitor, alerts, real queue lengths on the dashboard, and load-aware autoscaling.',
  );

export const spec = z
  .strictObject({
    lms: serviceSpec('lms').optional(),
    cms: serviceSpec('cms').optional(),
    explicitQueues: explicitQueues.optional(),
    acksLate: z
      .boolean()
      .default(true)
      .describe('CELERY_ACKS_LATE in the settings (true, as tutor-contrib-celery).'),
    flower: flower.optional(),
    redis: redis.optional(),
    monitoring: monitoring.optional(),
  })
  .superRefine((spec, ctx) => {
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
  })
  .describe('What to do with the Tutor instances in the input.');

export const celeryQueues = z
  .strictObject({
    apiVersion: z.literal(API_VERSION).describe('Always tutor-krm.dev/v1alpha1.'),
    kind: z.literal(KIND).describe('Always CeleryQueues.'),
    metadata: z
      .looseObject({ name: z.string().optional() })
      .optional()
      .describe('Kubernetes metadata (the function reads none of it).'),
    spec,
  })
  .describe('The celery-queues functionConfig.');

export type CeleryQueues = z.output<typeof celeryQueues>;
export type Spec = CeleryQueues['spec'];
export type QueueSpec = z.output<typeof queueSpec>;
export type Monitoring = z.output<typeof monitoring>;
export type Service = (typeof SERVICES)[number];
