// The record of what the function changed on a stock worker (tutor/stock.ts): literal YAML in
// and out, a property (whatever changed, putting the record back gives Tutor's worker), and the
// errors for a record that does not fit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { docBody } from '../src/krm/body.js';
import { Item } from '../src/krm/item.js';
import { parseYaml, printDoc, toPlain } from '../src/krm/yaml.js';
import { STOCK_FIELDS } from '../src/names.js';
import { readStockFields, recordStockFields, restoreStockFields } from '../src/tutor/stock.js';
import {
  celeryQueuesConfig,
  configPath,
  find,
  fixture,
  RENDERS,
  resources,
  runStream,
  runWithConfig,
} from './helpers.js';

const STOCK = `apiVersion: apps/v1
kind: Deployment
metadata:
  annotations:
    app.kubernetes.io/version: 20.0.5
  labels:
    app.kubernetes.io/name: lms-worker
  name: lms-worker
  namespace: openedx
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: lms-worker
  template:
    metadata:
      labels:
        app.kubernetes.io/name: lms-worker
    spec:
      containers:
      - args:
        - celery
        - worker
        - --queues=a,b
        name: lms-worker
        resources:
          limits:
            cpu: 1
            memory: 3000Mi
      securityContext:
        runAsUser: 1000
`;

/** `change` applied to the stock worker, then recorded: the annotation's JSON, parsed. */
function recorded(change: (doc: ReturnType<typeof parseYaml>) => void): unknown {
  const doc = parseYaml(STOCK);
  change(doc);
  recordStockFields(toPlain(parseYaml(STOCK)), docBody(doc));
  const text = doc.getIn(['metadata', 'annotations', STOCK_FIELDS]);
  return text === undefined ? undefined : JSON.parse(String(text));
}

const C = ['spec', 'template', 'spec', 'containers', 0];

describe('recordStockFields', () => {
  it.each<[string, (doc: ReturnType<typeof parseYaml>) => void, unknown]>([
    ['nothing changed: no record', () => {}, undefined],
    [
      'args: the whole list',
      (d) => d.setIn([...C, 'args'], d.createNode(['celery', 'worker', '--queues=a'])),
      { '/spec/template/spec/containers/0/args': ['celery', 'worker', '--queues=a,b'] },
    ],
    [
      'resources replaced: the stock resources whole, not quantity by quantity',
      (d) => d.setIn([...C, 'resources'], d.createNode({ requests: { cpu: '250m' } })),
      { '/spec/template/spec/containers/0/resources': { limits: { cpu: 1, memory: '3000Mi' } } },
    ],
    [
      'fields added: null (absent)',
      (d) => {
        d.setIn(['spec', 'replicas'], 2);
        d.setIn(['spec', 'template', 'spec', 'nodeSelector'], d.createNode({ pool: 'big' }));
        d.setIn(['spec', 'template', 'metadata', 'labels', 'team'], 'a');
        d.setIn(['spec', 'template', 'metadata', 'annotations'], d.createNode({ note: 'x' }));
      },
      {
        '/spec/replicas': null,
        '/spec/template/metadata/annotations': null,
        '/spec/template/metadata/labels/team': null,
        '/spec/template/spec/nodeSelector': null,
      },
    ],
    [
      'a pod label changed: its old value; keys escaped as in JSON Pointer',
      (d) => d.setIn(['spec', 'template', 'metadata', 'labels', 'team/x~y'], 'z'),
      { '/spec/template/metadata/labels/team~1x~0y': null },
    ],
    [
      'env added where there was none: its absence',
      (d) => d.setIn([...C, 'env'], d.createNode([{ name: 'A', value: 's3cret' }])),
      { '/spec/template/spec/containers/0/env': null },
    ],
  ])('%s', (_what, change, record) => {
    expect(recorded(change)).toEqual(record);
  });

  it('writes the record as one line of JSON in the stock worker’s annotations', () => {
    const doc = parseYaml(STOCK);
    doc.setIn(['spec', 'replicas'], 2);
    recordStockFields(toPlain(parseYaml(STOCK)), docBody(doc));
    expect(printDoc(doc).split('\n').slice(3, 7)).toEqual([
      '  annotations:',
      '    app.kubernetes.io/version: 20.0.5',
      `    ${STOCK_FIELDS}: '{"/spec/replicas":null}'`,
      '  labels:',
    ]);
  });
});

describe('restoreStockFields', () => {
  it('gives the stock worker back, byte for byte', () => {
    const doc = parseYaml(STOCK);
    doc.setIn([...C, 'args'], doc.createNode(['celery', 'worker', '--queues=a']));
    doc.setIn([...C, 'resources'], doc.createNode({ requests: { cpu: '250m' } }));
    doc.setIn(['spec', 'replicas'], 3);
    recordStockFields(toPlain(parseYaml(STOCK)), docBody(doc));
    const again = parseYaml(printDoc(doc));
    const fields = readStockFields(Item.parsedInput(again, 'x'));
    expect(fields).toBeInstanceOf(Map);
    expect(restoreStockFields(again, fields as Map<string, unknown>)).toBeUndefined();
    expect(printDoc(again)).toBe(
      printDoc(parseYaml(STOCK)).replace(
        '- args: [celery, worker, --queues=a,b]',
        '- args:\n        - celery\n        - worker\n        - --queues=a,b',
      ),
    );
  });

  // Whatever the output families change (args, sizing, KEDA's replicas), the record takes the
  // worker back to Tutor's.
  const changes: ((d: ReturnType<typeof parseYaml>) => void)[] = [
    (d) => d.setIn(['spec', 'replicas'], 2),
    (d) => d.deleteIn([...C, 'resources']),
    (d) => d.setIn([...C, 'resources', 'limits', 'cpu'], '2'),
    (d) => d.setIn([...C, 'args'], d.createNode(['celery'])),
    (d) => d.setIn([...C, 'env'], d.createNode([{ name: 'A', value: '1' }])),
    (d) =>
      d.setIn(['spec', 'template', 'spec', 'tolerations'], d.createNode([{ operator: 'Exists' }])),
    (d) => d.setIn(['spec', 'template', 'spec', 'nodeSelector'], d.createNode({ pool: 'x' })),
    (d) => d.setIn(['spec', 'template', 'spec', 'terminationGracePeriodSeconds'], 600),
    (d) => d.setIn(['spec', 'template', 'metadata', 'labels', 'x'], 'y'),
    (d) => d.setIn(['spec', 'template', 'metadata', 'annotations', 'a/b~c'], 'z'),
  ];
  it('property: any changes, recorded and put back, give Tutor’s worker', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...changes.keys()), { maxLength: 6 }), (picked) => {
        const doc = parseYaml(STOCK);
        for (const i of picked) changes[i]?.(doc);
        recordStockFields(toPlain(parseYaml(STOCK)), docBody(doc));
        const fields = readStockFields(Item.parsedInput(parseYaml(printDoc(doc)), 'x'));
        const back = parseYaml(printDoc(doc));
        if (fields !== undefined) {
          expect(fields).toBeInstanceOf(Map);
          expect(restoreStockFields(back, fields as Map<string, unknown>)).toBeUndefined();
        }
        expect(toPlain(back)).toEqual(toPlain(parseYaml(STOCK)));
      }),
    );
  });
});

describe('a record that does not fit', () => {
  const once = runStream(fixture(RENDERS.v20), configPath('recommended')).stdout;
  const start = once.indexOf(`${STOCK_FIELDS}: '`) + STOCK_FIELDS.length + 3;
  const end = once.indexOf("'\n", start);

  it.each([
    ['not JSON', 'oops', 'is not a JSON object of field path -> original value'],
    ['not an object', '[1]', 'is not a JSON object of field path -> original value'],
    ['not a path', '{"spec":1}', 'is not a JSON object of field path -> original value'],
    [
      'a path the worker lacks',
      '{"/spec/template/spec/containers/3/args":[]}',
      'names /spec/template/spec/containers/3/args, which the stock worker does not have',
    ],
    // A record is input: it puts back only the fields the function changes. Applied, any other
    // would change the stock worker and every clone made from it.
    ...[
      ['its name', '/metadata/name', '"lms-worker-evil"'],
      ['its namespace', '/metadata/namespace', '"kube-system"'],
      ['its labels', '/metadata/labels/app.kubernetes.io~1name', '"x"'],
      ['its selector', '/spec/selector', '{}'],
      [
        'a pod label the selector uses',
        '/spec/template/metadata/labels/app.kubernetes.io~1name',
        '"x"',
      ],
      ['an image', '/spec/template/spec/containers/0/image', '"evil.example/openedx:latest"'],
      ['a service account', '/spec/template/spec/serviceAccountName', '"cluster-admin"'],
      ['volumes', '/spec/template/spec/volumes', '[]'],
      ['a security context', '/spec/template/spec/securityContext', '{"runAsUser":0}'],
    ].map(([what, path, value]): [string, string, string] => [
      `a field the function never changes: ${what}`,
      `{"${path}":${value}}`,
      `names ${path}, a field celery-queues never changes on a stock worker; restore the stock worker as Tutor renders it`,
    ]),
    [
      'a value for the env (the record holds none)',
      '{"/spec/template/spec/containers/0/env":[{"name":"A","value":"b"}]}',
      'holds a value for /spec/template/spec/containers/0/env, where celery-queues records none',
    ],
    [
      'a value for an env entry (the record holds none)',
      '{"/spec/template/spec/containers/0/env/2":{"name":"X","value":"y"}}',
      'holds a value for /spec/template/spec/containers/0/env/2, where celery-queues records none',
    ],
    [
      'an env entry that is not one the function added',
      '{"/spec/template/spec/containers/0/env/0":null}',
      'takes entries out of /spec/template/spec/containers/0/env that are not the last ones, which are all celery-queues adds',
    ],
    [
      'a command line where the worker has none',
      '{"/spec/template/spec/containers/0/command":["sh","-c","celery worker --queues=x"]}',
      'names /spec/template/spec/containers/0/command, a field celery-queues never changes on a stock worker (its celery container is containers/0, its command line args)',
    ],
  ])('%s: one error naming the worker, nothing written', (_what, record, message) => {
    const input = `${once.slice(0, start)}${record}${once.slice(end)}`;
    const out = runStream(input, configPath('recommended'));
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(
      new RegExp(
        `^celery-queues: error: Deployment openedx/[lc]ms-worker metadata\\.annotations\\.${STOCK_FIELDS.replaceAll('.', '\\.')}: annotation ${STOCK_FIELDS.replaceAll('.', '\\.')} ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      ),
    );
    expect(out.messages.trimEnd().split('\n')).toHaveLength(1);
    expect(out.stdout).toBe('');
  });
});

// A container's env holds passwords: the record keeps where the function added variables, never
// a value; and the function never changes a stock variable, which it could only put back from
// a copy.
describe('env and the record', () => {
  const PASSWORD = 'hunter2-s3cret';
  const WITH_ENV = STOCK.replace(
    '        name: lms-worker\n',
    `        env:\n        - name: SERVICE_VARIANT\n          value: lms\n        - name: DB_PASSWORD\n          value: ${PASSWORD}\n        name: lms-worker\n`,
  );

  it('holds the places of the added variables and no value; put back, Tutor’s env', () => {
    const doc = parseYaml(WITH_ENV);
    const env = doc.getIn([...C, 'env']) as { items: unknown[] };
    env.items.push(doc.createNode({ name: 'EXTRA', value: 'x' }));
    env.items.push(
      doc.createNode({ name: 'MORE', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }),
    );
    recordStockFields(toPlain(parseYaml(WITH_ENV)), docBody(doc));
    const text = String(doc.getIn(['metadata', 'annotations', STOCK_FIELDS]));
    expect(JSON.parse(text)).toEqual({
      '/spec/template/spec/containers/0/env/2': null,
      '/spec/template/spec/containers/0/env/3': null,
    });
    expect(text).not.toContain(PASSWORD);
    const again = parseYaml(printDoc(doc));
    const fields = readStockFields(Item.parsedInput(again, 'x')) as Map<string, unknown>;
    expect(restoreStockFields(again, fields)).toBeUndefined();
    expect(toPlain(again)).toEqual(toPlain(parseYaml(WITH_ENV)));
  });

  it('will not record a stock variable changed in place', () => {
    const doc = parseYaml(WITH_ENV);
    doc.setIn([...C, 'env', 1, 'value'], 'other');
    expect(() => recordStockFields(toPlain(parseYaml(WITH_ENV)), docBody(doc))).toThrow(
      /changed in place/,
    );
  });

  // The real render with a password in the stock workers' env (as a Tutor patch puts one).
  const render = fixture(RENDERS.v20).replace(
    /( {8}env:\n {8}- name: SERVICE_VARIANT\n {10}value: (?:lms|cms)\n)/g,
    `$1        - name: AWS_SECRET_ACCESS_KEY\n          value: ${PASSWORD}\n`,
  );
  const config = (env: unknown[]) =>
    celeryQueuesConfig({
      lms: { workerDefaults: { env }, queues: { high: {}, default: { replicas: 2 } } },
      cms: { queues: { default: { env } } },
    });
  const a = config([{ name: 'CELERY_EXTRA', value: 'a' }]);
  const b = config([
    { name: 'CELERY_EXTRA', value: 'b' },
    { name: 'SENTRY_DSN', valueFrom: { secretKeyRef: { name: 'sentry', key: 'dsn' } } },
  ]);

  it('no value of a stock worker’s env goes into an annotation; re-runs as if fresh', () => {
    expect(render.split(PASSWORD)).toHaveLength(3); // in both stock workers
    const once = runWithConfig(render, a);
    expect(once.status, once.stderr).toBe(0);
    for (const r of resources(once.stdout)) {
      for (const value of Object.values(r.metadata?.annotations ?? {})) {
        expect(String(value)).not.toContain(PASSWORD);
        expect(String(value)).not.toContain('lms.envs.tutor.production');
      }
    }
    const lms = find(resources(once.stdout), 'Deployment', 'lms-worker');
    expect(JSON.parse(lms?.metadata.annotations[STOCK_FIELDS])).toMatchObject({
      '/spec/template/spec/containers/0/env/3': null,
    });
    expect(runWithConfig(once.stdout, a).stdout).toBe(once.stdout);
    expect(runWithConfig(once.stdout, b).stdout).toBe(runWithConfig(render, b).stdout);
    expect(runWithConfig(once.stdout, celeryQueuesConfig({})).stdout).toBe(
      runWithConfig(render, celeryQueuesConfig({})).stdout,
    );
  });

  it.each([
    [
      'workerDefaults',
      'spec.lms.workerDefaults.env[0].name',
      { workerDefaults: { env: [{ name: 'AWS_SECRET_ACCESS_KEY', value: 'x' }] } },
    ],
    [
      'the variant default',
      'spec.lms.queues.default.env[1].name',
      {
        queues: {
          default: {
            env: [
              { name: 'A', value: '1' },
              { name: 'SERVICE_VARIANT', value: 'cms' },
            ],
          },
        },
      },
    ],
  ])('a stock variable set for the stock worker (%s) is refused', (_what, field, lms) => {
    const out = runWithConfig(render, celeryQueuesConfig({ lms }));
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(`celery-queues: error: CeleryQueues celery-queues ${field}: `);
    expect(out.stderr).toContain('is a variable of the stock lms-worker already');
  });

  it('a stock variable set for a clone replaces it there', () => {
    const out = runWithConfig(
      render,
      celeryQueuesConfig({
        lms: { queues: { high: { env: [{ name: 'SERVICE_VARIANT', value: 'x' }] } } },
      }),
    );
    expect(out.status, out.stderr).toBe(0);
    const env = find(resources(out.stdout), 'Deployment', 'lms-worker-high')?.spec.template.spec
      .containers[0].env;
    expect(env[0]).toEqual({ name: 'SERVICE_VARIANT', value: 'x' });
  });
});

// Clones present while their stock worker has no record: the stock worker may be an earlier
// run's narrowed one. Taken for Tutor's, a variant dropped from the config would take its
// queue's only consumer with it.
describe('a record stripped from the stock worker', () => {
  const config = (queues: Record<string, unknown>) => celeryQueuesConfig({ lms: { queues } });
  const once = runWithConfig(fixture(RENDERS.v20), config({ high: {}, high_mem: {} }));
  const stripped = once.stdout.replace(
    new RegExp(` {4}${STOCK_FIELDS.replaceAll('.', '\\.')}: .*\n`, 'g'),
    '',
  );

  it('is an error naming the worker, its clones and the way out', () => {
    expect(stripped).not.toBe(once.stdout);
    for (const next of [config({ high: {}, high_mem: {} }), config({ high_mem: {} })]) {
      const out = runWithConfig(stripped, next);
      expect(out.status).toBe(1);
      expect(out.stdout).toBe('');
      expect(out.messages).toBe(
        `celery-queues: error: Deployment openedx/lms-worker metadata.annotations.${STOCK_FIELDS}: has no annotation ${STOCK_FIELDS}, yet lms-worker-high, lms-worker-high-mem are workers that celery-queues cloned from it: the record of what it changed on lms-worker is gone (removed by hand or by a tool), so the queues Tutor gave it are unknown and one could be left without a consumer. Give the function lms-worker as Tutor renders it (tutor config save, or your Tutor env/), or take the workers celery-queues wrote out of the input\n`,
      );
    }
  });

  it('a stock worker whose clones changed nothing on it still carries a record (empty)', () => {
    // A variant whose queue the stock worker never had: its --queues stay as they were.
    const cfg = config({ reports: {} });
    const out = runWithConfig(fixture(RENDERS.v20), cfg);
    expect(out.status, out.stderr).toBe(0);
    const lms = find(resources(out.stdout), 'Deployment', 'lms-worker');
    expect(lms?.metadata.annotations[STOCK_FIELDS]).toBe('{}');
    expect(runWithConfig(out.stdout, cfg).stdout).toBe(out.stdout);
    expect(runWithConfig(out.stdout, celeryQueuesConfig({})).stdout).toBe(
      runWithConfig(fixture(RENDERS.v20), celeryQueuesConfig({})).stdout,
    );
  });
});
