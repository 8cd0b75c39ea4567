// The JSON Schema editors validate against (fn-config/celery-queues.schema.json) refuses what the
// function refuses: held to the same answer as the function over generated configs, each one a
// valid config with one field set to a generated value. Rules that tie two fields together
// (a request above its limit, minReplicas above maxReplicas, two variants with one worker name,
// a bare word in extraArgs where no flag takes it) are the function's alone; the configs here
// change one field at a time, and leave those alone.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { SCHEMA_URL } from '../src/config/schema.js';
import { Results } from '../src/krm/results.js';
import { ROOT } from './helpers.js';

const schema = JSON.parse(
  readFileSync(join(ROOT, 'fn-config', 'celery-queues.schema.json'), 'utf8'),
) as Record<string, unknown>;
const validate = new Ajv2020({ strict: true, allErrors: true }).compile(schema);

function functionTakes(config: unknown): boolean {
  const results = new Results();
  return loadConfig(config, results) !== undefined && !results.hasErrors;
}

function base(): Record<string, any> {
  return {
    apiVersion: 'tutor-krm.dev/v1alpha1',
    kind: 'CeleryQueues',
    metadata: { name: 'celery-queues' },
    spec: {
      lms: {
        workerDefaults: { nodeSelector: { pool: 'workers' } },
        queues: {
          high: { extraArgs: ['--concurrency=4'] },
          high_mem: {
            resources: { requests: { memory: '2Gi' } },
            autoscaling: { enabled: true, maxReplicas: 5 },
          },
        },
      },
      explicitQueues: { lms: { 'lms.tasks.report': { queue: 'edx.lms.core.high_mem' } } },
      flower: {
        enabled: true,
        basicAuthSecret: { name: 'flower-auth' },
        serviceMonitor: { enabled: true },
      },
    },
  };
}

type Mutation = [string, (config: Record<string, any>, value: any) => void, fc.Arbitrary<any>];

const text = (chars: string, max: number) =>
  fc.string({ unit: fc.constantFrom(...chars.split('')), maxLength: max });
const NAME_CHARS = 'abcXY019-_./:@ é';
const quantities = fc.oneof(
  fc.constantFrom(
    '2GB',
    '2Gi',
    '-1',
    '-0',
    '+1',
    '1e3',
    '1E-3',
    '.5',
    '5.',
    '1.5Gi',
    '',
    'Gi',
    '1Ki',
    '0',
  ),
  fc.stringMatching(/^[+-]?[0-9.]{0,4}(Ki|Mi|Gi|m|k|M|G|GB|e-?[0-9]|E|i|h)?$/),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
);
const names = fc.oneof(text(NAME_CHARS, 70), fc.constantFrom('a'.repeat(63), 'a'.repeat(64)));
const qualified = fc.oneof(
  names,
  fc.tuple(names, names).map(([a, b]) => `${a}/${b}`),
  fc.constantFrom(`${'a'.repeat(253)}/b`, `${'a'.repeat(254)}/b`, 'app.kubernetes.io/name'),
);
const anything = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.double());

// A variant's or a group's name: each becomes Kubernetes names, at most 39 characters.
const workerKeys = fc.oneof(
  fc.constantFrom('High', '_x', 'a-', 'default', 'a'.repeat(39), 'a'.repeat(40), 'ü'),
  text('abzAZ09_-.', 45),
  fc.string(),
);

const MUTATIONS: Mutation[] = [
  [
    'a variant name',
    (c, v) => {
      c.spec.lms.queues[v] = {};
    },
    workerKeys,
  ],
  [
    'a group name',
    (c, v) => {
      c.spec.cms = { groups: { [v]: { queues: ['low'] } } };
    },
    workerKeys,
  ],
  [
    "a group's queue",
    (c, v) => {
      c.spec.cms = { groups: { bulk: { queues: [v] } } };
    },
    fc.oneof(fc.constantFrom('Low', 'low', 'a-', 'ü', ''), text('abzAZ09_-.', 45), fc.string()),
  ],
  [
    'a quantity',
    (c, v) => {
      c.spec.lms.queues.high_mem.resources.requests.memory = v;
    },
    quantities,
  ],
  [
    "Flower's quantity",
    (c, v) => {
      c.spec.flower.resources = { limits: { cpu: v } };
    },
    quantities,
  ],
  [
    'a resource name',
    (c, v) => {
      c.spec.lms.queues.high_mem.resources.requests = { [v]: '1' };
    },
    qualified,
  ],
  [
    'a node selector',
    (c, v) => {
      c.spec.lms.workerDefaults.nodeSelector = { [v[0]]: v[1] };
    },
    fc.tuple(qualified, names),
  ],
  [
    'pod labels',
    (c, v) => {
      c.spec.lms.queues.high.labels = { [v[0]]: v[1] };
    },
    fc.tuple(qualified, names),
  ],
  [
    'pod annotations',
    (c, v) => {
      c.spec.lms.queues.high.annotations = { [v]: 'x' };
    },
    qualified,
  ],
  [
    "the ServiceMonitor's labels",
    (c, v) => {
      c.spec.flower.serviceMonitor.labels = { release: v };
    },
    names,
  ],
  [
    'a duration',
    (c, v) => {
      c.spec.flower.serviceMonitor.interval = v;
    },
    fc.oneof(text('0123456789ywdhms', 8), anything),
  ],
  [
    'a Secret name',
    (c, v) => {
      c.spec.flower.basicAuthSecret.name = v;
    },
    fc.oneof(names, fc.constantFrom('a'.repeat(253), 'a'.repeat(254), 'Flower_Auth')),
  ],
  [
    'a Secret key',
    (c, v) => {
      c.spec.flower.basicAuthSecret.key = v;
    },
    fc.oneof(names, fc.constantFrom('.', '..', '..a', 'a..b', '.a', 'a/b')),
  ],
  [
    'a priority class',
    (c, v) => {
      c.spec.lms.queues.high.priorityClassName = v;
    },
    names,
  ],
  [
    'extra args',
    (c, v) => {
      c.spec.lms.queues.high.extraArgs = v;
    },
    fc.array(
      fc.constantFrom(
        '--concurrency=4',
        '--pool=gevent',
        '--without-gossip',
        '--queues=x',
        '--queues',
        '-Qx',
        '-nfoo',
        '--hostname=h',
        '--app=x',
        '--exclude-queues=a',
        '--apple=1',
        '---queues=x',
      ),
      { maxLength: 4 },
    ),
  ],
  [
    'maxUnavailable',
    (c, v) => {
      c.spec.lms.queues.high.podDisruptionBudget = { enabled: true, maxUnavailable: v };
    },
    fc.oneof(
      fc.integer({ min: -3, max: 200 }),
      fc.constantFrom('0%', '1%', '50%', '100%', '101%', '05%', '50', 'x%'),
      anything,
    ),
  ],
  [
    'priority steps',
    (c, v) => {
      c.spec.lms.queues.high_mem.autoscaling.priorityLists = { enabled: true, steps: v };
    },
    fc.array(fc.integer({ min: -1, max: 256 }), { maxLength: 5 }),
  ],
  [
    'a routed queue',
    (c, v) => {
      c.spec.explicitQueues.lms['lms.tasks.report'].queue = v;
    },
    fc.oneof(fc.string(), fc.constantFrom('a,b', 'a b', 'a\u0007', 'edx.lms.core.high')),
  ],
  [
    'a pool',
    (c, v) => {
      c.spec.lms.queues.high.pool = v;
    },
    fc.oneof(fc.constantFrom('prefork', 'gevent', 'Gevent', 'threads', 'greenlet'), anything),
  ],
  [
    'a count',
    (c, v) => {
      c.spec.lms.queues.high_mem.autoscaling.listLength = v;
    },
    anything,
  ],
  [
    'an unknown field',
    (c, v) => {
      c.spec.lms.queues.high[v] = 1;
    },
    fc
      .oneof(fc.constantFrom('replica', 'extraargs', 'Concurrency'), fc.string())
      .filter(
        (k) =>
          ![
            'concurrency',
            'replicas',
            'pool',
            'priorityClassName',
            'terminationGracePeriodSeconds',
          ].includes(k),
      ),
  ],
];

describe('fn-config/celery-queues.schema.json', () => {
  it('compiles under ajv’s strict mode and has an $id, where the README’s modeline points', () => {
    expect(schema.$id).toBe(SCHEMA_URL);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(`# yaml-language-server: $schema=${SCHEMA_URL}`);
    // new Ajv2020({ strict: true }) above throws on an unknown keyword or a loose type.
    expect(validate(base())).toBe(true);
  });

  it.each([
    [
      'a variant High',
      (c: Record<string, any>) => {
        c.spec.lms.queues.High = {};
      },
    ],
    [
      'a quantity 2GB',
      (c: Record<string, any>) => {
        c.spec.lms.queues.high_mem.resources.requests.memory = '2GB';
      },
    ],
    [
      'a variant of 40 characters',
      (c: Record<string, any>) => {
        c.spec.lms.queues['a'.repeat(40)] = {};
      },
    ],
    [
      '--queues in extraArgs',
      (c: Record<string, any>) => {
        c.spec.lms.queues.high.extraArgs.push('-Qx');
      },
    ],
  ])('refuses %s, as the function does', (_, mutate) => {
    const config = base();
    mutate(config);
    expect(validate(config)).toBe(false);
    expect(functionTakes(config)).toBe(false);
  });

  it('gives the function’s answer for every config that changes one field (fast-check)', () => {
    expect(functionTakes(base())).toBe(true);
    const seen = { taken: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: MUTATIONS.length - 1 })
          .chain((i) => fc.tuple(fc.constant(i), (MUTATIONS[i] as Mutation)[2])),
        ([i, value]) => {
          const [what, mutate] = MUTATIONS[i] as Mutation;
          const config = base();
          mutate(config, value);
          const fn = functionTakes(config);
          if (fn) seen.taken++;
          else seen.refused++;
          expect(validate(config), `${what}: ${JSON.stringify(value)}`).toBe(fn);
        },
      ),
      { seed: 20261206, numRuns: Number(process.env.PROPERTY_RUNS ?? 3000) },
    );
    // Both answers come up, so the property could fail either way.
    expect(seen.taken).toBeGreaterThan(100);
    expect(seen.refused).toBeGreaterThan(100);
  });
});
