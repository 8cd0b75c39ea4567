// Every ScaledObject and TriggerAuthentication the function writes is valid for the KEDA CRDs
// of 2.17 and 2.20, with unknown fields rejected (the API server would prune them silently).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crdValidator, errorsOf } from './crd.js';
import {
  celeryQueuesConfig,
  configPath,
  fixture,
  RENDERS,
  resources,
  runStream,
  runWithConfig,
} from './helpers.js';
import { KEDA_VERSIONS, kedaWebhook } from './keda-webhook.js';

const KEDA = ['keda-2.17.3', 'keda-2.20.2'];
const validators = Object.fromEntries(
  KEDA.map((v) => [
    v,
    {
      ScaledObject: crdValidator(`${v}/keda.sh_scaledobjects.yaml`),
      TriggerAuthentication: crdValidator(`${v}/keda.sh_triggerauthentications.yaml`),
    },
  ]),
);

type Resource = Record<string, any>;

/** The errors of one resource against one KEDA version's CRD, plus its CEL rule on replicas. */
function problems(version: string, resource: Resource): string[] {
  const validate = validators[version]?.[resource.kind as 'ScaledObject'];
  if (!validate) throw new Error(`no validator for ${resource.kind}`);
  const errors = validate(resource) ? [] : errorsOf(validate);
  // The 2.20 CRD's x-kubernetes-validations rule, which ajv cannot run.
  const spec = resource.spec ?? {};
  if (resource.kind === 'ScaledObject' && spec.minReplicaCount > (spec.maxReplicaCount ?? 100)) {
    errors.push('minReplicaCount must be less than or equal to maxReplicaCount');
  }
  return errors;
}

const kedaResources = (text: string) =>
  resources(text).filter((r) => r.kind === 'ScaledObject' || r.kind === 'TriggerAuthentication');

// Every output the tests know: the goldens' renders and configs, and the redis overrides.
const OUTPUTS: [string, () => string][] = [
  ['v20 autoscaling', () => runStream(fixture(RENDERS.v20), configPath('autoscaling')).stdout],
  [
    'custom autoscaling',
    () => runStream(fixture(RENDERS.custom), configPath('autoscaling')).stdout,
  ],
  ...['drop', 'transfer'].map((mode): [string, () => string] => [
    `podautoscaling ${mode}`,
    () => runStream(fixture(RENDERS.podautoscaling), configPath(`autoscaling-${mode}`)).stdout,
  ]),
  [
    'TLS, user name, every knob',
    () =>
      runWithConfig(
        fixture(RENDERS.custom),
        celeryQueuesConfig({
          lms: {
            queues: {
              high: {
                autoscaling: {
                  enabled: true,
                  minReplicas: 2,
                  maxReplicas: 3,
                  activationListLength: 0,
                  pollingInterval: 1,
                  cooldownPeriod: 0,
                  behavior: {
                    scaleUp: {
                      stabilizationWindowSeconds: 0,
                      selectPolicy: 'Disabled',
                      policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
                    },
                    scaleDown: { selectPolicy: 'Min' },
                  },
                  fallback: {
                    failureThreshold: 1,
                    replicas: 3,
                    behavior: 'currentReplicasIfLower',
                  },
                  priorityLists: { enabled: true, steps: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] },
                },
              },
            },
          },
          redis: {
            address: 'redis.example.com:6380',
            databaseIndex: 15,
            enableTLS: true,
            tls: { caSecret: { name: 'redis-ca' } },
            credentialsSecret: { name: 'redis-acl', usernameKey: 'user', passwordKey: 'pass' },
          },
        }),
      ).stdout,
  ],
  ['v20 groups', () => runStream(fixture(RENDERS.v20), configPath('groups')).stdout],
  ['v21 groups', () => runStream(fixture(RENDERS.v21), configPath('groups')).stdout],
];

describe.each(KEDA)('KEDA %s CRDs', (version) => {
  it.each(OUTPUTS)('accept every KEDA resource of: %s', (_name, output) => {
    const found = kedaResources(output());
    expect(found.length).toBeGreaterThan(0);
    for (const resource of found) {
      expect({ name: resource.metadata.name, errors: problems(version, resource) }).toEqual({
        name: resource.metadata.name,
        errors: [],
      });
    }
  });

  // The check can fail: what a typo or a wrong type looks like to it.
  it.each([
    ['a misspelt spec field', (so: Resource) => (so.spec.pollingIntervall = 5), 'pollingIntervall'],
    ['an unknown trigger field', (so: Resource) => (so.spec.triggers[0].auth = {}), 'auth'],
    [
      'a number in trigger metadata',
      (so: Resource) => (so.spec.triggers[0].metadata.listLength = 40),
      'must be string',
    ],
    [
      'an unknown field in advanced',
      (so: Resource) => (so.spec.advanced = { scalingModifier: {} }),
      'scalingModifier',
    ],
    ['an unknown field in metadata', (so: Resource) => (so.metadata.label = {}), 'label'],
    ['min above max', (so: Resource) => (so.spec.minReplicaCount = 40), 'minReplicaCount must be'],
  ])('reject %s', (_what, spoil, words) => {
    const output = runStream(fixture(RENDERS.v20), configPath('autoscaling')).stdout;
    const so = kedaResources(output).find((r) => r.kind === 'ScaledObject') as Resource;
    expect(problems(version, so)).toEqual([]);
    spoil(so);
    expect(problems(version, so).join('\n')).toContain(words);
  });

  it('reject an unknown field in a TriggerAuthentication', () => {
    const output = OUTPUTS[1]?.[1]() as string;
    const auth = kedaResources(output).find((r) => r.kind === 'TriggerAuthentication') as Resource;
    expect(problems(version, auth)).toEqual([]);
    auth.spec.secretTargetRef[0].optional = true;
    expect(problems(version, auth).join('\n')).toContain('optional');
  });
});

// Any settings the config accepts give resources both KEDA versions accept.
const rulesArb = fc.record(
  {
    stabilizationWindowSeconds: fc.integer({ min: 0, max: 3600 }),
    selectPolicy: fc.constantFrom('Max', 'Min', 'Disabled'),
    policies: fc.array(
      fc.record({
        type: fc.constantFrom('Pods', 'Percent'),
        value: fc.integer({ min: 1, max: 1000 }),
        periodSeconds: fc.integer({ min: 1, max: 1800 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  },
  { requiredKeys: [] },
);

const autoscalingArb = fc
  .record(
    {
      minReplicas: fc.integer({ min: 0, max: 5 }),
      maxReplicas: fc.integer({ min: 5, max: 100 }),
      listLength: fc.integer({ min: 1, max: 1000 }),
      activationListLength: fc.integer({ min: 0, max: 100 }),
      pollingInterval: fc.integer({ min: 1, max: 600 }),
      cooldownPeriod: fc.integer({ min: 0, max: 86400 }),
      behavior: fc.record({ scaleUp: rulesArb, scaleDown: rulesArb }, { requiredKeys: [] }),
      fallback: fc.record(
        {
          failureThreshold: fc.integer({ min: 1, max: 10 }),
          replicas: fc.integer({ min: 0, max: 5 }),
          behavior: fc.constantFrom(
            'static',
            'currentReplicas',
            'currentReplicasIfHigher',
            'currentReplicasIfLower',
          ),
        },
        { requiredKeys: ['failureThreshold', 'replicas'] },
      ),
      existingHPA: fc.constantFrom('drop', 'transfer'),
      priorityLists: fc.record(
        {
          enabled: fc.boolean(),
          steps: fc.uniqueArray(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 10 }),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  )
  .map((a) => ({ autoscaling: { enabled: true, ...a } }));

const redisArb = fc.option(
  fc.record(
    {
      address: fc.constantFrom('redis.example.com:6379', '10.0.0.7:6380'),
      databaseIndex: fc.integer({ min: 0, max: 15 }),
      enableTLS: fc.boolean(),
      tls: fc.constantFrom({ unsafeSsl: true }, { caSecret: { name: 'redis-ca', key: 'ca.pem' } }),
      credentialsSecret: fc.record(
        { name: fc.constant('broker'), usernameKey: fc.constant('user') },
        { requiredKeys: ['name'] },
      ),
    },
    { requiredKeys: [] },
  ),
  { nil: undefined },
);

// A group of one to three queues apart from the variants', autoscaled alike.
const groupArb = fc.option(
  fc
    .tuple(
      fc.uniqueArray(fc.constantFrom('low', 'ora_workflow_update', '1st-queue'), {
        minLength: 1,
        maxLength: 3,
      }),
      autoscalingArb,
    )
    .map(([queues, worker]) => ({ bulk: { queues, ...worker } })),
  { nil: undefined },
);

it('property: every accepted autoscaling config gives valid, idempotent KEDA resources', () => {
  const renders = [RENDERS.v20, RENDERS.custom, RENDERS.podautoscaling].map((r) => fixture(r));
  fc.assert(
    fc.property(
      fc.constantFrom(0, 1, 2),
      fc.dictionary(fc.constantFrom('default', 'high', 'high_mem', 'x-y'), autoscalingArb, {
        minKeys: 1,
        maxKeys: 3,
      }),
      groupArb,
      redisArb,
      (render, queues, groups, redis) => {
        const input = renders[render] as string;
        // The pod-autoscaling render's HPA on lms-worker must be resolved (see autoscaling.test.ts).
        const stock = queues.default?.autoscaling as { existingHPA?: string } | undefined;
        if (render === 2 && stock && !stock.existingHPA) stock.existingHPA = 'transfer';
        const config = celeryQueuesConfig({
          lms: { queues, ...(groups ? { groups } : {}) },
          ...(redis ? { redis } : {}),
        });
        const out = runWithConfig(input, config);
        expect(out.stderr).not.toMatch(/: error: /);
        const found = kedaResources(out.stdout);
        expect(found.filter((r) => r.kind === 'ScaledObject')).toHaveLength(
          Object.keys(queues).length + (groups ? 1 : 0),
        );
        for (const version of KEDA) {
          for (const resource of found) expect(problems(version, resource)).toEqual([]);
        }
        // And KEDA's admission webhook (its warnings the function gives as its own).
        for (const version of KEDA_VERSIONS) {
          for (const so of found.filter((r) => r.kind === 'ScaledObject')) {
            expect(kedaWebhook(version, so, resources(out.stdout)).errors).toEqual([]);
          }
        }
        const again = runWithConfig(out.stdout, config);
        expect(again.stdout).toBe(out.stdout);
      },
    ),
    { seed: 20261128, numRuns: Number(process.env.PROPERTY_RUNS ?? 40) },
  );
});
