// The KEDA resources of one autoscaled worker, as plain data: the ScaledObject with its redis
// trigger(s), one per list of each of its queues, and the TriggerAuthentication through which
// they read the broker's credentials.
import type { BrokerCredentials, BrokerTls } from '../broker/connection.js';
import type { QueueSpec } from '../config/schema.js';

export type Autoscaling = NonNullable<QueueSpec['autoscaling']>;

export const KEDA_API_VERSION = 'keda.sh/v1alpha1';
/** KEDA takes over the HPA named in advanced.horizontalPodAutoscalerConfig.name. */
export const TRANSFER_HPA_OWNERSHIP = 'scaledobject.keda.sh/transfer-hpa-ownership';

/** kombu's separator between a queue and its priority step in Redis list names. */
export const KOMBU_PRIORITY_SEPARATOR = '\x06\x16';

export interface ScaledObjectInput {
  name: string;
  /** '' when the input has no namespaces. */
  namespace: string;
  /** The worker Deployment KEDA scales. */
  deployment: string;
  /**
   * The worker's Celery queues (one, or a group's several); each is also the Redis list of its
   * default-priority tasks.
   */
  queues: readonly string[];
  autoscaling: Autoscaling;
  /** The broker as KEDA's operator reaches it. */
  broker: { address: string; db: number; tls: BrokerTls | undefined };
  /** The TriggerAuthentication holding the broker's credentials, if it needs any. */
  authentication?: string;
  /** advanced.horizontalPodAutoscalerConfig.name: the HPA to take over, or a name KEDA's default would make too long. */
  hpaName?: string;
  /** KEDA takes over the HPA named hpaName. */
  transferHpa?: boolean;
  /** A prometheus trigger on the worker's load (waiting plus running tasks). */
  load?: LoadTrigger;
}

export interface LoadTrigger {
  serverAddress: string;
  /** One number: the tasks waiting in the worker's queues plus those its workers run. */
  query: string;
  /** Tasks per replica. */
  threshold: number;
  /** Keep the redis list trigger(s) next to it. */
  listTrigger: boolean;
}

/** A Redis list whose length counts toward the worker's load, and its trigger's name. */
export interface CountedList {
  trigger: string;
  listName: string;
}

/**
 * The Redis lists a queue's waiting tasks sit in: the queue's own list, and with priority lists
 * counted, `<queue>\x06\x16<N>` for every priority step N above 0 (kombu's Redis transport puts
 * step 0 in the queue's own list). `prefix` starts the trigger names.
 */
export function countedLists(queue: string, autoscaling: Autoscaling, prefix = ''): CountedList[] {
  const lists: CountedList[] = [{ trigger: `${prefix}priority_0`, listName: queue }];
  if (!autoscaling.priorityLists?.enabled) return lists;
  const steps = [...new Set(autoscaling.priorityLists.steps)].filter((s) => s > 0);
  steps.sort((a, b) => a - b);
  for (const step of steps) {
    lists.push({
      trigger: `${prefix}priority_${step}`,
      listName: `${queue}${KOMBU_PRIORITY_SEPARATOR}${step}`,
    });
  }
  return lists;
}

/**
 * Every list a worker's waiting tasks sit in, its queues' in their order. A group's triggers are
 * named by the queue's place in the group (`queue_0`, `queue_1_priority_3`): a variant name may
 * hold "-" or start with a digit, which KEDA's formula (expr) cannot take in a name.
 */
export function workerLists(queues: readonly string[], autoscaling: Autoscaling): CountedList[] {
  if (queues.length === 1) return countedLists(queues[0] as string, autoscaling);
  return queues.flatMap((queue, i) => {
    const lists = countedLists(queue, autoscaling, `queue_${i}_`);
    return autoscaling.priorityLists?.enabled
      ? lists
      : lists.map((l) => ({ ...l, trigger: `queue_${i}` }));
  });
}

function metadata(name: string, namespace: string, annotations?: Record<string, string>) {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'openedx' },
    ...(annotations ? { annotations } : {}),
  };
}

export function scaledObject(input: ScaledObjectInput): Record<string, unknown> {
  const a = input.autoscaling;
  const lists = workerLists(input.queues, a);
  // KEDA takes the largest of several triggers' replica counts, not their sum: adding up a
  // group's queues and the priority lists takes a formula. The load trigger counts the waiting
  // tasks of every queue itself, and cannot join a formula (a formula fails with any of its
  // triggers, and the list triggers are there for when Prometheus cannot be read): next to it
  // each list trigger scales on its own list.
  const modifiers = lists.length > 1 && !input.load;
  const listTriggers = input.load && !input.load.listTrigger ? [] : lists;
  const triggers: Record<string, unknown>[] = listTriggers.map((list) => {
    // Every trigger metadata value is a string, by KEDA's API.
    const meta: Record<string, string> = {
      address: input.broker.address,
      databaseIndex: String(input.broker.db),
    };
    if (input.broker.tls) meta.enableTLS = 'true';
    // KEDA's redis scaler reads unsafeSsl from the trigger, its CA from the authentication.
    if (input.broker.tls?.unsafe) meta.unsafeSsl = 'true';
    meta.listName = list.listName;
    meta.listLength = String(a.listLength);
    if (!modifiers && a.activationListLength !== undefined) {
      meta.activationListLength = String(a.activationListLength);
    }
    return {
      type: 'redis',
      ...(modifiers ? { name: list.trigger } : {}),
      metadata: meta,
      ...(input.authentication ? { authenticationRef: { name: input.authentication } } : {}),
    };
  });
  if (input.load) {
    triggers.push({
      type: 'prometheus',
      metadata: {
        serverAddress: input.load.serverAddress,
        query: input.load.query,
        threshold: String(input.load.threshold),
        // No answer means the exporter is not scraped (the queue lengths are always there):
        // an error keeps the replicas (or KEDA's fallback applies), where 0 would scale down.
        ignoreNullValues: 'false',
      },
    });
  }

  const hpaConfig: Record<string, unknown> = {};
  if (input.hpaName) hpaConfig.name = input.hpaName;
  if (a.behavior) hpaConfig.behavior = a.behavior;
  const advanced: Record<string, unknown> = {};
  if (Object.keys(hpaConfig).length > 0) advanced.horizontalPodAutoscalerConfig = hpaConfig;
  if (modifiers) {
    advanced.scalingModifiers = {
      formula: lists.map((l) => l.trigger).join(' + '),
      target: String(a.listLength),
      ...(a.activationListLength !== undefined
        ? { activationTarget: String(a.activationListLength) }
        : {}),
      metricType: 'AverageValue',
    };
  }

  return {
    apiVersion: KEDA_API_VERSION,
    kind: 'ScaledObject',
    metadata: metadata(
      input.name,
      input.namespace,
      input.transferHpa ? { [TRANSFER_HPA_OWNERSHIP]: 'true' } : undefined,
    ),
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: input.deployment },
      minReplicaCount: a.minReplicas,
      maxReplicaCount: a.maxReplicas,
      ...(a.pollingInterval !== undefined ? { pollingInterval: a.pollingInterval } : {}),
      ...(a.cooldownPeriod !== undefined ? { cooldownPeriod: a.cooldownPeriod } : {}),
      ...(a.fallback ? { fallback: a.fallback } : {}),
      ...(Object.keys(advanced).length > 0 ? { advanced } : {}),
      triggers,
    },
  };
}

/** What KEDA's redis scaler reads from Secrets: the credentials, and the CA of a TLS broker. */
export interface BrokerSecrets {
  credentials?: BrokerCredentials | undefined;
  ca?: { secretName: string; key: string } | undefined;
}

/**
 * The parameters of KEDA's redis scaler that Secrets fill (pkg/scalers/redis_scaler.go,
 * redisConnectionInfo: username, password and ca from authParams); undefined when none.
 */
export function triggerAuthentication(
  name: string,
  namespace: string,
  { credentials, ca }: BrokerSecrets,
): Record<string, unknown> | undefined {
  const refs: Record<string, string>[] = [];
  if (credentials?.usernameKey) {
    refs.push({
      parameter: 'username',
      name: credentials.secretName,
      key: credentials.usernameKey,
    });
  }
  if (credentials?.passwordKey) {
    refs.push({
      parameter: 'password',
      name: credentials.secretName,
      key: credentials.passwordKey,
    });
  }
  if (ca) refs.push({ parameter: 'ca', name: ca.secretName, key: ca.key });
  if (refs.length === 0) return undefined;
  return {
    apiVersion: KEDA_API_VERSION,
    kind: 'TriggerAuthentication',
    metadata: metadata(name, namespace),
    spec: { secretTargetRef: refs },
  };
}
