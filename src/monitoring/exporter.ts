// celery-exporter per instance: its Deployment, Service and ServiceMonitor. The broker URL only
// ever comes from a Secret, as Flower's and KEDA's credentials do.
import { type BrokerConnection, brokerAccess } from '../broker/connection.js';
import type { Monitoring } from '../config/schema.js';
import { componentDeployment, httpProbes, noExpansion } from '../krm/k8s.js';
import { EXPORTER_NAME, EXPORTER_PORT, EXPORTER_PORT_NAME, SERVICES } from '../names.js';
import type { InstanceView } from '../plan.js';

export type ExporterConfig = NonNullable<Monitoring['exporter']>;

// The uid of the user `exporter` that the image's Dockerfile adds (adduser, the first user of
// a python:slim image). A number: with a named USER, Kubernetes cannot verify runAsNonRoot.
const EXPORTER_UID = 1000;

// Seconds between reconnections to a broker that went away. celery-exporter's default, 0,
// exits instead, and a Redis restart would leave the exporter in CrashLoopBackOff for minutes.
const RETRY_INTERVAL = 5;

/**
 * Every queue of the instance: what its workers consume and where its task routes send tasks.
 * The exporter learns queues from live workers only; given them all, it keeps reporting the
 * queues whose workers are scaled to zero, and the ones nobody consumes.
 */
export function instanceQueues(view: InstanceView): string[] {
  const queues: string[] = [];
  const add = (q: string) => {
    if (!queues.includes(q)) queues.push(q);
  };
  const workers = view.instanceWorkers;
  for (const service of SERVICES) {
    for (const w of workers.filter((x) => x.service === service)) w.queues.forEach(add);
    for (const route of Object.values(view.spec.explicitQueues?.[service] ?? {})) add(route.queue);
  }
  return queues;
}

export interface ExporterInput {
  metadata: (name: string, extraLabels?: Record<string, string>) => Record<string, unknown>;
  selector: Record<string, string>;
  /** What the ServiceMonitor selects the Service by. */
  serviceSelector: Record<string, string>;
  namespace: string;
  config: ExporterConfig;
  connection: BrokerConnection;
  queues: string[];
}

export function exporterDeployment(input: ExporterInput): Record<string, unknown> {
  const metadata = input.metadata(EXPORTER_NAME);
  const broker = brokerAccess(input.connection, 'CE_BROKER_URL');
  return componentDeployment({
    metadata,
    selector: input.selector,
    uid: EXPORTER_UID,
    container: {
      name: EXPORTER_NAME,
      image: `${input.config.image}:${input.config.version}`,
      args: [
        // Route queues come from the config: written as they are, never expanded.
        `--queues=${noExpansion(input.queues.join(','))}`,
        `--port=${EXPORTER_PORT}`,
        `--retry-interval=${RETRY_INTERVAL}`,
      ],
      env: broker.env,
      ...(broker.volumeMounts.length ? { volumeMounts: broker.volumeMounts } : {}),
      ports: [{ name: EXPORTER_PORT_NAME, containerPort: EXPORTER_PORT, protocol: 'TCP' }],
      // /health connects to the broker: a broker the exporter cannot reach shows as not ready.
      ...httpProbes('/health', EXPORTER_PORT_NAME),
      resources: input.config.resources,
    },
    volumes: broker.volumes,
  });
}

export function exporterService(input: ExporterInput): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: input.metadata(EXPORTER_NAME),
    spec: {
      type: 'ClusterIP',
      selector: input.selector,
      ports: [
        {
          name: EXPORTER_PORT_NAME,
          port: EXPORTER_PORT,
          targetPort: EXPORTER_PORT_NAME,
          protocol: 'TCP',
        },
      ],
    },
  };
}

export function exporterServiceMonitor(input: ExporterInput): Record<string, unknown> {
  const monitor = input.config.serviceMonitor;
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: input.metadata(EXPORTER_NAME, monitor.labels),
    spec: {
      selector: { matchLabels: input.serviceSelector },
      ...(input.namespace ? { namespaceSelector: { matchNames: [input.namespace] } } : {}),
      endpoints: [{ port: EXPORTER_PORT_NAME, path: '/metrics', interval: monitor.interval }],
    },
  };
}
