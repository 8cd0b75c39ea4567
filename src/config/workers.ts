// The workers of a service: a variant (one queue, its own Deployment), a group (several queues,
// one Deployment), and the stock worker, which may be turned off. What each takes (extraArgs,
// autoscaling, sizing), and the rules that give every queue exactly one consumer.

import * as z from 'zod/mini';
import { parseArgs } from '../celery/args.js';
import {
  DEFAULT_VARIANT,
  derivedNames,
  MAX_NAME_LENGTH,
  queueName,
  type ServiceName,
  stockWorkerName,
  variantSlug,
  workerName,
} from '../names.js';
import { autoscaling } from './autoscaling.js';
import { checkVariant, sizingFields } from './sizing.js';
import { deferred, describe, flag, meta, strictObject, string } from './zod.js';

// Worker flags the function derives itself; setting them by hand would break "one consumer per
// queue" or the node names that Flower and the logs show.
const OWNED_FLAGS: Record<string, string> = {
  '--queues': 'the queues come from the variant name or the group’s queues',
  '--exclude-queues': 'each queue has exactly one consumer, chosen by the function',
  '--hostname':
    'the node name is edx.<service>.core.<variant>.<host>, edx.<service>.group.<group>.<host> for a group',
  '--app': 'the Celery app is the stock worker’s (lms.celery, cms.celery)',
};

// The owned flags as a token starts with them (long, with or without a value; short, -Qx too).
const OWNED_TOKEN = '^(--(queues|exclude-queues|hostname|app)(=|$)|-[QXnA])';

const extraArgs = describe(
  meta(z._default(z.array(z.string()), []), {
    items: { type: 'string', not: { pattern: OWNED_TOKEN } },
  }).check(
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

/** What every worker takes, a variant's and a group's alike. */
const workerFields = { extraArgs, autoscaling: z.optional(autoscaling), ...sizingFields };

export const queueSpec = describe(
  strictObject(workerFields, z.superRefine(checkVariant)),
  'One queue and its worker. The variant `default` tunes the stock worker itself.',
);

/** A variant name, which is also a queue's last part and a group's name. */
export const VARIANT = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/;

export const groupSpec = deferred(() =>
  describe(
    strictObject(
      {
        queues: describe(
          z
            .array(
              string(
                z.regex(
                  VARIANT,
                  'must be a variant name: lowercase letters, digits, "_" and "-", starting and ending with a letter or digit (the queue is edx.<service>.core.<variant>)',
                ),
              ),
            )
            .check(z.minLength(1)),
          'The variants whose queues this worker consumes: edx.<service>.core.<variant> for each (`default`: the default queue, once the stock worker is off). A queue listed here has this worker as its one consumer: it may not be in spec.<service>.queues or another group too.',
        ),
        ...workerFields,
      },
      z.superRefine(checkVariant),
    ),
    'One worker Deployment for several queues, with everything a variant’s worker takes; autoscaled on the sum of its queues.',
  ),
);

export const stockWorker = describe(
  strictObject({
    enabled: describe(
      flag(true),
      'false: the stock worker consumes nothing. It stays in the output with replicas 0 and one queue that no task is sent to, so re-runs still clone from it, tutor k8s commands and plugins still find it, and scaled up it takes no queue from another worker. Every queue it consumed, the default queue included, must then have a consumer in spec.<service>.queues or a group.',
    ),
  }),
  'The stock worker itself (its sizing and extraArgs are those of the variant `default`).',
);

export type QueueSpec = z.output<typeof queueSpec>;
export type GroupSpec = z.output<typeof groupSpec>;

/**
 * Every worker a service's config sets up, variants (`default` included) and groups, with its
 * path below spec: `[service, 'queues', variant]` or `[service, 'groups', group]`.
 */
export function configuredWorkers(
  service: ServiceName,
  spec: { queues: Record<string, QueueSpec>; groups: Record<string, GroupSpec> } | undefined,
): { path: string[]; config: QueueSpec }[] {
  return [
    ...Object.entries(spec?.queues ?? {}).map(([v, config]) => ({
      path: [service, 'queues', v],
      config,
    })),
    ...Object.entries(spec?.groups ?? {}).map(([g, config]) => ({
      path: [service, 'groups', g],
      config,
    })),
  ];
}

interface ServiceWorkers {
  queues: Record<string, QueueSpec>;
  groups: Record<string, GroupSpec>;
  stockWorker?: { enabled: boolean } | undefined;
}

/**
 * The rules across a service's variants, groups and stock worker: group names that make names
 * of their own, and exactly one consumer for every queue the config names.
 */
export function checkServiceWorkers(
  service: ServiceName,
  spec: ServiceWorkers,
  ctx: z.core.$RefinementCtx,
): void {
  const issue = (path: (string | number)[], message: string) =>
    ctx.addIssue({ code: 'custom', path, message });
  const stockOn = spec.stockWorker?.enabled !== false;
  const stock = stockWorkerName(service);
  // Who consumes each variant's queue so far, in the config's words.
  const consumers = new Map<string, string>();
  for (const variant of Object.keys(spec.queues)) {
    if (variant !== DEFAULT_VARIANT) consumers.set(variant, `spec.${service}.queues.${variant}`);
  }
  if (stockOn) consumers.set(DEFAULT_VARIANT, `the stock ${stock}, which always keeps it`);
  const variantWorkers = new Map(
    Object.keys(spec.queues)
      .filter((v) => v !== DEFAULT_VARIANT)
      .map((v) => [workerName(service, v), v]),
  );
  const groupWorkers = new Map<string, string>();

  for (const [group, config] of Object.entries(spec.groups)) {
    const name = groupNameProblem(service, group);
    if (name) {
      issue(['groups', group], name);
    } else {
      const worker = workerName(service, group);
      const variant = variantWorkers.get(worker);
      const other = groupWorkers.get(worker);
      if (variant !== undefined) {
        issue(
          ['groups', group],
          `group "${group}" and variant "${variant}" (spec.${service}.queues.${variant}) would both be the worker ${worker}`,
        );
      } else if (other !== undefined) {
        issue(
          ['groups', group],
          `groups "${other}" and "${group}" would both be the worker ${worker}`,
        );
      }
      groupWorkers.set(worker, group);
    }
    for (const [i, variant] of config.queues.entries()) {
      const queue = queueName(service, variant);
      const where = `spec.${service}.groups.${group}`;
      const before = consumers.get(variant);
      if (before === where) {
        issue(['groups', group, 'queues', i], `${queue} is listed twice`);
      } else if (before !== undefined) {
        const fix =
          variant === DEFAULT_VARIANT && stockOn
            ? `set spec.${service}.stockWorker.enabled: false to give it to the group`
            : 'keep it in one of them';
        issue(
          ['groups', group, 'queues', i],
          `${queue} has a consumer already (${before}): every queue has exactly one; ${fix}`,
        );
      } else consumers.set(variant, where);
    }
  }

  if (stockOn) return;
  if (spec.queues[DEFAULT_VARIANT] !== undefined) {
    issue(
      ['queues', DEFAULT_VARIANT],
      `tunes the stock ${stock}, which spec.${service}.stockWorker.enabled: false turns off; tune the worker of the group that consumes ${queueName(service, DEFAULT_VARIANT)} instead`,
    );
  }
  if (!consumers.has(DEFAULT_VARIANT)) {
    issue(
      ['stockWorker', 'enabled'],
      `with the stock ${stock} off, nothing consumes ${queueName(service, DEFAULT_VARIANT)}, where edx-platform sends every task it routes nowhere else: add ${DEFAULT_VARIANT} to the queues of a group in spec.${service}.groups`,
    );
  }
}

/** Variant names: each becomes a queue name and, with "_" as "-", Kubernetes names. */
export function checkVariantNames(
  service: ServiceName,
  queues: Record<string, unknown>,
  ctx: z.core.$RefinementCtx,
): void {
  const issue = (variant: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [variant], message });
  for (const variant of Object.keys(queues)) {
    if (!VARIANT.test(variant)) {
      issue(
        variant,
        `variant name ${JSON.stringify(variant)} must be lowercase letters, digits, "_" and "-", starting and ending with a letter or digit (it becomes the queue edx.${service}.core.<variant> and, with "_" as "-", Kubernetes names)`,
      );
      continue;
    }
    const tooLong = derivedNames(service, variant).find((n) => n.length > MAX_NAME_LENGTH);
    if (tooLong) {
      issue(
        variant,
        `variant name ${JSON.stringify(variant)} is too long: ${JSON.stringify(tooLong)} would be ${tooLong.length} characters, over Kubernetes' ${MAX_NAME_LENGTH}`,
      );
    }
    const slugs = Object.keys(queues).filter(
      (other) => other !== variant && variantSlug(other) === variantSlug(variant),
    );
    if (slugs.length > 0 && variant < (slugs[0] as string)) {
      issue(
        variant,
        `variants ${JSON.stringify(variant)} and ${JSON.stringify(slugs[0])} would both be named ${service}-worker-${variantSlug(variant)}`,
      );
    }
  }
}

/** What is wrong with a group's name, if anything: it names a Deployment and more. */
function groupNameProblem(service: ServiceName, group: string): string | undefined {
  if (!VARIANT.test(group)) {
    return `group name ${JSON.stringify(group)} must be lowercase letters, digits, "_" and "-", starting and ending with a letter or digit (with "_" as "-", it names the worker ${stockWorkerName(service)}-<group>)`;
  }
  if (group === DEFAULT_VARIANT) {
    return `group name "${DEFAULT_VARIANT}" is the stock ${stockWorkerName(service)}'s: give the group a name of its own`;
  }
  const tooLong = derivedNames(service, group).find((n) => n.length > MAX_NAME_LENGTH);
  if (tooLong) {
    return `group name ${JSON.stringify(group)} is too long: ${JSON.stringify(tooLong)} would be ${tooLong.length} characters, over Kubernetes' ${MAX_NAME_LENGTH}`;
  }
  return undefined;
}
