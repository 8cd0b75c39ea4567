// The CeleryQueues functionConfig: the one source of its types, validation, defaults, the JSON
// Schema in fn-config/ and the table in docs/config-reference.md (`npm run gen` writes both).
// This file assembles `spec` from the blocks of workers.ts (variants, groups, the stock worker,
// with autoscaling.ts and sizing.ts), flower.ts, monitoring.ts and redis.ts, and holds the rules
// that span blocks.

import * as z from 'zod/mini';
import { DEFAULT_VARIANT, MAX_NAME_LENGTH, type SERVICES } from '../names.js';
import { fieldPath } from './field-path.js';
import { flower } from './flower.js';
import { monitoring } from './monitoring.js';
import { redis } from './redis.js';
import { workerDefaults } from './sizing.js';
import {
  checkServiceWorkers,
  checkVariantNames,
  configuredWorkers,
  type GroupSpec,
  groupSpec,
  type QueueSpec,
  queueSpec,
  stockWorker,
  VARIANT,
} from './workers.js';
import { deferred, describe, flag, meta, once, strictObject, string } from './zod.js';

export const API_VERSION = 'tutor-krm.dev/v1alpha1';
export const KIND = 'CeleryQueues';
/** Where the JSON Schema (fn-config/celery-queues.schema.json) is published: its `$id`. */
export const SCHEMA_URL =
  'https://raw.githubusercontent.com/tutor-krm/celery-queues/main/fn-config/celery-queues.schema.json';

// A variant's or group's longest derived name, <service>-worker-<name>-scaledobject, within 63.
const MAX_VARIANT_LENGTH = MAX_NAME_LENGTH - 'lms-worker--scaledobject'.length;

// A routed queue goes into comma-separated lists (celery's and celery-exporter's --queues split
// at commas, celery/bin/worker.py and celery-exporter src/cli.py) and into PromQL and logs: no
// commas, white space or control characters.
const QUEUE = /^[^\s,\p{Cc}]+$/u;

// What the two services' specs have alike, built once for both (the docs describe each apart).
const variants = meta(z._default(z.record(z.string(), queueSpec), {}), {
  propertyNames: { pattern: VARIANT.source, maxLength: MAX_VARIANT_LENGTH },
});
const groups = meta(z._default(z.record(z.string(), groupSpec), {}), {
  propertyNames: {
    pattern: VARIANT.source,
    maxLength: MAX_VARIANT_LENGTH,
    not: { const: DEFAULT_VARIANT },
  },
});
const stock = z.optional(stockWorker);
const defaults = z.optional(workerDefaults);

function serviceSpec(service: (typeof SERVICES)[number]) {
  return describe(
    strictObject(
      {
        queues: describe(
          variants.check(z.superRefine((queues, ctx) => checkVariantNames(service, queues, ctx))),
          `Variant -> queue. Each variant V gets the queue edx.${service}.core.V and its own Deployment ${service}-worker-V (with "_" as "-"); \`default\` is the stock ${service}-worker.`,
        ),
        groups: describe(
          groups,
          `Group -> worker. Each group G gets one Deployment ${service}-worker-G (with "_" as "-") consuming the queues of the variants it lists, which then have no worker of their own.`,
        ),
        stockWorker: stock,
        workerDefaults: defaults,
      },
      z.superRefine((s, ctx) => checkServiceWorkers(service, s, ctx)),
    ),
    `The ${service.toUpperCase()} Celery workers.`,
  );
}

const route = once(() =>
  describe(
    strictObject({
      queue: describe(
        string(
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

const explicitQueues = deferred(() => {
  const routes = z.optional(z.record(string(z.minLength(1)), route()));
  return describe(
    strictObject({
      lms: describe(routes, 'LMS task name -> route.'),
      cms: describe(routes, 'CMS task name -> route.'),
    }),
    "Task routes merged into edx-platform's EXPLICIT_QUEUES in the settings.",
  );
});

export const spec = describe(
  strictObject(
    {
      lms: z.optional(serviceSpec('lms')),
      cms: z.optional(serviceSpec('cms')),
      explicitQueues: z.optional(explicitQueues),
      acksLate: describe(
        flag(true),
        'CELERY_ACKS_LATE in the settings (true, as tutor-contrib-celery).',
      ),
      flower: z.optional(flower),
      redis: z.optional(redis),
      monitoring: z.optional(monitoring),
      strict: describe(
        flag(),
        'Warnings are errors (default false): a route to a queue nobody consumes, say, fails the render (as --strict does) instead of passing with a message that Kustomize, kpt or Argo CD may show only on failure.',
      ),
    },
    z.superRefine((spec, ctx) => {
      const exporterOn = spec.monitoring?.exporter?.enabled === true;
      const credentials = spec.redis?.credentialsSecret;
      if (credentials && credentials.urlKey === undefined && (exporterOn || spec.flower?.enabled)) {
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
        for (const { path: at, config: queue } of configuredWorkers(service, spec[service])) {
          if (!queue.autoscaling?.load?.enabled) continue;
          const path = [...at, 'autoscaling', 'load'];
          if (!queue.autoscaling.enabled) {
            ctx.addIssue({
              code: 'custom',
              path,
              message: `needs autoscaling: set ${fieldPath(['spec', ...at, 'autoscaling', 'enabled'])}: true`,
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
  strictObject({
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
export type { GroupSpec, QueueSpec };
export { groupSpec, queueSpec };
export type Monitoring = z.output<typeof monitoring>;
export type RedisConfig = z.output<typeof redis>;
export type Service = (typeof SERVICES)[number];
