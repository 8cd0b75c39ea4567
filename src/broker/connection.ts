// How the things the function writes reach the Celery broker: the address (from the input,
// overridden by `spec.redis`), TLS checked alike by KEDA, Flower and celery-exporter, and
// credentials that only ever travel through a Secret.
import type { RedisConfig } from '../config/schema.js';
import { CONFIG_REF } from '../krm/results.js';
import { docFrom } from '../krm/yaml.js';
import type { ServiceName } from '../names.js';
import type { InstancePlan } from '../plan.js';
import { type Broker, readBroker } from '../tutor/broker.js';
import { isIpAddress, joinHostPort, parseHostPort } from './address.js';

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

/** How a TLS broker's certificate is checked (spec.redis.tls). */
export interface BrokerTls {
  /** The CA that signed it, from a Secret; else the CAs each image trusts. */
  ca?: { secretName: string; key: string };
  /** Encrypt without checking the certificate at all. */
  unsafe: boolean;
}

export interface BrokerConnection {
  /** Without brackets: `fd00::10`. */
  host: string;
  port: number;
  db: number;
  /** Undefined: no TLS. */
  tls: BrokerTls | undefined;
  /** `redis` or `rediss`. */
  scheme: string;
  /**
   * `host:port` as KEDA's operator, in its own namespace, must dial it; undefined when the host
   * is a bare Service name and the input has no namespace to qualify it with.
   */
  clusterAddress: string | undefined;
  /** The URL without credentials or TLS options, for humans and for consumers without auth. */
  publicUrl: string;
  credentials?: BrokerCredentials;
}

type Redis = NonNullable<RedisConfig>;

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
  const address = override.address ? parseHostPort(override.address) : found;
  if (!address || 'problem' in address) return undefined; // the schema checked it
  const { host, port } = address;
  const db = override.databaseIndex ?? found?.db ?? 0;
  const tls = (override.enableTLS ?? found?.tls ?? false) ? tlsOf(override) : undefined;
  const scheme = tls ? 'rediss' : 'redis';
  const connection: BrokerConnection = {
    host,
    port,
    db,
    tls,
    scheme,
    clusterAddress: clusterAddress(host, port, plan.instance.namespace),
    publicUrl: `${scheme}://${joinHostPort(host, port)}/${db}`,
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
  if (!tls && override.tls && !Object.values(memo.connections).some(Boolean)) {
    plan.results.warning(
      `spec.redis.tls has no effect: the broker${plan.instance.namespace ? ` of ${plan.instance.namespace}` : ''} is not reached with TLS (set spec.redis.enableTLS, or drop spec.redis.tls)`,
      { ref: CONFIG_REF, field: 'spec.redis.tls' },
    );
  }
  memo.connections[service] = connection;
  return connection;
}

function hasFullOverride(redis: Redis): boolean {
  return redis.address !== undefined && redis.credentialsSecret !== undefined;
}

function tlsOf(redis: Redis): BrokerTls {
  const ca = redis.tls?.caSecret;
  return {
    ...(ca ? { ca: { secretName: ca.name, key: ca.key } } : {}),
    unsafe: redis.tls?.unsafeSsl ?? false,
  };
}

/**
 * `redis` -> `redis.openedx.svc:6379`: a bare Service name resolves only in its own namespace,
 * and KEDA's operator runs in another. Undefined when there is no namespace to qualify it with.
 */
export function clusterAddress(host: string, port: number, namespace: string): string | undefined {
  if (host.includes('.') || isIpAddress(host) || host === 'localhost') {
    return joinHostPort(host, port);
  }
  return namespace ? joinHostPort(`${host}.${namespace}.svc`, port) : undefined;
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
    url: `${connection.scheme}://${auth}@${joinHostPort(connection.host, connection.port)}/${connection.db}`,
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

/** Where Flower and celery-exporter find the broker's CA (spec.redis.tls.caSecret). */
export const BROKER_CA_DIR = '/etc/celery-queues/broker-ca';
const BROKER_CA_FILE = `${BROKER_CA_DIR}/ca.crt`;

/**
 * kombu's TLS options in the query of a broker URL: kombu/utils/url.py (parse_url) hands the
 * `ssl_*` parameters to redis-py's SSLConnection, and `rediss://` without them means
 * ssl_cert_reqs=none (kombu/connection.py, "defaulting to insecure SSL behaviour"). KEDA checks
 * the certificate and the host name unless unsafeSsl; these make kombu do the same.
 */
export function kombuTlsQuery(tls: BrokerTls | undefined): string {
  if (!tls) return '';
  if (tls.unsafe) return '?ssl_cert_reqs=none';
  return `?ssl_cert_reqs=required${tls.ca ? `&ssl_ca_certs=${BROKER_CA_FILE}` : ''}&ssl_check_hostname=true`;
}

/** What a container needs to reach the broker: its URL in an env variable, and the CA's file. */
export interface BrokerAccess {
  env: Record<string, unknown>[];
  volumes: Record<string, unknown>[];
  volumeMounts: Record<string, unknown>[];
}

/**
 * The broker URL in `name` without a password in plain text (from the Secret's URL key), with
 * kombu's TLS options after it, and the CA mounted where they point. Kubernetes' $(VAR)
 * expansion appends the options to a URL from a Secret; it percent-encodes nothing, so it is
 * never used to put a password into a URL (the config asks for a urlKey instead).
 */
export function brokerAccess(connection: BrokerConnection, name: string): BrokerAccess {
  const query = kombuTlsQuery(connection.tls);
  const c = connection.credentials;
  const env: Record<string, unknown>[] = [];
  if (!c?.urlKey) env.push({ name, value: `${connection.publicUrl}${query}` });
  else if (!query) {
    env.push({ name, valueFrom: { secretKeyRef: { name: c.secretName, key: c.urlKey } } });
  } else {
    // Kubernetes expands $(VAR) from variables defined before this one.
    env.push(
      { name: `${name}_BASE`, valueFrom: { secretKeyRef: { name: c.secretName, key: c.urlKey } } },
      { name, value: `$(${name}_BASE)${query}` },
    );
  }
  const ca = connection.tls?.ca;
  if (!ca || connection.tls?.unsafe) return { env, volumes: [], volumeMounts: [] };
  return {
    env,
    volumes: [
      {
        name: 'broker-ca',
        secret: { secretName: ca.secretName, items: [{ key: ca.key, path: 'ca.crt' }] },
      },
    ],
    volumeMounts: [{ name: 'broker-ca', mountPath: BROKER_CA_DIR, readOnly: true }],
  };
}
