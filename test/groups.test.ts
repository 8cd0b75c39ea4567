// Worker groups and the stock worker turned off, on the real Tutor renders (golden files) and on
// small literal configs: one Deployment per group consuming exactly its queues, the stock worker
// kept with no replicas and no queue of anyone's, every queue with exactly one consumer, and a
// group's ScaledObject on the sum of its queues.
import { describe, expect, it } from 'vitest';
import { expectGoldenDiff } from './golden.js';
import {
  argsOf,
  configPath,
  find,
  fixture,
  RENDERS,
  resources,
  runSpec,
  runStream,
  VERSION,
  withoutSettingsHashes,
} from './helpers.js';

const errorsOf = (stderr: string) =>
  stderr
    .split('\n')
    .filter((l) => l.startsWith('celery-queues: error: '))
    .map((l) => l.slice('celery-queues: error: '.length));

/** Queue -> the Deployments whose pods run with it in their --queues, replicas or not. */
function consumers(list: Record<string, any>[]): Record<string, string[]> {
  const byQueue: Record<string, string[]> = {};
  for (const r of list) {
    if (r.kind !== 'Deployment' || !/^(lms|cms)-worker/.test(r.metadata.name)) continue;
    for (const arg of argsOf(r).filter((a) => a.startsWith('--queues='))) {
      for (const q of arg.slice('--queues='.length).split(',')) {
        byQueue[q] = [...(byQueue[q] ?? []), r.metadata.name];
      }
    }
  }
  return byQueue;
}

describe.each([
  ['v20', RENDERS.v20],
  ['v21', RENDERS.v21],
])(
  'render %s with config groups (two groups per service, the stock workers off)',
  (render, file) => {
    const input = fixture(file);
    const out = runStream(input, configPath('groups'));
    const list = resources(out.stdout);

    it('matches the golden output, and comes out byte for byte when run again', () => {
      expect(out.stderr).not.toMatch(/^celery-queues: (error|warning):/m);
      expect(out.status).toBe(0);
      expectGoldenDiff(`workers/${render}.groups.diff`, input, out.stdout);
      expect(runStream(out.stdout, configPath('groups')).stdout).toBe(out.stdout);
    });

    it('gives every queue exactly one consumer: a group’s worker consumes exactly its queues', () => {
      expect(consumers(list)).toEqual({
        'celery-queues.lms-worker-off': ['lms-worker'],
        'celery-queues.cms-worker-off': ['cms-worker'],
        'edx.lms.core.ora_workflow_update': ['lms-worker-ora-workflow-update'],
        'edx.lms.core.default': ['lms-worker-interactive'],
        'edx.lms.core.high': ['lms-worker-interactive'],
        'edx.lms.core.high_mem': ['lms-worker-bulk'],
        'edx.cms.core.default': ['cms-worker-interactive'],
        'edx.cms.core.high': ['cms-worker-interactive'],
        'edx.cms.core.low': ['cms-worker-background'],
        'edx.cms.core.high_mem': ['cms-worker-background'],
      });
      const group = find(list, 'Deployment', 'lms-worker-interactive') as Record<string, any>;
      expect(argsOf(group).filter((a) => /^--(queues|hostname)/.test(a))).toEqual([
        '--hostname=edx.lms.group.interactive.%h',
        '--queues=edx.lms.core.default,edx.lms.core.high',
      ]);
    });

    it('keeps the stock workers, with no replicas, on a queue no task is sent to', () => {
      for (const service of ['lms', 'cms']) {
        const stock = find(list, 'Deployment', `${service}-worker`) as Record<string, any>;
        const rendered = find(resources(input), 'Deployment', `${service}-worker`) as Record<
          string,
          any
        >;
        expect(stock.spec.replicas).toBe(0);
        expect(argsOf(stock)).toEqual(
          argsOf(rendered).map((a) =>
            a.startsWith('--queues=') ? `--queues=celery-queues.${service}-worker-off` : a,
          ),
        );
        // Nothing else of it changes but its record and the renamed settings.
        const { annotations, ...meta } = stock.metadata;
        const { annotations: renderedAnnotations, ...renderedMeta } = rendered.metadata;
        expect(meta).toEqual(renderedMeta);
        expect(withoutSettingsHashes(stock.spec.template)).toEqual(
          withoutSettingsHashes({
            ...rendered.spec.template,
            spec: {
              ...rendered.spec.template.spec,
              containers: [{ ...rendered.spec.template.spec.containers[0], args: argsOf(stock) }],
            },
          }),
        );
        expect(Object.keys(annotations)).toEqual([
          ...Object.keys(renderedAnnotations),
          'celery-queues.tutor-krm.dev/stock-fields',
        ]);
      }
      // No ScaledObject, PodDisruptionBudget or alert for a worker that consumes nothing.
      const refs = list.flatMap((r) =>
        r.kind === 'ScaledObject' ? [r.spec.scaleTargetRef.name] : [],
      );
      expect(refs).not.toContain('lms-worker');
      expect(find(list, 'PodDisruptionBudget', 'lms-worker-pdb')).toBeUndefined();
    });

    it('sums a group’s queues in one ScaledObject: a trigger per list, added up by a formula', () => {
      const so = find(list, 'ScaledObject', 'cms-worker-background-scaledobject') as Record<
        string,
        any
      >;
      expect(so.spec.scaleTargetRef.name).toBe('cms-worker-background');
      expect(
        so.spec.triggers.map((t: any) => [t.name, t.metadata.listName, t.metadata.listLength]),
      ).toEqual([
        ['queue_0_priority_0', 'edx.cms.core.low', '40'],
        ['queue_0_priority_5', 'edx.cms.core.low\x06\x165', '40'],
        ['queue_1_priority_0', 'edx.cms.core.high_mem', '40'],
        ['queue_1_priority_5', 'edx.cms.core.high_mem\x06\x165', '40'],
      ]);
      expect(so.spec.advanced.scalingModifiers).toEqual({
        formula:
          'queue_0_priority_0 + queue_0_priority_5 + queue_1_priority_0 + queue_1_priority_5',
        target: '40',
        metricType: 'AverageValue',
      });
      // A group of one queue scales as a variant does: one trigger, no formula.
      const bulk = find(list, 'ScaledObject', 'lms-worker-bulk-scaledobject') as Record<
        string,
        any
      >;
      expect(bulk.spec.triggers.map((t: any) => t.metadata.listName)).toEqual([
        'edx.lms.core.high_mem',
      ]);
      expect(bulk.spec.advanced).toBeUndefined();
    });

    it('rolls out without losing capacity where the grace period is long, as the config says elsewhere', () => {
      const strategy = (name: string) => find(list, 'Deployment', name)?.spec.strategy;
      expect(strategy('lms-worker-bulk')).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 },
      });
      expect(strategy('cms-worker-interactive')).toEqual({
        type: 'RollingUpdate',
        rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
      });
      expect(strategy('lms-worker-interactive')).toBeUndefined();
      expect(strategy('lms-worker')).toBeUndefined();
    });

    it('goes back to what a fresh render gives when the config changes back', () => {
      for (const other of ['recommended', 'partial', 'sized']) {
        expect(runStream(out.stdout, configPath(other)).stdout).toBe(
          runStream(input, configPath(other)).stdout,
        );
        const there = runStream(input, configPath(other)).stdout;
        expect(runStream(there, configPath('groups')).stdout).toBe(out.stdout);
      }
    });
  },
);

describe('a config with groups: every queue exactly one consumer, or an error naming it', () => {
  const input = fixture(RENDERS.v20);
  it.each([
    [
      'a queue in a variant and a group',
      'lms:\n  queues: {high: {}}\n  groups: {g: {queues: [high, high_mem]}}',
      'CeleryQueues celery-queues spec.lms.groups.g.queues[0]: edx.lms.core.high has a consumer already (spec.lms.queues.high): every queue has exactly one; keep it in one of them',
    ],
    [
      'a queue in two groups',
      'cms:\n  groups:\n    a: {queues: [low]}\n    b: {queues: [high, low]}',
      'CeleryQueues celery-queues spec.cms.groups.b.queues[1]: edx.cms.core.low has a consumer already (spec.cms.groups.a): every queue has exactly one; keep it in one of them',
    ],
    [
      'a queue twice in one group',
      'lms:\n  groups: {g: {queues: [high, high]}}',
      'CeleryQueues celery-queues spec.lms.groups.g.queues[1]: edx.lms.core.high is listed twice',
    ],
    [
      'the default queue in a group while the stock worker runs',
      'lms:\n  groups: {g: {queues: [default, high]}}',
      'CeleryQueues celery-queues spec.lms.groups.g.queues[0]: edx.lms.core.default has a consumer already (the stock lms-worker, which always keeps it): every queue has exactly one; set spec.lms.stockWorker.enabled: false to give it to the group',
    ],
    [
      'the stock worker off with no consumer of the default queue',
      'lms:\n  stockWorker: {enabled: false}\n  groups: {g: {queues: [high, high_mem]}}',
      'CeleryQueues celery-queues spec.lms.stockWorker.enabled: with the stock lms-worker off, nothing consumes edx.lms.core.default, where edx-platform sends every task it routes nowhere else: add default to the queues of a group in spec.lms.groups',
    ],
    [
      'the stock worker off and tuned',
      'lms:\n  stockWorker: {enabled: false}\n  queues: {default: {replicas: 2}}\n  groups: {g: {queues: [default, high, high_mem]}}',
      'CeleryQueues celery-queues spec.lms.queues.default: tunes the stock lms-worker, which spec.lms.stockWorker.enabled: false turns off; tune the worker of the group that consumes edx.lms.core.default instead',
    ],
    [
      'the stock worker off and a queue it consumed left over (read from the render)',
      'lms:\n  stockWorker: {enabled: false}\n  groups: {g: {queues: [default, high]}}',
      "CeleryQueues celery-queues spec.lms.stockWorker.enabled: the stock lms-worker is off, and nothing else consumes edx.lms.core.high_mem, which lms-worker consumes as rendered: add high_mem to spec.lms.queues or to a group's queues, or turn the stock worker on",
    ],
    [
      'a group named like a variant’s worker',
      'lms:\n  queues: {high_mem: {}}\n  groups: {high-mem: {queues: [high]}}',
      'CeleryQueues celery-queues spec.lms.groups.high-mem: group "high-mem" and variant "high_mem" (spec.lms.queues.high_mem) would both be the worker lms-worker-high-mem',
    ],
    [
      'two groups with one worker name',
      'lms:\n  groups:\n    a_b: {queues: [high]}\n    a-b: {queues: [high_mem]}',
      'CeleryQueues celery-queues spec.lms.groups.a-b: groups "a_b" and "a-b" would both be the worker lms-worker-a-b',
    ],
    [
      'a group named default',
      'lms:\n  groups: {default: {queues: [high]}}',
      'CeleryQueues celery-queues spec.lms.groups.default: group name "default" is the stock lms-worker\'s: give the group a name of its own',
    ],
    [
      'a group name Kubernetes cannot take',
      'lms:\n  groups: {Bulk: {queues: [high]}}',
      'CeleryQueues celery-queues spec.lms.groups.Bulk: group name "Bulk" must be lowercase letters, digits, "_" and "-", starting and ending with a letter or digit (with "_" as "-", it names the worker lms-worker-<group>)',
    ],
    [
      'a group name too long for its ScaledObject',
      `cms:\n  groups: {${'g'.repeat(40)}: {queues: [high]}}`,
      `CeleryQueues celery-queues spec.cms.groups.${'g'.repeat(40)}: group name "${'g'.repeat(40)}" is too long: "cms-worker-${'g'.repeat(40)}-scaledobject" would be 64 characters, over Kubernetes' 63`,
    ],
    [
      'a group without queues',
      'lms:\n  groups: {g: {queues: []}}',
      'CeleryQueues celery-queues spec.lms.groups.g.queues: Too small: expected array to have >=1 items',
    ],
    [
      'a group queue that is no variant name',
      'lms:\n  groups: {g: {queues: [edx.lms.core.high]}}',
      'CeleryQueues celery-queues spec.lms.groups.g.queues[0]: must be a variant name: lowercase letters, digits, "_" and "-", starting and ending with a letter or digit (the queue is edx.<service>.core.<variant>)',
    ],
    [
      'a group that sets its own queues',
      'lms:\n  groups: {g: {queues: [high], extraArgs: ["-Qx"]}}',
      'CeleryQueues celery-queues spec.lms.groups.g.extraArgs[0]: "-Qx" sets --queues, which celery-queues sets itself (the queues come from the variant name or the group’s queues)',
    ],
  ])('%s', (_what, spec, error) => {
    const out = runSpec(input, spec);
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(errorsOf(out.stderr)).toEqual([error]);
  });

  it('refuses an HPA in the input on a stock worker the config turns off', () => {
    const out = runSpec(
      fixture(RENDERS.podautoscaling),
      'lms:\n  stockWorker: {enabled: false}\n  groups: {g: {queues: [default, high, high_mem]}}',
    );
    expect(out.status).toBe(1);
    expect(errorsOf(out.stderr)).toEqual([
      'CeleryQueues celery-queues spec.lms.stockWorker.enabled: HorizontalPodAutoscaler lms-worker-hpa in the input scales Deployment lms-worker, and the fixed replica count 0 from spec.lms.stockWorker.enabled would undo its scaling on every apply (and it would undo the count right after): take the HorizontalPodAutoscaler out of the input',
    ]);
  });

  it('refuses to turn off a stock worker whose render gives it a queue no variant can take', () => {
    const render = input.replace(
      '--queues=edx.lms.core.default,edx.lms.core.high,edx.lms.core.high_mem',
      '--queues=edx.lms.core.default,edx.lms.core.high,edx.lms.core.high_mem,celery',
    );
    const out = runSpec(
      render,
      'lms:\n  stockWorker: {enabled: false}\n  groups: {g: {queues: [default, high, high_mem]}}',
    );
    expect(errorsOf(out.stderr)).toEqual([
      'CeleryQueues celery-queues spec.lms.stockWorker.enabled: the stock lms-worker is off, and nothing else consumes celery, which lms-worker consumes as rendered: no variant or group consumes a queue not named edx.lms.core.<variant>: keep the stock worker on',
    ]);
  });

  it('warns about a group’s queue nothing routes tasks to, naming the queue in its list', () => {
    const out = runSpec(input, 'lms:\n  groups: {g: {queues: [high, reports]}}');
    expect(out.status).toBe(0);
    expect(out.stderr).toContain(
      'celery-queues: warning: CeleryQueues celery-queues spec.lms.groups.g.queues[1]: nothing routes tasks to edx.lms.core.reports, so lms-worker-g in namespace openedx would idle on it: route tasks to it in spec.explicitQueues.lms',
    );
  });
});

describe('the workers family on a literal stock worker: YAML in, YAML out', () => {
  const STOCK = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: lms-worker
  labels: {app.kubernetes.io/name: lms-worker}
spec:
  selector:
    matchLabels: {app.kubernetes.io/name: lms-worker}
  template:
    metadata:
      labels: {app.kubernetes.io/name: lms-worker}
    spec:
      containers:
      - name: lms-worker
        image: openedx
        args: [celery, --app=lms.celery, worker, --hostname=edx.lms.core.default.%h, "--queues=edx.lms.core.default,edx.lms.core.high,edx.lms.core.high_mem"]
`;
  it.each([
    [
      'the stock worker off, two groups, one with a long grace period',
      `stockWorker: {enabled: false}
groups:
  interactive: {queues: [default, high]}
  bulk: {queues: [high_mem], terminationGracePeriodSeconds: 600}`,
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: lms-worker
  labels: { app.kubernetes.io/name: lms-worker }
  annotations:
    celery-queues.tutor-krm.dev/stock-fields: '{"/spec/replicas":null,"/spec/template/spec/containers/0/args":["celery","--app=lms.celery","worker","--hostname=edx.lms.core.default.%h","--queues=edx.lms.core.default,edx.lms.core.high,edx.lms.core.high_mem"]}'
spec:
  replicas: 0
  selector:
    matchLabels: { app.kubernetes.io/name: lms-worker }
  template:
    metadata:
      labels: { app.kubernetes.io/name: lms-worker }
    spec:
      containers:
      - name: lms-worker
        image: openedx
        args: [ celery, --app=lms.celery, worker, --hostname=edx.lms.core.default.%h, "--queues=celery-queues.lms-worker-off" ]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: lms-worker-interactive
  labels: { app.kubernetes.io/managed-by: celery-queues, app.kubernetes.io/name: lms-worker-interactive, app.kubernetes.io/part-of: openedx }
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
spec:
  selector:
    matchLabels: { app.kubernetes.io/name: lms-worker-interactive }
  template:
    metadata:
      labels: { app.kubernetes.io/name: lms-worker-interactive }
    spec:
      containers:
      - name: lms-worker-interactive
        image: openedx
        args: [ celery, --app=lms.celery, worker, --hostname=edx.lms.group.interactive.%h, "--queues=edx.lms.core.default,edx.lms.core.high" ]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: lms-worker-bulk
  labels: { app.kubernetes.io/managed-by: celery-queues, app.kubernetes.io/name: lms-worker-bulk, app.kubernetes.io/part-of: openedx }
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
spec:
  selector:
    matchLabels: { app.kubernetes.io/name: lms-worker-bulk }
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 25%
      maxUnavailable: 0
  template:
    metadata:
      labels: { app.kubernetes.io/name: lms-worker-bulk }
    spec:
      containers:
      - name: lms-worker-bulk
        image: openedx
        args: [ celery, --app=lms.celery, worker, --hostname=edx.lms.group.bulk.%h, "--queues=edx.lms.core.high_mem" ]
      terminationGracePeriodSeconds: 600
`,
    ],
    [
      'the stock worker on: it keeps the default queue; a group with its own rolling update',
      'groups:\n  bulk: {queues: [high_mem, high], rollingUpdate: {maxSurge: 0, maxUnavailable: 1}}',
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: lms-worker
  labels: { app.kubernetes.io/name: lms-worker }
  annotations:
    celery-queues.tutor-krm.dev/stock-fields: '{"/spec/template/spec/containers/0/args":["celery","--app=lms.celery","worker","--hostname=edx.lms.core.default.%h","--queues=edx.lms.core.default,edx.lms.core.high,edx.lms.core.high_mem"]}'
spec:
  selector:
    matchLabels: { app.kubernetes.io/name: lms-worker }
  template:
    metadata:
      labels: { app.kubernetes.io/name: lms-worker }
    spec:
      containers:
      - name: lms-worker
        image: openedx
        args: [ celery, --app=lms.celery, worker, --hostname=edx.lms.core.default.%h, "--queues=edx.lms.core.default" ]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: lms-worker-bulk
  labels: { app.kubernetes.io/managed-by: celery-queues, app.kubernetes.io/name: lms-worker-bulk, app.kubernetes.io/part-of: openedx }
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
spec:
  selector:
    matchLabels: { app.kubernetes.io/name: lms-worker-bulk }
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 0
      maxUnavailable: 1
  template:
    metadata:
      labels: { app.kubernetes.io/name: lms-worker-bulk }
    spec:
      containers:
      - name: lms-worker-bulk
        image: openedx
        args: [ celery, --app=lms.celery, worker, --hostname=edx.lms.group.bulk.%h, "--queues=edx.lms.core.high_mem,edx.lms.core.high" ]
`,
    ],
  ])('%s', (_what, lms, expected) => {
    const out = runSpec(STOCK, `lms:\n${lms.replace(/^/gm, '  ')}`);
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(expected);
    expect(runSpec(out.stdout, `lms:\n${lms.replace(/^/gm, '  ')}`).stdout).toBe(out.stdout);
  });
});
