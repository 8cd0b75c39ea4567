// Every ScaledObject the function writes passes KEDA's admission webhook (test/keda-webhook.ts,
// the rules of KEDA 2.17.3 and 2.20.2 that apply to it), next to the CRD validation of
// test/keda.test.ts: every ScaledObject in every golden output and example, and the names of
// every variant and group the config accepts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStream } from '../src/krm/io.js';
import { toPlain } from '../src/krm/yaml.js';
import { MAX_NAME_LENGTH } from '../src/names.js';
import { goldenOutputs } from './golden.js';
import { celeryQueuesConfig, fixture, RENDERS, ROOT, resources, runWithConfig } from './helpers.js';
import { hpaNameOf, KEDA_VERSIONS, kedaWebhook } from './keda-webhook.js';

type Resource = Record<string, any>;

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return yamlFiles(path);
    return /\.ya?ml$/.test(name) ? [path] : [];
  });
}

/**
 * The resources of an output, read as the function reads YAML (kpt writes files the `yaml`
 * package cannot read, e.g. a double-quoted scalar closed at column 0).
 */
const read = (text: string): Resource[] =>
  readStream(text).items.map((item) => toPlain(item.doc) as Resource);

/** Every golden output (its diff applied to its input) and every example's expected output. */
const OUTPUTS: [string, string][] = [
  ...goldenOutputs().map(({ name, output }): [string, string] => [`test/golden/${name}`, output]),
  ...yamlFiles(join(ROOT, 'examples'))
    .filter((p) => p.includes('expected'))
    .map((p): [string, string] => [relative(ROOT, p), readFileSync(p, 'utf8')]),
];

/** The webhook's verdicts on every ScaledObject of an output, each against its namespace. */
function verdicts(list: Resource[]) {
  return list
    .filter((r) => r.kind === 'ScaledObject')
    .flatMap((so) =>
      KEDA_VERSIONS.map((version) => ({
        version,
        name: `${so.metadata.namespace ?? ''}/${so.metadata.name}`,
        ...kedaWebhook(version, so, list),
      })),
    );
}

const clean = (v: { version: string; name: string }) => ({ ...v, errors: [], warnings: [] });

describe('KEDA’s admission webhook', () => {
  it('has ScaledObjects to check in the goldens', () => {
    const count = OUTPUTS.flatMap(([, text]) => read(text)).filter(
      (r) => r.kind === 'ScaledObject',
    ).length;
    expect(count).toBeGreaterThan(20);
  });

  it.each(OUTPUTS)('accepts every ScaledObject of %s', (_, text) => {
    for (const v of verdicts(read(text))) {
      expect(v).toEqual(clean(v));
    }
  });

  // The check can fail: what each rule refuses.
  const SO = (): Resource => ({
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'lms-worker-high-scaledobject', namespace: 'openedx' },
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'lms-worker-high' },
      minReplicaCount: 0,
      maxReplicaCount: 30,
      triggers: [{ type: 'redis', metadata: { listName: 'q' } }],
    },
  });
  const HPA = (name: string, target: string, annotations?: Record<string, string>) => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: 'openedx', ...(annotations ? { annotations } : {}) },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target } },
  });
  it.each<[string, (so: Resource) => unknown, string, ('2.17.3' | '2.20.2')[]]>([
    [
      'a 64-character name',
      (so) => {
        so.metadata.name = 'x'.repeat(64);
      },
      'characters long',
      ['2.20.2'],
    ],
    [
      'an HPA name over 63 characters',
      (so) => {
        so.metadata.name = `lms-worker-${'v'.repeat(31)}-scaledobject`;
      },
      'HPA name "keda-hpa-lms-worker-',
      ['2.20.2'],
    ],
    [
      'no trigger',
      (so) => {
        so.spec.triggers = [];
      },
      'no triggers',
      ['2.17.3', '2.20.2'],
    ],
    [
      'two triggers of one name',
      (so) => {
        so.spec.triggers = [
          { type: 'redis', name: 'a' },
          { type: 'redis', name: 'a' },
        ];
      },
      'defined multiple times',
      ['2.17.3', '2.20.2'],
    ],
    [
      'a formula over a name no trigger has',
      (so) => {
        so.spec.advanced = {
          scalingModifiers: { formula: 'priority_0 + priority_3', target: '5' },
        };
      },
      'unknown name priority_0',
      ['2.17.3', '2.20.2'],
    ],
    [
      'a formula without target',
      (so) => {
        so.spec.triggers[0].name = 'a';
        so.spec.advanced = { scalingModifiers: { formula: 'a' } };
      },
      'target is empty',
      ['2.17.3', '2.20.2'],
    ],
    [
      'fallback with cpu triggers only',
      (so) => {
        so.spec.triggers = [{ type: 'cpu', metadata: {} }];
        so.spec.fallback = { failureThreshold: 3, replicas: 1 };
      },
      'at least one trigger',
      ['2.17.3', '2.20.2'],
    ],
    [
      'fallback on a Value trigger',
      (so) => {
        so.spec.triggers[0].metricType = 'Value';
        so.spec.fallback = { failureThreshold: 3, replicas: 1 };
      },
      'at least one trigger',
      ['2.17.3'],
    ],
    [
      'min above max',
      (so) => {
        so.spec.minReplicaCount = 40;
      },
      'MinReplicaCount=40',
      ['2.20.2'],
    ],
    [
      'min 0 and max 0 (the HPA takes min 1)',
      (so) => {
        so.spec.maxReplicaCount = 0;
      },
      'MinReplicaCount=1',
      ['2.20.2'],
    ],
    [
      'a second ScaledObject on the worker',
      (so) => [{ ...SO(), metadata: { name: 'other', namespace: 'openedx' } }, so],
      "already managed by the ScaledObject 'other'",
      ['2.17.3', '2.20.2'],
    ],
    [
      'a second ScaledObject with the same HPA name',
      (so) => {
        const other = SO();
        other.metadata.name = 'other';
        other.spec.scaleTargetRef.name = 'x';
        other.spec.advanced = { horizontalPodAutoscalerConfig: { name: hpaNameOf(so) } };
        return [other, so];
      },
      "the HPA 'keda-hpa-lms-worker-high-scaledobject' is already managed",
      ['2.17.3', '2.20.2'],
    ],
    [
      'an HPA on the worker',
      (so) => [HPA('h', 'lms-worker-high'), so],
      "already managed by the hpa 'h'",
      ['2.17.3', '2.20.2'],
    ],
    [
      'an HPA on the worker, handed over under another name',
      (so) => {
        so.metadata.annotations = { 'scaledobject.keda.sh/transfer-hpa-ownership': 'true' };
        so.spec.advanced = { horizontalPodAutoscalerConfig: { name: 'g' } };
        return [HPA('h', 'lms-worker-high'), so];
      },
      "already managed by the hpa 'h'",
      ['2.17.3', '2.20.2'],
    ],
    [
      'cooldownPeriod with minReplicaCount 1',
      (so) => {
        so.spec.minReplicaCount = 1;
        so.spec.cooldownPeriod = 600;
      },
      'CooldownPeriod is configured but is not relevant',
      ['2.20.2'],
    ],
    [
      'pollingInterval with minReplicaCount 2',
      (so) => {
        so.spec.minReplicaCount = 2;
        so.spec.pollingInterval = 5;
      },
      'PollingInterval is configured but is not relevant',
      ['2.20.2'],
    ],
  ])('refuses or warns about %s', (_what, spoil, words, refusing) => {
    const so = SO();
    for (const version of KEDA_VERSIONS)
      expect(kedaWebhook(version, so, [so])).toEqual({ errors: [], warnings: [] });
    const list = (spoil(so) as Resource[] | undefined) ?? [so];
    for (const version of KEDA_VERSIONS) {
      const { errors, warnings } = kedaWebhook(version, so, list);
      expect([version, [...errors, ...warnings].join('\n').includes(words)]).toEqual([
        version,
        refusing.includes(version),
      ]);
    }
    // Taken over under its own name, an HPA is fine; so is one KEDA is told to leave alone.
    const handed = SO();
    handed.metadata.annotations = { 'scaledobject.keda.sh/transfer-hpa-ownership': 'true' };
    handed.spec.advanced = { horizontalPodAutoscalerConfig: { name: 'h' } };
    expect(kedaWebhook('2.20.2', handed, [HPA('h', 'lms-worker-high'), handed]).errors).toEqual([]);
    const ignored = [HPA('h', 'lms-worker-high', { 'validations.keda.sh/hpa-ownership': 'false' })];
    expect(kedaWebhook('2.20.2', SO(), ignored).errors).toEqual([]);
  });
});

// KEDA names the HPA keda-hpa-<ScaledObject>: 9 characters more than the ScaledObject's name,
// so variants of 31 to 39 characters (lms-worker-<variant>-scaledobject fits 63) passed the
// function and failed in the cluster.
describe('ScaledObjects of every variant length the config takes', () => {
  const longest = MAX_NAME_LENGTH - 'lms-worker--scaledobject'.length;
  const variant = (n: number, tail = '') => `${'v'.repeat(n - tail.length)}${tail}`;

  it.each([
    ['lengths 1 to 39', Array.from({ length: longest }, (_, i) => variant(i + 1))],
    // x and x-scaledobject: KEDA's default name of one is the other's worker name + "-scaledobject".
    [
      'a variant and its "-scaledobject" twin',
      ['reports', 'reports-scaledobject', variant(20), `${variant(20)}-scaledobject`],
    ],
  ])('%s: every ScaledObject passes, every HPA name is its own', (_what, variants) => {
    expect(longest).toBe(39);
    const queues = Object.fromEntries(variants.map((v) => [v, { autoscaling: { enabled: true } }]));
    const out = runWithConfig(fixture(RENDERS.v20), celeryQueuesConfig({ lms: { queues } }));
    expect(out.status).toBe(0);
    const list = resources(out.stdout);
    const scaled = list.filter((r) => r.kind === 'ScaledObject');
    expect(scaled).toHaveLength(variants.length);
    for (const v of verdicts(list)) expect(v).toEqual(clean(v));
    const hpas = scaled.map(hpaNameOf);
    expect(new Set(hpas).size).toBe(hpas.length);
    // KEDA's own default wherever it fits: nothing changes for the ScaledObjects of before.
    for (const so of scaled) {
      const own = `keda-hpa-${so.metadata.name}`;
      expect(hpaNameOf(so)).toBe(own.length <= 63 ? own : `${so.spec.scaleTargetRef.name}-hpa`);
    }
  });

  it('groups of names of every length 1 to 39, each on two queues: every ScaledObject passes', () => {
    const groups = Object.fromEntries(
      Array.from({ length: longest }, (_, i) => [
        `g${variant(i)}`,
        { queues: [`a${i}`, `b-${i}`], autoscaling: { enabled: true } },
      ]),
    );
    const out = runWithConfig(fixture(RENDERS.v20), celeryQueuesConfig({ lms: { groups } }));
    expect(out.status).toBe(0);
    const list = resources(out.stdout);
    const scaled = list.filter((r) => r.kind === 'ScaledObject');
    expect(scaled).toHaveLength(longest);
    for (const so of scaled)
      expect(so.spec.advanced.scalingModifiers.formula).toBe('queue_0 + queue_1');
    for (const v of verdicts(list)) expect(v).toEqual(clean(v));
    const hpas = scaled.map(hpaNameOf);
    expect(new Set(hpas).size).toBe(hpas.length);
  });

  it('refuses a variant whose names would be too long, before KEDA does', () => {
    const out = runWithConfig(
      fixture(RENDERS.v20),
      celeryQueuesConfig({ lms: { queues: { [variant(longest + 1)]: {} } } }),
    );
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('is too long');
  });
});
