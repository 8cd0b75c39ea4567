// Flower per instance: its Deployment and Service, a ServiceMonitor for its metrics, a Grafana
// dashboard, and (on request) a site in Tutor's Caddy. Credentials only ever come from Secrets.
import { isScalar } from 'yaml';
import { BROKER_CA_DIR, type BrokerConnection, brokerAccess } from '../broker/connection.js';
import type { Spec } from '../config/schema.js';
import { flowerDashboardJson } from '../grafana/dashboard.js';
import { exporterQueuePanels } from '../grafana/exporter-panels.js';
import { componentDeployment, httpProbes } from '../krm/k8s.js';
import type { PlainResource } from '../krm/print.js';
import type { Resource } from '../krm/resources.js';
import { CONFIG_REF } from '../krm/results.js';
import {
  CADDYFILE_HASH,
  FLOWER_DASHBOARD_NAME,
  FLOWER_NAME,
  FLOWER_PORT,
  FLOWER_PORT_NAME,
  flowerDashboardKey,
} from '../names.js';
import type { Family, InstanceView } from '../plan.js';
import { workerNodes } from '../promql/celery-exporter.js';
import { rollOut } from '../rollout.js';
import {
  type CaddyConfig,
  caddyConfig,
  caddySites,
  hasProxySnippet,
  siteHost,
  usesDefaultSitePort,
} from '../tutor/caddy.js';
import { componentLabels, monitoredStock } from '../tutor/components.js';
import { flowerSite, SITE_MARK, withFlowerSite } from './caddyfile.js';

type FlowerConfig = NonNullable<Spec['flower']>;

// The uid and gid of the user `flower` of the mher/flower image. Given as numbers: with a named
// USER, Kubernetes cannot verify runAsNonRoot and refuses to start the pod.
const FLOWER_UID = 1000;

export const flower: Family = (view) => {
  const config = view.spec.flower;
  if (config?.enabled) writeFlower(view, config);
  exposeThroughCaddy(view, config?.enabled ? config.expose?.host : undefined);
};

function writeFlower(view: InstanceView, config: FlowerConfig): void {
  const { instance } = view;
  const stock = monitoredStock(instance);
  if (!stock) return;
  const connection = view.broker.connections[stock.service];
  if (!connection) return;
  const { labels, selector, serviceSelector } = componentLabels(instance, stock, FLOWER_NAME);
  const meta = (name: string, extraLabels: Record<string, string> = {}) => ({
    name,
    ...(instance.namespace ? { namespace: instance.namespace } : {}),
    labels: { ...labels, ...extraLabels },
  });
  const create = (resource: PlainResource) =>
    view.resources.create(resource, instance.anchor, stock.item.name);

  create(deployment(meta(FLOWER_NAME), selector, config, connection));
  create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta(FLOWER_NAME),
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [
        {
          name: FLOWER_PORT_NAME,
          port: FLOWER_PORT,
          targetPort: FLOWER_PORT_NAME,
          protocol: 'TCP',
        },
      ],
    },
  });
  const monitor = config.serviceMonitor;
  if (monitor?.enabled) {
    create({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: meta(FLOWER_NAME, monitor.labels),
      spec: {
        selector: { matchLabels: serviceSelector },
        ...(instance.namespace ? { namespaceSelector: { matchNames: [instance.namespace] } } : {}),
        endpoints: [{ port: FLOWER_PORT_NAME, path: '/metrics', interval: monitor.interval }],
      },
    });
  }
  const dashboard = config.grafanaDashboard;
  if (dashboard?.enabled) {
    const metadata: Record<string, unknown> = meta(FLOWER_DASHBOARD_NAME, dashboard.labels);
    if (dashboard.folder !== undefined) {
      metadata.annotations = { [dashboard.folderAnnotation]: dashboard.folder };
    }
    const key = flowerDashboardKey(instance.namespace);
    const json = flowerDashboardJson({
      namespace: instance.namespace,
      workers: view.instanceWorkers.map((w) => ({ name: w.name, nodes: workerNodes(w) })),
      ...exporterQueuePanels(view.spec.monitoring),
    });
    // Readable in the output as it is in Grafana: a literal block, line for line (how yaml, and
    // so the printer, writes a string over several lines when lines are never folded).
    create({ apiVersion: 'v1', kind: 'ConfigMap', metadata, data: { [key]: json } });
  }
}

function deployment(
  metadata: Record<string, unknown>,
  selector: Record<string, string>,
  config: FlowerConfig,
  connection: BrokerConnection,
): Record<string, unknown> {
  const broker = brokerAccess(connection, 'CELERY_BROKER_URL');
  const env: Record<string, unknown>[] = [
    ...broker.env,
    // Flower's default; set, so that no FLOWER_PORT=tcp://... from elsewhere can stand.
    { name: 'FLOWER_PORT', value: String(FLOWER_PORT) },
  ];
  if (broker.volumeMounts.length > 0) {
    // Flower's Broker page connects with redis-py on its own, with broker_use_ssl and not the
    // URL's options (flower/utils/broker.py, RedisSsl): it checks against the default CAs,
    // which this makes the broker's.
    env.push({ name: 'SSL_CERT_FILE', value: `${BROKER_CA_DIR}/ca.crt` });
  }
  if (config.basicAuthSecret) {
    env.push({
      name: 'FLOWER_BASIC_AUTH',
      valueFrom: {
        secretKeyRef: { name: config.basicAuthSecret.name, key: config.basicAuthSecret.key },
      },
    });
  }
  return componentDeployment({
    metadata,
    selector,
    uid: FLOWER_UID,
    container: {
      name: FLOWER_NAME,
      image: config.image,
      ports: [{ name: FLOWER_PORT_NAME, containerPort: FLOWER_PORT, protocol: 'TCP' }],
      env,
      ...(broker.volumeMounts.length ? { volumeMounts: broker.volumeMounts } : {}),
      ...httpProbes('/healthcheck', FLOWER_PORT_NAME),
      resources: config.resources,
    },
    volumes: broker.volumes,
  });
}

/**
 * Puts Flower's site block into Tutor's Caddyfile, or takes out the one an earlier run wrote
 * when `host` is undefined.
 */
function exposeThroughCaddy(view: InstanceView, host: string | undefined): void {
  const find = (kind: string, namespace: string, name: string) =>
    view.resources.find(kind, namespace, name);
  if (host === undefined && !someConfigMapMentions(view, SITE_MARK)) return;
  const caddy = caddyConfig(view.instance, find, host === undefined ? undefined : view.results);
  if (!caddy) return;
  const current = view.resources.read(caddy.configMap, ['data', caddy.key]);
  if (typeof current !== 'string') return;
  const site =
    host === undefined
      ? undefined
      : flowerSite(host, {
          proxySnippet: hasProxySnippet(current),
          defaultSitePort: usesDefaultSitePort(current),
        });
  const next = withFlowerSite(current, site);
  if ('error' in next) {
    view.results.error(next.error, { item: caddy.configMap, field: `data.${caddy.key}` });
    return;
  }
  if (host !== undefined && servedAlready(view, caddy, current, host)) return;
  if (next.text === current) return;
  // On the document, in place: the scalar keeps its quoting style, and is printed anew (a splice
  // into the text would keep the input's line folding, a smaller diff, and other bytes).
  view.resources.update(caddy.configMap, (doc) => {
    const node = doc.getIn(['data', caddy.key], true);
    if (isScalar(node)) node.value = next.text;
  });
  rollOutChangedCaddyfile(view, caddy);
}

/**
 * A host that one of Tutor's sites already has (the LMS, Studio, the preview, an MFE...): Caddy
 * refuses a Caddyfile with two site blocks for one address ("ambiguous site definition",
 * caddyconfig/httpcaddyfile/httptype.go), so no caddy pod would start, and the LMS and Studio
 * are served through it. Says so; true if it is.
 */
function servedAlready(
  view: InstanceView,
  caddy: CaddyConfig,
  caddyfile: string,
  host: string,
): boolean {
  const tutors = withFlowerSite(caddyfile, undefined);
  if ('error' in tutors) return false;
  const clash = caddySites(tutors.text).find((s) => s.host === siteHost(host));
  if (!clash) return false;
  view.results.error(
    `${host} is a host Tutor's Caddy already serves (the site ${clash.address} in ${caddy.configMap.label} data.${caddy.key}): a second site for it makes Caddy refuse the whole Caddyfile ("ambiguous site definition"), so no caddy pod would start, and the LMS and Studio are served through it; give Flower a host of its own, such as flower.${clash.host}`,
    { ref: CONFIG_REF, field: 'spec.flower.expose.host' },
  );
  return true;
}

function someConfigMapMentions(view: InstanceView, text: string): boolean {
  return view.resources
    .inNamespace(view.instance.namespace)
    .some(
      (item: Resource) =>
        item.kind === 'ConfigMap' &&
        item.namespace === view.instance.namespace &&
        item.mentions(text),
    );
}

/**
 * Caddy reads its Caddyfile at start only: the pods that mount it must roll (src/rollout.ts: in
 * a rendered stream the ConfigMap takes Kustomize's hash of its new content and the caddy
 * Deployment's reference follows; inside a kustomization Kustomize re-hashes it itself).
 */
function rollOutChangedCaddyfile(view: InstanceView, caddy: CaddyConfig): void {
  view.results.info(
    `changed the Flower site in ${caddy.key}; Caddy reads it when it starts (Deployment ${caddy.deployment.name})`,
    { item: caddy.configMap, field: `data.${caddy.key}` },
  );
  rollOut(view, caddy.configMap, {
    what: `the ${caddy.key}`,
    field: `data.${caddy.key}`,
    hashAnnotation: CADDYFILE_HASH,
  });
}
