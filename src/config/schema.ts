// The CeleryQueues functionConfig: the one source of its types, validation, defaults, the JSON
// Schema in fn-config/ and the table in docs/config-reference.md (`npm run gen` writes both).
// This file assembles `spec` from the blocks of autoscaling.ts, flower.ts, monitoring.ts, redis.ts
// and sizing.ts, and holds the rules that span blocks.

import * as z from 'zod/mini';
import { derivedNames, MAX_NAME_LENGTH, type SERVICES, variantSlug } from '../names.js';
import { parseArgs } from '../workers/args.js';
import { autoscaling } from './autoscaling.js';
import { flower } from './flower.js';
import { monitoring } from './monitoring.js';
import { redis } from './redis.js';
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
        const credentials = spec.redis?.credentialsSecret;
        if (
          credentials &&
          credentials.urlKey === undefined &&
          (exporterOn || spec.flower?.enabled)
        ) {
          // Kubernetes' $(VAR) expansion, the one way to build a URL from a Secret's password,
          // does not percent-encode: a password with / # ? % @ would be cut or decoded by kombu.
          ctx.addIssue({
            code: 'custom',
            path: ['redis', 'credentialsSecret', 'urlKey'],
            message: `${spec.flower?.enabled ? 'Flower' : 'celery-exporter'} takes the broker as a URL, which cannot be built from the password in ${credentials.name} safely (Kubernetes does not percent-encode what it substitutes): add the complete URL, percent-encoded, to the Secret and name its key in spec.redis.credentialsSecret.urlKey`,
          });
        }
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
export type RedisConfig = z.output<typeof redis>;
export type Service = (typeof SERVICES)[number];
