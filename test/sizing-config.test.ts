// The sizing fields of the config: what they accept, and one clear error per mistake (bad
// quantities, negative values, conflicts, Kubernetes structures with a typo).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { stockConfig, workerSizing } from '../src/celery/worker.js';
import { loadConfig } from '../src/config/load.js';
import type { Spec } from '../src/config/schema.js';
import { Results } from '../src/krm/results.js';
import {
  fixture,
  otherThanSettings,
  RENDERS,
  ROOT,
  resources,
  runCli,
  runWithConfig,
} from './helpers.js';
import { kubernetesProblems } from './kubernetes.js';

const variantConfig = (s: Spec, service: 'lms' | 'cms', variant: string) => ({
  service,
  config: s[service]?.queues[variant],
  path: ['spec', service, 'queues', variant],
});

const HEAD = 'apiVersion: tutor-krm.dev/v1alpha1\nkind: CeleryQueues\nmetadata: {name: x}\n';

function check(spec: string) {
  const results = new Results();
  const config = loadConfig(parse(`${HEAD}${spec}`), results);
  return { config, errors: results.list.map((r) => `${r.field?.path}: ${r.message}`) };
}

/** A variant `high` of the LMS with these fields (flow-style YAML). */
const high = (fields: string) => `spec:\n  lms:\n    queues:\n      high: ${fields}\n`;

describe('sizing fields', () => {
  it('accept a full set, on a variant and in workerDefaults', () => {
    const fields = `{
        replicas: 2, concurrency: 4, pool: gevent, priorityClassName: low,
        terminationGracePeriodSeconds: 3600,
        resources: {requests: {cpu: 500m, memory: 1Gi, nvidia.com/gpu: 1}, limits: {cpu: 2, memory: 2Gi}},
        nodeSelector: {pool: big}, labels: {team: reports, example.com/tier: ""},
        annotations: {example.com/note: "x y"},
        tolerations: [{key: a, operator: Equal, value: b, effect: NoExecute, tolerationSeconds: 60}, {operator: Exists}],
        affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: kubernetes.io/hostname}]}},
        topologySpreadConstraints: [{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, minDomains: 2}],
        env: [{name: A, value: "1"}, {name: B, valueFrom: {secretKeyRef: {name: s, key: k}}}],
        podDisruptionBudget: {enabled: true, maxUnavailable: 25%}}`;
    const a = check(high(fields));
    const b = check(`spec:\n  lms:\n    workerDefaults: ${fields}\n`);
    expect(a.errors).toEqual([]);
    expect(b.errors).toEqual([]);
    expect(a.config?.spec.lms?.queues.high?.resources).toEqual({
      requests: { cpu: '500m', memory: '1Gi', 'nvidia.com/gpu': 1 },
      limits: { cpu: 2, memory: '2Gi' },
    });
    expect(b.config?.spec.lms?.workerDefaults?.podDisruptionBudget).toEqual({
      enabled: true,
      maxUnavailable: '25%',
    });
  });

  it('leave everything unset by default (the stock worker’s values stay)', () => {
    const { config } = check(high('{}'));
    expect(config?.spec.lms?.queues.high).toEqual({ extraArgs: [] });
    expect(check(high('{podDisruptionBudget: {}}')).config?.spec.lms?.queues.high).toEqual({
      extraArgs: [],
      podDisruptionBudget: { enabled: false, maxUnavailable: 1 },
    });
  });

  it.each([
    // Quantities.
    [
      high('{resources: {limits: {memory: 2GB}}}'),
      'spec.lms.queues.high.resources.limits.memory: "2GB" is not a Kubernetes quantity (such as 500m, 1.5, 512Mi, 2Gi)',
    ],
    [
      high('{resources: {requests: {cpu: "1 core"}}}'),
      'spec.lms.queues.high.resources.requests.cpu: "1 core" is not a Kubernetes quantity (such as 500m, 1.5, 512Mi, 2Gi)',
    ],
    [
      high('{resources: {requests: {cpu: -1}}}'),
      'spec.lms.queues.high.resources.requests.cpu: -1 is negative',
    ],
    [
      high('{resources: {limits: {memory: -512Mi}}}'),
      'spec.lms.queues.high.resources.limits.memory: "-512Mi" is negative',
    ],
    [
      high('{resources: {requests: {memory: 4Gi}, limits: {memory: 2Gi}}}'),
      'spec.lms.queues.high.resources.requests.memory: the request (4Gi) is above the limit (2Gi); Kubernetes refuses that',
    ],
    [
      high('{resources: {request: {cpu: 1}}}'),
      'spec.lms.queues.high.resources.request: unknown field "request" in spec.lms.queues.high.resources',
    ],
    [
      high('{resources: {limits: {"bad key!": 1}}}'),
      'spec.lms.queues.high.resources.limits["bad key!"]: resource name "bad key!": its name part must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    ],
    // Negative and zero values.
    [high('{replicas: -1}'), 'spec.lms.queues.high.replicas: Too small: expected number to be >=0'],
    [
      high('{terminationGracePeriodSeconds: -5}'),
      'spec.lms.queues.high.terminationGracePeriodSeconds: Too small: expected number to be >=0',
    ],
    [
      high('{concurrency: 0}'),
      'spec.lms.queues.high.concurrency: Too small: expected number to be >=1',
    ],
    [
      high('{replicas: 1.5}'),
      'spec.lms.queues.high.replicas: Invalid input: expected int, received number',
    ],
    [
      high('{podDisruptionBudget: {enabled: true, maxUnavailable: 0}}'),
      'spec.lms.queues.high.podDisruptionBudget.maxUnavailable: maxUnavailable 0 must be a number of pods (at least 1) or a percentage from 1% to 100%: 0 would block every node drain',
    ],
    [
      high('{podDisruptionBudget: {enabled: true, maxUnavailable: 0%}}'),
      'spec.lms.queues.high.podDisruptionBudget.maxUnavailable: maxUnavailable "0%" must be a number of pods (at least 1) or a percentage from 1% to 100%: 0 would block every node drain',
    ],
    [
      high('{podDisruptionBudget: {enabled: true, minAvailable: 1}}'),
      'spec.lms.queues.high.podDisruptionBudget.minAvailable: unknown field "minAvailable" in spec.lms.queues.high.podDisruptionBudget',
    ],
    // Conflicts.
    [
      high('{replicas: 2, autoscaling: {enabled: true}}'),
      'spec.lms.queues.high.replicas: replicas and autoscaling.enabled conflict: KEDA sets the replicas of an autoscaled worker (use autoscaling.minReplicas/maxReplicas)',
    ],
    [
      high('{concurrency: 2, extraArgs: ["--concurrency=4"]}'),
      'spec.lms.queues.high.concurrency: concurrency and --concurrency in extraArgs conflict: set one of them',
    ],
    [
      high('{concurrency: 2, extraArgs: ["-c", "4"]}'),
      'spec.lms.queues.high.concurrency: concurrency and --concurrency in extraArgs conflict: set one of them',
    ],
    [
      high('{pool: solo, extraArgs: ["-Pgevent"]}'),
      'spec.lms.queues.high.pool: pool and --pool in extraArgs conflict: set one of them',
    ],
    [
      high('{labels: {app.kubernetes.io/name: x}}'),
      `spec.lms.queues.high.labels["app.kubernetes.io/name"]: app.kubernetes.io/name is the worker's own name in its selector, set by celery-queues`,
    ],
    // Kubernetes structures.
    [
      high('{pool: fork}'),
      'spec.lms.queues.high.pool: Invalid option: expected one of "prefork"|"eventlet"|"gevent"|"solo"|"threads"|"processes"|"custom"',
    ],
    [
      high('{labels: {team: "a b"}}'),
      'spec.lms.queues.high.labels.team: label value "a b" must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    ],
    [
      high('{nodeSelector: {"-pool": a}}'),
      'spec.lms.queues.high.nodeSelector["-pool"]: label key "-pool": its name part must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit',
    ],
    [
      high('{priorityClassName: High}'),
      'spec.lms.queues.high.priorityClassName: priorityClassName must be lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
    ],
    [
      high('{tolerations: [{key: a, operator: Exists, value: b}]}'),
      'spec.lms.queues.high.tolerations[0].value: operator Exists takes no value',
    ],
    [
      high('{tolerations: [{value: b}]}'),
      'spec.lms.queues.high.tolerations[0].operator: a toleration without a key must have operator Exists',
    ],
    [
      high('{tolerations: [{key: a, effect: NoSchedule, tolerationSeconds: 5}]}'),
      'spec.lms.queues.high.tolerations[0].tolerationSeconds: tolerationSeconds needs effect NoExecute',
    ],
    [
      high('{tolerations: [{key: a, efect: NoSchedule}]}'),
      'spec.lms.queues.high.tolerations[0].efect: unknown field "efect" in spec.lms.queues.high.tolerations[0]',
    ],
    [
      high(
        '{affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: [{matchExpressions: [{key: a, operator: In}]}]}}}}',
      ),
      'spec.lms.queues.high.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values: In needs values',
    ],
    [
      high(
        '{affinity: {podAntiAffinity: {preferredDuringSchedulingIgnoredDuringExecution: [{weight: 0, podAffinityTerm: {topologyKey: x}}]}}}',
      ),
      'spec.lms.queues.high.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Too small: expected number to be >=1',
    ],
    [
      high('{affinity: {nodeAfinity: {}}}'),
      'spec.lms.queues.high.affinity.nodeAfinity: unknown field "nodeAfinity" in spec.lms.queues.high.affinity',
    ],
    [
      high(
        '{topologySpreadConstraints: [{maxSkew: 1, topologyKey: z, whenUnsatisfiable: ScheduleAnyway, minDomains: 2}]}',
      ),
      'spec.lms.queues.high.topologySpreadConstraints[0].minDomains: minDomains needs whenUnsatisfiable: DoNotSchedule',
    ],
    [
      high('{env: [{name: A, value: "1"}, {name: A, value: "2"}]}'),
      'spec.lms.queues.high.env[1].name: A is set twice',
    ],
    [
      high('{env: [{name: A, value: 1}]}'),
      'spec.lms.queues.high.env[0].value: Invalid input: expected string, received number',
    ],
    [
      high('{env: [{name: A, value: "1", valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}]}'),
      'spec.lms.queues.high.env[0]: give value or valueFrom, not both',
    ],
    [
      high('{env: [{name: A, valueFrom: {}}]}'),
      'spec.lms.queues.high.env[0].valueFrom: valueFrom takes exactly one of configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef',
    ],
    [
      'spec:\n  cms:\n    workerDefaults: {resources: {limits: {cpu: 2cores}}}\n',
      'spec.cms.workerDefaults.resources.limits.cpu: "2cores" is not a Kubernetes quantity (such as 500m, 1.5, 512Mi, 2Gi)',
    ],
    [
      'spec:\n  cms:\n    workerDefaults: {extraArgs: ["--concurrency=2"]}\n',
      'spec.cms.workerDefaults.extraArgs: unknown field "extraArgs" in spec.cms.workerDefaults',
    ],
  ])('%j is refused', (spec, error) => {
    expect(check(spec).errors).toEqual([error]);
  });
});

describe('rollingUpdate: what the config takes is what the API server takes', () => {
  const values: unknown[] = [undefined, 0, 1, 3, '0%', '25%', '100%', '110%', '1', -1, 1.5, 'x%'];
  const cases = values.flatMap((maxSurge) =>
    values.map((maxUnavailable) => ({ maxSurge, maxUnavailable })),
  );
  it.each(cases)('%j', (rollingUpdate) => {
    const given = Object.fromEntries(
      Object.entries(rollingUpdate).filter(([, v]) => v !== undefined),
    );
    const { errors } = check(high(JSON.stringify({ rollingUpdate: given })));
    // The stock lms-worker with this strategy, as the API server would check it.
    const stock = structuredClone(
      resources(fixture(RENDERS.v20)).find(
        (r) => r.kind === 'Deployment' && r.metadata.name === 'lms-worker',
      ) as Record<string, any>,
    );
    stock.spec.strategy = { type: 'RollingUpdate', rollingUpdate: given };
    expect(errors.length === 0).toBe(kubernetesProblems(stock).length === 0);
    if (errors.length > 0) expect(errors.join()).toMatch(/spec\.lms\.queues\.high\.rollingUpdate/);
  });

  it('is written as the Deployment strategy, and the config’s own replaces the default one', () => {
    const out = runWithConfig(
      fixture(RENDERS.v20),
      `${HEAD}${high('{terminationGracePeriodSeconds: 600, rollingUpdate: {maxUnavailable: 1}}')}`,
    );
    const d = resources(out.stdout).find((r) => r.metadata.name === 'lms-worker-high');
    expect(d?.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1 },
    });
    expect(Object.keys(d?.spec ?? {})).toEqual(['selector', 'strategy', 'template']);
  });
});

describe('workerDefaults and variants', () => {
  const spec = (yaml: string) =>
    check(yaml).config?.spec as NonNullable<ReturnType<typeof check>['config']>['spec'];

  it('merge field by field: a variant’s field replaces the default’s whole', () => {
    const s = spec(`spec:
  lms:
    workerDefaults:
      replicas: 2
      resources: {requests: {cpu: 1, memory: 1Gi}}
      labels: {team: a}
      concurrency: 4
    queues:
      high:
        resources: {limits: {memory: 2Gi}}
        labels: {tier: b}
      low:
        autoscaling: {enabled: true}
        extraArgs: ["--concurrency=1"]
`);
    expect(workerSizing(s, variantConfig(s, 'lms', 'high'))).toEqual({
      sizing: {
        replicas: 2,
        resources: { limits: { memory: '2Gi' } },
        labels: { tier: 'b' },
        concurrency: 4,
      },
      from: {
        replicas: ['spec', 'lms', 'workerDefaults'],
        resources: ['spec', 'lms', 'queues', 'high'],
        labels: ['spec', 'lms', 'queues', 'high'],
        concurrency: ['spec', 'lms', 'workerDefaults'],
      },
    });
    // An autoscaled worker takes no replicas from the defaults.
    expect(workerSizing(s, variantConfig(s, 'lms', 'low')).sizing).toEqual({
      resources: { requests: { cpu: 1, memory: '1Gi' } },
      labels: { team: 'a' },
      concurrency: 4,
    });
    // The stock worker (default) gets the defaults without being listed.
    expect(workerSizing(s, stockConfig(s, 'lms')).sizing.replicas).toBe(2);
    expect(workerSizing(s, stockConfig(s, 'cms')).sizing).toEqual({});
  });
});

describe('errors found on the input', () => {
  it('zero replicas: a warning naming the queues left without a consumer', () => {
    const config = `${HEAD}spec:\n  lms:\n    queues:\n      default: {replicas: 0}\n      high: {replicas: 0}\n`;
    const out = runWithConfig(fixture(RENDERS.v20), config);
    expect(out.status).toBe(0);
    expect(otherThanSettings(out.stderr).trimEnd().split('\n')).toEqual([
      'celery-queues: warning: CeleryQueues x spec.lms.queues.default.replicas: replicas 0: nothing consumes edx.lms.core.default, edx.lms.core.high_mem until the worker is scaled up',
      'celery-queues: warning: CeleryQueues x spec.lms.queues.high.replicas: replicas 0: nothing consumes edx.lms.core.high until the worker is scaled up',
    ]);
  });

  it('a pod label the selector uses: one line, exit 1, the input unchanged', () => {
    const input = fixture(RENDERS.v20);
    const config = `${HEAD}spec:\n  lms:\n    workerDefaults:\n      labels: {app.kubernetes.io/part-of: reports}\n    queues: {high: {}}\n`;
    const out = runWithConfig(input, config);
    expect(out.status).toBe(1);
    expect(out.messages).toBe(
      'celery-queues: error: CeleryQueues x spec.lms.workerDefaults.labels["app.kubernetes.io/part-of"]: app.kubernetes.io/part-of is in the selector of Deployment lms-worker and its clones: a pod label the selector uses cannot be changed\n',
    );
    expect(out.stdout).toBe('');
  });

  it('a bad quantity in a ResourceList functionConfig: exit 1, results, the items unchanged', () => {
    const items = fixture('krm/kustomize-4.5.4-exec-input.yaml');
    const head = items.slice(0, items.indexOf('functionConfig:'));
    const input = `${head}functionConfig:\n  apiVersion: tutor-krm.dev/v1alpha1\n  kind: CeleryQueues\n  metadata: {name: x}\n  spec:\n    lms:\n      queues:\n        high_mem: {resources: {limits: {memory: 8GB}}}\n`;
    const out = runCli([], input);
    expect(out.status).toBe(1);
    expect(out.messages.trimEnd().split('\n')).toEqual([
      'celery-queues: error: CeleryQueues x spec.lms.queues.high_mem.resources.limits.memory: "8GB" is not a Kubernetes quantity (such as 500m, 1.5, 512Mi, 2Gi)',
    ]);
    const list = parse(out.stdout);
    expect(list.items).toEqual(parse(input).items);
    expect(list.results).toEqual([
      {
        severity: 'error',
        message: '"8GB" is not a Kubernetes quantity (such as 500m, 1.5, 512Mi, 2Gi)',
        resourceRef: {
          apiVersion: 'tutor-krm.dev/v1alpha1',
          kind: 'CeleryQueues',
          name: 'x',
        },
        field: { path: 'spec.lms.queues.high_mem.resources.limits.memory' },
      },
    ]);
  });
});

describe('docs/sizing.md', () => {
  it('shows a sizing example that is a valid config', () => {
    const section = readFileSync(join(ROOT, 'docs', 'sizing.md'), 'utf8');
    const example = section.slice(section.indexOf('```yaml\n') + 8, section.indexOf('```\n', 10));
    const { config, errors } = check(example);
    expect(errors).toEqual([]);
    expect(config?.spec.lms?.queues.high_mem?.podDisruptionBudget).toEqual({
      enabled: true,
      maxUnavailable: '50%',
    });
  });

  it('shows a worker groups example that is a valid config, and works on a render', () => {
    const page = readFileSync(join(ROOT, 'docs', 'sizing.md'), 'utf8');
    const section = page.slice(page.indexOf('## Worker groups'));
    const example = section.slice(section.indexOf('```yaml\n') + 8, section.indexOf('```\n', 10));
    const { config, errors } = check(example);
    expect(errors).toEqual([]);
    expect(config?.spec.lms?.groups.interactive?.queues).toEqual(['default', 'high']);
    const out = runWithConfig(fixture(RENDERS.v21), `${HEAD}${example}`);
    expect(otherThanSettings(out.stderr)).toBe('');
    expect(out.status).toBe(0);
  });
});

describe('the JSON Schema for editors (fn-config/celery-queues.schema.json)', () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
  ajv.addKeyword('x-kubernetes');
  const validate = ajv.compile(
    JSON.parse(readFileSync(join(ROOT, 'fn-config', 'celery-queues.schema.json'), 'utf8')),
  );

  it.each(['recommended', 'partial', 'tuned', 'sized'])('accepts test/configs/%s.yaml', (name) => {
    const config = parse(readFileSync(join(ROOT, 'test', 'configs', `${name}.yaml`), 'utf8'));
    expect(validate(config) ? [] : validate.errors).toEqual([]);
  });

  it('refuses a typo deep in a Kubernetes structure', () => {
    const config = parse(
      `${HEAD}${high('{affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{topologyKey: x, labelSelecter: {}}]}}}')}`,
    );
    expect(validate(config)).toBe(false);
    expect(validate.errors?.map((e) => e.params)).toContainEqual({
      additionalProperty: 'labelSelecter',
    });
  });
});
