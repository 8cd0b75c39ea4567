// The record of what the function changed on a stock worker (tutor/stock.ts): literal YAML in
// and out, a property (whatever changed, putting the record back gives Tutor's worker), and the
// errors for a record that does not fit.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Item } from '../src/krm/item.js';
import { parseYaml, printDoc, toPlain } from '../src/krm/yaml.js';
import { STOCK_FIELDS } from '../src/names.js';
import { readStockFields, recordStockFields, restoreStockFields } from '../src/tutor/stock.js';
import { configPath, fixture, RENDERS, runStream } from './helpers.js';

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
  recordStockFields(parseYaml(STOCK), doc);
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
      'a field removed, a label changed: their old values; keys escaped as in JSON Pointer',
      (d) => {
        d.deleteIn(['spec', 'template', 'spec', 'securityContext']);
        d.setIn(['metadata', 'labels', 'app.kubernetes.io/name'], 'x');
      },
      {
        '/metadata/labels/app.kubernetes.io~1name': 'lms-worker',
        '/spec/template/spec/securityContext': { runAsUser: 1000 },
      },
    ],
  ])('%s', (_what, change, record) => {
    expect(recorded(change)).toEqual(record);
  });

  it('writes the record as one line of JSON in the stock worker’s annotations', () => {
    const doc = parseYaml(STOCK);
    doc.setIn(['spec', 'replicas'], 2);
    recordStockFields(parseYaml(STOCK), doc);
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
    recordStockFields(parseYaml(STOCK), doc);
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

  // Whatever the output families change, the record takes the worker back to Tutor's.
  const changes: ((d: ReturnType<typeof parseYaml>) => void)[] = [
    (d) => d.setIn(['spec', 'replicas'], 2),
    (d) => d.deleteIn([...C, 'resources']),
    (d) => d.setIn([...C, 'resources', 'limits', 'cpu'], '2'),
    (d) => d.setIn([...C, 'args'], d.createNode(['celery'])),
    (d) => d.setIn([...C, 'env'], d.createNode([{ name: 'A', value: '1' }])),
    (d) =>
      d.setIn(['spec', 'template', 'spec', 'tolerations'], d.createNode([{ operator: 'Exists' }])),
    (d) => d.deleteIn(['spec', 'template', 'spec', 'securityContext']),
    (d) => d.setIn(['spec', 'template', 'metadata', 'labels', 'x'], 'y'),
    (d) => d.setIn(['metadata', 'annotations', 'a/b~c'], 'z'),
    (d) => d.deleteIn(['metadata', 'annotations']),
    (d) =>
      d.setIn(['spec', 'template', 'spec', 'containers', 1], d.createNode({ name: 'sidecar' })),
    (d) => d.setIn(['spec', 'strategy'], d.createNode({ type: 'Recreate' })),
  ];
  it('property: any changes, recorded and put back, give Tutor’s worker', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...changes.keys()), { maxLength: 6 }), (picked) => {
        const doc = parseYaml(STOCK);
        for (const i of picked) changes[i]?.(doc);
        recordStockFields(parseYaml(STOCK), doc);
        const fields = readStockFields(Item.parsedInput(parseYaml(printDoc(doc)), 'x'));
        const back = parseYaml(printDoc(doc));
        if (fields instanceof Map) expect(restoreStockFields(back, fields)).toBeUndefined();
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
  ])('%s: one error, the input unchanged', (_what, record, message) => {
    const input = `${once.slice(0, start)}${record}${once.slice(end)}`;
    const out = runStream(input, configPath('recommended'));
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(
      new RegExp(
        `^celery-queues: error: Deployment openedx/[lc]ms-worker metadata\\.annotations\\.${STOCK_FIELDS.replaceAll('.', '\\.')}: annotation ${STOCK_FIELDS.replaceAll('.', '\\.')} ${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      ),
    );
    expect(out.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(out.stdout).toBe('');
  });
});
