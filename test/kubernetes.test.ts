// The strict Kubernetes check the other tests rely on: it must pass real manifests and catch
// what the API server (or `kubectl apply --validate=strict`) would refuse.
import { describe, expect, it } from 'vitest';
import { goldenOutputs } from './golden.js';
import { fixture, RENDERS, resources } from './helpers.js';
import { isBuiltIn, kubernetesProblems } from './kubernetes.js';

function deployment(): Record<string, any> {
  return structuredClone(
    resources(fixture(RENDERS.podautoscaling)).find(
      (r) => r.kind === 'Deployment' && r.metadata.name === 'lms-worker',
    ) as Record<string, any>,
  );
}

const pdb = () => ({
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'lms-worker-pdb', namespace: 'openedx' },
  spec: {
    maxUnavailable: 1,
    selector: { matchLabels: { 'app.kubernetes.io/name': 'lms-worker' } },
  },
});

describe('the strict Kubernetes schema check', () => {
  it.each(Object.keys(RENDERS))('passes every built-in resource of the %s render', (render) => {
    const list = resources(fixture(RENDERS[render as keyof typeof RENDERS])).filter(isBuiltIn);
    expect(list.length).toBeGreaterThan(20);
    for (const r of list)
      expect([r.kind, r.metadata.name, kubernetesProblems(r)]).toEqual([
        r.kind,
        r.metadata.name,
        [],
      ]);
  });

  it('passes a PodDisruptionBudget', () => {
    expect(kubernetesProblems(pdb())).toEqual([]);
  });

  it.each<[string, (d: Record<string, any>) => void, string]>([
    [
      'a misspelt container field',
      (d) => {
        d.spec.template.spec.containers[0].resource = { limits: { cpu: 1 } };
      },
      '/spec/template/spec/containers/0/resource: unknown field',
    ],
    [
      'a misspelt field in a toleration',
      (d) => {
        d.spec.template.spec.tolerations = [{ key: 'a', operator: 'Exists', efect: 'NoSchedule' }];
      },
      '/spec/template/spec/tolerations/0/efect: unknown field',
    ],
    [
      'a field at the top of the spec',
      (d) => {
        d.spec.replica = 2;
      },
      '/spec/replica: unknown field',
    ],
    [
      'a misspelt field deep in an affinity',
      (d) => {
        d.spec.template.spec.affinity = {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpression: [] }],
            },
          },
        };
      },
      '/spec/template/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpression: unknown field',
    ],
    [
      'a rolling update that can neither start nor stop a pod',
      (d) => {
        d.spec.strategy = {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: '0%', maxUnavailable: 0 },
        };
      },
      '/spec/strategy/rollingUpdate/maxUnavailable: may not be 0 when `maxSurge` is 0',
    ],
    [
      'a rolling update over 100% unavailable',
      (d) => {
        d.spec.strategy = { rollingUpdate: { maxUnavailable: '110%' } };
      },
      '/spec/strategy/rollingUpdate/maxUnavailable: must not be greater than 100%',
    ],
    [
      'a rolling update that is no number or percentage',
      (d) => {
        d.spec.strategy = { type: 'RollingUpdate', rollingUpdate: { maxSurge: '1' } };
      },
      "/spec/strategy/rollingUpdate/maxSurge: must be an integer or percentage (e.g '5%')",
    ],
    [
      'a rolling update with Recreate',
      (d) => {
        d.spec.strategy = { type: 'Recreate', rollingUpdate: { maxSurge: 1 } };
      },
      "/spec/strategy/rollingUpdate: may not be specified when strategy `type` is 'Recreate'",
    ],
  ])('refuses %s', (_what, change, problem) => {
    const d = deployment();
    change(d);
    expect(kubernetesProblems(d)).toEqual([problem]);
  });

  it('refuses what the schema itself refuses: a bad quantity, a wrong type', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].resources.limits.memory = '3GB';
    expect(kubernetesProblems(d).join()).toMatch(/limits\/memory must match format "quantity"/);
    const e = deployment();
    e.spec.template.spec.terminationGracePeriodSeconds = '30';
    expect(kubernetesProblems(e).join()).toMatch(/terminationGracePeriodSeconds must be integer/);
  });

  it('refuses a misspelt PodDisruptionBudget field', () => {
    const p: Record<string, any> = pdb();
    p.spec.maxUnavailble = p.spec.maxUnavailable;
    delete p.spec.maxUnavailable;
    expect(kubernetesProblems(p)).toEqual(['/spec/maxUnavailble: unknown field']);
  });
});

describe('every golden output', () => {
  // Each golden diff applied to its input: the whole output it stands for.
  const goldens = goldenOutputs().map(({ name, output }): [string, string] => [name, output]);

  it.each(goldens)(
    '%s: its Deployments and PodDisruptionBudgets are valid Kubernetes',
    (_, output) => {
      // A golden ResourceList (what Kustomize or kpt got back) holds its resources as items.
      const list = resources(output)
        .flatMap((r) => (r.kind === 'ResourceList' ? r.items : [r]))
        .filter((r) => r.kind === 'Deployment' || r.kind === 'PodDisruptionBudget');
      expect(list.length).toBeGreaterThan(0);
      for (const r of list) {
        expect([r.kind, r.metadata.name, kubernetesProblems(r)]).toEqual([
          r.kind,
          r.metadata.name,
          [],
        ]);
      }
    },
  );
});
