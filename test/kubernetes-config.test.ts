// One set of Kubernetes types in the config (src/config/kubernetes.ts): every block that takes a
// quantity, resources, labels, a duration, a Secret's name or key accepts and refuses the same
// values, by the rules of the program that reads them (k8s.io/apimachinery's resource.Quantity
// and pkg/util/validation; the Prometheus Operator's Duration pattern, test/schemas/).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { Results } from '../src/krm/results.js';

/** The errors of a config with this spec. */
function errors(spec: Record<string, unknown>): string[] {
  const results = new Results();
  loadConfig({ apiVersion: 'tutor-krm.dev/v1alpha1', kind: 'CeleryQueues', spec }, results);
  return results.list.map((r) => `${r.field?.path}: ${r.message}`);
}

type Place = [string, (value: unknown) => Record<string, unknown>];

// (With a login: Flower without one is a warning of its own.)
const flower = (fields: Record<string, unknown>) => ({
  flower: { enabled: true, basicAuthSecret: { name: 'flower-basic-auth' }, ...fields },
});
const exporter = (fields: Record<string, unknown>) => ({
  monitoring: { exporter: { enabled: true, ...fields } },
});
const alerts = (fields: Record<string, unknown>) => ({
  monitoring: { exporter: { enabled: true }, alerts: { enabled: true, ...fields } },
});
const credentials = (fields: Record<string, unknown>) => ({
  redis: { credentialsSecret: { name: 'broker', urlKey: 'url', ...fields } },
});
const env = (ref: Record<string, unknown>) => ({
  lms: { workerDefaults: { env: [{ name: 'X', valueFrom: { secretKeyRef: ref } }] } },
});

const RESOURCES: Place[] = [
  ['spec.lms.workerDefaults.resources', (r) => ({ lms: { workerDefaults: { resources: r } } })],
  ['spec.lms.queues.high.resources', (r) => ({ lms: { queues: { high: { resources: r } } } })],
  ['spec.flower.resources', (r) => flower({ resources: r })],
  ['spec.monitoring.exporter.resources', (r) => exporter({ resources: r })],
];

const LABELS: Place[] = [
  [
    'spec.lms.workerDefaults.nodeSelector',
    (l) => ({ lms: { workerDefaults: { nodeSelector: l } } }),
  ],
  ['spec.lms.queues.high.labels', (l) => ({ lms: { queues: { high: { labels: l } } } })],
  [
    'spec.flower.serviceMonitor.labels',
    (l) => flower({ serviceMonitor: { enabled: true, labels: l } }),
  ],
  [
    'spec.flower.grafanaDashboard.labels',
    (l) => flower({ grafanaDashboard: { enabled: true, labels: l } }),
  ],
  [
    'spec.monitoring.exporter.serviceMonitor.labels',
    (l) => exporter({ serviceMonitor: { labels: l } }),
  ],
  ['spec.monitoring.alerts.labels', (l) => alerts({ labels: l })],
];

const DURATIONS: Place[] = [
  [
    'spec.flower.serviceMonitor.interval',
    (d) => flower({ serviceMonitor: { enabled: true, interval: d } }),
  ],
  [
    'spec.monitoring.exporter.serviceMonitor.interval',
    (d) => exporter({ serviceMonitor: { interval: d } }),
  ],
  [
    'spec.monitoring.alerts.taskFailureRate.window',
    (d) => alerts({ taskFailureRate: { window: d } }),
  ],
  ['spec.monitoring.alerts.queueLength.for', (d) => alerts({ queueLength: { for: d } })],
  ['spec.monitoring.alerts.workerDown.for', (d) => alerts({ workerDown: { for: d } })],
];

const SECRET_KEYS: Place[] = [
  ['spec.flower.basicAuthSecret.key', (k) => flower({ basicAuthSecret: { name: 'auth', key: k } })],
  ['spec.redis.credentialsSecret.passwordKey', (k) => credentials({ passwordKey: k })],
  ['spec.redis.credentialsSecret.usernameKey', (k) => credentials({ usernameKey: k })],
  ['spec.redis.credentialsSecret.urlKey', (k) => credentials({ urlKey: k })],
  [
    'spec.redis.tls.caSecret.key',
    (k) => ({ redis: { tls: { caSecret: { name: 'ca', key: k } } } }),
  ],
  ['spec.lms.workerDefaults.env[0].valueFrom.secretKeyRef.key', (k) => env({ name: 's', key: k })],
];

const SECRET_NAMES: Place[] = [
  ['spec.flower.basicAuthSecret.name', (n) => flower({ basicAuthSecret: { name: n } })],
  ['spec.redis.credentialsSecret.name', (n) => credentials({ name: n })],
  ['spec.redis.tls.caSecret.name', (n) => ({ redis: { tls: { caSecret: { name: n } } } })],
  ['spec.lms.workerDefaults.env[0].valueFrom.secretKeyRef.name', (n) => env({ name: n, key: 'k' })],
];

/** Each place's errors for `value`: none when `ok`, else one naming that place. */
function expectSame(places: Place[], value: unknown, ok: boolean, words?: string) {
  for (const [path, spec] of places) {
    const found = errors(spec(value));
    if (ok) expect({ path, found }).toEqual({ path, found: [] });
    else {
      expect({ path, count: found.length }).toEqual({ path, count: 1 });
      expect(found[0]).toMatch(new RegExp(`^${path.replace(/[.[\]]/g, '\\$&')}`));
      if (words) expect(found[0]).toContain(words);
    }
  }
}

describe('one Kubernetes type, the same answer in every block', () => {
  it.each([
    ['500u', true],
    ['500m', true],
    [1.5, true],
    ['1e3', true],
    ['2Gi', true],
    ['2GB', false],
    ['lots', false],
    ['-1', false],
    [-1, false],
  ])('resources with the quantity %j: %s', (q, ok) => {
    expectSame(RESOURCES, { requests: { cpu: q } }, ok);
  });

  it('resources: a request above its limit is refused everywhere, equal is fine', () => {
    expectSame(
      RESOURCES,
      { requests: { memory: '2Gi' }, limits: { memory: '1Gi' } },
      false,
      'the request (2Gi) is above the limit (1Gi); Kubernetes refuses that',
    );
    expectSame(RESOURCES, { requests: { memory: '1024Mi' }, limits: { memory: '1Gi' } }, true);
    expectSame(RESOURCES, { requests: { 'example.com/gpu!': 1 } }, false, 'resource name');
  });

  it.each([
    [{ team: 'reports', 'example.com/tier': '' }, true, undefined],
    [{ 'a/b/c': 'x' }, false, 'label key'],
    [{ ok: 'not ok' }, false, 'label value "not ok"'],
    [{ ok: 'x'.repeat(64) }, false, 'at most 63 characters'],
  ])('labels %j: %s', (labels, ok, words) => {
    expectSame(LABELS, labels, ok, words);
  });

  it.each([
    ['30s', true],
    ['1h30m', true],
    ['90s', true],
    ['500ms', true],
    ['30s1m', false],
    ['1m1m', false],
    ['0s', false],
    ['', false],
    ['30 seconds', false],
  ])('a duration %j: %s', (duration, ok) => {
    expectSame(DURATIONS, duration, ok, ok ? undefined : 'must be a Prometheus duration');
  });

  // k8s.io/apimachinery pkg/util/validation IsConfigMapKey: [-._a-zA-Z0-9]+, not "." or "..*".
  it.each([
    ['ca.crt', true],
    ['REDIS_PASSWORD', true],
    ['a-b_c.d', true],
    ['a/b', false],
    ['pass word', false],
    ['..data', false],
    ['.', false],
    ['', false],
    ['k'.repeat(254), false],
  ])('a Secret key %j: %s', (key, ok) => {
    expectSame(SECRET_KEYS, key, ok, ok ? undefined : 'the key must');
  });

  it.each([
    ['flower-auth', true],
    ['broker.v2', true],
    ['Flower_Auth', false],
    ['-x', false],
  ])('a Secret name %j: %s', (name, ok) => {
    expectSame(SECRET_NAMES, name, ok);
  });
});
