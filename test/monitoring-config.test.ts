// Monitoring settings one by one: config errors, the lint warnings, the exporter alone, the
// load trigger's variants, several instances, removal, and the PromQL builders as tables.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concurrencyOf } from '../src/celery/args.js';
import {
  literalRegex,
  loadQuery,
  nodeNamePattern,
  queueMatcher,
  quote,
  workerNodes,
} from '../src/promql/celery-exporter.js';
import { crdValidator, errorsOf } from './crd.js';
import {
  celeryQueuesConfig,
  find,
  fixture,
  RENDERS,
  resources,
  runWithConfig,
  twoInstances,
} from './helpers.js';
import { exportedMetrics, interpolate, selectorsOf, TARGET_LABELS } from './promql.js';

const SERVER = 'http://prometheus-operated.monitoring.svc:9090';
const V20 = fixture(RENDERS.v20);

type Resource = Record<string, any>;

function run(spec: unknown, input = V20) {
  const r = runWithConfig(input, celeryQueuesConfig(spec));
  const lines = r.stderr.split('\n').filter(Boolean);
  return {
    ...r,
    list: resources(r.stdout),
    errors: lines.filter((l) => l.startsWith('celery-queues: error: ')),
    warnings: lines.filter((l) => l.startsWith('celery-queues: warning: ')),
  };
}

const exporterOn = { exporter: { enabled: true } };

/** The v20 render with lms-worker's pods given a grace period. */
function withGracePeriod(seconds: number): string {
  const at = V20.indexOf('  name: lms-worker\n  namespace: openedx\n');
  const spec = V20.indexOf('\n    spec:\n', at) + '\n    spec:\n'.length;
  return `${V20.slice(0, spec)}      terminationGracePeriodSeconds: ${seconds}\n${V20.slice(spec)}`;
}

describe('config errors: one line each, exit 1, nothing written', () => {
  const cases: [string, unknown, string][] = [
    [
      'alerts without the exporter',
      { monitoring: { alerts: { enabled: true } } },
      'spec.monitoring.alerts: the alerts read celery-exporter’s metrics',
    ],
    [
      'load scaling without the exporter',
      {
        lms: { queues: { high: { autoscaling: { enabled: true, load: { enabled: true } } } } },
        monitoring: { prometheus: { serverAddress: SERVER } },
      },
      'spec.lms.queues.high.autoscaling.load: load scaling reads celery-exporter’s metrics',
    ],
    [
      'load scaling without a Prometheus server',
      {
        lms: { queues: { high: { autoscaling: { enabled: true, load: { enabled: true } } } } },
        monitoring: exporterOn,
      },
      'spec.lms.queues.high.autoscaling.load: load scaling needs the Prometheus KEDA queries',
    ],
    [
      'load scaling without autoscaling',
      {
        lms: { queues: { high: { autoscaling: { load: { enabled: true } } } } },
        monitoring: { ...exporterOn, prometheus: { serverAddress: SERVER } },
      },
      'spec.lms.queues.high.autoscaling.load: needs autoscaling',
    ],
    [
      'load scaling with priority lists',
      {
        cms: {
          queues: {
            low: {
              autoscaling: {
                enabled: true,
                load: { enabled: true },
                priorityLists: { enabled: true },
              },
            },
          },
        },
        monitoring: { ...exporterOn, prometheus: { serverAddress: SERVER } },
      },
      'spec.cms.queues.low.autoscaling.load: load and priorityLists cannot be combined',
    ],
    [
      'a server address that is not an HTTP URL',
      { monitoring: { prometheus: { serverAddress: 'prometheus:9090' } } },
      'spec.monitoring.prometheus.serverAddress:',
    ],
    [
      'a version that is no image tag',
      { monitoring: { exporter: { enabled: true, version: 'v0.12.2 latest' } } },
      'spec.monitoring.exporter.version: must be an image tag',
    ],
    [
      'a failure threshold of 100 %',
      {
        monitoring: {
          ...exporterOn,
          alerts: { enabled: true, taskFailureRate: { threshold: 100 } },
        },
      },
      'spec.monitoring.alerts.taskFailureRate.threshold:',
    ],
    [
      'a misspelt field',
      { monitoring: { exporter: { enabled: true, serviceMonitr: {} } } },
      'spec.monitoring.exporter.serviceMonitr: unknown field',
    ],
  ];
  it.each(cases)('%s', (_name, spec, message) => {
    const r = run(spec);
    expect(r.status).toBe(1);
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors.join('\n')).toContain(message);
    for (const line of r.errors) expect(line).not.toContain('\n');
    expect(r.stdout).toBe('');
  });
});

describe('lint: cooldown shorter than the grace period', () => {
  const autoscaled = (autoscaling: Record<string, unknown>) => ({
    lms: { queues: { high: { autoscaling: { enabled: true, ...autoscaling } } } },
  });

  it('warns when a queue scales to zero sooner than its workers may take to stop', () => {
    const r = run(autoscaled({ cooldownPeriod: 10 }));
    expect(r.status).toBe(0);
    expect(r.warnings).toEqual([
      'celery-queues: warning: CeleryQueues celery-queues spec.lms.queues.high.autoscaling.cooldownPeriod: cooldownPeriod (10 s) is shorter than the termination grace period of lms-worker-high in openedx (30 s): the queue reads empty while a worker runs the tasks it took, so KEDA may scale it to zero in the middle of a task. Set cooldownPeriod to at least 30, minReplicas to 1, or load.enabled (which counts running tasks)',
    ]);
  });

  it('reads the grace period from the worker Deployment, wherever it was set', () => {
    const input = withGracePeriod(3600);
    const r = run(autoscaled({}), input);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain(
      'spec.lms.queues.high.autoscaling: cooldownPeriod (300 s, KEDA’s default) is shorter than the termination grace period of lms-worker-high in openedx (3600 s)',
    );
    expect(run(autoscaled({ cooldownPeriod: 3600 }), input).warnings).toEqual([]);
  });

  it('reads a grace period the config sets (terminationGracePeriodSeconds)', () => {
    const r = run({
      lms: {
        workerDefaults: { terminationGracePeriodSeconds: 600 },
        queues: {
          high: { autoscaling: { enabled: true } },
          high_mem: { terminationGracePeriodSeconds: 7200, autoscaling: { enabled: true } },
        },
      },
    });
    expect(r.status).toBe(0);
    expect(r.warnings.map((w) => /\((\d+) s\): the queue/.exec(w)?.[1])).toEqual(['600', '7200']);
    expect(r.warnings[1]).toContain('lms-worker-high-mem in openedx (7200 s)');
  });

  it('says nothing when the worker never goes to zero, or load scaling counts running tasks', () => {
    const input = withGracePeriod(3600);
    expect(run(autoscaled({ minReplicas: 1 }), input).warnings).toEqual([]);
    expect(
      run(
        {
          ...autoscaled({ load: { enabled: true } }),
          monitoring: { ...exporterOn, prometheus: { serverAddress: SERVER } },
        },
        input,
      ).warnings,
    ).toEqual([]);
    // The stock worker, not autoscaled, has no cooldown at all.
    expect(run({ lms: { queues: { high: {} } } }, input).warnings).toEqual([]);
  });
});

describe('lint: scale-to-zero with the worker-down alert', () => {
  const spec = (includeScaleToZero: boolean) => ({
    lms: { queues: { high: { autoscaling: { enabled: true } } } },
    monitoring: {
      ...exporterOn,
      alerts: { enabled: true, workerDown: { includeScaleToZero } },
    },
  });
  const downRules = (list: Resource[]) =>
    ((find(list, 'PrometheusRule', 'celery-alerts') as Resource).spec.groups[0].rules as Resource[])
      .filter((r) => r.alert === 'CeleryWorkerDown')
      .map((r) => r.labels.deployment);

  it('leaves scale-to-zero workers out by default', () => {
    const r = run(spec(false));
    expect(r.warnings).toEqual([]);
    expect(downRules(r.list)).toEqual(['lms-worker', 'cms-worker']);
  });

  it('warns when they are watched anyway', () => {
    const r = run(spec(true));
    expect(downRules(r.list)).toEqual(['lms-worker', 'lms-worker-high', 'cms-worker']);
    expect(r.warnings).toEqual([
      'celery-queues: warning: CeleryQueues celery-queues spec.monitoring.alerts.workerDown.includeScaleToZero: CeleryWorkerDown watches lms-worker-high in openedx, which may scale to zero: it will fire whenever its queue stays empty for 15m. Set includeScaleToZero to false, or minReplicas to 1',
    ]);
  });

  it('writes no worker-down rule when it is off, and no warning', () => {
    const off = {
      ...spec(true),
      monitoring: {
        ...exporterOn,
        alerts: { enabled: true, workerDown: { enabled: false, includeScaleToZero: true } },
      },
    };
    const r = run(off);
    expect(r.warnings).toEqual([]);
    expect(downRules(r.list)).toEqual([]);
  });
});

describe('the exporter on its own', () => {
  const r = run({
    monitoring: {
      exporter: {
        enabled: true,
        image: 'registry.example.com/celery-exporter',
        version: '0.11.2',
        serviceMonitor: { labels: { prometheus: 'main' }, interval: '1m' },
      },
    },
  });

  it('runs the given image and version, scraped as configured, with no alerts', () => {
    expect(r.status).toBe(0);
    const d = find(r.list, 'Deployment', 'celery-exporter', 'openedx') as Resource;
    expect(d.spec.template.spec.containers[0].image).toBe(
      'registry.example.com/celery-exporter:0.11.2',
    );
    const monitor = find(r.list, 'ServiceMonitor', 'celery-exporter', 'openedx') as Resource;
    expect(monitor.metadata.labels.prometheus).toBe('main');
    expect(monitor.metadata.labels.release).toBeUndefined();
    expect(monitor.spec.endpoints[0].interval).toBe('1m');
    expect(r.list.some((x) => x.kind === 'PrometheusRule')).toBe(false);
  });

  it('lists the stock workers’ queues when no service is configured', () => {
    const d = find(r.list, 'Deployment', 'celery-exporter', 'openedx') as Resource;
    expect(d.spec.template.spec.containers[0].args[0]).toBe(
      '--queues=edx.lms.core.default,edx.lms.core.high,edx.lms.core.high_mem,edx.cms.core.default,edx.cms.core.high,edx.cms.core.low',
    );
  });

  it('writes no ServiceMonitor when asked not to', () => {
    const off = run({
      monitoring: { exporter: { enabled: true, serviceMonitor: { enabled: false } } },
    });
    expect(off.list.some((x) => x.kind === 'ServiceMonitor')).toBe(false);
    expect(find(off.list, 'Service', 'celery-exporter', 'openedx')).toBeDefined();
  });

  it('leaves Flower’s dashboard as it is without the exporter, and adds real queue panels with it', () => {
    const flower = { enabled: true, grafanaDashboard: { enabled: true } };
    const panels = (spec: unknown) => {
      const cm = find(run(spec).list, 'ConfigMap', 'flower-dashboard', 'openedx') as Resource;
      return JSON.parse(Object.values(cm.data)[0] as string).panels as Resource[];
    };
    const without = panels({ flower });
    const withIt = panels({ flower, monitoring: exporterOn });
    expect(without).toHaveLength(9);
    expect(without[0]?.title).toBe('Total queue length (estimated)');
    expect(withIt.map((p) => p.title)).toEqual([
      'Total queue length',
      ...without.slice(1).map((p) => p.title),
      'Queue length by queue',
    ]);
    expect(withIt[0]?.targets[0].expr).toBe(
      'sum(celery_queue_length{namespace=~"$namespace", job="celery-exporter"})',
    );
    expect(withIt.slice(1, 9)).toEqual(without.slice(1));
  });
});

describe('load-aware scaling', () => {
  const monitoring = { ...exporterOn, prometheus: { serverAddress: SERVER } };
  const triggersOf = (list: Resource[], name: string) =>
    (find(list, 'ScaledObject', name, 'openedx-prod') ?? find(list, 'ScaledObject', name))?.spec
      .triggers as Resource[];

  it('takes its threshold from tasksPerReplica, else the worker’s --concurrency, else listLength', () => {
    const r = run({
      lms: {
        queues: {
          high: { autoscaling: { enabled: true, listLength: 7, load: { enabled: true } } },
          high_mem: {
            extraArgs: ['-c', '3'],
            autoscaling: { enabled: true, load: { enabled: true } },
          },
        },
      },
      cms: {
        queues: {
          low: {
            extraArgs: ['--concurrency=3'],
            autoscaling: { enabled: true, load: { enabled: true, tasksPerReplica: 5 } },
          },
        },
      },
      monitoring,
    });
    expect(r.status).toBe(0);
    const threshold = (name: string) =>
      triggersOf(r.list, name).find((t) => t.type === 'prometheus')?.metadata.threshold;
    expect(threshold('lms-worker-high-scaledobject')).toBe('7');
    expect(threshold('lms-worker-high-mem-scaledobject')).toBe('3');
    expect(threshold('cms-worker-low-scaledobject')).toBe('5');
  });

  it('counts all the queues of a stock worker, and its own workers only', () => {
    const r = run({
      lms: { queues: { default: { autoscaling: { enabled: true, load: { enabled: true } } } } },
      monitoring,
    });
    const [redis, load] = triggersOf(r.list, 'lms-worker-scaledobject');
    expect(redis?.type).toBe('redis');
    expect(load?.metadata.query).toBe(
      'sum(celery_queue_length{namespace="openedx", job="celery-exporter", queue_name=~"edx\\\\.lms\\\\.core\\\\.default|edx\\\\.lms\\\\.core\\\\.high|edx\\\\.lms\\\\.core\\\\.high_mem"}) + (sum(celery_worker_tasks_active{namespace="openedx", job="celery-exporter", hostname=~"edx\\\\.lms\\\\.core\\\\.default\\\\..+"}) or vector(0))',
    );
    expect(load?.metadata.serverAddress).toBe(SERVER);
    expect(load?.metadata.ignoreNullValues).toBe('false');
  });

  it('replaces the list trigger on request, and then needs no broker credentials', () => {
    const r = run(
      {
        cms: {
          queues: {
            low: { autoscaling: { enabled: true, load: { enabled: true, listTrigger: false } } },
          },
        },
        monitoring,
      },
      fixture(RENDERS.custom),
    );
    expect(r.status).toBe(0);
    expect(triggersOf(r.list, 'cms-worker-low-scaledobject').map((t) => t.type)).toEqual([
      'prometheus',
    ]);
    expect(r.list.some((x) => x.kind === 'TriggerAuthentication')).toBe(false);
    // The exporter still reads the broker URL from the Secret.
    expect(find(r.list, 'Secret', 'celery-queues-broker', 'openedx-prod')).toBeDefined();
  });
});

describe('several instances, and removal', () => {
  const spec = {
    lms: { queues: { high: { autoscaling: { enabled: true, minReplicas: 1 } } } },
    monitoring: { ...exporterOn, alerts: { enabled: true } },
  };

  it('gives each namespace its own exporter and rules, selecting its own series', () => {
    const r = run(spec, twoInstances());
    expect(r.status).toBe(0);
    for (const ns of ['openedx', 'openedx-prod']) {
      expect(find(r.list, 'Deployment', 'celery-exporter', ns)).toBeDefined();
      const rule = find(r.list, 'PrometheusRule', 'celery-alerts', ns) as Resource;
      for (const x of rule.spec.groups[0].rules) {
        expect(x.expr).toContain(`namespace="${ns}"`);
        expect(x.expr).not.toMatch(new RegExp(`namespace="(?!${ns}")`));
      }
    }
  });

  it('takes everything away again when monitoring goes from the config', () => {
    const on = run(spec);
    const off = runWithConfig(on.stdout, celeryQueuesConfig({ lms: spec.lms }));
    expect(off.status).toBe(0);
    const list = resources(off.stdout);
    for (const kind of ['ServiceMonitor', 'PrometheusRule']) {
      expect(list.some((x) => x.kind === kind)).toBe(false);
    }
    expect(find(list, 'Deployment', 'celery-exporter')).toBeUndefined();
    expect(find(list, 'Service', 'celery-exporter')).toBeUndefined();
    expect(off.stdout).toBe(run({ lms: spec.lms }).stdout);
  });
});

describe('the PromQL builders', () => {
  it.each([
    [['--hostname=edx.lms.core.high_mem.%h'], 'edx\\.lms\\.core\\.high_mem\\..+'],
    [['-n', 'worker@edx.cms.core.low.%n'], 'edx\\.cms\\.core\\.low\\..+'],
    [['--hostname', 'a%%b.%d'], 'a%b\\..+'],
    [[], 'lms-worker-x-[a-z0-9]+-[a-z0-9]+'],
  ])('node names of %j', (args, pattern) => {
    expect(nodeNamePattern(args, 'lms-worker-x')).toBe(pattern);
  });

  it('gives a worker the pattern of its command line, made once for every output that asks', () => {
    for (const args of [['--hostname=edx.lms.core.high.%h'], ['-n', 'a%%b.%d'], []]) {
      const worker = { args, name: 'lms-worker-high' };
      expect(workerNodes(worker)).toBe(nodeNamePattern(args, worker.name));
      expect(workerNodes(worker)).toBe(workerNodes(worker));
    }
  });

  it('matches the node names celery-exporter reports, and no other worker’s', () => {
    const re = new RegExp(`^${nodeNamePattern(['--hostname=edx.lms.core.high.%h'], 'x')}$`);
    expect(re.test('edx.lms.core.high.lms-worker-high-7c9d-x2x7k')).toBe(true);
    expect(re.test('edx.lms.core.high_mem.lms-worker-high-mem-7c9d-x2x7k')).toBe(false);
    expect(re.test('edx.lms.core.highXlms-worker')).toBe(false);
  });

  it('matches exactly the hostname it is given, with any text for %h, %n and %d', () => {
    // The node name after the "@": regular expressions' own characters, and a literal %.
    const part = fc.string({ unit: fc.constantFrom(...'ab.-_*+?^$()[]{}|\\/%'), maxLength: 8 });
    const written = (s: string) => s.replaceAll('%', '%%');
    const pattern = (hostname: string) =>
      new RegExp(`^${nodeNamePattern([`--hostname=${hostname}`], 'd')}$`);
    fc.assert(
      fc.property(part, part, fc.constantFrom('%h', '%n', '%d'), part, (a, b, code, filler) => {
        expect(pattern(`w@${written(a)}`).test(a)).toBe(true);
        const any = pattern(`w@${written(a)}${code}${written(b)}`);
        expect(any.test(`${a}x${filler}${b}`)).toBe(true);
        expect(any.test(`${a}${b}`)).toBe(false);
      }),
    );
  });

  it('quotes and escapes', () => {
    expect(quote('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(literalRegex('edx.lms.core.high')).toBe('edx\\.lms\\.core\\.high');
    expect(queueMatcher(['q.a'])).toBe('queue_name="q.a"');
    expect(queueMatcher(['q.a', 'q.b'])).toBe('queue_name=~"q\\\\.a|q\\\\.b"');
  });

  it('reads --concurrency in every spelling', () => {
    expect(concurrencyOf(['--concurrency=4'])).toBe(4);
    expect(concurrencyOf(['--concurrency', '4'])).toBe(4);
    expect(concurrencyOf(['-c', '2'])).toBe(2);
    expect(concurrencyOf(['-c8'])).toBe(8);
    expect(concurrencyOf(['--pool=gevent'])).toBeUndefined();
    expect(concurrencyOf(['--concurrency=0'])).toBeUndefined();
  });

  it('builds a load query that parses, without a namespace too', () => {
    const q = loadQuery({ namespace: '', queues: ['a', 'b'], nodes: 'x\\..+' });
    expect(q).toBe(
      'sum(celery_queue_length{job="celery-exporter", queue_name=~"a|b"}) + (sum(celery_worker_tasks_active{job="celery-exporter", hostname=~"x\\\\..+"}) or vector(0))',
    );
    expect(selectorsOf(q).map((s) => s.metric)).toEqual([
      'celery_queue_length',
      'celery_worker_tasks_active',
    ]);
  });
});

describe('property: every accepted monitoring config', () => {
  const validators = {
    ServiceMonitor: crdValidator('prometheus-operator/crd-servicemonitors.yaml', 'v1'),
    PrometheusRule: crdValidator('prometheus-operator/crd-prometheusrules.yaml', 'v1'),
    ScaledObject: crdValidator('keda-2.20.2/keda.sh_scaledobjects.yaml'),
  };
  const exported = exportedMetrics();
  const loadArb = fc.record(
    {
      enabled: fc.constantFrom(true, false, false),
      tasksPerReplica: fc.integer({ min: 1, max: 20 }),
      listTrigger: fc.boolean(),
    },
    { requiredKeys: ['enabled'] },
  );
  const queueArb = fc.record(
    {
      extraArgs: fc.constantFrom([], ['--concurrency=3'], ['-c', '1']),
      autoscaling: fc.record(
        {
          enabled: fc.constantFrom(true, true, true, false),
          minReplicas: fc.constantFrom(0, 1),
          cooldownPeriod: fc.constantFrom(0, 10, 300, 3600),
          load: loadArb,
        },
        { requiredKeys: ['enabled'] },
      ),
    },
    { requiredKeys: [] },
  );
  const queuesArb = fc.dictionary(fc.constantFrom('default', 'high', 'high_mem', 'low'), queueArb, {
    maxKeys: 3,
  });
  const specArb = fc.record(
    {
      lms: fc.record({ queues: queuesArb }),
      cms: fc.record({ queues: queuesArb }),
      flower: fc.constant({ enabled: true, grafanaDashboard: { enabled: true } }),
      monitoring: fc.record(
        {
          exporter: fc.record(
            {
              enabled: fc.constantFrom(true, true, true, true, false),
              serviceMonitor: fc.record({ enabled: fc.boolean() }),
            },
            { requiredKeys: ['enabled'] },
          ),
          alerts: fc.record({
            enabled: fc.boolean(),
            workerDown: fc.record({ enabled: fc.boolean(), includeScaleToZero: fc.boolean() }),
          }),
          prometheus: fc.constant({ serverAddress: SERVER }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ['monitoring'] },
  );

  it('gives valid, parseable, idempotent monitoring; a refused one changes nothing', () => {
    let accepted = 0;
    const numRuns = Number(process.env.PROPERTY_RUNS ?? 40);
    fc.assert(
      fc.property(fc.constantFrom(RENDERS.v20, RENDERS.custom), specArb, (render, spec) => {
        const input = fixture(render);
        const r = run(spec, input);
        if (r.status !== 0) {
          expect(r.errors.length).toBeGreaterThan(0);
          expect(r.stdout).toBe('');
          return;
        }
        for (const x of r.list) {
          const v = validators[x.kind as keyof typeof validators];
          if (v) expect(v(x), `${x.kind} ${errorsOf(v).join('; ')}`).toBe(true);
        }
        const workers = r.list.filter(
          (x) => x.kind === 'Deployment' && /^(lms|cms)-worker/.test(x.metadata.name),
        );
        const exporter = find(r.list, 'Deployment', 'celery-exporter');
        if (exporter) {
          const listed = exporter.spec.template.spec.containers[0].args[0].slice(
            '--queues='.length,
          );
          for (const w of workers) {
            const queues = w.spec.template.spec.containers[0].args
              .find((a: string) => a.startsWith('--queues='))
              .slice('--queues='.length)
              .split(',');
            for (const q of queues) expect(listed.split(',')).toContain(q);
          }
        }
        for (const { where, expr } of exprsOf(r.list)) {
          for (const { metric, labels } of selectorsOf(expr)) {
            expect([...exported.keys()], where).toContain(metric);
            for (const l of labels) {
              expect([...(exported.get(metric) ?? []), ...TARGET_LABELS], where).toContain(l);
            }
          }
        }
        const rule = find(r.list, 'PrometheusRule', 'celery-alerts');
        if (rule && !spec.monitoring.alerts?.workerDown?.includeScaleToZero) {
          const watched = rule.spec.groups[0].rules
            .filter((x: Resource) => x.alert === 'CeleryWorkerDown')
            .map((x: Resource) => x.labels.deployment);
          for (const so of r.list.filter((x) => x.kind === 'ScaledObject')) {
            if (so.spec.minReplicaCount === 0) {
              expect(watched).not.toContain(so.spec.scaleTargetRef.name);
            }
          }
        }
        expect(run(spec, r.stdout).stdout).toBe(r.stdout);
        accepted++;
      }),
      { seed: 20261128, numRuns },
    );
    // The generators mostly make configs the function accepts: the checks above ran.
    expect(accepted).toBeGreaterThan(numRuns / 2);
  });
});

/** The PromQL of an output: alert rules, KEDA load queries, the dashboard's exporter panels. */
function exprsOf(list: Resource[]): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const r of list) {
    if (r.kind === 'PrometheusRule') {
      for (const rule of r.spec.groups[0].rules) out.push({ where: rule.alert, expr: rule.expr });
    }
    if (r.kind === 'ScaledObject') {
      for (const t of r.spec.triggers) {
        if (t.type === 'prometheus') out.push({ where: r.metadata.name, expr: t.metadata.query });
      }
    }
    if (r.kind === 'ConfigMap' && r.metadata.name === 'flower-dashboard') {
      for (const p of JSON.parse(Object.values(r.data)[0] as string).panels) {
        for (const t of p.targets) {
          if (t.expr.includes('celery_')) out.push({ where: p.title, expr: interpolate(t.expr) });
        }
      }
    }
  }
  return out;
}
