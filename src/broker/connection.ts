// How the things the function writes reach the Celery broker: the address (from the input,
// overridden by `spec.redis`), and credentials that only ever travel through a Secret.
import type { Spec } from '../config/schema.js';
import { noExpansion } from '../krm/k8s.js';
import { docFrom } from '../krm/yaml.js';
import type { ServiceName } from '../names.js';
import type { InstancePlan } from '../plan.js';
import { type Broker, readBroker } from '../tutor/broker.js';

/** The Secret the function writes when the broker has a password and the config names none. */
export const BROKER_SECRET = 'celery-queues-broker';

export interface BrokerCredentials {
  secretName: string;
  /** Key of the password; undefined when the broker needs none. */
  passwordKey?: string;
  usernameKey?: string;
  /** Key of a complete broker URL (with credentials), when the Secret has one. */
  urlKey?: string;
}

export interface BrokerConnection {
  host: string;
  port: number;
  db: number;
  tls: boolean;
  /** `redis` or `rediss`. */
  scheme: string;
  /** `host:port`, usable from other namespaces (KEDA's operator runs in its own). */
  clusterAddress: string;
  /** The URL without credentials, for humans and for consumers without auth. */
  publicUrl: string;
  credentials?: BrokerCredentials;
}

type RedisConfig = NonNullable<Spec['redis']>;

// Per instance: each service's connection (null: the input does not say), and whether the
// credentials Secret is written already.
interface Memo {
  connections: Partial<Record<ServiceName, BrokerConnection | null>>;
  secretWritten: boolean;
}
const memos = new WeakMap<InstancePlan, Memo>();

function memoOf(plan: InstancePlan): Memo {
  let memo = memos.get(plan);
  if (!memo) {
    memo = { connections: {}, secretWritten: false };
    memos.set(plan, memo);
  }
  return memo;
}

/**
 * The broker of a service's workers as the outputs should use it. Writes the credentials
 * Secret (once per instance) when the input's broker has a password and the config names no
 * Secret. Undefined (with an error result) when the input does not describe the broker.
 */
export function brokerConnection(
  plan: InstancePlan,
  service: ServiceName,
): BrokerConnection | undefined {
  const memo = memoOf(plan);
  const cached = memo.connections[service];
  if (cached !== undefined) return cached ?? undefined;
  const override = plan.spec.redis ?? {};
  const found = hasFullOverride(override)
    ? undefined
    : readBroker(plan.instance, service, (k, ns, n) => plan.edit.find(k, ns, n), plan.results);
  if (!found && !hasFullOverride(override)) {
    memo.connections[service] = null;
    return undefined;
  }
  const [host, port] = override.address
    ? splitAddress(override.address)
    : [found?.host, found?.port];
  const db = override.databaseIndex ?? found?.db ?? 0;
  const tls = override.enableTLS ?? found?.tls ?? false;
  const scheme = tls ? 'rediss' : 'redis';
  const connection: BrokerConnection = {
    host: host as string,
    port: port as number,
    db,
    tls,
    scheme,
    clusterAddress: `${qualify(host as string, plan.instance.namespace)}:${port}`,
    publicUrl: `${scheme}://${host}:${port}/${db}`,
  };
  const credentials = override.credentialsSecret
    ? {
        secretName: override.credentialsSecret.name,
        passwordKey: override.credentialsSecret.passwordKey,
        usernameKey: override.credentialsSecret.usernameKey,
        urlKey: override.credentialsSecret.urlKey,
      }
    : found?.password
      ? generatedSecret(plan, found, connection)
      : undefined;
  if (credentials) connection.credentials = credentials;
  memo.connections[service] = connection;
  return connection;
}

function hasFullOverride(redis: RedisConfig): boolean {
  return redis.address !== undefined && redis.credentialsSecret !== undefined;
}

/** `redis` -> `redis.openedx.svc`: a bare Service name only resolves in its own namespace. */
export function qualify(host: string, namespace: string): string {
  if (host.includes('.') || host.includes(':') || !namespace || host === 'localhost') return host;
  return `${host}.${namespace}.svc`;
}

function splitAddress(address: string): [string, number] {
  const m = /^\[?([^\]]+?)\]?:(\d+)$/.exec(address);
  return m ? [m[1] as string, Number(m[2])] : [address, 6379];
}

function generatedSecret(
  plan: InstancePlan,
  broker: Broker,
  connection: BrokerConnection,
): BrokerCredentials {
  const credentials: BrokerCredentials = {
    secretName: BROKER_SECRET,
    passwordKey: 'password',
    urlKey: 'url',
  };
  if (broker.user) credentials.usernameKey = 'username';
  const memo = memoOf(plan);
  if (memo.secretWritten) return credentials;
  memo.secretWritten = true;
  const auth = `${broker.user ? encodeURIComponent(broker.user) : ''}:${encodeURIComponent(broker.password)}`;
  const stringData: Record<string, string> = {
    password: broker.password,
    url: `${connection.scheme}://${auth}@${connection.host}:${connection.port}/${connection.db}`,
  };
  if (broker.user) stringData.username = broker.user;
  const doc = docFrom({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: BROKER_SECRET,
      ...(plan.instance.namespace ? { namespace: plan.instance.namespace } : {}),
      labels: { 'app.kubernetes.io/name': BROKER_SECRET, 'app.kubernetes.io/part-of': 'openedx' },
    },
    type: 'Opaque',
    stringData,
  });
  if (plan.edit.create(doc, plan.instance.anchor, 'openedx-config')) {
    plan.results.info(
      `wrote Secret ${BROKER_SECRET} with the broker credentials from ${broker.from.item.name} (${broker.from.key}), so that no password sits in a ScaledObject or a Deployment; to manage it yourself, name your Secret in spec.redis.credentialsSecret`,
      { item: broker.from.item },
    );
  }
  return credentials;
}

/**
 * Environment variables that give a container the broker URL in `name` without a password in
 * plain text: from the Secret's URL key, or composed by Kubernetes from a password variable.
 */
export function brokerUrlEnv(
  connection: BrokerConnection,
  name: string,
): Record<string, unknown>[] {
  const c = connection.credentials;
  if (!c?.passwordKey && !c?.urlKey) return [{ name, value: noExpansion(connection.publicUrl) }];
  if (c.urlKey) {
    return [{ name, valueFrom: { secretKeyRef: { name: c.secretName, key: c.urlKey } } }];
  }
  const env: Record<string, unknown>[] = [];
  let user = '';
  if (c.usernameKey) {
    env.push({
      name: `${name}_USERNAME`,
      valueFrom: { secretKeyRef: { name: c.secretName, key: c.usernameKey } },
    });
    user = `$(${name}_USERNAME)`;
  }
  env.push({
    name: `${name}_PASSWORD`,
    valueFrom: { secretKeyRef: { name: c.secretName, key: c.passwordKey } },
  });
  // Kubernetes expands $(VAR) from variables defined before this one.
  env.push({
    name,
    value: `${connection.scheme}://${user}:$(${name}_PASSWORD)@${noExpansion(connection.host)}:${connection.port}/${connection.db}`,
  });
  return env;
}
