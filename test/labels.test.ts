// Every resource the function writes carries app.kubernetes.io/managed-by: celery-queues, part-of
// and Tutor's instance label, and no resource it did not write does: `kubectl get -l` over the
// output selects exactly its own. Selectors are read as kubectl reads them (apimachinery's
// labels.Parse: =, ==, !=, in, notin, key, !key, comma for "and"). What selects pods (a
// Deployment's spec.selector, which the API server refuses to change, and the pod template that
// must match it) stays as it was, so no pod rolls for a label.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  configPath,
  fixture,
  RENDERS,
  ROOT,
  resources,
  runStream,
  runWithConfig,
  sizedUnderHpa,
  twoInstances,
} from './helpers.js';

const GENERATED_BY = 'celery-queues.tutor-krm.dev/generated-by';

type Requirement = (labels: Record<string, string>) => boolean;

/** A label selector as kubectl takes it after -l. */
function parseSelector(text: string): Requirement {
  const parts = text.match(/([^,(]+(\([^)]*\))?)/g) ?? [];
  const requirements: Requirement[] = parts.map((raw) => {
    const part = raw.trim();
    let m = /^([^!=\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (m) {
      const [, key, op, value] = m as unknown as [string, string, string, string];
      return (l) => (op === '!=' ? l[key] !== value : l[key] === value);
    }
    m = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
    if (m) {
      const [, key, op, list] = m as unknown as [string, string, string, string];
      const values = list.split(',').map((v) => v.trim());
      return (l) =>
        op === 'in'
          ? l[key] !== undefined && values.includes(l[key])
          : !values.includes(l[key] as string);
    }
    m = /^(!?)(\S+)$/.exec(part);
    if (m) return (l) => (m?.[1] === '!' ? !((m[2] as string) in l) : (m?.[2] as string) in l);
    throw new Error(`not a selector: ${part}`);
  });
  return (labels) => requirements.every((r) => r(labels));
}

function select(list: Record<string, any>[], selector: string): string[] {
  const matches = parseSelector(selector);
  return list
    .filter((r) => matches(r.metadata?.labels ?? {}))
    .map((r) => `${r.kind} ${r.metadata.namespace ?? ''}/${r.metadata.name}`);
}

function generated(list: Record<string, any>[]): string[] {
  return list
    .filter((r) => r.metadata?.annotations?.[GENERATED_BY] !== undefined)
    .map((r) => `${r.kind} ${r.metadata.namespace ?? ''}/${r.metadata.name}`);
}

const CASES: [string, () => string, string][] = [
  [
    'the bundled example',
    () => readFileSync(join(ROOT, 'examples', 'tutor-v20.yaml'), 'utf8'),
    join(ROOT, 'examples', 'celery-queues.yaml'),
  ],
  [
    'worker groups, the stock workers off',
    () => readFileSync(join(ROOT, 'examples', 'tutor-v20.yaml'), 'utf8'),
    join(ROOT, 'examples', 'worker-groups', 'celery-queues.yaml'),
  ],
  ['two instances, everything on', twoInstances, configPath('everything')],
  ['the v19 render, recommended', () => fixture(RENDERS.v19), configPath('recommended')],
  ['the pod-autoscaling render, sized', () => fixture(RENDERS.podautoscaling), 'sized-under-hpa'],
];

describe.each(CASES)('%s', (_, input, config) => {
  const run = () => {
    const out =
      config === 'sized-under-hpa'
        ? runWithConfig(input(), sizedUnderHpa())
        : runStream(input(), config);
    expect(out.status).toBe(0);
    return { before: resources(input()), after: resources(out.stdout) };
  };

  it('-l app.kubernetes.io/managed-by=celery-queues selects every resource it wrote, and no other', () => {
    const { after } = run();
    const own = generated(after);
    expect(own.length).toBeGreaterThan(3);
    expect(select(after, 'app.kubernetes.io/managed-by=celery-queues').sort()).toEqual(own.sort());
    // And the other way round: Tutor's own resources, the stock workers included.
    expect(select(after, 'app.kubernetes.io/managed-by!=celery-queues').sort()).toEqual(
      after
        .filter((r) => r.metadata?.annotations?.[GENERATED_BY] === undefined)
        .map((r) => `${r.kind} ${r.metadata.namespace ?? ''}/${r.metadata.name}`)
        .sort(),
    );
  });

  it("each instance's own by Tutor's instance label, with part-of openedx", () => {
    const { after } = run();
    const instances = new Set(
      after
        .filter((r) => r.kind === 'Deployment' && /^(lms|cms)-worker$/.test(r.metadata.name))
        .map((r) => r.metadata.labels['app.kubernetes.io/instance'] as string),
    );
    expect(instances.size).toBeGreaterThan(0);
    let total = 0;
    for (const instance of instances) {
      const own = select(
        after,
        `app.kubernetes.io/managed-by=celery-queues,app.kubernetes.io/instance in (${instance}),app.kubernetes.io/part-of=openedx`,
      );
      // Tutor's instance label names one Tutor project; a namespace is one Open edX instance.
      expect(own.length).toBeGreaterThan(0);
      total += own.length;
    }
    expect(total).toBe(generated(after).length);
  });

  it('no selector and no pod template label changes: nothing rolls for a label', () => {
    const { before, after } = run();
    const podLabels = (d: Record<string, any>) => d.spec?.template?.metadata?.labels ?? {};
    for (const d of after.filter((r) => r.kind === 'Deployment')) {
      const old = before.find(
        (r) =>
          r.kind === 'Deployment' &&
          r.metadata.name === d.metadata.name &&
          r.metadata.namespace === d.metadata.namespace,
      );
      const selector = d.spec.selector.matchLabels as Record<string, string>;
      // The pods carry what the selector asks for.
      for (const [k, v] of Object.entries(selector))
        expect(podLabels(d)[k], `${d.metadata.name} ${k}`).toBe(v);
      if (old) {
        expect(d.spec.selector).toEqual(old.spec.selector);
        expect(podLabels(d)['app.kubernetes.io/managed-by']).toBe(
          podLabels(old)['app.kubernetes.io/managed-by'],
        );
      } else {
        // A new worker or component: the stock worker's selector with its own name, as always.
        expect(selector['app.kubernetes.io/managed-by']).toBe('tutor');
      }
    }
  });
});

it('the selector parser reads what kubectl reads', () => {
  const labels = { a: 'x', b: 'y' };
  expect(parseSelector('a=x')(labels)).toBe(true);
  expect(parseSelector('a==x,b!=y')(labels)).toBe(false);
  expect(parseSelector('a in (x, z),!c')(labels)).toBe(true);
  expect(parseSelector('b notin (y)')(labels)).toBe(false);
  expect(parseSelector('c')(labels)).toBe(false);
});
