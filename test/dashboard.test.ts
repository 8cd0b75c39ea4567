// The Grafana dashboard: it parses, it is small enough for kubectl apply, each of the nine
// documented panels has a query, every query is PromQL (parsed by Prometheus' own grammar) over
// metrics Flower really exports with labels those metrics have, and it loads from a ConfigMap.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { Monitoring } from '../src/config/schema.js';
import {
  DEPLOYMENT_VARIABLE,
  dashboardUid,
  flowerDashboard,
  flowerDashboardJson,
  flowerPanels,
  PANEL_ROLES,
  type PanelSpec,
} from '../src/grafana/dashboard.js';
import { exporterQueuePanels } from '../src/grafana/exporter-panels.js';
import { configPath, find, fixture, RENDERS, ROOT, resources, runStream } from './helpers.js';
import { interpolate, type Selector, selectorsOf } from './promql.js';

// What Flower exports, and with which labels: flower/events.py, class PrometheusMetrics, at the
// tags v2.0.1 (the default image) and v2.1.0 of mher/flower (identical there). A histogram is
// exported as _bucket (with le), _sum and _count; a counter as _total.
const FLOWER_METRICS: Record<string, string[]> = {
  flower_events_total: ['worker', 'type', 'task'],
  flower_task_runtime_seconds_bucket: ['worker', 'task', 'le'],
  flower_task_runtime_seconds_sum: ['worker', 'task'],
  flower_task_runtime_seconds_count: ['worker', 'task'],
  flower_task_prefetch_time_seconds: ['worker', 'task'],
  flower_worker_prefetched_tasks: ['worker', 'task'],
  flower_worker_online: ['worker'],
  flower_worker_number_of_currently_executing_tasks: ['worker'],
};
// Labels Prometheus adds to every series it scrapes through a ServiceMonitor.
const TARGET_LABELS = ['namespace', 'service', 'pod', 'container', 'endpoint', 'job', 'instance'];

// The panels docs/flower.md lists, in its words.
const DOCUMENTED = (
  /The dashboard's nine panels \(([^)]*)\)/.exec(
    readFileSync(join(ROOT, 'docs', 'flower.md'), 'utf8').replace(/\s+/g, ' '),
  )?.[1] ?? ''
).split(', ');

const out = resources(runStream(fixture(RENDERS.custom), configPath('flower')).stdout);
const configMap = find(out, 'ConfigMap', 'flower-dashboard') as Record<string, any>;
const [key, json] = Object.entries(configMap.data)[0] as [string, string];
const dashboard = JSON.parse(json);

describe('the dashboard ConfigMap', () => {
  it('holds one dashboard JSON, labelled for the Grafana sidecar, well under 256 KiB', () => {
    expect(Object.keys(configMap.data)).toEqual(['openedx-prod-celery-flower.json']);
    expect(key.endsWith('.json')).toBe(true);
    expect(configMap.metadata.labels.grafana_dashboard).toBe('1');
    expect(configMap.metadata.annotations['k8s-sidecar-target-directory']).toBe('Open edX');
    // kubectl apply keeps the whole object in an annotation, limited to 256 KiB.
    const size = Buffer.byteLength(stringify(configMap));
    expect(size).toBeLessThan(64 * 1024);
  });

  it('is a dashboard for this instance, with no import-time inputs', () => {
    expect(dashboard.uid).toBe('celery-flower-openedx-prod');
    expect(dashboard.title).toContain('openedx-prod');
    expect(dashboard.__inputs).toBeUndefined();
    expect(json).not.toContain('${DS_');
    expect(dashboard.id).toBeUndefined();
  });
});

describe('the panels', () => {
  const panels = dashboard.panels as any[];

  it('are the nine docs/flower.md lists, in its order', () => {
    expect(panels.map((p) => p.title.toLowerCase().replace(/ \(estimated\)$/, ''))).toEqual(
      DOCUMENTED,
    );
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
  });

  it('each query Prometheus through the $datasource variable', () => {
    for (const panel of panels) {
      expect(panel.targets.length, panel.title).toBeGreaterThan(0);
      expect(panel.datasource).toEqual({ type: 'prometheus', uid: '$datasource' });
      for (const target of panel.targets) {
        expect(target.expr.trim(), panel.title).not.toBe('');
        expect(target.datasource).toEqual({ type: 'prometheus', uid: '$datasource' });
      }
    }
  });

  it('query only metrics Flower exports, with labels those metrics have', () => {
    const used = new Set<string>();
    for (const panel of panels) {
      for (const target of panel.targets) {
        const selectors = selectorsOf(interpolate(target.expr));
        expect(selectors.length, panel.title).toBeGreaterThan(0);
        for (const { metric, labels } of selectors) {
          expect(Object.keys(FLOWER_METRICS), `${panel.title}: ${metric}`).toContain(metric);
          for (const label of labels) {
            expect(
              [...(FLOWER_METRICS[metric] ?? []), ...TARGET_LABELS],
              `${metric}{${label}}`,
            ).toContain(label);
          }
          used.add(metric);
        }
      }
    }
    // Every family Flower exports has a panel.
    expect([...used].map((m) => m.replace(/_(sum|count|bucket)$/, '')).sort()).toEqual([
      'flower_events_total',
      'flower_task_prefetch_time_seconds',
      'flower_task_runtime_seconds',
      'flower_task_runtime_seconds',
      'flower_worker_number_of_currently_executing_tasks',
      'flower_worker_online',
      'flower_worker_prefetched_tasks',
    ]);
  });

  it('filter by namespace everywhere, by task and worker where the metric has them', () => {
    for (const panel of panels) {
      for (const target of panel.targets) {
        for (const { metric, labels } of selectorsOf(interpolate(target.expr))) {
          expect(labels, `${panel.title} ${metric}`).toContain('namespace');
          if (FLOWER_METRICS[metric]?.includes('task')) expect(labels).toContain('task');
        }
      }
    }
    // task-sent events carry the sender (an LMS or CMS pod) as worker: no worker filter there.
    const queue = panels.filter((p) => /queue length/i.test(p.title));
    expect(queue).toHaveLength(2);
    for (const panel of queue) {
      expect(panel.targets[0].expr).toContain('type="task-sent"');
      expect(panel.targets[0].expr).toContain('type="task-received"');
      expect(panel.targets[0].expr).not.toContain('$worker');
      expect(panel.description).toMatch(/Flower exports no queue length/);
      expect(panel.description).toMatch(/task-sent/);
      expect(panel.description).toMatch(/task-received/);
    }
  });

  it('tile the grid without overlapping', () => {
    const cells = new Set<string>();
    for (const { gridPos: g } of panels) {
      expect(g.x + g.w).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`)).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });
});

describe('the variables', () => {
  const variables = dashboard.templating.list as any[];
  const byName = Object.fromEntries(variables.map((v) => [v.name, v]));

  it('choose the Prometheus data source, then namespace, worker Deployment, worker and task', () => {
    expect(variables.map((v) => v.name)).toEqual([
      'datasource',
      'namespace',
      'deployment',
      'worker',
      'task',
    ]);
    expect(byName.datasource).toMatchObject({ type: 'datasource', query: 'prometheus' });
    expect(byName.namespace.current.value).toBe('openedx-prod');
    for (const name of ['deployment', 'worker', 'task']) {
      expect(byName[name]).toMatchObject({ multi: true, includeAll: true, allValue: '.*' });
    }
  });

  it('list label values of Flower’s metrics, the workers of the chosen Deployments', () => {
    for (const v of variables.filter((x) => x.type === 'query')) {
      const m = /^label_values\((.+), (\w+)\)$/.exec(v.query.query);
      expect(m, v.name).not.toBeNull();
      const [{ metric, labels }] = selectorsOf(interpolate(m?.[1] as string)) as [Selector];
      expect(Object.keys(FLOWER_METRICS)).toContain(metric);
      expect([...(FLOWER_METRICS[metric] ?? []), ...TARGET_LABELS]).toContain(m?.[2]);
      expect(
        labels.every((l) => l === 'namespace' || (v.name === 'worker' && l === 'worker')),
      ).toBe(true);
      expect(v.definition).toBe(v.query.query);
    }
    expect(byName.worker.query.query).toContain(`worker=~"${DEPLOYMENT_VARIABLE}"`);
  });

  it('offer every worker Deployment of the instance, as Grafana reads a custom variable', () => {
    expect(byName.deployment.type).toBe('custom');
    // Grafana 11's CustomVariable (transformCsvStringToOptions): options split at unescaped
    // commas, then "text : value".
    const parsed = (byName.deployment.query.match(/(?:\\,|[^,])+/g) as string[]).map((t) => {
      const [, text, value] = /^\s*(.+)\s:\s(.+)$/.exec(t.replace(/\\,/g, ',')) as string[];
      return { text: text?.trim(), value: value?.trim() };
    });
    // The config's workers, and the stock CMS worker it leaves alone.
    expect(parsed.map((o) => o.text)).toEqual(['lms-worker', 'lms-worker-high', 'cms-worker']);
    expect(
      byName.deployment.options.slice(1).map(({ text, value }: any) => ({ text, value })),
    ).toEqual(parsed);
    // A value goes into a PromQL string as it is: its regular expression, as that string's content.
    expect(parsed[1]?.value).toBe('.+@edx\\\\.lms\\\\.core\\\\.high\\\\..+');
  });
});

describe('the dashboard builder', () => {
  it('replaces a role’s panel and adds panels after the nine', () => {
    const exporterQueue: PanelSpec = {
      title: 'Queue length (Redis)',
      description: 'from the exporter',
      type: 'timeseries',
      targets: [
        { expr: 'sum by (queue_name) (celery_queue_length)', legendFormat: '{{queue_name}}' },
      ],
      unit: 'short',
    };
    const extra: PanelSpec = { ...exporterQueue, title: 'Extra', width: 24 };
    const d = flowerDashboard({
      namespace: 'x',
      panels: { totalQueueLength: exporterQueue },
      extraPanels: [extra],
    }) as any;
    expect(d.panels.map((p: any) => p.title)).toEqual([
      'Queue length (Redis)',
      ...PANEL_ROLES.slice(1).map((r) => flowerPanels()[r].title),
      'Extra',
    ]);
    expect(d.panels[9].gridPos).toEqual({ h: 8, w: 24, x: 0, y: 40 });
  });

  it('is written as its JSON model, the panels made once for every instance alike', () => {
    const exporterQueue: PanelSpec = {
      title: 'Queue length (Redis)',
      description: 'from the exporter',
      type: 'timeseries',
      targets: [{ expr: 'sum(celery_queue_length)', legendFormat: 'waiting' }],
      unit: 'short',
    };
    const workers = [{ name: 'lms-worker', nodes: '.+@edx\\.lms\\.core\\.default\\..+' }];
    // All that exporterQueuePanels reads of the monitoring settings.
    const exporterOn = { exporter: { enabled: true } } as Monitoring;
    for (const options of [
      { namespace: 'a' },
      { namespace: 'b', workers },
      { namespace: '', panels: { totalQueueLength: exporterQueue } },
      { namespace: 'c', panels: { totalQueueLength: exporterQueue }, extraPanels: [exporterQueue] },
      { namespace: 'd', workers, extraPanels: [{ ...exporterQueue, width: 24 }] },
      { namespace: 'a' },
      // The exporter's panels, the same objects for every instance: their text made once.
      { namespace: 'e', ...exporterQueuePanels(exporterOn) },
      { namespace: 'f', workers, ...exporterQueuePanels(exporterOn) },
    ]) {
      expect(flowerDashboardJson(options)).toBe(
        `${JSON.stringify(flowerDashboard(options), null, 2)}\n`,
      );
    }
  });

  it('gives each namespace its own uid, within Grafana’s 40 characters', () => {
    const long = 'n'.repeat(63);
    expect(dashboardUid('openedx')).toBe('celery-flower-openedx');
    expect(dashboardUid('')).toBe('celery-flower');
    expect(dashboardUid(long).length).toBeLessThanOrEqual(40);
    expect(dashboardUid(long)).not.toBe(dashboardUid(`${'n'.repeat(62)}m`));
    const d = flowerDashboard({ namespace: '' }) as any;
    expect(d.templating.list[1].current.value).toBe('$__all');
  });
});
