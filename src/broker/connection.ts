// How the things the function writes reach the Celery broker: the address (from the input,
// overridden by `spec.redis`), TLS checked alike by KEDA, Flower and celery-exporter, and
// credentials that only ever travel through a Secret.
import type { RedisConfig, Spec } from '../config/schema.js';
import type { Item } from '../krm/item.js';
import type { PlainResource } from '../krm/print.js';
import type { Resources } from '../krm/resources.js';
import { CONFIG_REF, type Result, Results } from '../krm/results.js';
import type { ServiceName } from '../names.js';
import { type Broker, readBroker } from '../tutor/broker.js';
import type { TutorInstance } from '../tutor/instances.js';
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
type FindItem = (kind: string, namespace: string, name: string) => Item | undefined;

/**
 * The broker as the outputs of one instance use it, resolved once before the families run, with
 * no side effect: what it found wrong, and the Secret it needs, are only staged by
 * `writeBrokerSecret`.
 */
export interface BrokerPlan {
  /** Each asked-for service's connection; absent when the input does not describe it. */
  readonly connections: Readonly<Partial<Record<ServiceName, BrokerConnection>>>;
  /** The Secret with the input's credentials, when the broker has a password and the config names no Secret. */
  readonly secret?: { readonly doc: PlainResource; readonly from: Broker };
  /** What resolving found (errors where the input does not describe the broker, warnings). */
  readonly results: readonly Result[];
}

export const NO_BROKER: BrokerPlan = { connections: {}, results: [] };

/**
 * The broker of each of `services`' workers as the outputs should use it, in that order (the
 * first with a password gives the credentials Secret its content).
 */
export function resolveBroker(
  instance: TutorInstance,
  spec: Spec,
  find: FindItem,
  services: readonly ServiceName[],
): BrokerPlan {
  const results = new Results();
  const connections: Partial<Record<ServiceName, BrokerConnection>> = {};
  let secret: BrokerPlan['secret'];
  for (const service of services) {
    const override = spec.redis ?? {};
    const found = hasFullOverride(override)
      ? undefined
      : readBroker(instance, service, find, results);
    if (!found && !hasFullOverride(override)) continue;
    const address = override.address ? parseHostPort(override.address) : found;
    if (!address || 'problem' in address) continue; // the schema checked it
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
      clusterAddress: clusterAddress(host, port, instance.namespace),
      publicUrl: `${scheme}://${joinHostPort(host, port)}/${db}`,
    };
    if (override.credentialsSecret) {
      connection.credentials = {
        secretName: override.credentialsSecret.name,
        passwordKey: override.credentialsSecret.passwordKey,
        usernameKey: override.credentialsSecret.usernameKey,
        urlKey: override.credentialsSecret.urlKey,
      };
    } else if (found?.password) {
      connection.credentials = generatedCredentials(found);
      secret ??= { doc: generatedSecret(instance, found, connection), from: found };
    }
    if (!tls && override.tls && !Object.values(connections).some(Boolean)) {
      results.warning(
        `spec.redis.tls has no effect: the broker${instance.namespace ? ` of ${instance.namespace}` : ''} is not reached with TLS (set spec.redis.enableTLS, or drop spec.redis.tls)`,
        { ref: CONFIG_REF, field: 'spec.redis.tls' },
      );
    }
    connections[service] = connection;
  }
  return { connections, ...(secret ? { secret } : {}), results: results.list };
}

/**
 * Stages what resolving the broker found: the credentials Secret (before the first output that
 * reads it, so that it takes its place in the output), then the errors and warnings.
 */
export function writeBrokerSecret(step: {
  broker: BrokerPlan;
  instance: TutorInstance;
  resources: Resources;
  results: Results;
}): void {
  const { secret } = step.broker;
  if (secret && step.resources.create(secret.doc, step.instance.anchor, 'openedx-config')) {
    step.results.info(
      `wrote Secret ${BROKER_SECRET} with the broker credentials from ${secret.from.from.item.name} (${secret.from.from.key}), so that no password sits in a ScaledObject or a Deployment; to manage it yourself, name your Secret in spec.redis.credentialsSecret`,
      {
        item: secret.from.from.item,
        brief: `wrote Secret ${BROKER_SECRET} with the broker credentials (${secret.from.from.key})`,
      },
    );
  }
  step.results.list.push(...step.broker.results);
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

function generatedCredentials(broker: Broker): BrokerCredentials {
  const credentials: BrokerCredentials = {
    secretName: BROKER_SECRET,
    passwordKey: 'password',
    urlKey: 'url',
  };
  if (broker.user) credentials.usernameKey = 'username';
  return credentials;
}

function generatedSecret(
  instance: TutorInstance,
  broker: Broker,
  connection: BrokerConnection,
): PlainResource {
  const auth = `${broker.user ? encodeURIComponent(broker.user) : ''}:${encodeURIComponent(broker.password)}`;
  const stringData: Record<string, string> = {
    password: broker.password,
    url: `${connection.scheme}://${auth}@${joinHostPort(connection.host, connection.port)}/${connection.db}`,
  };
  if (broker.user) stringData.username = broker.user;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: BROKER_SECRET,
      ...(instance.namespace ? { namespace: instance.namespace } : {}),
      labels: { 'app.kubernetes.io/name': BROKER_SECRET, 'app.kubernetes.io/part-of': 'openedx' },
    },
    type: 'Opaque',
    stringData,
  };
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
