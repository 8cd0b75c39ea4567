// KEDA autoscaling on the real Tutor renders (golden files), and on small literal inputs: one
// ScaledObject per autoscaled worker, credentials only through a TriggerAuthentication, no fixed
// replica count where KEDA scales, HPAs that already scale a worker refused or resolved.
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { countedLists, scaledObject } from '../src/autoscaling/scaledobject.js';
import { queueSpec } from '../src/config/schema.js';
import { expectGolden, expectGoldenDiff } from './golden.js';
import {
  configPath,
  find,
  fixture,
  otherThanSettings,
  RENDERS,
  resources,
  runSpec,
  runStream,
} from './helpers.js';

const ofKind = (list: Record<string, any>[], kind: string) => list.filter((r) => r.kind === kind);

describe.each([
  ['v20', RENDERS.v20, 'openedx'],
  ['custom', RENDERS.custom, 'openedx-prod'],
])('render %s with config autoscaling', (render, file, namespace) => {
  const input = fixture(file);
  const out = runStream(input, configPath('autoscaling'));
  const list = resources(out.stdout);

  it('matches the golden output, and changes nothing on a second run', () => {
    expect(out.status).toBe(0);
    expectGoldenDiff(`autoscaling/${render}.autoscaling.diff`, input, out.stdout);
    const again = runStream(out.stdout, configPath('autoscaling'));
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(out.stdout);
  });

  it('gives every autoscaled worker one ScaledObject on its own queue, and no other', () => {
    const scaled = ofKind(list, 'ScaledObject');
    expect(
      scaled.map((so) => [
        so.metadata.name,
        so.spec.scaleTargetRef,
        so.spec.triggers[0].metadata.listName,
      ]),
    ).toEqual(
      [
        ['cms-worker', 'edx.cms.core.default'],
        ['cms-worker-low', 'edx.cms.core.low'],
        ['lms-worker', 'edx.lms.core.default'],
        ['lms-worker-high', 'edx.lms.core.high'],
        ['lms-worker-high-mem', 'edx.lms.core.high_mem'],
      ].map(([deployment, queue]) => [
        `${deployment}-scaledobject`,
        { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment },
        queue,
      ]),
    );
    for (const so of scaled) {
      expect(so.metadata.namespace).toBe(namespace);
      const target = find(list, 'Deployment', so.spec.scaleTargetRef.name, namespace);
      expect(target).toBeDefined();
      expect(target?.spec.replicas).toBeUndefined();
    }
  });

  it('writes every trigger value as a string, and no credentials into a ScaledObject', () => {
    for (const so of ofKind(list, 'ScaledObject')) {
      expect(so.spec.minReplicaCount).toBeLessThanOrEqual(so.spec.maxReplicaCount);
      for (const trigger of so.spec.triggers) {
        expect(trigger.type).toBe('redis');
        for (const value of Object.values(trigger.metadata)) expect(typeof value).toBe('string');
        expect(Object.keys(trigger.metadata)).not.toContain('password');
        expect(Object.keys(trigger.metadata)).not.toContain('username');
      }
    }
    expect(out.stdout.match(/s3cret/g) ?? []).toHaveLength(
      (input.match(/s3cret/g) ?? []).length + (render === 'custom' ? 2 : 0), // the Secret's password and url
    );
  });
});

describe('broker address and credentials', () => {
  it('v20: Tutor’s in-cluster Redis, qualified for KEDA’s namespace; no authentication', () => {
    const list = resources(runStream(fixture(RENDERS.v20), configPath('autoscaling')).stdout);
    const so = find(list, 'ScaledObject', 'lms-worker-high-scaledobject');
    expect(so?.spec.triggers).toEqual([
      {
        type: 'redis',
        metadata: {
          address: 'redis.openedx.svc:6379',
          databaseIndex: '0',
          listName: 'edx.lms.core.high',
          listLength: '40',
          activationListLength: '5',
        },
      },
    ]);
    expect(ofKind(list, 'TriggerAuthentication')).toEqual([]);
    expect(ofKind(list, 'Secret')).toEqual([]);
  });

  it('custom: the password from openedx-config reaches KEDA only through Secret and TriggerAuthentication', () => {
    const out = runStream(fixture(RENDERS.custom), configPath('autoscaling'));
    expect(otherThanSettings(out.stderr)).toBe(
      'celery-queues: info: ConfigMap openedx-prod/openedx-config-f669tfb5f4: wrote Secret celery-queues-broker with the broker credentials (lms.env.yml)\n',
    );
    const list = resources(out.stdout);
    const auths = ofKind(list, 'TriggerAuthentication');
    expect(auths).toHaveLength(1);
    expect(auths[0]?.spec).toEqual({
      secretTargetRef: [{ parameter: 'password', name: 'celery-queues-broker', key: 'password' }],
    });
    const secret = find(list, 'Secret', 'celery-queues-broker', 'openedx-prod');
    expect(secret?.stringData.password).toBe('s3cret');
    for (const so of ofKind(list, 'ScaledObject')) {
      for (const trigger of so.spec.triggers) {
        expect(trigger.authenticationRef).toEqual({ name: 'celery-queues-broker' });
        expect(trigger.metadata.address).toBe('redis.example.internal:6379');
      }
    }
  });

  it('spec.redis: TLS, another database, and a Secret with user name and password', () => {
    const out = runSpec(
      fixture(RENDERS.custom),
      `lms:
  queues:
    high: {autoscaling: {enabled: true}}
redis:
  address: redis-tls.example.com:6380
  databaseIndex: 2
  enableTLS: true
  credentialsSecret: {name: my-redis, usernameKey: user, passwordKey: pass}`,
    );
    expect(otherThanSettings(out.stderr)).toBe('');
    const list = resources(out.stdout);
    expect(find(list, 'ScaledObject', 'lms-worker-high-scaledobject')?.spec.triggers).toEqual([
      {
        type: 'redis',
        metadata: {
          address: 'redis-tls.example.com:6380',
          databaseIndex: '2',
          enableTLS: 'true',
          listName: 'edx.lms.core.high',
          listLength: '40',
        },
        authenticationRef: { name: 'celery-queues-broker' },
      },
    ]);
    expect(find(list, 'TriggerAuthentication', 'celery-queues-broker')?.spec).toEqual({
      secretTargetRef: [
        { parameter: 'username', name: 'my-redis', key: 'user' },
        { parameter: 'password', name: 'my-redis', key: 'pass' },
      ],
    });
    expect(ofKind(list, 'Secret')).toEqual([]);
  });

  it('fails in one line when the input does not describe the broker', () => {
    const input = fixture(RENDERS.v20)
      .split(/^---\n/m)
      .filter((d) => !/^ {2}name: openedx-config-[a-z0-9]+$/m.test(d))
      .join('---\n');
    const out = runSpec(input, 'lms:\n  queues:\n    high: {autoscaling: {enabled: true}}');
    expect(out.status).toBe(1);
    expect(out.messages).toMatch(
      /^celery-queues: error: Deployment openedx\/lms-worker .*openedx-config[^\n]*\n$/,
    );
    expect(out.stdout).toBe('');
  });
});

describe('render podautoscaling (tutor-contrib-pod-autoscaling’s HPAs on the stock workers)', () => {
  const input = fixture(RENDERS.podautoscaling);

  it('refuses to add a second autoscaler, naming the HPA and the ways out', () => {
    const out = runStream(input, configPath('autoscaling'));
    expect(out.status).toBe(1);
    expectGolden('autoscaling/podautoscaling.autoscaling.stderr', out.stderr);
    expect(out.messages.trimEnd().split('\n')).toHaveLength(2);
    expect(out.stdout).toBe('');
  });

  it.each(['drop', 'transfer'])('existingHPA: %s', (mode) => {
    const config = configPath(`autoscaling-${mode}`);
    const out = runStream(input, config);
    expect(out.status).toBe(0);
    expectGoldenDiff(`autoscaling/podautoscaling.autoscaling-${mode}.diff`, input, out.stdout);
    const list = resources(out.stdout);
    // The worker HPAs are gone; the web HPAs, which scale lms and cms, stay.
    expect(ofKind(list, 'HorizontalPodAutoscaler').map((h) => h.metadata.name)).toEqual([
      'cms-hpa',
      'lms-hpa',
    ]);
    const so = find(list, 'ScaledObject', 'lms-worker-scaledobject');
    if (mode === 'transfer') {
      expect(so?.metadata.annotations['scaledobject.keda.sh/transfer-hpa-ownership']).toBe('true');
      expect(so?.spec.advanced).toEqual({
        horizontalPodAutoscalerConfig: { name: 'lms-worker-hpa' },
      });
      expect(out.stderr).toMatch(
        /^celery-queues: info: HorizontalPodAutoscaler openedx\/cms-worker-hpa: left out/m,
      );
    } else {
      expect(so?.metadata.annotations).not.toHaveProperty(
        'scaledobject.keda.sh/transfer-hpa-ownership',
      );
      expect(so?.spec.advanced).toBeUndefined();
      expect(out.stderr).toMatch(
        /^celery-queues: warning: HorizontalPodAutoscaler openedx\/cms-worker-hpa: left out/m,
      );
    }
    expect(out.stderr).not.toMatch(/error/);
    // Run again on its own output (a kpt package): the HPA is gone, the transfer stays.
    const again = runStream(out.stdout, config);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(out.stdout);
  });

  it('leaves the HPAs alone when only per-queue workers are autoscaled', () => {
    const out = runSpec(input, 'lms:\n  queues:\n    high: {autoscaling: {enabled: true}}');
    expect(out.status).toBe(0);
    expect(ofKind(resources(out.stdout), 'HorizontalPodAutoscaler')).toHaveLength(4);
  });
});

// A minimal instance: a stock worker, with the broker given in the config (no openedx-config).
const WORKER = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: lms-worker
  namespace: openedx
  labels: {app.kubernetes.io/name: lms-worker}
spec:
  replicas: 3
  selector:
    matchLabels: {app.kubernetes.io/name: lms-worker}
  template:
    metadata:
      labels: {app.kubernetes.io/name: lms-worker}
    spec:
      containers:
      - name: lms-worker
        image: docker.io/overhangio/openedx:20.0.5
        args: [celery, --app=lms.celery, worker, --queues=edx.lms.core.default,edx.lms.core.high]
`;
const REDIS = 'redis: {address: "redis:6379", credentialsSecret: {name: broker}}';

function hpa(name: string, target: Record<string, unknown>, extra = ''): string {
  return `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${name}
  namespace: openedx${extra}
spec:
  maxReplicas: 4
  scaleTargetRef: ${JSON.stringify(target)}
`;
}

describe('HPAs and ScaledObjects already in the input: matched by what they scale', () => {
  const spec = (existingHPA = '') =>
    `lms:\n  queues:\n    default: {autoscaling: {enabled: true${existingHPA}}}\n${REDIS}`;

  it.each([
    [
      'a differently named HPA on the worker',
      hpa('scale-celery', { apiVersion: 'apps/v1', kind: 'Deployment', name: 'lms-worker' }),
      1,
    ],
    [
      'an autoscaling/v1 HPA',
      hpa('w', { kind: 'Deployment', name: 'lms-worker' }).replace(
        'autoscaling/v2',
        'autoscaling/v1',
      ),
      1,
    ],
    [
      'an HPA named lms-worker-hpa on another Deployment',
      hpa('lms-worker-hpa', { apiVersion: 'apps/v1', kind: 'Deployment', name: 'lms' }),
      0,
    ],
    [
      'an HPA on a StatefulSet of that name',
      hpa('w', { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'lms-worker' }),
      0,
    ],
    [
      'an HPA in another namespace',
      hpa('w', { apiVersion: 'apps/v1', kind: 'Deployment', name: 'lms-worker' }).replace(
        'namespace: openedx',
        'namespace: other',
      ),
      0,
    ],
    [
      'an HPA marked local-config',
      hpa(
        'w',
        { apiVersion: 'apps/v1', kind: 'Deployment', name: 'lms-worker' },
        '\n  annotations: {config.kubernetes.io/local-config: "true"}',
      ),
      0,
    ],
    [
      'a ScaledObject someone else wrote',
      `apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata: {name: celery, namespace: openedx}\nspec:\n  scaleTargetRef: {name: lms-worker}\n  triggers: []\n`,
      1,
    ],
  ])('%s', (_what, other, errors) => {
    const input = `${WORKER}---\n${other}`;
    const out = runSpec(input, spec());
    expect(out.stderr.split('\n').filter((l) => l.includes(': error: '))).toHaveLength(errors);
    expect(out.status).toBe(errors ? 1 : 0);
    if (errors) expect(out.stdout).toBe('');
  });

  it('names the HPA, the worker and both ways out in one line', () => {
    const input = `${WORKER}---\n${hpa('scale-celery', { apiVersion: 'apps/v1', kind: 'Deployment', name: 'lms-worker' })}`;
    expect(runSpec(input, spec()).messages).toBe(
      'celery-queues: error: HorizontalPodAutoscaler openedx/scale-celery spec.scaleTargetRef: already scales Deployment lms-worker, which spec.lms.queues.default.autoscaling gives the KEDA ScaledObject lms-worker-scaledobject, and KEDA refuses to scale a workload an HPA scales; set spec.lms.queues.default.autoscaling.existingHPA to "drop" (the HPA is left out of the output) or to "transfer" (KEDA takes the HPA over)\n',
    );
  });

  it('refuses to transfer two HPAs to one ScaledObject', () => {
    const target = { apiVersion: 'apps/v1', kind: 'Deployment', name: 'lms-worker' };
    const input = `${WORKER}---\n${hpa('a', target)}---\n${hpa('b', target)}`;
    const out = runSpec(input, spec(', existingHPA: transfer'));
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(
      /^celery-queues: error: CeleryQueues celery-queues spec.lms.queues.default.autoscaling.existingHPA: KEDA can take over one HPA, and a, b all scale/,
    );
    expect(runSpec(input, spec(', existingHPA: drop')).status).toBe(0);
  });
});

describe('replicas', () => {
  it('leaves spec.replicas out of every Deployment KEDA scales, saying so', () => {
    const out = runSpec(
      WORKER,
      `lms:\n  queues:\n    default: {autoscaling: {enabled: true}}\n    high: {autoscaling: {enabled: true}}\n${REDIS}`,
    );
    expect(out.status).toBe(0);
    const list = resources(out.stdout);
    expect(find(list, 'Deployment', 'lms-worker')?.spec.replicas).toBeUndefined();
    expect(find(list, 'Deployment', 'lms-worker-high')?.spec.replicas).toBeUndefined();
    expect(otherThanSettings(out.stderr)).toBe(
      [
        'celery-queues: info: Deployment openedx/lms-worker spec.replicas: spec.replicas (3) left out: KEDA sets the replica count of an autoscaled worker, and a fixed one would undo its scaling on every apply',
        'celery-queues: info: Deployment openedx/lms-worker-high spec.replicas: spec.replicas (3) left out: KEDA sets the replica count of an autoscaled worker, and a fixed one would undo its scaling on every apply',
        '',
      ].join('\n'),
    );
  });

  it('keeps them where KEDA does not scale', () => {
    const out = runSpec(
      WORKER,
      `lms:\n  queues:\n    high: {autoscaling: {enabled: true}}\n    low: {}\n${REDIS}`,
    );
    const list = resources(out.stdout);
    expect(find(list, 'Deployment', 'lms-worker')?.spec.replicas).toBe(3);
    expect(find(list, 'Deployment', 'lms-worker-low')?.spec.replicas).toBe(3);
    expect(find(list, 'Deployment', 'lms-worker-high')?.spec.replicas).toBeUndefined();
  });

  it('takes the ScaledObject and TriggerAuthentication away again when autoscaling is turned off', () => {
    const on = runSpec(
      WORKER,
      `lms:\n  queues:\n    high: {autoscaling: {enabled: true}}\n${REDIS}`,
    );
    const off = runSpec(on.stdout, `lms:\n  queues:\n    high: {}\n${REDIS}`);
    expect(off.status).toBe(0);
    const list = resources(off.stdout);
    expect(ofKind(list, 'ScaledObject')).toEqual([]);
    expect(ofKind(list, 'TriggerAuthentication')).toEqual([]);
    expect(find(list, 'Deployment', 'lms-worker-high')).toBeDefined();
  });
});

/** The validated autoscaling settings of a variant, from YAML. */
function settings(yaml: string) {
  return queueSpec.parse({ autoscaling: parse(yaml) }).autoscaling as NonNullable<
    ReturnType<typeof queueSpec.parse>['autoscaling']
  >;
}

const BROKER = { address: 'redis.openedx.svc:6379', db: 0, tls: undefined };
/** A worker group's: several queues. */
const GROUP = {
  name: 'lms-worker-bulk-scaledobject',
  deployment: 'lms-worker-bulk',
  queues: ['edx.lms.core.high_mem', 'edx.lms.core.ora-workflow'],
};
const LOAD = {
  serverAddress: 'http://prometheus:9090',
  query: 'sum(waiting) + sum(running)',
  threshold: 4,
  listTrigger: true,
};

describe('scaledObject: settings in, ScaledObject out (a variant’s, or a group’s)', () => {
  it.each([
    [
      'the pinned defaults',
      '{enabled: true}',
      {},
      `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: lms-worker-high-scaledobject
  namespace: openedx
  labels:
    app.kubernetes.io/name: lms-worker-high-scaledobject
    app.kubernetes.io/part-of: openedx
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: lms-worker-high
  minReplicaCount: 0
  maxReplicaCount: 30
  triggers:
    - type: redis
      metadata:
        address: redis.openedx.svc:6379
        databaseIndex: "0"
        listName: edx.lms.core.high
        listLength: "40"
`,
    ],
    [
      'every knob, credentials and an HPA to take over',
      `{enabled: true, minReplicas: 1, maxReplicas: 4, listLength: 2, activationListLength: 3,
        pollingInterval: 5, cooldownPeriod: 60,
        behavior: {scaleUp: {selectPolicy: Max}, scaleDown: {stabilizationWindowSeconds: 900, selectPolicy: Min,
                   policies: [{type: Percent, value: 10, periodSeconds: 60}, {type: Pods, value: 1, periodSeconds: 600}]}},
        fallback: {failureThreshold: 3, replicas: 2, behavior: currentReplicasIfHigher}}`,
      { authentication: 'celery-queues-broker', hpaName: 'lms-worker-hpa', transferHpa: true },
      `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: lms-worker-high-scaledobject
  namespace: openedx
  labels:
    app.kubernetes.io/name: lms-worker-high-scaledobject
    app.kubernetes.io/part-of: openedx
  annotations:
    scaledobject.keda.sh/transfer-hpa-ownership: "true"
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: lms-worker-high
  minReplicaCount: 1
  maxReplicaCount: 4
  pollingInterval: 5
  cooldownPeriod: 60
  fallback:
    failureThreshold: 3
    replicas: 2
    behavior: currentReplicasIfHigher
  advanced:
    horizontalPodAutoscalerConfig:
      name: lms-worker-hpa
      behavior:
        scaleUp:
          selectPolicy: Max
        scaleDown:
          stabilizationWindowSeconds: 900
          selectPolicy: Min
          policies:
            - type: Percent
              value: 10
              periodSeconds: 60
            - type: Pods
              value: 1
              periodSeconds: 600
  triggers:
    - type: redis
      metadata:
        address: redis.openedx.svc:6379
        databaseIndex: "0"
        listName: edx.lms.core.high
        listLength: "2"
        activationListLength: "3"
      authenticationRef:
        name: celery-queues-broker
`,
    ],
    [
      'priority lists: one named trigger per list, summed by a formula',
      '{enabled: true, listLength: 10, activationListLength: 1, priorityLists: {enabled: true, steps: [9, 0, 5]}}',
      {},
      `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: lms-worker-high-scaledobject
  namespace: openedx
  labels:
    app.kubernetes.io/name: lms-worker-high-scaledobject
    app.kubernetes.io/part-of: openedx
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: lms-worker-high
  minReplicaCount: 0
  maxReplicaCount: 30
  advanced:
    scalingModifiers:
      formula: priority_0 + priority_5 + priority_9
      target: "10"
      activationTarget: "1"
      metricType: AverageValue
  triggers:
    - type: redis
      name: priority_0
      metadata:
        address: redis.openedx.svc:6379
        databaseIndex: "0"
        listName: edx.lms.core.high
        listLength: "10"
    - type: redis
      name: priority_5
      metadata:
        address: redis.openedx.svc:6379
        databaseIndex: "0"
        listName: "edx.lms.core.high\\x06\\x165"
        listLength: "10"
    - type: redis
      name: priority_9
      metadata:
        address: redis.openedx.svc:6379
        databaseIndex: "0"
        listName: "edx.lms.core.high\\x06\\x169"
        listLength: "10"
`,
    ],
    [
      'two queues: a trigger each, added up',
      '{enabled: true, listLength: 5, activationListLength: 2}',
      GROUP,
      `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: lms-worker-bulk-scaledobject
  namespace: openedx
  labels:
    app.kubernetes.io/name: lms-worker-bulk-scaledobject
    app.kubernetes.io/part-of: openedx
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: lms-worker-bulk
  minReplicaCount: 0
  maxReplicaCount: 30
  advanced:
    scalingModifiers:
      formula: queue_0 + queue_1
      target: "5"
      activationTarget: "2"
      metricType: AverageValue
  triggers:
    - type: redis
      name: queue_0
      metadata:
        address: redis.openedx.svc:6379
        databaseIndex: "0"
        listName: edx.lms.core.high_mem
        listLength: "5"
    - type: redis
      name: queue_1
      metadata:
        address: redis.openedx.svc:6379
        databaseIndex: "0"
        listName: edx.lms.core.ora-workflow
        listLength: "5"
`,
    ],
    [
      'two queues with load: the load trigger counts them all, each list trigger its own',
      '{enabled: true, listLength: 5, activationListLength: 2, load: {enabled: true}}',
      { ...GROUP, load: LOAD },
      `apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: lms-worker-bulk-scaledobject
  namespace: openedx
  labels:
    app.kubernetes.io/name: lms-worker-bulk-scaledobject
    app.kubernetes.io/part-of: openedx
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: lms-worker-bulk
  minReplicaCount: 0
  maxReplicaCount: 30
  triggers:
    - type: redis
      metadata:
        address: redis.openedx.svc:6379
        databaseIndex: "0"
        listName: edx.lms.core.high_mem
        listLength: "5"
        activationListLength: "2"
    - type: redis
      metadata:
        address: redis.openedx.svc:6379
        databaseIndex: "0"
        listName: edx.lms.core.ora-workflow
        listLength: "5"
        activationListLength: "2"
    - type: prometheus
      metadata:
        serverAddress: http://prometheus:9090
        query: sum(waiting) + sum(running)
        threshold: "4"
        ignoreNullValues: "false"
`,
    ],
  ])('%s', (_what, yaml, extra, expected) => {
    const so = scaledObject({
      name: 'lms-worker-high-scaledobject',
      namespace: 'openedx',
      deployment: 'lms-worker-high',
      queues: ['edx.lms.core.high'],
      autoscaling: settings(yaml),
      broker: BROKER,
      ...extra,
    });
    expect(stringify(so, { indentSeq: true })).toBe(expected);
  });

  it('counts only the queue’s own list unless asked to', () => {
    expect(countedLists('q', settings('{enabled: true, priorityLists: {steps: [0, 3]}}'))).toEqual([
      { trigger: 'priority_0', listName: 'q' },
    ]);
    expect(countedLists('q', settings('{enabled: true, priorityLists: {enabled: true}}'))).toEqual([
      { trigger: 'priority_0', listName: 'q' },
      { trigger: 'priority_3', listName: 'q\x06\x163' },
      { trigger: 'priority_6', listName: 'q\x06\x166' },
      { trigger: 'priority_9', listName: 'q\x06\x169' },
    ]);
  });
});

describe('autoscaling settings: validated, one line per mistake', () => {
  it.each([
    [
      '{enabled: true, pollingIntervall: 10}',
      'spec.lms.queues.high.autoscaling.pollingIntervall',
      'unknown field',
    ],
    [
      '{enabled: true, minReplicas: 5, maxReplicas: 2}',
      'spec.lms.queues.high.autoscaling.minReplicas',
      'above maxReplicas',
    ],
    ['{enabled: true, listLength: 0}', 'spec.lms.queues.high.autoscaling.listLength', '>=1'],
    [
      '{enabled: true, activationListLength: -1}',
      'spec.lms.queues.high.autoscaling.activationListLength',
      '>=0',
    ],
    [
      '{enabled: true, pollingInterval: 0}',
      'spec.lms.queues.high.autoscaling.pollingInterval',
      '>=1',
    ],
    [
      '{enabled: true, cooldownPeriod: 1.5}',
      'spec.lms.queues.high.autoscaling.cooldownPeriod',
      'int',
    ],
    [
      '{enabled: true, existingHPA: delete}',
      'spec.lms.queues.high.autoscaling.existingHPA',
      '"drop"',
    ],
    [
      '{enabled: true, fallback: {replicas: 2}}',
      'spec.lms.queues.high.autoscaling.fallback.failureThreshold',
      '',
    ],
    [
      '{enabled: true, maxReplicas: 3, fallback: {failureThreshold: 3, replicas: 4}}',
      'spec.lms.queues.high.autoscaling.fallback.replicas',
      'above maxReplicas',
    ],
    [
      '{enabled: true, fallback: {failureThreshold: 3, replicas: 1, behavior: scalingModifiers}}',
      'spec.lms.queues.high.autoscaling.fallback.behavior',
      '',
    ],
    [
      '{enabled: true, behavior: {scaleDown: {stabilizationWindowSeconds: 7200}}}',
      'spec.lms.queues.high.autoscaling.behavior.scaleDown.stabilizationWindowSeconds',
      '<=3600',
    ],
    [
      '{enabled: true, behavior: {scaleDown: {policies: [{type: Pods, value: 1, periodSeconds: 3600}]}}}',
      'spec.lms.queues.high.autoscaling.behavior.scaleDown.policies[0].periodSeconds',
      '<=1800',
    ],
    [
      '{enabled: true, behavior: {scaleDown: {policies: []}}}',
      'spec.lms.queues.high.autoscaling.behavior.scaleDown.policies',
      '',
    ],
    [
      '{enabled: true, behavior: {scaleDown: {policies: [{type: pods, value: 1, periodSeconds: 60}]}}}',
      'spec.lms.queues.high.autoscaling.behavior.scaleDown.policies[0].type',
      '"Pods"',
    ],
    [
      '{enabled: true, behavior: {scaleDown: {tolerance: 0.1}}}',
      'spec.lms.queues.high.autoscaling.behavior.scaleDown.tolerance',
      'unknown field',
    ],
    [
      '{enabled: true, priorityLists: {enabled: true, steps: [3, 3]}}',
      'spec.lms.queues.high.autoscaling.priorityLists.steps',
      'unique',
    ],
  ])('%s', (yaml, field, words) => {
    const out = runSpec(WORKER, `lms:\n  queues:\n    high: {autoscaling: ${yaml}}\n${REDIS}`);
    expect(out.status).toBe(1);
    const lines = out.messages.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`celery-queues: error: CeleryQueues celery-queues ${field}: `);
    expect(lines[0]).toContain(words);
    expect(out.stdout).toBe('');
  });
});
