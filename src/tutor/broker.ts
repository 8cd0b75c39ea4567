// The Celery broker as Tutor describes it: `openedx-config`'s lms.env.yml / cms.env.yml, the
// ConfigMap the stock workers mount at /openedx/config.
import { parseHostPort } from '../broker/address.js';
import type { Item } from '../krm/item.js';
import type { Results } from '../krm/results.js';
import { parseYamlEntries } from '../krm/yaml.js';
import type { ServiceName } from '../names.js';
import { oncePer } from '../once.js';
import type { StockWorker, TutorInstance } from './instances.js';

export interface Broker {
  /** `redis`, or `rediss` for TLS. */
  transport: string;
  host: string;
  port: number;
  /** The Redis database index (CELERY_BROKER_VHOST). */
  db: number;
  user: string;
  password: string;
  tls: boolean;
  /** The ConfigMap and key it was read from, for messages. */
  from: { item: Item; key: string };
}

export interface MountedConfigMap {
  /** The volume's name in the pod (`config`, `settings-lms`). */
  volume: string;
  /** The ConfigMap's name as referenced (with Kustomize's hash suffix, if any). */
  name: string;
  mountPaths: string[];
}

type Volume = { name?: unknown; configMap?: { name?: unknown } } | null;
type VolumeMount = { name?: unknown; mountPath?: unknown } | null;

/**
 * The ConfigMaps a stock worker mounts as volumes, with where its container mounts them. Read
 * once for each stock worker: the settings and the broker both look them up.
 */
export const mountedConfigMaps = oncePer((stock: StockWorker): readonly MountedConfigMap[] => {
  const pod = ['spec', 'template', 'spec'];
  const list = <T>(value: unknown) => (Array.isArray(value) ? (value as T[]) : []);
  const volumes = list<Volume>(stock.read([...pod, 'volumes']));
  const mounts = list<VolumeMount>(
    stock.read([...pod, 'containers', stock.container, 'volumeMounts']),
  );
  return volumes.flatMap((volume) => {
    const name = volume?.configMap?.name;
    if (typeof volume?.name !== 'string' || typeof name !== 'string') return [];
    const mountPaths = mounts.flatMap((m) =>
      m && m.name === volume.name && typeof m.mountPath === 'string' ? [m.mountPath] : [],
    );
    return [{ volume: volume.name, name, mountPaths }];
  });
});

/** Tutor's `openedx-config` ConfigMap as a stock worker mounts it (hash suffix or not). */
export function openedxConfig(
  instance: TutorInstance,
  stock: StockWorker,
  find: (kind: string, namespace: string, name: string) => Item | undefined,
): Item | undefined {
  const mounted = mountedConfigMaps(stock).find(
    (m) =>
      m.mountPaths.some((p) => p.replace(/\/+$/, '') === '/openedx/config') ||
      /^openedx-config(-[a-z0-9]{10})?$/.test(m.name),
  );
  return mounted && find('ConfigMap', instance.namespace, mounted.name);
}

// What the broker is read from: Tutor's CELERY_BROKER_* settings.
const BROKER_SETTINGS = [
  'CELERY_BROKER_TRANSPORT',
  'CELERY_BROKER_HOSTNAME',
  'CELERY_BROKER_VHOST',
  'CELERY_BROKER_USER',
  'CELERY_BROKER_PASSWORD',
  'CELERY_BROKER_USE_SSL',
];

// Tutor's REDIS_HOST and REDIS_PORT, which CELERY_BROKER_HOSTNAME is made of by default.
const TUTOR_DEFAULT = { host: 'redis', port: 6379 };

/**
 * The broker a service's workers use, read from `<service>.env.yml`. Undefined (with an error)
 * when the input does not say; callers that need it then stop.
 */
export function readBroker(
  instance: TutorInstance,
  service: ServiceName,
  find: (kind: string, namespace: string, name: string) => Item | undefined,
  results: Results,
): Broker | undefined {
  const stock = instance.workers[service];
  if (!stock) return undefined;
  const item = openedxConfig(instance, stock, find);
  const key = `${service}.env.yml`;
  if (!item) {
    results.error(
      `the broker address comes from Tutor's openedx-config ConfigMap, which ${stock.item.name} mounts but the input lacks; add it to the input, or set the broker in the config`,
      { item: stock.item, field: 'spec.template.spec.volumes' },
    );
    return undefined;
  }
  const text = item.plainAt(['data', key]);
  if (typeof text !== 'string') {
    results.error(`no data.${key}: cannot read the Celery broker`, { item, field: `data.${key}` });
    return undefined;
  }
  let env: Record<string, unknown>;
  try {
    env = parseYamlEntries(text, BROKER_SETTINGS);
  } catch (e) {
    results.error(`data.${key} is not valid YAML: ${(e as Error).message.split('\n')[0]}`, {
      item,
      field: `data.${key}`,
    });
    return undefined;
  }
  const str = (k: string) => (env[k] === undefined || env[k] === null ? '' : String(env[k]));
  const transport = str('CELERY_BROKER_TRANSPORT') || 'redis';
  const hostname = str('CELERY_BROKER_HOSTNAME').trim();
  const address = hostname ? parseHostPort(hostname, TUTOR_DEFAULT.port) : TUTOR_DEFAULT;
  if ('problem' in address) {
    // Not the value: what is not an address may hold a password.
    results.error(
      `CELERY_BROKER_HOSTNAME ${address.problem}; give the broker's password in CELERY_BROKER_PASSWORD, or set spec.redis.address and spec.redis.credentialsSecret`,
      { item, field: `data.${key}` },
    );
    return undefined;
  }
  const vhost = str('CELERY_BROKER_VHOST') || '0';
  const db = /^[0-9]+$/.test(vhost) ? Number(vhost) : Number.NaN;
  if (!Number.isSafeInteger(db)) {
    results.error(
      `CELERY_BROKER_VHOST must be a Redis database number (found ${JSON.stringify(vhost)})`,
      { item, field: `data.${key}` },
    );
    return undefined;
  }
  const useSsl = env.CELERY_BROKER_USE_SSL;
  return {
    transport,
    host: address.host,
    port: address.port,
    db,
    user: str('CELERY_BROKER_USER'),
    password: str('CELERY_BROKER_PASSWORD'),
    tls: transport === 'rediss' || (useSsl !== undefined && useSsl !== false && useSsl !== null),
    from: { item, key },
  };
}
