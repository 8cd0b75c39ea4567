// applySizing on literal YAML: what each field does to a Deployment, and what it leaves alone.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Sizing } from '../src/config/sizing.js';
import { docBody, plainBody } from '../src/krm/body.js';
import { plainCopy, printPlain } from '../src/krm/print.js';
import { parseYaml, printDoc } from '../src/krm/yaml.js';
import { applySizing } from '../src/workers/sizing.js';
import { deepFreeze } from './helpers.js';

const WORKER = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: lms-worker-high
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: lms-worker-high
  template:
    metadata:
      labels:
        app.kubernetes.io/name: lms-worker-high
    spec:
      containers:
      - name: lms-worker-high
        env:
        - name: SERVICE_VARIANT
          value: lms
        resources:
          limits:
            cpu: 1
`;

function sized(sizing: Sizing, input = WORKER): string {
  const doc = parseYaml(input);
  applySizing(docBody(doc), 0, { sizing, from: {} });
  const printed = printDoc(doc);
  // The same sizing on plain data (a clone of a stock worker in yaml's own layout) prints the
  // same, wherever the input is in that layout.
  const plain = plainCopy(parse(input));
  if (plain && printPlain(plain) === input) {
    // And on a clone's borrowed form (the stock worker's, frozen: a change that reached it throws).
    const lender = deepFreeze(structuredClone(plain));
    const borrowing = { ...lender };
    applySizing(plainBody(borrowing, true), 0, { sizing, from: {} });
    applySizing(plainBody(plain), 0, { sizing, from: {} });
    expect(printPlain(plain)).toBe(printed);
    expect(printPlain(borrowing)).toBe(printed);
    expect(printPlain(lender)).toBe(input);
  }
  return printed;
}

describe('applySizing', () => {
  it('changes nothing when nothing is set', () => {
    expect(sized({})).toBe(WORKER);
  });

  it.each<[string, Sizing, string]>([
    [
      'replicas: first in the spec',
      { replicas: 3 },
      `spec:
  replicas: 3
  selector:`,
    ],
    [
      'resources: replaced whole, where they stood',
      { resources: { requests: { memory: '1Gi' } } },
      `        resources:
          requests:
            memory: 1Gi
`,
    ],
    [
      'env: a new variable after the stock ones, one of the same name in its place',
      {
        env: [
          { name: 'EXTRA', value: '1' },
          { name: 'SERVICE_VARIANT', value: 'cms' },
        ],
      },
      `        env:
        - name: SERVICE_VARIANT
          value: cms
        - name: EXTRA
          value: "1"
        resources:`,
    ],
    [
      'pod spec fields: after the containers',
      {
        nodeSelector: { pool: 'big' },
        tolerations: [{ key: 'dedicated', operator: 'Exists', effect: 'NoSchedule' }],
        priorityClassName: 'low',
        terminationGracePeriodSeconds: 600,
      },
      `            cpu: 1
      nodeSelector:
        pool: big
      tolerations:
      - key: dedicated
        operator: Exists
        effect: NoSchedule
      priorityClassName: low
      terminationGracePeriodSeconds: 600
`,
    ],
    [
      'a topology spread constraint without selector: the worker’s own',
      {
        topologySpreadConstraints: [
          { maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'ScheduleAnyway' },
          {
            maxSkew: 2,
            topologyKey: 'host',
            whenUnsatisfiable: 'DoNotSchedule',
            labelSelector: { matchLabels: { team: 'a' } },
          },
        ],
      },
      `      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: zone
        whenUnsatisfiable: ScheduleAnyway
        labelSelector:
          matchLabels:
            app.kubernetes.io/name: lms-worker-high
      - maxSkew: 2
        topologyKey: host
        whenUnsatisfiable: DoNotSchedule
        labelSelector:
          matchLabels:
            team: a
`,
    ],
    [
      'labels and annotations: on the pods, added to theirs',
      { labels: { team: 'reports' }, annotations: { 'example.com/note': 'yes' } },
      `    metadata:
      labels:
        app.kubernetes.io/name: lms-worker-high
        team: reports
      annotations:
        example.com/note: "yes"
`,
    ],
  ])('%s', (_what, sizing, expected) => {
    expect(sized(sizing)).toContain(expected);
  });

  it('leaves the selector and the Deployment’s own labels alone', () => {
    const out = sized({ labels: { team: 'a' } });
    expect(out).toContain(`spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: lms-worker-high
  template:`);
    expect(out.match(/team: a/g)).toHaveLength(1);
  });

  it('creates env when the container has none', () => {
    const input = WORKER.replace(/ {8}env:\n.*\n.*\n/, '');
    expect(sized({ env: [{ name: 'A', value: 'b' }] }, input)).toContain(`            cpu: 1
        env:
        - name: A
          value: b
`);
  });
});
