// The alert rules and KEDA's load queries, run by Prometheus itself: `promtool check rules` on
// the PrometheusRule's groups, and `promtool test rules` on series shaped like those a real
// celery-exporter exports (test/fixtures/celery-exporter/): hostnames are worker node names
// after their "@", queue lengths exist for every queue, a scaled-down worker's series vanish.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import {
  exporterMatchers,
  QUEUE_LENGTH,
  queueMatcher,
  quote,
  selector,
} from '../src/promql/celery-exporter.js';
import { configPath, find, fixture, RENDERS, ROOT, resources, runStream } from './helpers.js';
import { EXPORTER_CAPTURE, interpolate } from './promql.js';

// Debian's prometheus package (.ci/run installs it).
const PROMTOOL = '/usr/bin/promtool';

type Resource = Record<string, any>;

const list = resources(runStream(fixture(RENDERS.v20), configPath('monitoring')).stdout);
const rule = find(list, 'PrometheusRule', 'celery-alerts', 'openedx') as Resource;
const groups = rule.spec.groups as Resource[];
const rules = groups[0]?.rules as Resource[];
const scaledObject = (name: string) =>
  find(list, 'ScaledObject', name, 'openedx')?.spec.triggers.find(
    (t: any) => t.type === 'prometheus',
  ).metadata.query as string;
const dashboard = JSON.parse(
  Object.values(find(list, 'ConfigMap', 'flower-dashboard', 'openedx')?.data ?? {})[0] as string,
);
const panel = (title: string) =>
  interpolate(dashboard.panels.find((p: any) => p.title === title).targets[0].expr);

const dir = mkdtempSync(join(tmpdir(), 'celery-queues-promtool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'rules.yaml'), stringify({ groups }));

function promtool(...args: string[]): { status: number; output: string } {
  const r = spawnSync(PROMTOOL, args, { cwd: dir, encoding: 'utf8' });
  if (r.error) throw new Error(`${PROMTOOL}: ${r.error.message} (apt-get install prometheus)`);
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

// Series as Prometheus stores them when it scrapes the instance's exporter.
const OURS = 'namespace="openedx", job="celery-exporter"';
const THEIRS = 'namespace="elsewhere", job="celery-exporter"';
const series = (metric: string, labels: string, values: string, where = OURS) => ({
  series: `${metric}{${where}, ${labels}}`,
  values,
});
const node = (variant: string, pod: string) => `edx.lms.core.${variant}.${pod}`;

/** An alert's annotations as Prometheus expands them for these labels. */
function annotations(alert: string, labels: Record<string, string>, nth = 0) {
  const r = rules.filter((x) => x.alert === alert)[nth] as Resource;
  return Object.fromEntries(
    Object.entries(r.annotations as Record<string, string>).map(([k, v]) => [
      k,
      v.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_, l: string) => labels[l] ?? ''),
    ]),
  );
}

function runTests(name: string, tests: Resource[], ruleFile = 'rules.yaml'): void {
  const file = `${name}.test.yaml`;
  writeFileSync(
    join(dir, file),
    stringify({ rule_files: [ruleFile], evaluation_interval: '1m', tests }),
  );
  const r = promtool('test', 'rules', file);
  expect(r.output, r.output).toContain('SUCCESS');
  expect(r.status, r.output).toBe(0);
}

describe('the PrometheusRule, read by promtool', () => {
  it('passes promtool check rules', () => {
    const r = promtool('check', 'rules', 'rules.yaml');
    expect(r.status, r.output).toBe(0);
    expect(r.output).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('CeleryTaskHighFailRate: above 5 % of a task’s runs failed over 10 minutes, this instance only', () => {
    const task = (name: string, exception: string) =>
      `hostname="${node('default', 'lms-worker-7d4b9-x2x7k')}", name="${name}", queue_name="edx.lms.core.default"${exception}`;
    const fired = {
      job: 'celery-exporter',
      namespace: 'openedx',
      queue_name: 'edx.lms.core.default',
    };
    runTests('failrate', [
      {
        interval: '1m',
        input_series: [
          // 1 failure in 10 runs a minute: 10 %.
          series(
            'celery_task_failed_total',
            task('probe.often', ', exception="ValueError"'),
            '0+1x30',
          ),
          series('celery_task_failed_total', task('probe.often', ', exception=""'), '0x30'),
          series('celery_task_succeeded_total', task('probe.often', ''), '0+9x30'),
          // 1 in 25: 4 %, under the threshold.
          series(
            'celery_task_failed_total',
            task('probe.rare', ', exception="ValueError"'),
            '0+1x30',
          ),
          series('celery_task_succeeded_total', task('probe.rare', ''), '0+24x30'),
          // Another instance's exporter, all failing: not this rule's business.
          series(
            'celery_task_failed_total',
            task('probe.other', ', exception="E"'),
            '0+5x30',
            THEIRS,
          ),
          series('celery_task_succeeded_total', task('probe.other', ''), '0x30', THEIRS),
          // Events the exporter could not tie to a task: "None", which the mixin leaves out
          // (celery-mixin/config.libsonnet, celeryIgnoredTasks and celeryIgnoredQueues).
          series('celery_task_failed_total', task('None', ', exception="E"'), '0+5x30'),
          series('celery_task_succeeded_total', task('None', ''), '0+1x30'),
          series(
            'celery_task_failed_total',
            task('probe.often', ', exception="E"').replace('edx.lms.core.default', 'None'),
            '0+5x30',
          ),
          series(
            'celery_task_succeeded_total',
            task('probe.often', '').replace('edx.lms.core.default', 'None'),
            '0+1x30',
          ),
        ],
        alert_rule_test: [
          {
            eval_time: '20m',
            alertname: 'CeleryTaskHighFailRate',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning', ...fired, name: 'probe.often' },
                exp_annotations: annotations('CeleryTaskHighFailRate', {
                  ...fired,
                  name: 'probe.often',
                }),
              },
            ],
          },
        ],
      },
    ]);
  });

  it('CeleryHighQueueLength: a queue above 100 tasks for 20 minutes, per queue', () => {
    const high = { job: 'celery-exporter', namespace: 'openedx', queue_name: 'edx.lms.core.high' };
    runTests('queuelength', [
      {
        interval: '1m',
        input_series: [
          series('celery_queue_length', 'queue_name="edx.lms.core.high"', '150x40'),
          series('celery_queue_length', 'queue_name="edx.lms.core.default"', '0x40'),
          // Long for 10 minutes only.
          series('celery_queue_length', 'queue_name="edx.cms.core.low"', '500x10 0x30'),
          series('celery_queue_length', 'queue_name="edx.lms.core.high"', '900x40', THEIRS),
        ],
        alert_rule_test: [
          { eval_time: '15m', alertname: 'CeleryHighQueueLength', exp_alerts: [] },
          {
            eval_time: '25m',
            alertname: 'CeleryHighQueueLength',
            exp_alerts: [
              {
                exp_labels: { severity: 'warning', ...high },
                exp_annotations: annotations('CeleryHighQueueLength', high),
              },
            ],
          },
        ],
      },
    ]);
  });

  it('CeleryWorkerDown: a watched Deployment without a worker for 15 minutes; scaled to zero is fine', () => {
    const down = { severity: 'warning', namespace: 'openedx', deployment: 'lms-worker' };
    const exporterUp = series('celery_queue_length', 'queue_name="edx.lms.core.default"', '0x60');
    const up = [
      // lms-worker's only pod goes away at 10 minutes; the exporter drops its series.
      series('celery_worker_up', `hostname="${node('default', 'lms-worker-7d4b9-x2x7k')}"`, '1x10'),
      series(
        'celery_worker_up',
        `hostname="${node('high_mem', 'lms-worker-high-mem-5c-p9z')}"`,
        '1x60',
      ),
      series('celery_worker_up', 'hostname="edx.cms.core.default.cms-worker-6f-k2l"', '1x60'),
      // Another instance's lms-worker is fine, and does not hide ours.
      series('celery_worker_up', `hostname="${node('default', 'lms-worker-1-a')}"`, '1x60', THEIRS),
      // lms-worker-high (scaled to zero) has no series at all.
    ];
    runTests('workerdown', [
      {
        interval: '1m',
        input_series: [exporterUp, ...up],
        alert_rule_test: [
          { eval_time: '25m', alertname: 'CeleryWorkerDown', exp_alerts: [] },
          {
            eval_time: '40m',
            alertname: 'CeleryWorkerDown',
            exp_alerts: [
              { exp_labels: down, exp_annotations: annotations('CeleryWorkerDown', {}, 0) },
            ],
          },
        ],
      },
      {
        // The exporter is not scraped at all: no worker reads as down.
        interval: '1m',
        input_series: [series('celery_worker_up', 'hostname="x"', '1x60', THEIRS)],
        alert_rule_test: [{ eval_time: '40m', alertname: 'CeleryWorkerDown', exp_alerts: [] }],
      },
    ]);
  });
});

describe('KEDA’s load queries and the dashboard’s queue panels, evaluated by promtool', () => {
  it('count the worker’s waiting plus running tasks, as one number, and nothing without the exporter', () => {
    const highMem = scaledObject('lms-worker-high-mem-scaledobject');
    const low = scaledObject('cms-worker-low-scaledobject');
    runTests('load', [
      {
        interval: '1m',
        input_series: [
          series('celery_queue_length', 'queue_name="edx.lms.core.high_mem"', '3x10'),
          series('celery_queue_length', 'queue_name="edx.lms.core.high"', '40x10'),
          series('celery_queue_length', 'queue_name="edx.cms.core.low"', '1x10'),
          series('celery_queue_length', 'queue_name="edx.lms.core.high_mem"', '50x10', THEIRS),
          series('celery_worker_tasks_active', `hostname="${node('high_mem', 'pod-a')}"`, '2x10'),
          series('celery_worker_tasks_active', `hostname="${node('high_mem', 'pod-b')}"`, '1x10'),
          // lms-worker-high's tasks are not high_mem's, nor another instance's.
          series('celery_worker_tasks_active', `hostname="${node('high', 'pod-c')}"`, '7x10'),
          series(
            'celery_worker_tasks_active',
            `hostname="${node('high_mem', 'x')}"`,
            '9x10',
            THEIRS,
          ),
        ],
        promql_expr_test: [
          { expr: highMem, eval_time: '5m', exp_samples: [{ labels: '{}', value: 6 }] },
          // cms-worker-low is scaled to zero: no worker series, its queue still counts.
          { expr: low, eval_time: '5m', exp_samples: [{ labels: '{}', value: 1 }] },
          {
            expr: panel('Total queue length'),
            eval_time: '5m',
            exp_samples: [{ labels: '{}', value: 94 }],
          },
          {
            expr: panel('Queue length by queue'),
            eval_time: '5m',
            exp_samples: [
              { labels: '{queue_name="edx.lms.core.high_mem"}', value: 53 },
              { labels: '{queue_name="edx.lms.core.high"}', value: 40 },
              { labels: '{queue_name="edx.cms.core.low"}', value: 1 },
            ],
          },
        ],
      },
      {
        // Nothing scraped: no answer, which KEDA (ignoreNullValues "false") reports as an error
        // instead of scaling on a 0.
        interval: '1m',
        input_series: [
          series('celery_worker_tasks_active', `hostname="${node('high_mem', 'a')}"`, '2x10'),
        ],
        promql_expr_test: [{ expr: highMem, eval_time: '5m', exp_samples: [] }],
      },
    ]);
  });
});

describe('on the series a real celery-exporter exported (test/fixtures/celery-exporter/)', () => {
  // Each line of the captured page, as Prometheus stores it when it scrapes the exporter through
  // the ServiceMonitor: with the target's namespace and job, the value held for 30 minutes.
  const captured = readFileSync(EXPORTER_CAPTURE, 'utf8')
    .split('\n')
    .filter((l) => /^celery_/.test(l))
    .map((line) => {
      const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line) as RegExpExecArray;
      const labels = [OURS, m[2]].filter(Boolean).join(', ');
      return { series: `${m[1]}{${labels}}`, values: `${Number(m[3])}x30` };
    });

  it('counts high_mem’s 3 waiting and 2 running tasks, and the waiting task of scaled-to-zero cms low', () => {
    expect(captured.length).toBeGreaterThan(100);
    runTests('captured', [
      {
        interval: '1m',
        input_series: captured,
        promql_expr_test: [
          {
            expr: scaledObject('lms-worker-high-mem-scaledobject'),
            eval_time: '5m',
            exp_samples: [{ labels: '{}', value: 5 }],
          },
          {
            expr: scaledObject('cms-worker-low-scaledobject'),
            eval_time: '5m',
            exp_samples: [{ labels: '{}', value: 1 }],
          },
          {
            expr: panel('Queue length by queue'),
            eval_time: '5m',
            exp_samples: [
              { labels: '{queue_name="edx.cms.core.default"}', value: 0 },
              { labels: '{queue_name="edx.cms.core.high"}', value: 0 },
              { labels: '{queue_name="edx.cms.core.low"}', value: 1 },
              { labels: '{queue_name="edx.lms.core.default"}', value: 0 },
              { labels: '{queue_name="edx.lms.core.high"}', value: 2 },
              { labels: '{queue_name="edx.lms.core.high_mem"}', value: 3 },
              { labels: '{queue_name="edx.lms.core.ora_workflow_update"}', value: 0 },
            ],
          },
        ],
        // The three watched Deployments have a worker online: 25 minutes on, none reads as down.
        alert_rule_test: [{ eval_time: '25m', alertname: 'CeleryWorkerDown', exp_alerts: [] }],
      },
    ]);
  });
});

// Queue names in PromQL, as Prometheus reads them: each one selects its own series and no
// other, whatever regular-expression or string-literal characters it holds (the queue matcher
// writes them as RE2 literals inside PromQL strings). Some look like others with one character
// more or fewer, and every name has decoys that a loose pattern would catch.
describe('queue names in PromQL, evaluated by Prometheus', () => {
  const char = fc.constantFrom(...'.*+?^$()[]{}|\\/"\'`-_aZ9é中'.split(''));
  const names = [
    ...new Set(
      fc.sample(fc.string({ unit: char, minLength: 1, maxLength: 8 }), { seed: 7, numRuns: 30 }),
    ),
  ];
  const decoys = (n: string) => [`${n}x`, `x${n}`, n.length > 1 ? n.slice(1) : `${n}${n}`];
  const all = [...new Set([...names, ...names.flatMap(decoys)])];
  const lengthOf = (n: string) =>
    names.includes(n) ? names.indexOf(n) + 1 : 1000 + all.indexOf(n);

  it('each matcher selects exactly its queues', () => {
    const input_series = all.map((n) =>
      series(QUEUE_LENGTH, `queue_name=${quote(n)}`, `${lengthOf(n)}x10`),
    );
    const exprs = names.flatMap((n, i) => {
      const pair = [n, names[(i + 1) % names.length] as string];
      return [[n], [...new Set(pair)]];
    });
    runTests('queue-names', [
      {
        interval: '1m',
        input_series,
        promql_expr_test: exprs.map((queues) => ({
          expr: `sum(${selector(QUEUE_LENGTH, [...exporterMatchers('openedx'), queueMatcher(queues)])})`,
          eval_time: '5m',
          exp_samples: [{ labels: '{}', value: queues.reduce((sum, q) => sum + lengthOf(q), 0) }],
        })),
      },
    ]);
  });
});

describe('worker groups (examples/worker-groups), evaluated by promtool', () => {
  const out = runStream(
    readFileSync(join(ROOT, 'examples', 'tutor-v20.yaml'), 'utf8'),
    join(ROOT, 'examples', 'worker-groups', 'celery-queues.yaml'),
  );
  const groupList = resources(out.stdout);
  const groupRules = find(groupList, 'PrometheusRule', 'celery-alerts', 'openedx')?.spec.groups;
  writeFileSync(join(dir, 'groups-rules.yaml'), stringify({ groups: groupRules }));
  const groupNode = (group: string, pod: string) => `edx.lms.group.${group}.${pod}`;
  const load = find(
    groupList,
    'ScaledObject',
    'lms-worker-bulk-scaledobject',
    'openedx',
  )?.spec.triggers.find((t: any) => t.type === 'prometheus').metadata.query as string;
  const board = JSON.parse(
    Object.values(
      find(groupList, 'ConfigMap', 'flower-dashboard', 'openedx')?.data ?? {},
    )[0] as string,
  );

  it('a group’s load: the tasks waiting in all its queues plus those its own pods run', () => {
    runTests(
      'groups-load',
      [
        {
          interval: '1m',
          input_series: [
            series('celery_queue_length', 'queue_name="edx.lms.core.high_mem"', '3x10'),
            series('celery_queue_length', 'queue_name="edx.lms.core.ora_workflow_update"', '4x10'),
            series('celery_queue_length', 'queue_name="edx.lms.core.high"', '40x10'),
            series('celery_worker_tasks_active', `hostname="${groupNode('bulk', 'p-1')}"`, '2x10'),
            series('celery_worker_tasks_active', `hostname="${groupNode('bulk', 'p-2')}"`, '1x10'),
            // Not the group's: another group's pods, a group whose name starts alike.
            series(
              'celery_worker_tasks_active',
              `hostname="${groupNode('interactive', 'p')}"`,
              '7x10',
            ),
            series('celery_worker_tasks_active', `hostname="${groupNode('bulk-x', 'p')}"`, '9x10'),
            series(
              'celery_worker_tasks_active',
              `hostname="${groupNode('bulk', 'p')}"`,
              '5x10',
              THEIRS,
            ),
          ],
          promql_expr_test: [
            { expr: load, eval_time: '5m', exp_samples: [{ labels: '{}', value: 10 }] },
          ],
        },
      ],
      'groups-rules.yaml',
    );
  });

  it('CeleryWorkerDown per group Deployment: the interactive group without a worker, whatever the others', () => {
    const names = (groupRules[0].rules as Resource[])
      .filter((r) => r.alert === 'CeleryWorkerDown')
      .map((r) => r.labels.deployment);
    expect(names).toEqual(['lms-worker-interactive', 'cms-worker-interactive']);
    runTests(
      'groups-workerdown',
      [
        {
          interval: '1m',
          input_series: [
            series('celery_queue_length', 'queue_name="edx.lms.core.default"', '0x60'),
            series('celery_worker_up', `hostname="${groupNode('interactive', 'p-1')}"`, '1x10'),
            series('celery_worker_up', `hostname="${groupNode('bulk', 'p-2')}"`, '1x60'),
            series('celery_worker_up', 'hostname="edx.cms.group.interactive.p-3"', '1x60'),
            // The stock worker, turned off, scaled up by hand: none of the interactive group's.
            series('celery_worker_up', `hostname="${node('default', 'lms-worker-1')}"`, '1x60'),
          ],
          alert_rule_test: [
            {
              eval_time: '40m',
              alertname: 'CeleryWorkerDown',
              exp_alerts: [
                {
                  exp_labels: {
                    severity: 'warning',
                    namespace: 'openedx',
                    deployment: 'lms-worker-interactive',
                  },
                  exp_annotations: (groupRules[0].rules as Resource[]).find(
                    (r) => r.labels?.deployment === 'lms-worker-interactive',
                  )?.annotations,
                },
              ],
            },
          ],
        },
      ],
      'groups-rules.yaml',
    );
  });

  it('the dashboard’s Deployment filter selects the workers of exactly the Deployments chosen', () => {
    const deployment = board.templating.list.find((v: any) => v.name === 'deployment');
    const status = board.panels.find((p: any) => p.title === 'Worker status').targets[0]
      .expr as string;
    const flower = (worker: string) => ({
      series: `flower_worker_online{namespace="openedx", worker="${worker}"}`,
      values: '1x10',
    });
    const workers: Record<string, string> = {
      'lms-worker-interactive': 'celery@edx.lms.group.interactive.lms-worker-interactive-5c-a',
      'lms-worker-bulk': 'celery@edx.lms.group.bulk.lms-worker-bulk-7f-b',
      'cms-worker-interactive': 'celery@edx.cms.group.interactive.cms-worker-interactive-6d-c',
      'cms-worker-imports': 'celery@edx.cms.group.imports.cms-worker-imports-8b-d',
    };
    // The stock worker scaled up by hand, and a node whose name starts like a group's.
    const decoys = ['celery@edx.lms.core.default.lms-worker-1-e', 'celery@edx.lms.group.bulk2.x'];
    const options = (deployment.options as { text: string; value: string }[]).slice(1);
    expect(options.map((o) => o.text)).toEqual(Object.keys(workers));
    // Grafana's pipe format: the chosen values joined by "|", as they are.
    const chosen = [[options[1]], [options[0], options[3]]] as { text: string; value: string }[][];
    runTests(
      'groups-dashboard',
      [
        {
          interval: '1m',
          input_series: [...Object.values(workers), ...decoys].map(flower),
          promql_expr_test: chosen.map((some) => ({
            expr: interpolate(
              status,
              some.map((o) => o.value),
            ),
            eval_time: '5m',
            exp_samples: some.map((o) => ({
              labels: `{worker="${workers[o.text]}"}`,
              value: 1,
            })),
          })),
        },
      ],
      'groups-rules.yaml',
    );
  });
});
