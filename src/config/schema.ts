// The CeleryQueues functionConfig: the one source of its types, validation, defaults, the JSON
// Schema in fn-config/ and the reference table in the README (`npm run gen` writes both).
import * as z from 'zod';
import { derivedNames, MAX_NAME_LENGTH, type SERVICES, variantSlug } from '../names.js';
import { parseArgs } from '../workers/args.js';

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
  })
  .superRefine((a, ctx) => {
    if (a.minReplicas > a.maxReplicas) {
      ctx.addIssue({
        code: 'custom',
        path: ['minReplicas'],
        message: `minReplicas (${a.minReplicas}) is above maxReplicas (${a.maxReplicas})`,
      });
    }
  })
  .describe('KEDA autoscaling on the length of this queue.');

export const queueSpec = z
  .strictObject({
    extraArgs,
    autoscaling: autoscaling.optional(),
  })
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

const toggle = (what: string) =>
  z.strictObject({ enabled: z.boolean().default(false).describe(what) }).describe(what);

const flower = z
  .strictObject({
    enabled: z.boolean().default(false).describe('Deploy Flower next to the workers.'),
    serviceMonitor: toggle('A Prometheus Operator ServiceMonitor for Flower.').optional(),
    grafanaDashboard: toggle('The Grafana dashboard ConfigMap flower-dashboard.').optional(),
  })
  .describe('Flower, the Celery monitoring UI, and its Prometheus metrics.');

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
export type Service = (typeof SERVICES)[number];
