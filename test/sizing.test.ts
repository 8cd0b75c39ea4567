// Sizing and placing the workers on the real Tutor renders: golden files, every Deployment and
// PodDisruptionBudget valid by Kubernetes' schema (unknown fields refused), stock values kept on
// clones, and re-runs that start from Tutor's stock worker whatever an earlier run changed.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { selectorMatches } from '../src/krm/k8s.js';
import { expectGoldenDiff } from './golden.js';
import {
  argsOf,
  configPath,
  find,
  fixture,
  otherThanSettings,
  RENDERS,
  type RunOutput,
  resources,
  runStream,
  runWithConfig,
  sizedUnderHpa,
  twoInstances,
  withoutSettingsHashes,
} from './helpers.js';
import { kubernetesProblems } from './kubernetes.js';

const V20 = fixture(RENDERS.v20);
const AUTOSCALING = fixture(RENDERS.podautoscaling);
const SIZED = readFileSync(configPath('sized'), 'utf8');
const SIZED_UNDER_HPA = sizedUnderHpa();

/** The function on a manifest stream with a config given as data. */
function runConfig(manifests: string, config: unknown): RunOutput {
  return runWithConfig(manifests, stringify(config));
}

const HEAD = {
  apiVersion: 'tutor-krm.dev/v1alpha1',
  kind: 'CeleryQueues',
  metadata: { name: 'x' },
};

function checkWorkloads(list: Record<string, any>[]): void {
  const workloads = list.filter((r) => r.kind === 'Deployment' || r.kind === 'PodDisruptionBudget');
  for (const r of workloads) {
    expect([r.kind, r.metadata.name, kubernetesProblems(r)]).toEqual([r.kind, r.metadata.name, []]);
  }
  // What the schema cannot say: each Deployment selects its own pods, and only those (in its
  // namespace).
  const deployments = list.filter((r) => r.kind === 'Deployment');
  const near = (a: Record<string, any>) =>
    deployments.filter((d) => d.metadata.namespace === a.metadata.namespace);
  for (const d of deployments) {
    for (const other of near(d)) {
      const labels = other.spec.template.metadata.labels;
      expect([
        d.metadata.name,
        other.metadata.name,
        selectorMatches(d.spec.selector, labels),
      ]).toEqual([d.metadata.name, other.metadata.name, d === other]);
    }
  }
  for (const pdb of list.filter((r) => r.kind === 'PodDisruptionBudget')) {
    const selected = near(pdb).filter((d) =>
      selectorMatches(pdb.spec.selector, d.spec.template.metadata.labels),
    );
    expect([pdb.metadata.name, selected.map((d) => `${d.metadata.name}-pdb`)]).toEqual([
      pdb.metadata.name,
      [pdb.metadata.name],
    ]);
  }
}

describe.each([
  ['v20', 'sized', V20, SIZED],
  ['podautoscaling', 'sized', AUTOSCALING, SIZED_UNDER_HPA],
  ['podautoscaling', 'recommended', AUTOSCALING, readFileSync(configPath('recommended'), 'utf8')],
  ['two-instances', 'sized', twoInstances(), SIZED],
])('render %s, config %s', (render, config, input, text) => {
  const out = runWithConfig(input, text);

  it('matches the golden output, and comes out byte for byte when run again', () => {
    expect(out.stderr).not.toMatch(/: (error|warning): /);
    expect(out.status).toBe(0);
    expectGoldenDiff(`sizing/${render}.${config}.diff`, input, out.stdout);
    // The settings family reports its renames on the first run only.
    const again = runWithConfig(out.stdout, text);
    expect({ ...again, stderr: otherThanSettings(again.stderr), messages: '' }).toEqual({
      ...out,
      stderr: otherThanSettings(out.stderr),
      messages: '',
    });
  });

  it('writes Deployments and PodDisruptionBudgets that Kubernetes accepts', () => {
    checkWorkloads(resources(out.stdout));
  });
});

describe('the sized config on Tutor v20', () => {
  const list = resources(runStream(V20, configPath('sized')).stdout);
  const deployment = (name: string) => find(list, 'Deployment', name) as Record<string, any>;
  const pod = (name: string) => deployment(name).spec.template.spec;

  it('gives each worker its own size and place', () => {
    expect(pod('lms-worker-high-mem').containers[0].resources).toEqual({
      requests: { cpu: 1, memory: '6Gi' },
      limits: { memory: '8Gi' },
    });
    expect(pod('lms-worker-high-mem').nodeSelector).toEqual({
      'node.kubernetes.io/pool': 'high-mem',
    });
    expect(pod('lms-worker-high-mem').terminationGracePeriodSeconds).toBe(14400);
    expect(pod('lms-worker-high-mem').priorityClassName).toBe('batch-low');
    expect(deployment('lms-worker-high-mem').spec.template.metadata).toMatchObject({
      labels: { team: 'reports', 'app.kubernetes.io/name': 'lms-worker-high-mem' },
      annotations: { 'cluster-autoscaler.kubernetes.io/safe-to-evict': 'false' },
    });
    // The defaults reach every LMS worker that does not set the field itself.
    expect(pod('lms-worker').terminationGracePeriodSeconds).toBe(300);
    expect(pod('lms-worker-high').terminationGracePeriodSeconds).toBe(300);
    expect(pod('cms-worker').terminationGracePeriodSeconds).toBeUndefined();
  });

  it('sets replicas, except on an autoscaled worker (KEDA owns those)', () => {
    expect(deployment('lms-worker').spec.replicas).toBe(2);
    expect(deployment('cms-worker-high').spec.replicas).toBe(3);
    expect(deployment('lms-worker-high-mem').spec.replicas).toBeUndefined();
    expect(deployment('lms-worker-high').spec.replicas).toBeUndefined();
  });

  it('turns concurrency and pool into celery flags; a variant’s extraArgs flag beats the defaults', () => {
    expect(argsOf(deployment('lms-worker')).slice(-1)).toEqual(['--concurrency=2']);
    expect(argsOf(deployment('lms-worker-high')).slice(-1)).toEqual(['--concurrency=8']);
    expect(argsOf(deployment('cms-worker')).slice(-2)).toEqual([
      '--concurrency=4',
      '--pool=threads',
    ]);
    expect(argsOf(deployment('cms-worker-low')).slice(-2)).toEqual([
      '--pool=threads',
      '--concurrency=1',
    ]);
    expect(
      argsOf(deployment('cms-worker-low')).filter((a) => a.startsWith('--concurrency')),
    ).toHaveLength(1);
  });

  it('adds env after the stock variables, and replaces one of the same name where it stands', () => {
    expect(pod('lms-worker-high').containers[0].env).toEqual([
      { name: 'SERVICE_VARIANT', value: 'lms' },
      { name: 'DJANGO_SETTINGS_MODULE', value: 'lms.envs.tutor.production' },
      {
        name: 'SENTRY_ENVIRONMENT',
        valueFrom: { configMapKeyRef: { name: 'sentry', key: 'environment', optional: true } },
      },
    ]);
  });

  it('spreads each worker’s own pods when a constraint names no selector', () => {
    for (const name of ['lms-worker', 'lms-worker-high']) {
      expect(pod(name).topologySpreadConstraints[0].labelSelector).toEqual(
        deployment(name).spec.selector,
      );
    }
  });

  it('writes a PodDisruptionBudget with maxUnavailable (never minAvailable) where asked', () => {
    const budgets = list.filter((r) => r.kind === 'PodDisruptionBudget');
    expect(budgets.map((b) => [b.metadata.name, b.spec.maxUnavailable])).toEqual([
      ['cms-worker-low-pdb', 1],
      ['lms-worker-pdb', 1],
      ['lms-worker-high-pdb', 1],
      ['lms-worker-high-mem-pdb', '50%'],
    ]);
    for (const b of budgets) {
      expect(b.spec.minAvailable).toBeUndefined();
      expect(b.metadata.namespace).toBe('openedx');
      expect(b.metadata.annotations['celery-queues.tutor-krm.dev/generated-by']).toMatch(
        /-worker$/,
      );
    }
  });

  it('writes worker command lines that celery itself reads as meant (celery 5.2)', () => {
    const workers = list.filter((r) => r.kind === 'Deployment' && /-worker/.test(r.metadata.name));
    const commandLines = workers.map((d) => argsOf(d).slice(argsOf(d).indexOf('worker') + 1));
    // Celery's own command-line parser (click), without starting a worker.
    const script = `
import json, sys
from celery import Celery
from celery.bin.base import CLIContext
from celery.bin.worker import worker
obj = CLIContext(app=Celery('lms'), no_color=True, workdir=None, quiet=True)
out = []
for args in json.load(sys.stdin):
    params = worker.make_context('worker', list(args), obj=obj).params
    out.append([params['concurrency'], params['pool'].__module__.rsplit('.', 1)[-1]])
print(json.dumps(out))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', script], {
      input: JSON.stringify(commandLines),
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    const flag = (args: string[], name: string) =>
      args.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
    const meant = commandLines.map((args) => {
      const concurrency = flag(args, '--concurrency');
      const pool = flag(args, '--pool') ?? 'prefork';
      return [concurrency === undefined ? null : Number(concurrency), pool.replace(/s$/, '')];
    });
    expect(JSON.parse(r.stdout)).toEqual(meant);
    expect(meant).toContainEqual([4, 'thread']);
    expect(meant).toContainEqual([8, 'prefork']);
  });
});

describe('values the stock worker already has (tutor-contrib-pod-autoscaling)', () => {
  const stock = find(resources(AUTOSCALING), 'Deployment', 'lms-worker') as Record<string, any>;
  const stockResources = stock.spec.template.spec.containers[0].resources;

  it('stay on the clones unless the config sets them', () => {
    const list = resources(runWithConfig(AUTOSCALING, SIZED_UNDER_HPA).stdout);
    const resourcesOf = (name: string) =>
      (find(list, 'Deployment', name) as Record<string, any>).spec.template.spec.containers[0]
        .resources;
    expect(stockResources).toEqual({
      limits: { cpu: 1, memory: '3000Mi' },
      requests: { cpu: 0.5, memory: '750Mi' },
    });
    expect(resourcesOf('lms-worker')).toEqual({
      requests: { cpu: '250m', memory: '1Gi' },
      limits: { memory: '2Gi' },
    });
    expect(resourcesOf('lms-worker-high')).toEqual(stockResources);
    expect(resourcesOf('lms-worker-high-mem')).toEqual({
      requests: { cpu: 1, memory: '6Gi' },
      limits: { memory: '8Gi' },
    });
  });

  it('stay on the clones on a second run, though the first changed the stock worker’s', () => {
    const once = runWithConfig(AUTOSCALING, SIZED_UNDER_HPA).stdout;
    const twice = resources(runStream(once, configPath('recommended')).stdout);
    for (const name of ['lms-worker', 'lms-worker-high', 'lms-worker-high-mem']) {
      const d = find(twice, 'Deployment', name) as Record<string, any>;
      expect([name, d.spec.template.spec.containers[0].resources]).toEqual([name, stockResources]);
    }
  });
});

// An HPA in the input scales the stock LMS worker; a replica count the config fixes there would
// be reset by the HPA, and would reset the HPA's count on every apply.
describe('a fixed replica count on a worker an HPA scales', () => {
  it.each([
    ['spec.lms.queues.default.replicas', SIZED],
    [
      'spec.lms.workerDefaults.replicas',
      SIZED_UNDER_HPA.replace('    workerDefaults:\n', '    workerDefaults:\n      replicas: 1\n'),
    ],
  ])('is an error naming %s and the ways out; nothing changes', (field, config) => {
    const out = runWithConfig(AUTOSCALING, config);
    expect(out.status).toBe(1);
    // Nothing half-done goes out: the input as it came, or nothing.
    expect([AUTOSCALING, '']).toContain(out.stdout);
    const errors = out.stderr.split('\n').filter((l) => l.includes(': error: '));
    expect(errors).toEqual([
      `celery-queues: error: CeleryQueues celery-queues ${field}: HorizontalPodAutoscaler lms-worker-hpa in the input scales Deployment lms-worker, and the fixed replica count ${field.includes('default') ? 2 : 1} from ${field} would undo its scaling on every apply (and it would undo the count right after): drop ${field}, or let KEDA scale the worker (spec.lms.queues.default.autoscaling.enabled, with existingHPA drop or transfer), or take the HorizontalPodAutoscaler out of the input`,
    ]);
  });

  it('is fine on workers no HPA scales (the clones; every worker of a render without HPAs)', () => {
    const clone = SIZED_UNDER_HPA.replace(
      '      high:\n        concurrency: 8\n',
      '      high:\n        replicas: 2\n        concurrency: 8\n',
    );
    expect(runWithConfig(AUTOSCALING, clone).status).toBe(0);
    expect(runWithConfig(V20, SIZED).status).toBe(0);
  });
});

describe('a second run with another config', () => {
  it.each([
    ['sized', 'recommended'],
    ['recommended', 'sized'],
    ['sized', 'partial'],
    ['sized', 'tuned'],
    ['tuned', 'sized'],
  ])('%s, then %s: as if the first had never run', (first, second) => {
    for (const input of [V20, AUTOSCALING]) {
      const text = (name: string) => {
        const config = readFileSync(configPath(name), 'utf8');
        return input === AUTOSCALING && name === 'sized' ? SIZED_UNDER_HPA : config;
      };
      const once = runWithConfig(input, text(first)).stdout;
      const direct = runWithConfig(input, text(second));
      const again = runWithConfig(once, text(second));
      expect(again.status).toBe(0);
      expect(again.stdout).toBe(direct.stdout);
    }
  });

  it('with no config for a service gives that service’s stock worker back as Tutor rendered it', () => {
    const once = runStream(V20, configPath('sized')).stdout;
    const lmsOnly = { ...HEAD, spec: { lms: { queues: { high: {} } } } };
    const again = runConfig(once, lmsOnly);
    expect(again.stdout).toBe(runConfig(V20, lmsOnly).stdout);
    // As Tutor rendered it, but for the settings' new names (the settings family).
    expect(
      withoutSettingsHashes(find(resources(again.stdout), 'Deployment', 'cms-worker')),
    ).toEqual(withoutSettingsHashes(find(resources(V20), 'Deployment', 'cms-worker')));
  });
});

// Random sizing configs: whatever ran before, the output is what the new config gives on
// Tutor's own render, and what Kubernetes accepts.
const FIELDS: Record<string, unknown[]> = {
  replicas: [0, 1, 3],
  resources: [
    { requests: { cpu: '100m', memory: '512Mi' } },
    { limits: { memory: '4Gi' }, requests: { memory: '2Gi', cpu: 2 } },
  ],
  nodeSelector: [{ pool: 'workers' }, { 'kubernetes.io/arch': 'amd64', pool: 'big' }],
  tolerations: [[{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }]],
  affinity: [
    {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [
            { matchExpressions: [{ key: 'pool', operator: 'In', values: ['a'] }] },
          ],
        },
      },
    },
  ],
  topologySpreadConstraints: [
    [{ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'DoNotSchedule' }],
  ],
  priorityClassName: ['low', 'high-priority'],
  terminationGracePeriodSeconds: [0, 600],
  // New variables only: the stock worker's own are refused (see test/stock-fields.test.ts).
  env: [
    [{ name: 'CELERY_EXTRA', value: 'x' }],
    [
      { name: 'A', value: '' },
      { name: 'B', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } },
    ],
  ],
  labels: [{ team: 'a' }, { 'example.com/tier': 'batch' }],
  annotations: [{ note: 'x' }],
  concurrency: [1, 16],
  pool: ['prefork', 'gevent'],
  podDisruptionBudget: [
    { enabled: true },
    { enabled: false },
    { enabled: true, maxUnavailable: '25%' },
  ],
};

const sizing = fc.record(
  Object.fromEntries(Object.entries(FIELDS).map(([k, values]) => [k, fc.constantFrom(...values)])),
  { requiredKeys: [] },
);
const variant = fc.record(
  {
    sizing,
    extraArgs: fc.constantFrom([], ['--prefetch-multiplier=4'], ['--concurrency=3']),
    autoscaled: fc.boolean(),
  },
  { requiredKeys: [] },
);
const config = fc
  .record({
    defaults: fc.option(sizing, { nil: undefined }),
    queues: fc.dictionary(fc.constantFrom('default', 'high', 'high_mem', 'low'), variant, {
      maxKeys: 3,
    }),
  })
  .map(({ defaults, queues }) => {
    const service: Record<string, unknown> = {
      queues: Object.fromEntries(
        Object.entries(queues).map(([name, v]) => {
          const q: Record<string, unknown> = { ...v.sizing };
          if (v.extraArgs?.length) q.extraArgs = v.extraArgs;
          if (v.autoscaled) {
            q.autoscaling = { enabled: true };
            delete q.replicas;
          }
          if (v.extraArgs?.[0] === '--concurrency=3') delete q.concurrency;
          return [name, q];
        }),
      ),
    };
    if (defaults) service.workerDefaults = defaults;
    return { ...HEAD, spec: { lms: service } };
  });

describe('property: re-runs', () => {
  it('any config, then any other: as if the first had never run; Kubernetes accepts the output', () => {
    fc.assert(
      fc.property(config, config, (a, b) => {
        const once = runConfig(V20, a);
        expect(once.stderr).not.toContain('error');
        checkWorkloads(resources(once.stdout));
        expect(runConfig(once.stdout, a).stdout).toBe(once.stdout);
        expect(runConfig(once.stdout, b).stdout).toBe(runConfig(V20, b).stdout);
      }),
      { numRuns: 40 },
    );
  });
});
