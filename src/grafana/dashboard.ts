// The Grafana dashboard of an instance's Celery workers (Flower's family writes it), from the
// metrics Flower exports (flower/events.py, PrometheusMetrics, in Flower 2.0.1 and 2.1.0):
//   flower_events_total{worker,type,task}                     counter of Celery events
//   flower_task_runtime_seconds{worker,task}                  histogram (_bucket, _sum, _count)
//   flower_task_prefetch_time_seconds{worker,task}            gauge
//   flower_worker_prefetched_tasks{worker,task}               gauge
//   flower_worker_online{worker}                              gauge, 1 or 0
//   flower_worker_number_of_currently_executing_tasks{worker} gauge
// `worker` is the hostname of the event's sender: a worker's node name, or for task-sent events
// the LMS or CMS process that sent the task.
//
// The panels are built per role (the nine of docs/flower.md), so that another metrics source can
// replace a role's panel (say, queue lengths read from Redis by an exporter) or add panels.

import { sharedTail } from '../krm/print.js';
import { quote } from '../promql/celery-exporter.js';

/** The documented panels (docs/flower.md), in the order the dashboard shows them. */
export const PANEL_ROLES = [
  'totalQueueLength',
  'queueLengthByTask',
  'workerStatus',
  'tasksExecutingPerWorker',
  'averageTaskRuntime',
  'taskPrefetchTime',
  'tasksPrefetchedPerWorker',
  'successRatio',
  'failureRatio',
] as const;
export type PanelRole = (typeof PANEL_ROLES)[number];

export interface PanelTarget {
  expr: string;
  legendFormat: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  type: 'timeseries' | 'stat';
  targets: PanelTarget[];
  unit: string;
  min?: number;
  max?: number;
  /** Grid width out of 24 (default 12). */
  width?: number;
  /** Stat panels: value -> text and colour. */
  valueTexts?: Record<string, { text: string; color: string }>;
  stacked?: boolean;
}

export interface DashboardOptions {
  /** The instance's namespace: the default of the namespace filter, and part of uid and title. */
  namespace: string;
  /**
   * The instance's worker Deployments, for the Deployment filter: each name, and a regular
   * expression (RE2) of its workers' node names after the "@".
   */
  workers?: { name: string; nodes: string }[];
  /** Panels that replace the Flower-based panel of a role. */
  panels?: Partial<Record<PanelRole, PanelSpec>>;
  /** Panels shown after the documented nine. */
  extraPanels?: PanelSpec[];
}

const EVENTS = 'flower_events_total';
const RUNTIME = 'flower_task_runtime_seconds';
const PREFETCH_TIME = 'flower_task_prefetch_time_seconds';
const PREFETCHED = 'flower_worker_prefetched_tasks';
const ONLINE = 'flower_worker_online';
const EXECUTING = 'flower_worker_number_of_currently_executing_tasks';

// Filters, as Grafana interpolates them (an "All" filter becomes ".*"). A worker is chosen by
// its Deployment (the `deployment` variable's values are regular expressions of its node names,
// joined by the pipe format, which escapes nothing), then by its node name.
const NAMESPACE = 'namespace=~"$namespace"';
// biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not JavaScript's.
export const DEPLOYMENT_VARIABLE = '${deployment:pipe}';
const DEPLOYMENT = `worker=~"${DEPLOYMENT_VARIABLE}"`;
const WORKER = [DEPLOYMENT, 'worker=~"$worker"'];
const TASK = 'task=~"$task"';

function selector(metric: string, ...matchers: string[]): string {
  return `${metric}{${matchers.join(', ')}}`;
}

/** `a`, with 0 for every series of `like` that `a` lacks. */
function orZero(a: string, like: string): string {
  return `(${a} or 0 * ${like})`;
}

// Task-sent events come from the LMS and CMS, so their `worker` is not a worker: the queue
// panels filter on task only.
const sent = selector(EVENTS, NAMESPACE, 'type="task-sent"', TASK);
const received = selector(EVENTS, NAMESPACE, 'type="task-received"', TASK);

const QUEUE_LENGTH_NOTE =
  'Flower exports no queue length: this is derived from Celery events, as tasks sent (task-sent events, which edx-platform enables with CELERY_SEND_TASK_SENT_EVENT) minus tasks received by a worker (task-received), counted since Flower started. It covers every queue together, and drifts when Flower restarts or misses events, and for tasks that expire or are revoked unread.';

function ratio(type: 'task-succeeded' | 'task-failed'): PanelSpec {
  const done = `sum by (task) (increase(${selector(EVENTS, NAMESPACE, ...WORKER, TASK, 'type=~"task-succeeded|task-failed"')}[$__rate_interval]))`;
  const some = `sum by (task) (increase(${selector(EVENTS, NAMESPACE, ...WORKER, TASK, `type="${type}"`)}[$__rate_interval]))`;
  const what = type === 'task-succeeded' ? 'succeeded' : 'failed';
  return {
    title: type === 'task-succeeded' ? 'Success ratio' : 'Failure ratio',
    description: `Share of the finished tasks (task-succeeded and task-failed events) that ${what}, by task name, per interval. No value where no task finished.`,
    type: 'timeseries',
    targets: [{ expr: `${orZero(some, done)} / (${done} > 0)`, legendFormat: '{{task}}' }],
    unit: 'percentunit',
    min: 0,
    max: 1,
  };
}

/** The nine panels, from Flower's metrics. */
export function flowerPanels(): Record<PanelRole, PanelSpec> {
  return {
    totalQueueLength: {
      title: 'Total queue length (estimated)',
      description: `Tasks waiting in the broker, all queues together. ${QUEUE_LENGTH_NOTE}`,
      type: 'timeseries',
      targets: [
        {
          expr: `clamp_min((sum(${sent}) or vector(0)) - (sum(${received}) or vector(0)), 0)`,
          legendFormat: 'waiting',
        },
      ],
      unit: 'short',
      min: 0,
    },
    queueLengthByTask: {
      title: 'Queue length by task name (estimated)',
      description: `Tasks waiting in the broker, by task name. ${QUEUE_LENGTH_NOTE}`,
      type: 'timeseries',
      targets: [
        {
          expr: `clamp_min(sum by (task) (${sent}) - ${orZero(`sum by (task) (${received})`, `sum by (task) (${sent})`)}, 0)`,
          legendFormat: '{{task}}',
        },
      ],
      unit: 'short',
      min: 0,
      stacked: true,
    },
    workerStatus: {
      title: 'Worker status',
      description:
        'Online (a worker-online event or heartbeat) or offline (a worker-offline event), by Celery node name (celery@edx.<service>.core.<variant>.<pod>; celery@edx.<service>.group.<group>.<pod> for a group’s worker). Flower keeps every worker it saw until it restarts, so the pods of workers that were scaled down or replaced stay listed as offline.',
      type: 'stat',
      targets: [
        {
          expr: `max by (worker) (${selector(ONLINE, NAMESPACE, ...WORKER)})`,
          legendFormat: '{{worker}}',
        },
      ],
      unit: 'none',
      valueTexts: {
        '0': { text: 'offline', color: 'red' },
        '1': { text: 'online', color: 'green' },
      },
    },
    tasksExecutingPerWorker: {
      title: 'Tasks executing per worker',
      description: 'Tasks running on each worker, as its last heartbeat reported.',
      type: 'timeseries',
      targets: [
        {
          expr: `sum by (worker) (${selector(EXECUTING, NAMESPACE, ...WORKER)})`,
          legendFormat: '{{worker}}',
        },
      ],
      unit: 'short',
      min: 0,
      stacked: true,
    },
    averageTaskRuntime: {
      title: 'Average task runtime',
      description:
        'Mean run time of the tasks that finished in each interval, by task name (Flower’s runtime histogram).',
      type: 'timeseries',
      targets: [
        {
          expr: `sum by (task) (rate(${selector(`${RUNTIME}_sum`, NAMESPACE, ...WORKER, TASK)}[$__rate_interval])) / (sum by (task) (rate(${selector(`${RUNTIME}_count`, NAMESPACE, ...WORKER, TASK)}[$__rate_interval])) > 0)`,
          legendFormat: '{{task}}',
        },
      ],
      unit: 's',
      min: 0,
    },
    taskPrefetchTime: {
      title: 'Task prefetch time',
      description:
        'How long the last task of each name waited at a worker between being received (prefetched) and started; the longest over the selected workers. Long waits mean a worker holds tasks that another could run: lower --prefetch-multiplier or split the queue.',
      type: 'timeseries',
      targets: [
        {
          expr: `max by (task) (${selector(PREFETCH_TIME, NAMESPACE, ...WORKER, TASK)})`,
          legendFormat: '{{task}}',
        },
      ],
      unit: 's',
      min: 0,
    },
    tasksPrefetchedPerWorker: {
      title: 'Tasks prefetched per worker',
      description:
        'Tasks a worker has received but not started. They are no longer in the broker, so the queue length (and an autoscaler reading it) does not count them.',
      type: 'timeseries',
      targets: [
        {
          expr: `sum by (worker) (${selector(PREFETCHED, NAMESPACE, ...WORKER, TASK)})`,
          legendFormat: '{{worker}}',
        },
      ],
      unit: 'short',
      min: 0,
      stacked: true,
    },
    successRatio: ratio('task-succeeded'),
    failureRatio: ratio('task-failed'),
  };
}

// Grafana limits a dashboard uid to 40 characters.
const MAX_UID = 40;

/** A stable uid per namespace: two instances' dashboards must not replace each other. */
export function dashboardUid(namespace: string): string {
  const uid = `celery-flower${namespace ? `-${namespace}` : ''}`;
  if (uid.length <= MAX_UID) return uid;
  return `${uid.slice(0, MAX_UID - 9)}-${fnv1a(uid)}`;
}

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

const DATASOURCE = { type: 'prometheus', uid: '$datasource' };

function variable(name: string, label: string, query: string, current?: string) {
  return {
    name,
    label,
    type: 'query',
    datasource: DATASOURCE,
    definition: query,
    query: { query, refId: `${name}-values` },
    refresh: 2,
    sort: 1,
    includeAll: true,
    allValue: '.*',
    multi: name !== 'namespace',
    current: current
      ? { selected: true, text: current, value: current }
      : { selected: true, text: 'All', value: '$__all' },
    hide: 0,
    options: [],
    regex: '',
  };
}

/**
 * The Deployment filter: a custom variable whose options are the worker Deployments, each
 * standing for the regular expression of its workers' Flower names (`celery@<node name>`).
 * Written into a PromQL string as it is (the pipe format), so it is written as such a string's
 * content; a comma would split Grafana's list of options (CustomVariable,
 * transformCsvStringToOptions, in Grafana 11), so it is escaped.
 */
function deploymentVariable(workers: { name: string; nodes: string }[]) {
  const options = workers.map((w) => ({
    text: w.name,
    value: quote(`.+@${w.nodes}`).slice(1, -1),
  }));
  return {
    name: 'deployment',
    label: 'Worker Deployment',
    type: 'custom',
    query: options.map((o) => `${o.text} : ${o.value.replaceAll(',', '\\,')}`).join(','),
    includeAll: true,
    allValue: '.*',
    multi: true,
    current: { selected: true, text: 'All', value: '$__all' },
    hide: 0,
    options: [
      { selected: true, text: 'All', value: '$__all' },
      ...options.map((o) => ({ selected: false, ...o })),
    ],
  };
}

function panelJson(spec: PanelSpec, id: number, gridPos: Record<string, number>) {
  const defaults: Record<string, unknown> = {
    unit: spec.unit,
    ...(spec.min === undefined ? {} : { min: spec.min }),
    ...(spec.max === undefined ? {} : { max: spec.max }),
  };
  let options: Record<string, unknown>;
  if (spec.type === 'stat') {
    defaults.color = { mode: 'thresholds' };
    defaults.thresholds = { mode: 'absolute', steps: [{ color: 'text', value: null }] };
    if (spec.valueTexts) {
      defaults.mappings = [
        {
          type: 'value',
          options: Object.fromEntries(
            Object.entries(spec.valueTexts).map(([value, t], index) => [value, { ...t, index }]),
          ),
        },
      ];
    }
    options = {
      reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
      colorMode: 'background',
      graphMode: 'none',
      justifyMode: 'auto',
      orientation: 'auto',
      textMode: 'value_and_name',
    };
  } else {
    defaults.color = { mode: 'palette-classic' };
    defaults.custom = {
      drawStyle: 'line',
      lineWidth: 1,
      fillOpacity: spec.stacked ? 20 : 0,
      showPoints: 'never',
      spanNulls: false,
      stacking: { mode: spec.stacked ? 'normal' : 'none', group: 'A' },
    };
    options = {
      legend: {
        displayMode: 'table',
        placement: 'right',
        calcs: ['lastNotNull', 'max'],
        showLegend: true,
      },
      tooltip: { mode: 'multi', sort: 'desc' },
    };
  }
  return {
    id,
    type: spec.type,
    title: spec.title,
    description: spec.description,
    datasource: DATASOURCE,
    gridPos,
    fieldConfig: { defaults, overrides: [] },
    options,
    targets: spec.targets.map((t, i) => ({
      refId: String.fromCharCode(65 + i),
      datasource: DATASOURCE,
      expr: t.expr,
      legendFormat: t.legendFormat,
      range: true,
    })),
  };
}

const PANEL_HEIGHT = 8;

/** The dashboard as Grafana's JSON model (no `${DS_...}` inputs: it loads from a ConfigMap). */
export function flowerDashboard(options: DashboardOptions): Record<string, unknown> {
  return { ...dashboardHead(options), panels: dashboardPanels(options) };
}

// The panels filter by the dashboard's variables, so every instance of a run has the same ones:
// their JSON is made once per set of panel options (the same objects for every instance: see
// exporterQueuePanels), looked up by those objects rather than by their text.
const panelsJson = new WeakMap<object, WeakMap<object, string>>();
const NO_PANELS = {};

/**
 * The dashboard's JSON text, as `JSON.stringify(flowerDashboard(options), null, 2)` and a line
 * break, with the panels' text made once.
 */
export function flowerDashboardJson(options: DashboardOptions): string {
  const outer = options.panels ?? NO_PANELS;
  const inner = options.extraPanels ?? NO_PANELS;
  let byExtra = panelsJson.get(outer);
  if (!byExtra) {
    byExtra = new WeakMap();
    panelsJson.set(outer, byExtra);
  }
  let panels = byExtra.get(inner);
  if (panels === undefined) {
    // Indented one level, as the value of the model's last key, and the model's end.
    panels = `${JSON.stringify(dashboardPanels(options), null, 2).replaceAll('\n', '\n  ')}\n}`;
    byExtra.set(inner, panels);
    // Every instance's dashboard ends in it: printed into a ConfigMap once.
    sharedTail(panels);
  }
  const head = JSON.stringify({ ...dashboardHead(options), panels: [] }, null, 2);
  return `${head.slice(0, -'[]\n}'.length)}${panels}\n`;
}

function dashboardPanels(options: DashboardOptions): Record<string, unknown>[] {
  const byRole = { ...flowerPanels(), ...options.panels };
  const specs = [...PANEL_ROLES.map((role) => byRole[role]), ...(options.extraPanels ?? [])];
  let x = 0;
  let y = 0;
  return specs.map((spec, i) => {
    const w = spec.width ?? 12;
    if (x + w > 24) {
      x = 0;
      y += PANEL_HEIGHT;
    }
    const panel = panelJson(spec, i + 1, { h: PANEL_HEIGHT, w, x, y });
    x += w;
    return panel;
  });
}

function dashboardHead(options: DashboardOptions): Record<string, unknown> {
  const ns = options.namespace;
  return {
    uid: dashboardUid(ns),
    title: `Celery workers (Flower)${ns ? ` · ${ns}` : ''}`,
    description:
      'Open edX Celery workers and queues, from Flower’s Prometheus metrics. Written by celery-queues.',
    tags: ['celery', 'flower', 'openedx'],
    editable: true,
    graphTooltip: 1,
    schemaVersion: 39,
    version: 1,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    timezone: 'browser',
    links: [],
    annotations: { list: [] },
    templating: {
      list: [
        {
          name: 'datasource',
          label: 'Data source',
          type: 'datasource',
          query: 'prometheus',
          current: {},
          hide: 0,
          refresh: 1,
          regex: '',
          options: [],
        },
        variable('namespace', 'Namespace', `label_values(${ONLINE}, namespace)`, ns || undefined),
        deploymentVariable(options.workers ?? []),
        variable(
          'worker',
          'Worker',
          `label_values(${ONLINE}{${NAMESPACE}, ${DEPLOYMENT}}, worker)`,
        ),
        variable('task', 'Task', `label_values(${EVENTS}{${NAMESPACE}}, task)`),
      ],
    },
  };
}
