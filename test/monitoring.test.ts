// Queue monitoring on the real Tutor renders: golden files; the exporter's Deployment, Service
// and ServiceMonitor (selectors, credentials only from Secrets, every queue listed); the
// PrometheusRule and ServiceMonitor against the Prometheus Operator CRDs with unknown fields
// rejected; every PromQL expression parsed by Prometheus' grammar and over series a real
// celery-exporter exports; the rules checked and unit-tested by Prometheus' own promtool.
import { describe, expect, it } from 'vitest';
import { crdValidator, errorsOf } from './crd.js';
import { expectGoldenDiff } from './golden.js';
import { configPath, find, fixture, RENDERS, resources, runStream, VERSION } from './helpers.js';
import { exportedMetrics, interpolate, selectorsOf, TARGET_LABELS } from './promql.js';

const GENERATED_BY = 'celery-queues.tutor-krm.dev/generated-by';
const PASSWORD = 's3cret'; // REDIS_PASSWORD of the custom render (test/fixtures/tutor/README.md)

type Resource = Record<string, any>;

const validate = {
  ServiceMonitor: crdValidator('prometheus-operator/crd-servicemonitors.yaml', 'v1'),
  PrometheusRule: crdValidator('prometheus-operator/crd-prometheusrules.yaml', 'v1'),
};
const kedaValidators = ['keda-2.17.3', 'keda-2.20.2'].map((v) =>
  crdValidator(`${v}/keda.sh_scaledobjects.yaml`),
);

const QUEUES: Record<string, string[]> = {
  // Every queue of the instance: the stock workers' leftovers, each variant's, and the queue a
  // task route sends to that nobody consumes.
  all: [
    'edx.lms.core.default',
    'edx.lms.core.high',
    'edx.lms.core.high_mem',
    'edx.lms.core.ora_workflow_update',
    'edx.cms.core.default',
    'edx.cms.core.high',
    'edx.cms.core.low',
  ],
};

/** Every PromQL expression in an output: alert rules, KEDA queries, dashboard targets. */
function expressions(list: Resource[]): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const r of list) {
    if (r.kind === 'PrometheusRule') {
      for (const g of r.spec.groups) {
        for (const rule of g.rules) out.push({ where: `rule ${rule.alert}`, expr: rule.expr });
      }
    }
    if (r.kind === 'ScaledObject') {
      for (const t of r.spec.triggers) {
        if (t.type === 'prometheus') {
          out.push({ where: `ScaledObject ${r.metadata.name}`, expr: t.metadata.query });
        }
      }
    }
    if (r.kind === 'ConfigMap' && r.metadata.name === 'flower-dashboard') {
      const dashboard = JSON.parse(Object.values(r.data)[0] as string);
      for (const p of dashboard.panels) {
        for (const t of p.targets) {
          if (t.expr.includes('celery_')) {
            out.push({ where: `panel ${p.title}`, expr: interpolate(t.expr) });
          }
        }
      }
    }
  }
  return out;
}

describe.each(['v20', 'custom'] as const)('render %s with monitoring', (render) => {
  const input = fixture(RENDERS[render]);
  const out = runStream(input, configPath('monitoring'));
  const list = resources(out.stdout);
  const namespace = render === 'custom' ? 'openedx-prod' : 'openedx';
  const deployment = find(list, 'Deployment', 'celery-exporter', namespace) as Resource;
  const service = find(list, 'Service', 'celery-exporter', namespace) as Resource;
  const monitor = find(list, 'ServiceMonitor', 'celery-exporter', namespace) as Resource;
  const rule = find(list, 'PrometheusRule', 'celery-alerts', namespace) as Resource;
  const pod = deployment?.spec.template;
  const rules = (rule?.spec.groups[0].rules ?? []) as Resource[];

  it('matches the golden output, and a second run changes nothing', () => {
    expect(out.status).toBe(0);
    // No error; the one warning is the routing lint's about the route to a queue nobody
    // consumes, which the config sets on purpose (the exporter must still list that queue).
    const warnings = out.messages
      .split('\n')
      .filter((l) => l && !l.startsWith('celery-queues: info: '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^celery-queues: warning: .* is routed to queue "edx\.lms\.core\.ora_workflow_update", which no worker in namespace \S+ consumes/,
    );
    expectGoldenDiff(`monitoring/${render}.monitoring.diff`, input, out.stdout);
    expect(runStream(out.stdout, configPath('monitoring')).stdout).toBe(out.stdout);
  });

  it('writes the exporter, its Service and ServiceMonitor, and the PrometheusRule, each marked', () => {
    for (const r of [deployment, service, monitor, rule]) {
      expect(r).toBeDefined();
      expect(r.metadata.annotations[GENERATED_BY]).toBe(`celery-queues ${VERSION} from lms-worker`);
    }
  });

  it('gives the ServiceMonitor and PrometheusRule only fields the Prometheus Operator CRDs know', () => {
    for (const r of [monitor, rule]) {
      const v = validate[r.kind as 'ServiceMonitor'];
      expect(v(r), errorsOf(v).join('; ')).toBe(true);
    }
    // A typo is caught, not pruned silently as the API server would.
    const typo = structuredClone(rule);
    typo.spec.groups[0].rules[0].expresion = typo.spec.groups[0].rules[0].expr;
    expect(validate.PrometheusRule(typo)).toBe(false);
    expect(monitor.metadata.labels.release).toBe('prometheus');
    expect(rule.metadata.labels.release).toBe('prometheus');
    expect(monitor.spec.endpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '30s' },
    ]);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: [namespace] });
  });

  it('keeps every ScaledObject valid for KEDA 2.17 and 2.20, the load triggers included', () => {
    const scaled = list.filter((r) => r.kind === 'ScaledObject');
    expect(scaled.some((s) => s.spec.triggers.some((t: any) => t.type === 'prometheus'))).toBe(
      true,
    );
    for (const so of scaled) {
      for (const v of kedaValidators) expect(v(so), errorsOf(v).join('; ')).toBe(true);
    }
  });

  it('runs one exporter of the configured image, given every queue of the instance', () => {
    const [container] = pod.spec.containers;
    expect(container.image).toBe('docker.io/danihodovic/celery-exporter:0.12.0');
    expect(container.args).toEqual([
      `--queues=${QUEUES.all?.join(',')}`,
      '--port=9808',
      '--retry-interval=5',
    ]);
    expect(deployment.spec.replicas).toBe(1);
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: 9808, protocol: 'TCP' }]);
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: '/health', port: 'metrics' });
    }
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
  });

  it('reads the broker URL from a Secret when the broker has a password, never in plain text', () => {
    const env = pod.spec.containers[0].env;
    expect(JSON.stringify(deployment)).not.toContain(PASSWORD);
    if (render === 'custom') {
      expect(env).toEqual([
        {
          name: 'CE_BROKER_URL',
          valueFrom: { secretKeyRef: { name: 'celery-queues-broker', key: 'url' } },
        },
      ]);
      // The same Secret the KEDA TriggerAuthentication reads.
      const auth = find(list, 'TriggerAuthentication', 'celery-queues-broker', namespace);
      expect(auth?.spec.secretTargetRef[0].name).toBe('celery-queues-broker');
    } else {
      expect(env).toEqual([{ name: 'CE_BROKER_URL', value: 'redis://redis:6379/0' }]);
    }
  });

  it('selects the exporter’s pods with its Service, and that Service with its ServiceMonitor only', () => {
    const labels = pod.metadata.labels;
    const matches = (selector: Record<string, string>, l: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => l?.[k] === v);
    expect(matches(deployment.spec.selector.matchLabels, labels)).toBe(true);
    expect(matches(service.spec.selector, labels)).toBe(true);
    for (const other of list.filter(
      (r) => r.kind === 'Deployment' && r.metadata.namespace === namespace && r !== deployment,
    )) {
      expect(matches(service.spec.selector, other.spec.template.metadata.labels)).toBe(false);
    }
    const services = list.filter((r) => r.kind === 'Service' && r.metadata.namespace === namespace);
    expect(
      services
        .filter((s) => matches(monitor.spec.selector.matchLabels, s.metadata.labels ?? {}))
        .map((s) => s.metadata.name),
    ).toEqual(['celery-exporter']);
    expect(service.spec.ports[0].name).toBe(monitor.spec.endpoints[0].port);
  });

  it('has the three mixin alerts, worker-down only for workers that cannot scale to zero, saying why', () => {
    expect([...new Set(rules.map((r) => r.alert))]).toEqual([
      'CeleryTaskHighFailRate',
      'CeleryHighQueueLength',
      'CeleryWorkerDown',
    ]);
    const down = rules.filter((r) => r.alert === 'CeleryWorkerDown');
    // lms-worker-high and cms-worker-low scale to zero (minReplicas 0); high_mem keeps one.
    expect(down.map((r) => r.labels.deployment)).toEqual([
      'lms-worker',
      'lms-worker-high-mem',
      'cms-worker',
    ]);
    for (const r of down) {
      expect(r.for).toBe('15m');
      expect(r.annotations.description).toContain(
        'Not watched: lms-worker-high, cms-worker-low, which KEDA may scale to zero',
      );
    }
    const byName = Object.fromEntries(rules.map((r) => [r.alert, r]));
    expect(byName.CeleryTaskHighFailRate.expr).toMatch(/\[10m\]\)\)\) \* 100 > 5$/);
    expect(byName.CeleryHighQueueLength.expr).toMatch(/ > 100$/);
    expect(byName.CeleryHighQueueLength.for).toBe('20m');
  });

  it('writes PromQL that parses, over metrics celery-exporter exports, with their labels', () => {
    const exported = exportedMetrics();
    const exprs = expressions(list);
    // 3 worker-down + 2 other rules, 2 load queries, 2 dashboard panels.
    expect(exprs).toHaveLength(9);
    for (const { where, expr } of exprs) {
      const selectors = selectorsOf(expr);
      expect(selectors.length, where).toBeGreaterThan(0);
      for (const { metric, labels } of selectors) {
        expect([...exported.keys()], `${where}: ${metric}`).toContain(metric);
        for (const label of labels) {
          expect(
            [...(exported.get(metric) ?? []), ...TARGET_LABELS],
            `${where}: ${label}`,
          ).toContain(label);
        }
        // Every selector is limited to this instance's exporter.
        expect(labels, `${where}: ${metric}`).toContain('job');
        expect(labels, `${where}: ${metric}`).toContain('namespace');
      }
    }
  });
});
