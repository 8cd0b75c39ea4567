// Flower on the real Tutor renders: golden files, the ServiceMonitor against the Prometheus
// Operator CRD (unknown fields rejected), selectors that select what they must and nothing
// else, credentials only from Secrets, the Caddy site, and removal when the config drops it.

import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { flowerSite, withFlowerSite } from '../src/flower/caddyfile.js';
import { HASH_SUFFIX } from '../src/krm/hash.js';
import { type LabelSelector, selectorMatches } from '../src/krm/k8s.js';
import { caddySites, siteHost } from '../src/tutor/caddy.js';
import { adaptedHosts, caddyAdapt, HAS_CADDY } from './caddy.js';
import { crdValidator } from './crd.js';
import { expectGoldenDiff } from './golden.js';
import {
  celeryQueuesConfig,
  configPath,
  find,
  fixture,
  otherThanSettings,
  RENDERS,
  resources,
  runStream,
  runWithConfig,
  twoInstances,
  VERSION,
} from './helpers.js';

const GENERATED_BY = 'celery-queues.tutor-krm.dev/generated-by';
const PASSWORD = 's3cret'; // REDIS_PASSWORD of the custom render (test/fixtures/tutor/README.md)

/** A CeleryQueues config with this `spec.flower` (and one LMS queue). */
function flowerConfig(flower: Record<string, unknown>, extraSpec: Record<string, unknown> = {}) {
  return celeryQueuesConfig({ lms: { queues: { high: {} } }, flower, ...extraSpec });
}

const FULL = readFileSync(configPath('flower'), 'utf8');
// A dashboard folder works only with a Grafana set up for it, which the function cannot see.
const FOLDER_WARNING =
  "celery-queues: warning: CeleryQueues celery-queues spec.flower.grafanaDashboard.folder: the folder reaches Grafana only if its dashboard provider makes folders of the sidecar's directories (foldersFromFilesStructure: true; kube-prometheus-stack: grafana.sidecar.dashboards.provider.foldersFromFilesStructure), else the dashboard lands in the General folder. Set that, or drop folder";

function caddyfileOf(list: Record<string, any>[], namespace: string): string {
  const cm = list.find(
    (r) =>
      r.kind === 'ConfigMap' &&
      r.metadata.namespace === namespace &&
      r.metadata.name.startsWith('caddy-config'),
  );
  return cm?.data?.Caddyfile;
}

// The ServiceMonitor CRD, closed: every object that lists its properties takes no others.
const validateServiceMonitor = crdValidator('prometheus-operator/crd-servicemonitors.yaml', 'v1');

describe.each(['v20', 'custom'] as const)('render %s with Flower', (render) => {
  const input = fixture(RENDERS[render]);
  const out = runStream(input, configPath('flower'));
  const list = resources(out.stdout);
  const namespace = render === 'custom' ? 'openedx-prod' : 'openedx';
  const deployment = find(list, 'Deployment', 'flower', namespace) as Record<string, any>;
  const service = find(list, 'Service', 'flower', namespace) as Record<string, any>;
  const monitor = find(list, 'ServiceMonitor', 'flower', namespace) as Record<string, any>;
  const pod = deployment?.spec.template;
  const caddyName = render === 'custom' ? 'caddy-config-kbf2m759fg' : 'caddy-config-c27d59d9tf';

  it('matches the golden output, and a second run changes nothing', () => {
    expect(out.messages.split('\n').filter((l) => !l.startsWith('celery-queues: info: '))).toEqual([
      FOLDER_WARNING,
      '',
    ]);
    expect(out.stderr).toContain(
      `celery-queues: info: ConfigMap ${namespace}/${caddyName} data.Caddyfile: changed the Flower site in Caddyfile; Caddy reads it when it starts (Deployment caddy)\n`,
    );
    expect(out.status).toBe(0);
    expectGoldenDiff(`flower/${render}.flower.diff`, input, out.stdout);
    expect(runStream(out.stdout, configPath('flower')).stdout).toBe(out.stdout);
  });

  it('writes Flower, its Service, ServiceMonitor and dashboard, each marked as its own', () => {
    for (const [kind, name] of [
      ['Deployment', 'flower'],
      ['Service', 'flower'],
      ['ServiceMonitor', 'flower'],
      ['ConfigMap', 'flower-dashboard'],
    ] as const) {
      const r = find(list, kind, name, namespace);
      expect(r, `${kind} ${name}`).toBeDefined();
      expect(r?.metadata.annotations[GENERATED_BY]).toBe(
        `celery-queues ${VERSION} from lms-worker`,
      );
    }
  });

  it('gives the ServiceMonitor only fields the Prometheus Operator CRD knows', () => {
    expect(validateServiceMonitor(monitor), JSON.stringify(validateServiceMonitor.errors)).toBe(
      true,
    );
    expect(monitor.metadata.labels.release).toBe('prometheus');
    expect(monitor.spec.endpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '30s' },
    ]);
  });

  it('selects Flower’s pods with the Service, and the Service with the ServiceMonitor, and nothing else', () => {
    const podLabels = pod.metadata.labels;
    expect(selectorMatches(deployment.spec.selector, podLabels)).toBe(true);
    expect(selectorMatches({ matchLabels: service.spec.selector }, podLabels)).toBe(true);
    const pods = list.filter(
      (r) => r.kind === 'Deployment' && r.metadata.namespace === namespace && r !== deployment,
    );
    expect(pods.length).toBeGreaterThan(5);
    for (const other of pods) {
      const labels = other.spec.template.metadata.labels;
      expect(
        selectorMatches({ matchLabels: service.spec.selector }, labels),
        other.metadata.name,
      ).toBe(false);
      expect(selectorMatches(other.spec.selector, podLabels), other.metadata.name).toBe(false);
    }
    const services = list.filter((r) => r.kind === 'Service' && r.metadata.namespace === namespace);
    const selected = services.filter((s) =>
      selectorMatches(monitor.spec.selector as LabelSelector, s.metadata.labels ?? {}),
    );
    expect(selected.map((s) => s.metadata.name)).toEqual(['flower']);
    expect(monitor.spec.namespaceSelector).toEqual({ matchNames: [namespace] });
  });

  it('names port 5555 metrics on the container, the Service and the ServiceMonitor endpoint', () => {
    const [container] = pod.spec.containers;
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: 5555, protocol: 'TCP' }]);
    expect(service.spec.ports).toEqual([
      { name: 'metrics', port: 5555, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(monitor.spec.endpoints[0].port).toBe(service.spec.ports[0].name);
  });

  it('runs Flower without service links, as a non-root user, probed on /healthcheck', () => {
    const [container] = pod.spec.containers;
    expect(pod.spec.enableServiceLinks).toBe(false);
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
    });
    for (const probe of [container.readinessProbe, container.livenessProbe]) {
      expect(probe.httpGet).toEqual({ path: '/healthcheck', port: 'metrics' });
    }
    expect(container.image).toBe('docker.io/mher/flower:2.0.1');
    expect(container.resources).toEqual({
      requests: { cpu: '50m', memory: '256Mi' },
      limits: { memory: '1Gi' },
    });
    expect(deployment.spec.replicas).toBe(1);
  });

  it('reads basic auth from the Secret the config names, never from a plain value', () => {
    const env = pod.spec.containers[0].env;
    expect(env.find((e: any) => e.name === 'FLOWER_BASIC_AUTH')).toEqual({
      name: 'FLOWER_BASIC_AUTH',
      valueFrom: { secretKeyRef: { name: 'flower-basic-auth', key: 'auth' } },
    });
  });

  it('serves Flower through Caddy, keeping /metrics inside the cluster', () => {
    const before = caddyfileOf(resources(input), namespace);
    const after = caddyfileOf(list, namespace);
    expect(after.startsWith(before)).toBe(true);
    expect(after.slice(before.length)).toBe(
      [
        '# BEGIN celery-queues.tutor-krm.dev/flower: written by celery-queues, replaced on every run',
        'flower.learn.example.com{$default_site_port} {',
        '    @flower_metrics path /metrics /metrics/*',
        '    respond @flower_metrics 404',
        '    import proxy "flower:5555"',
        '}',
        '# END celery-queues.tutor-krm.dev/flower',
        '',
      ].join('\n'),
    );
  });

  it('takes everything back when the config drops Flower', () => {
    const off = runStream(out.stdout, configPath('partial'));
    expect(off.status).toBe(0);
    const offList = resources(off.stdout);
    const plain = resources(runStream(input, configPath('partial')).stdout);
    expect(offList).toEqual(plain);
    expect(caddyfileOf(offList, namespace)).toBe(caddyfileOf(resources(input), namespace));
  });
});

describe('the broker password', () => {
  it('appears nowhere but in a Secret, whatever Flower is given', () => {
    const input = fixture(RENDERS.custom);
    const inputList = resources(input);
    for (const config of [
      FULL,
      flowerConfig({ enabled: true }),
      flowerConfig(
        { enabled: true },
        { redis: { credentialsSecret: { name: 'my-redis', urlKey: 'url' } } },
      ),
      flowerConfig(
        { enabled: true },
        {
          redis: {
            enableTLS: true,
            credentialsSecret: { name: 'my-redis', usernameKey: 'user', urlKey: 'url' },
          },
        },
      ),
    ]) {
      const out = runWithConfig(input, config);
      expect(out.status).toBe(0);
      const list = resources(out.stdout);
      expect(find(list, 'Deployment', 'flower')).toBeDefined();
      for (const r of list) {
        if (!JSON.stringify(r).includes(PASSWORD)) continue;
        const same = inputList.find(
          (i) => i.kind === r.kind && i.metadata.name === r.metadata.name,
        );
        // Tutor itself puts it into openedx-config; the function adds it only to Secrets.
        if (r.kind !== 'Secret') expect(r).toEqual(same);
      }
    }
  });

  it('reaches Flower from a Secret’s URL key, kombu’s TLS options after it', () => {
    const input = fixture(RENDERS.custom);
    const env = (config: string) =>
      find(resources(runWithConfig(input, config).stdout), 'Deployment', 'flower')?.spec.template
        .spec.containers[0].env;
    expect(env(flowerConfig({ enabled: true }))[0]).toEqual({
      name: 'CELERY_BROKER_URL',
      valueFrom: { secretKeyRef: { name: 'celery-queues-broker', key: 'url' } },
    });
    expect(
      env(
        flowerConfig(
          { enabled: true },
          {
            redis: {
              address: 'redis-tls.example:6380',
              databaseIndex: 2,
              enableTLS: true,
              credentialsSecret: { name: 'my-redis', urlKey: 'url' },
            },
          },
        ),
      ).slice(0, 2),
    ).toEqual([
      {
        name: 'CELERY_BROKER_URL_BASE',
        valueFrom: { secretKeyRef: { name: 'my-redis', key: 'url' } },
      },
      {
        name: 'CELERY_BROKER_URL',
        value: '$(CELERY_BROKER_URL_BASE)?ssl_cert_reqs=required&ssl_check_hostname=true',
      },
    ]);
  });

  // Kubernetes' $(VAR) expansion does not percent-encode: a URL composed from a password with
  // "/", "#", "?", "%" or "@" would be cut or decoded by kombu (kombu/utils/url.py, url_to_parts).
  it.each([
    ['Flower', {}],
    ['celery-exporter', { monitoring: { exporter: { enabled: true } } }],
  ])('is never composed from a password key: %s needs a urlKey', (who, extra) => {
    const input = fixture(RENDERS.custom);
    const config = flowerConfig(
      { enabled: who === 'Flower' },
      { redis: { credentialsSecret: { name: 'my-redis', usernameKey: 'user' } }, ...extra },
    );
    const out = runWithConfig(input, config);
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(
      `celery-queues: error: CeleryQueues celery-queues spec.redis.credentialsSecret.urlKey: ${who} takes the broker as a URL, which cannot be built from the password in my-redis safely (Kubernetes does not percent-encode what it substitutes): add the complete URL, percent-encoded, to the Secret and name its key in spec.redis.credentialsSecret.urlKey\n`,
    );
  });

  it('reaches Flower as a plain URL when the broker has no password', () => {
    // Tutor's own Redis has no password: a plain URL, no Secret.
    const v20 = resources(
      runWithConfig(fixture(RENDERS.v20), flowerConfig({ enabled: true })).stdout,
    );
    expect(find(v20, 'Deployment', 'flower')?.spec.template.spec.containers[0].env[0]).toEqual({
      name: 'CELERY_BROKER_URL',
      value: 'redis://redis:6379/0',
    });
    expect(v20.some((r) => r.kind === 'Secret')).toBe(false);
  });
});

describe('the Flower config', () => {
  it('takes image, resources, ServiceMonitor labels and interval, dashboard labels and folder', () => {
    const out = runWithConfig(
      fixture(RENDERS.v20),
      flowerConfig({
        enabled: true,
        basicAuthSecret: { name: 'flower-basic-auth' },
        image: 'registry.example/flower:2.1.0',
        resources: { requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: 1 } },
        serviceMonitor: { enabled: true, labels: { release: 'kps', team: 'edx' }, interval: '1m' },
        grafanaDashboard: {
          enabled: true,
          labels: { grafana_dashboard: 'yes-please' },
          folder: 'Celery',
          folderAnnotation: 'grafana_folder',
        },
      }),
    );
    expect(otherThanSettings(out.stderr)).toBe(`${FOLDER_WARNING}\n`);
    const list = resources(out.stdout);
    const container = find(list, 'Deployment', 'flower')?.spec.template.spec.containers[0];
    expect(container.image).toBe('registry.example/flower:2.1.0');
    expect(container.resources).toEqual({
      requests: { cpu: '200m', memory: '512Mi' },
      limits: { cpu: 1 },
    });
    const monitor = find(list, 'ServiceMonitor', 'flower') as Record<string, any>;
    expect(monitor.metadata.labels).toMatchObject({ release: 'kps', team: 'edx' });
    expect(monitor.spec.endpoints[0].interval).toBe('1m');
    expect(validateServiceMonitor(monitor)).toBe(true);
    const dashboard = find(list, 'ConfigMap', 'flower-dashboard') as Record<string, any>;
    expect(dashboard.metadata.labels.grafana_dashboard).toBe('yes-please');
    expect(dashboard.metadata.annotations).toMatchObject({ grafana_folder: 'Celery' });
    // No folder, no folder annotation.
    const plain = resources(
      runWithConfig(
        fixture(RENDERS.v20),
        flowerConfig({ enabled: true, grafanaDashboard: { enabled: true } }),
      ).stdout,
    );
    const cm = find(plain, 'ConfigMap', 'flower-dashboard') as Record<string, any>;
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    expect(Object.keys(cm.metadata.annotations)).toEqual([GENERATED_BY]);
    expect(find(plain, 'ServiceMonitor', 'flower')).toBeUndefined();
  });

  it('warns when Flower asks no login, once, naming the field', () => {
    const out = runWithConfig(twoInstances(), flowerConfig({ enabled: true }));
    expect(out.status).toBe(0);
    expect(out.stderr.split('\n').filter((l) => l.includes(': warning: '))).toEqual([
      'celery-queues: warning: CeleryQueues celery-queues spec.flower.basicAuthSecret: Flower asks no login: anyone who reaches the flower Service (port 5555) can revoke tasks and shut worker pools down; name a Secret holding user:password in basicAuthSecret',
    ]);
    const withLogin = flowerConfig({ enabled: true, basicAuthSecret: { name: 'a' } });
    expect(runWithConfig(twoInstances(), withLogin).stderr).not.toContain(': warning: ');
    // Flower off: nothing to warn about.
    expect(runWithConfig(twoInstances(), flowerConfig({})).stderr).not.toContain(': warning: ');
  });

  it.each([
    [
      { enabled: true, expose: { host: 'flower.example.com' } },
      'spec.flower.expose: Flower would be public without a login: name a Secret with its basic auth in flower.basicAuthSecret',
    ],
    [
      { serviceMonitor: { enabled: true } },
      'spec.flower.serviceMonitor: needs Flower: set flower.enabled: true, or drop flower.serviceMonitor',
    ],
    [
      { grafanaDashboard: { enabled: true } },
      'spec.flower.grafanaDashboard: needs Flower: set flower.enabled: true, or drop flower.grafanaDashboard',
    ],
    [
      {
        enabled: true,
        basicAuthSecret: { name: 'a' },
        expose: { host: 'https://flower.example.com' },
      },
      'spec.flower.expose.host: must be a DNS host name such as flower.learn.example.com',
    ],
    [
      { enabled: true, serviceMonitor: { enabled: true, interval: '30 seconds' } },
      'spec.flower.serviceMonitor.interval: must be a Prometheus duration such as 30s, 10m or 1h30m (units from the largest down: y, w, d, h, m, s, ms)',
    ],
    [
      { enabled: true, serviceMonitor: { enabled: true, labels: { release: 'not ok' } } },
      'spec.flower.serviceMonitor.labels.release: label value "not ok" must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    ],
    [
      { enabled: true, resources: { requests: { memory: 'lots' } } },
      'spec.flower.resources.requests.memory: "lots" is not a Kubernetes quantity (such as 500m, 1.5, 512Mi, 2Gi)',
    ],
    [
      { enabled: true, basicAuthSecret: { name: 'Flower_Auth' } },
      'spec.flower.basicAuthSecret.name: the Secret name must be lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
    ],
    [{ enabled: true, port: 80 }, 'spec.flower.port: unknown field "port" in spec.flower'],
  ])('refuses %j', (flower, message) => {
    const input = fixture(RENDERS.v20);
    const out = runWithConfig(input, flowerConfig(flower));
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(`celery-queues: error: CeleryQueues celery-queues ${message}\n`);
  });

  it('refuses to expose Flower when the input has no Caddy, and changes nothing', () => {
    const input = fixture(RENDERS.v20)
      .split(/^---\n/m)
      .filter((d) => !(/^kind: Deployment$/m.test(d) && /^ {2}name: caddy$/m.test(d)))
      .join('---\n');
    expect(find(resources(input), 'Deployment', 'caddy')).toBeUndefined();
    expect(find(resources(input), 'Service', 'caddy')).toBeDefined();
    const out = runStream(input, configPath('flower'));
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(
      "celery-queues: error: namespace openedx has no Deployment caddy (Tutor's web proxy) to serve Flower through; add it to the input, or drop flower.expose\n",
    );
  });

  it('refuses to touch a Flower site block that was edited by hand', () => {
    const out = runStream(fixture(RENDERS.v20), configPath('flower'));
    const damaged = out.stdout.replace('# END celery-queues.tutor-krm.dev/flower', '# the end');
    expect(damaged).not.toBe(out.stdout);
    const again = runStream(damaged, configPath('flower'));
    expect(again.status).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(
      /ConfigMap openedx\/caddy-config-\w{10} data\.Caddyfile: the block celery-queues wrote .* has been edited by hand/,
    );
  });

  it('gives each instance its own Flower, ServiceMonitor namespace and dashboard', () => {
    const out = runStream(twoInstances(), configPath('flower'));
    expect(out.status).toBe(0);
    const list = resources(out.stdout);
    const dashboards = list.filter((r) => r.metadata.name === 'flower-dashboard');
    expect(dashboards.map((d) => [d.metadata.namespace, Object.keys(d.data)])).toEqual([
      ['openedx', ['openedx-celery-flower.json']],
      ['openedx-prod', ['openedx-prod-celery-flower.json']],
    ]);
    const uids = dashboards.map((d) => JSON.parse(Object.values(d.data)[0] as string).uid);
    expect(new Set(uids).size).toBe(2);
    for (const ns of ['openedx', 'openedx-prod']) {
      expect(find(list, 'ServiceMonitor', 'flower', ns)?.spec.namespaceSelector).toEqual({
        matchNames: [ns],
      });
      expect(caddyfileOf(list, ns)).toContain('flower.learn.example.com{$default_site_port} {');
    }
  });
});

describe('the Caddyfile edit', () => {
  const site = flowerSite('f.example', { proxySnippet: true, defaultSitePort: true });
  const block = `# BEGIN celery-queues.tutor-krm.dev/flower: written by celery-queues, replaced on every run\n${site}# END celery-queues.tutor-krm.dev/flower\n`;

  it.each([
    ['appends to a file that ends in a newline', 'a {\n}\n', site, { text: `a {\n}\n${block}` }],
    ['adds the missing newline first', 'a {\n}', site, { text: `a {\n}\n${block}` }],
    ['replaces its own block', `a\n${block}b\n`, site, { text: `a\nb\n${block}` }],
    ['takes its block out', `a\n${block}`, undefined, { text: 'a\n' }],
    ['leaves a file without a block alone', 'a\n', undefined, { text: 'a\n' }],
  ])('%s', (_what, caddyfile, newSite, expected) => {
    expect(withFlowerSite(caddyfile, newSite)).toEqual(expected);
  });

  it.each([
    ['an END without BEGIN', 'a\n# END celery-queues.tutor-krm.dev/flower\n'],
    ['a BEGIN without END', `a\n${block.split('\n')[0]}\nx {\n}\n`],
    ['two blocks', `${block}${block}`],
  ])('refuses %s', (_what, caddyfile) => {
    expect(withFlowerSite(caddyfile, site)).toHaveProperty('error');
  });

  it('without Tutor’s snippet and port variable, proxies directly', () => {
    expect(flowerSite('f.example', { proxySnippet: false, defaultSitePort: false })).toBe(
      'f.example {\n    @flower_metrics path /metrics /metrics/*\n    respond @flower_metrics 404\n    reverse_proxy flower:5555\n}\n',
    );
  });

  it('adding then removing gives the file back; adding twice is adding once', () => {
    const line = fc.stringMatching(/^[ -~]{0,30}$/).filter((l) => !l.includes('celery-queues'));
    fc.assert(
      fc.property(fc.array(line, { maxLength: 8 }), fc.domain(), (lines, host) => {
        const original = lines.map((l) => `${l}\n`).join('');
        const s = flowerSite(host, { proxySnippet: true, defaultSitePort: true });
        const once = withFlowerSite(original, s) as { text: string };
        expect(withFlowerSite(once.text, s)).toEqual(once);
        expect(withFlowerSite(once.text, undefined)).toEqual({ text: original });
      }),
      { seed: 20261128, numRuns: 200 },
    );
  });
});

// The real Caddy (Debian's caddy package; .ci/run installs it) reads the Caddyfile the function
// wrote: the Flower host goes to flower:5555, and /metrics is answered 404 before the proxy.
describe('Caddy', () => {
  const caddy = spawnSync('caddy', ['version'], { encoding: 'utf8' });
  const hasCaddy = caddy.status === 0;
  it.skipIf(!hasCaddy && !process.env.CI)('adapts the Caddyfile with the Flower site', () => {
    for (const render of [RENDERS.v20, RENDERS.v21, RENDERS.custom]) {
      const list = resources(runStream(fixture(render), configPath('flower')).stdout);
      const ns = find(list, 'Namespace', list.find((r) => r.kind === 'Namespace')?.metadata.name)
        ?.metadata.name as string;
      const dir = mkdtempSync(join(tmpdir(), 'caddy-'));
      const file = join(dir, 'Caddyfile');
      writeFileSync(file, caddyfileOf(list, ns));
      const json = execFileSync('caddy', ['adapt', '--config', file, '--adapter', 'caddyfile'], {
        encoding: 'utf8',
        env: { ...process.env, default_site_port: ':80' },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const routes = JSON.parse(json).apps.http.servers.srv0.routes as any[];
      const flower = routes.filter((r) =>
        r.match?.some((m: any) => m.host?.includes('flower.learn.example.com')),
      );
      expect(flower).toHaveLength(1);
      const inner = flower[0].handle[0].routes as any[];
      const metrics = inner.findIndex((r) =>
        r.match?.some((m: any) => m.path?.includes('/metrics')),
      );
      const proxy = inner.findIndex((r) => r.handle?.[0]?.handler === 'reverse_proxy');
      expect(inner[metrics].handle[0]).toEqual({ handler: 'static_response', status_code: 404 });
      expect(inner[proxy].handle[0].upstreams).toEqual([{ dial: 'flower:5555' }]);
      expect(metrics).toBeLessThan(proxy);
      // The stock sites are still there.
      expect(routes.length).toBeGreaterThanOrEqual(4);
    }
  });
});

it('leaves every document of a render it does not need alone', () => {
  // Changed ConfigMaps take new hashed names (the rollout); compare without the hashes.
  const unhashed = (list: Record<string, any>[]) => {
    const names = list
      .filter((r) => r.kind === 'ConfigMap' && HASH_SUFFIX.test(r.metadata.name))
      .map((r) => r.metadata.name as string);
    return list.map((r) =>
      JSON.parse(
        names.reduce((t, n) => t.replaceAll(n, n.replace(HASH_SUFFIX, '')), JSON.stringify(r)),
      ),
    );
  };
  const input = fixture(RENDERS.v20);
  const out = unhashed(resources(runStream(input, configPath('flower')).stdout));
  const changed = unhashed(parseAllDocuments(input).map((d) => d.toJS()))
    .filter((r) => {
      const o = find(out, r.kind, r.metadata.name, r.metadata.namespace);
      return JSON.stringify(o) !== JSON.stringify(r);
    })
    .map((r) => `${r.kind}/${r.metadata.name}`);
  // The Caddyfile (Flower's site) and lms-worker (flower); the settings (the settings family).
  expect(changed).toEqual([
    'ConfigMap/caddy-config',
    'ConfigMap/openedx-settings-cms',
    'ConfigMap/openedx-settings-lms',
    'Deployment/lms-worker',
  ]);
});

// A Flower host that one of Tutor's sites has already. Caddy refuses a Caddyfile with two site
// blocks for one address on one listener: caddyconfig/httpcaddyfile/httptype.go,
// serversFromPairings ("ambiguous site definition"), in caddy v2.6.2 (Debian's caddy 2.6.2-5,
// which .ci/run installs) and still on master. It compares addresses after ParseAddress and
// Normalize (caddyconfig/httpcaddyfile/addresses.go): no scheme, port or path, the host in lower
// case; a host served twice on different ports or with other spellings is still one host.
describe('a Flower host Tutor’s Caddy already serves', () => {
  const withAuth = (host: string) =>
    flowerConfig({
      enabled: true,
      basicAuthSecret: { name: 'flower-basic-auth' },
      expose: { host },
    });

  describe.each(['v19', 'v20', 'v21', 'custom'] as const)('render %s', (render) => {
    const input = fixture(RENDERS[render]);
    const namespace = resources(input).find((r) => r.kind === 'Namespace')?.metadata.name;
    const tutors = caddyfileOf(resources(input), namespace);
    // Tutor's sites as Caddy itself sees them, not as the function reads them.
    const hosts = HAS_CADDY ? adaptedHosts(caddyAdapt(tutors).config) : [];

    it.skipIf(!HAS_CADDY)('is refused for each of them, naming the site', () => {
      expect(hosts.length).toBeGreaterThanOrEqual(3); // LMS, Studio, Meilisearch (and preview)
      for (const host of hosts) {
        // What the function would have written: Caddy refuses it, and Tutor's sites with it.
        const site = flowerSite(host, { proxySnippet: true, defaultSitePort: true });
        const unchecked = withFlowerSite(tutors, site) as { text: string };
        expect(caddyAdapt(unchecked.text).error).toMatch(/ambiguous site definition/);

        const out = runWithConfig(input, withAuth(host));
        expect(out.status, host).toBe(1);
        expect(out.stdout).toBe('');
        expect(out.messages).toMatch(
          new RegExp(
            `^celery-queues: error: CeleryQueues celery-queues spec\\.flower\\.expose\\.host: ${host.replaceAll('.', '\\.')} is a host Tutor's Caddy already serves \\(the site ${host.replaceAll('.', '\\.')}\\{\\$default_site_port\\} in ConfigMap ${namespace}/caddy-config-\\w+ data\\.Caddyfile\\): .*"ambiguous site definition".*such as flower\\.${host.replaceAll('.', '\\.')}\\n$`,
          ),
        );
      }
    });
  });

  it('is refused for a site a plugin added (an MFE host), and for Tutor’s sites written otherwise', () => {
    const input = fixture(RENDERS.custom);
    const list = resources(input);
    const caddy = list.find((r) => r.kind === 'ConfigMap' && r.data?.Caddyfile);
    for (const [extra, host] of [
      // tutor-mfe's site, in Tutor's style.
      [
        'apps.learn.example.com{$default_site_port} {\n    import proxy "mfe:8002"\n}\n',
        'apps.learn.example.com',
      ],
      // Another port, a scheme, upper case, a path: still the host Caddy serves.
      ['http://Extra.Learn.Example.com:8080/x {\n    respond 200\n}\n', 'extra.learn.example.com'],
      [
        '"quoted.learn.example.com", \\\n  other.learn.example.com:8443 {\n    respond 200\n}\n',
        'other.learn.example.com',
      ],
    ] as const) {
      const edited = {
        ...caddy,
        data: { ...caddy?.data, Caddyfile: `${caddy?.data.Caddyfile}${extra}` },
      };
      const text = list.map((r) => stringify(r === caddy ? edited : r)).join('---\n');
      if (HAS_CADDY) expect(caddyAdapt(edited.data.Caddyfile, true).ok, extra).toBe(true);
      const out = runWithConfig(text, withAuth(host));
      expect(out.status, host).toBe(1);
      expect(out.stderr).toContain(
        `spec.flower.expose.host: ${host} is a host Tutor's Caddy already serves`,
      );
    }
  });

  it('is not refused for a host next to them', () => {
    const out = runWithConfig(fixture(RENDERS.custom), withAuth('flower.studio.learn.example.com'));
    expect(out.status).toBe(0);
    expect(caddyfileOf(resources(out.stdout), 'openedx-prod')).toContain(
      'flower.studio.learn.example.com{$default_site_port} {',
    );
  });
});

// The function reads a Caddyfile's sites as Caddy 2.6.2 does (caddyconfig/caddyfile/lexer.go:
// tokens, quotes, escapes, comments; parse.go: addresses(), snippets, the global options block):
// on generated Caddyfiles, its hosts are the hosts of Caddy's own JSON, whenever Caddy takes them.
describe('caddySites', () => {
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,6}[a-z0-9])?$/);
  const host = fc.oneof(
    fc.array(label, { minLength: 1, maxLength: 4 }).map((l) => `${l.join('.')}.example`),
    fc.constantFrom('localhost', '127.0.0.1', '[::1]', '*.wild.example', 'MiXeD.Example.COM'),
  );
  const address = fc
    .record({
      scheme: fc.constantFrom('', 'http://', 'https://'),
      host,
      port: fc.constantFrom('', ':8080', ':9443', '{$default_site_port}'),
      path: fc.constantFrom('', '/p'),
      quote: fc.constantFrom('', '"', '`'),
    })
    .map(({ scheme, host, port, path, quote }) => {
      const p = scheme === 'https://' && port === ':8080' ? '' : port;
      return `${quote}${scheme}${host}${scheme === 'http://' && p === '' ? ':8081' : p}${path}${quote}`;
    });
  const body = fc.constantFrom(
    '    respond 200\n',
    '    # a comment { with a brace\n    respond "a } b"\n',
    '    handle /x {\n        respond `{x}` 200\n    }\n',
    '    import snippet\n',
    '',
  );
  const site = fc.record({
    // (Quirks of their own, left out: one host twice in a block, or a comma as a token of its
    // own after a quoted address, which Caddy reads as an empty address, so that it matches no
    // host at all.)
    addresses: fc.uniqueArray(address, {
      minLength: 1,
      maxLength: 3,
      selector: (a) => siteHost(a.replace(/[`"]|\{\$default_site_port\}/g, '')),
    }),
    separator: fc.constantFrom(', ', ',\n', ' '),
    body,
  });
  const caddyfile = fc
    .record({
      global: fc.boolean(),
      sites: fc.array(site, { minLength: 1, maxLength: 4 }),
      comment: fc.boolean(),
    })
    .map(({ global, sites, comment }) =>
      [
        global ? '{\n    admin off\n}\n' : '',
        '(snippet) {\n    respond "from a snippet"\n}\n',
        ...sites.map(
          (s) =>
            `${comment ? '# a site\n' : ''}${s.addresses.map((a, n) => (n === 0 ? a : `${/[`"]$/.test(s.addresses[n - 1] as string) ? ' ' : s.separator}${a}`)).join('')} {\n${s.body}}\n`,
        ),
      ].join(''),
    );

  it.skipIf(!HAS_CADDY)('finds the hosts Caddy serves', () => {
    let adapted = 0;
    fc.assert(
      fc.property(caddyfile, (text) => {
        const r = caddyAdapt(text, true);
        if (!r.ok) return; // two sites with one address, or some other thing Caddy refuses
        adapted++;
        expect(new Set(caddySites(text).map((s) => s.host))).toEqual(
          new Set(adaptedHosts(r.config)),
        );
      }),
      { seed: 20261128, numRuns: 120 },
    );
    expect(adapted).toBeGreaterThan(60);
  });

  it.each([
    [
      'Tutor’s sites',
      'a.example{$default_site_port}, b.example{$default_site_port} {\n}\n',
      ['a.example', 'b.example'],
    ],
    [
      'no snippet, no global options',
      '{\n    debug\n}\n(proxy) {\n    x\n}\nc.example {\n}\n',
      ['c.example'],
    ],
    [
      'an address line that goes on after a comma',
      'a.example,\n  b.example {\n}\n',
      ['a.example', 'b.example'],
    ],
    [
      'a line joined by a backslash',
      'a.example \\\n  b.example {\n}\n',
      ['a.example', 'b.example'],
    ],
    [
      'a quoted comma and an escaped quote',
      '"a.example" {\n    respond "x\\" }"\n}\nb.example {\n}\n',
      ['a.example', 'b.example'],
    ],
    ['a placeholder with a default', '{$SITE:d.example} {\n}\n', ['d.example']],
    [
      'a site without braces: the rest is its body',
      'e.example\nrespond f.example\n',
      ['e.example'],
    ],
    ['an import at the top (unreadable here)', 'import sites/*\ng.example {\n}\n', ['g.example']],
  ])('%s', (_what, text, hosts) => {
    expect(caddySites(text).map((s) => s.host)).toEqual(hosts);
  });
});

// Whatever host the config gives Flower, it is refused or it becomes one site of a Caddyfile
// Caddy takes, next to Tutor's own (runWithConfig also has Caddy adapt every Caddyfile written).
describe('hostile Flower hosts', () => {
  it.skipIf(!HAS_CADDY)('never reach Caddy as anything but one more host', () => {
    const input = fixture(RENDERS.v20);
    const tutors = adaptedHosts(caddyAdapt(caddyfileOf(resources(input), 'openedx')).config);
    const hostile = fc.oneof(
      fc.domain(),
      fc.string({ maxLength: 30 }),
      fc.constantFrom(
        'flower.www.myopenedx.com {\n}\nevil.example',
        'f.example, www.myopenedx.com',
        'f.example{$default_site_port}',
        'f.example # comment',
        '"f.example"',
        'F.EXAMPLE',
        '$(CELERY_BROKER_URL).example',
        'www.myopenedx.com',
      ),
    );
    let accepted = 0;
    fc.assert(
      fc.property(hostile, (host) => {
        const out = runWithConfig(
          input,
          flowerConfig({ enabled: true, basicAuthSecret: { name: 'a' }, expose: { host } }),
        );
        if (out.status !== 0) {
          expect(out.stdout).toBe('');
          expect(out.stderr).toMatch(
            /^celery-queues: error: CeleryQueues celery-queues spec\.flower\.expose\.host: /,
          );
          return;
        }
        accepted++;
        const written = caddyAdapt(caddyfileOf(resources(out.stdout), 'openedx'));
        expect(written.ok).toBe(true);
        expect(adaptedHosts(written.config).sort()).toEqual([...tutors, host].sort());
      }),
      { seed: 20261128, numRuns: 60 },
    );
    expect(accepted).toBeGreaterThan(10);
  });
});
