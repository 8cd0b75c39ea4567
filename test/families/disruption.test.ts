// The disruption budgets family: a PodDisruptionBudget per worker that asks for one.
// Table tests on literal YAML (runFamily, test/family.ts), then whole runs: the budgets that go
// away with their setting, and one of that name the function did not write.
import { describe, expect, it } from 'vitest';
import { disruptionBudgets } from '../../src/disruption/budgets.js';
import { familyTable, LMS_WORKER } from '../family.js';
import { runWithConfig, VERSION } from '../helpers.js';

describe('disruption family', () => {
  familyTable(disruptionBudgets, {
    'one per worker that asks, selecting its pods': {
      input: LMS_WORKER,
      spec: `lms: {queues: {high: {podDisruptionBudget: {enabled: true, maxUnavailable: 2}}}}`,
      output: `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
  labels:
    app.kubernetes.io/managed-by: celery-queues
    app.kubernetes.io/name: lms-worker-high
    app.kubernetes.io/part-of: openedx
  name: lms-worker-high-pdb
  namespace: openedx
spec:
  maxUnavailable: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: lms-worker-high
`,
      results: [],
    },
    'from workerDefaults for every worker, the stock one included, unless a variant opts out': {
      input: LMS_WORKER,
      spec: `lms: {workerDefaults: {podDisruptionBudget: {enabled: true, maxUnavailable: 10%}}, queues: {high: {}, low: {podDisruptionBudget: {enabled: false}}}}`,
      output: `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
  labels:
    app.kubernetes.io/managed-by: celery-queues
    app.kubernetes.io/name: lms-worker
    app.kubernetes.io/part-of: openedx
  name: lms-worker-pdb
  namespace: openedx
spec:
  maxUnavailable: 10%
  selector:
    matchLabels:
      app.kubernetes.io/name: lms-worker
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
  labels:
    app.kubernetes.io/managed-by: celery-queues
    app.kubernetes.io/name: lms-worker-high
    app.kubernetes.io/part-of: openedx
  name: lms-worker-high-pdb
  namespace: openedx
spec:
  maxUnavailable: 10%
  selector:
    matchLabels:
      app.kubernetes.io/name: lms-worker-high
`,
      results: [],
    },
  });
});

// The stock worker without the settings it mounts (so that the whole runs say nothing of them).
const STOCK = LMS_WORKER.replace(/ {8}volumeMounts:[\s\S]*$/, '');

const config = (queues: string, defaults = '') => `apiVersion: tutor-krm.dev/v1alpha1
kind: CeleryQueues
metadata: {name: x}
spec:
  lms:
${defaults}    queues: ${queues}
`;

describe('PodDisruptionBudgets over runs', () => {
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
