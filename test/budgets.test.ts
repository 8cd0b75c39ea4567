// PodDisruptionBudgets on literal YAML: what one looks like, where it goes, and that it goes
// away with its setting.
import { describe, expect, it } from 'vitest';
import { otherThanSettings, resources, runWithConfig, VERSION } from './helpers.js';
import { kubernetesProblems } from './kubernetes.js';

const STOCK = `apiVersion: apps/v1
kind: Deployment
metadata:
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
        - --app=lms.celery
        - worker
        - --queues=edx.lms.core.default,edx.lms.core.high
        image: docker.io/overhangio/openedx:20.0.5
        name: lms-worker
`;

const config = (queues: string, defaults = '') => `apiVersion: tutor-krm.dev/v1alpha1
kind: CeleryQueues
metadata: {name: x}
spec:
  lms:
${defaults}    queues: ${queues}
`;

describe('PodDisruptionBudgets', () => {
  it('one per worker that asks, after the workers of its stock worker, selecting its pods', () => {
    const out = runWithConfig(
      STOCK,
      config('{high: {podDisruptionBudget: {enabled: true, maxUnavailable: 2}}}'),
    );
    expect(otherThanSettings(out.stderr)).toBe('');
    const tail = out.stdout.slice(out.stdout.indexOf('---\napiVersion: policy/v1'));
    expect(tail).toBe(`---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
  labels:
    app.kubernetes.io/name: lms-worker-high
  name: lms-worker-high-pdb
  namespace: openedx
spec:
  maxUnavailable: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: lms-worker-high
`);
    expect(resources(out.stdout).map((r) => `${r.kind} ${r.metadata.name}`)).toEqual([
      'Deployment lms-worker',
      'Deployment lms-worker-high',
      'PodDisruptionBudget lms-worker-high-pdb',
    ]);
    for (const r of resources(out.stdout)) expect(kubernetesProblems(r)).toEqual([]);
  });

  it('from workerDefaults for every worker, the stock one included, unless a variant opts out', () => {
    const out = runWithConfig(
      STOCK,
      config(
        '{high: {}, low: {podDisruptionBudget: {enabled: false}}}',
        '    workerDefaults: {podDisruptionBudget: {enabled: true, maxUnavailable: 10%}}\n',
      ),
    );
    const budgets = resources(out.stdout).filter((r) => r.kind === 'PodDisruptionBudget');
    expect(budgets.map((b) => [b.metadata.name, b.spec.maxUnavailable])).toEqual([
      ['lms-worker-pdb', '10%'],
      ['lms-worker-high-pdb', '10%'],
    ]);
  });

  it('goes away when its setting does, and comes out unchanged while it stays', () => {
    const withBudget = config('{high: {podDisruptionBudget: {enabled: true}}}');
    const once = runWithConfig(STOCK, withBudget).stdout;
    expect(runWithConfig(once, withBudget).stdout).toBe(once);
    const without = config('{high: {}}');
    const again = runWithConfig(once, without);
    expect(again.stdout).toBe(runWithConfig(STOCK, without).stdout);
    expect(again.stderr).toContain('PodDisruptionBudget openedx/lms-worker-high-pdb: removed');
  });

  it('refuses to take over a PodDisruptionBudget of that name it did not write', () => {
    const theirs = `---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: lms-worker-high-pdb
  namespace: openedx
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: lms-worker-high
`;
    const input = `${STOCK}${theirs}`;
    const out = runWithConfig(input, config('{high: {podDisruptionBudget: {enabled: true}}}'));
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(
      /^celery-queues: error: PodDisruptionBudget openedx\/lms-worker-high-pdb: the input already has PodDisruptionBudget openedx\/lms-worker-high-pdb, which celery-queues did not write/,
    );
    expect(out.stdout).toBe('');
  });
});
