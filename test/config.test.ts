// The CeleryQueues config: what it accepts, its defaults, and one clear error per mistake.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { Results } from '../src/krm/results.js';

function check(yaml: string) {
  const results = new Results();
  const config = loadConfig(parse(yaml), results);
  return { config, errors: results.list.map((r) => `${r.field?.path}: ${r.message}`) };
}

const HEAD = 'apiVersion: tutor-krm.dev/v1alpha1\nkind: CeleryQueues\nmetadata: {name: x}\n';

describe('the CeleryQueues config', () => {
  it('fills in the pinned defaults', () => {
    const { config, errors } = check(
      `${HEAD}spec:\n  lms:\n    queues:\n      high:\n        autoscaling: {enabled: true}\n`,
    );
    expect(errors).toEqual([]);
    expect(config?.spec.lms?.queues.high).toEqual({
      extraArgs: [],
      autoscaling: { enabled: true, minReplicas: 0, maxReplicas: 30, listLength: 40 },
    });
    expect(config?.spec.acksLate).toBe(true);
  });

  it.each([
    ['spec:\n  lms:\n    queus: {}\n', 'spec.lms.queus: unknown field "queus" in spec.lms'],
    ['spec:\n  forum: {}\n', 'spec.forum: unknown field "forum" in spec'],
    [
      'spec:\n  lms:\n    queues:\n      High: {}\n',
      'spec.lms.queues.High: variant name "High" must be lowercase letters, digits, "_" and "-", starting and ending with a letter or digit (it becomes the queue edx.lms.core.<variant> and, with "_" as "-", Kubernetes names)',
    ],
    [
      'spec:\n  lms:\n    queues:\n      _x: {}\n',
      'spec.lms.queues._x: variant name "_x" must be lowercase letters, digits, "_" and "-", starting and ending with a letter or digit (it becomes the queue edx.lms.core.<variant> and, with "_" as "-", Kubernetes names)',
    ],
    [
      `spec:\n  cms:\n    queues:\n      ${'a'.repeat(40)}: {}\n`,
      `spec.cms.queues.${'a'.repeat(40)}: variant name "${'a'.repeat(40)}" is too long: "cms-worker-${'a'.repeat(40)}-scaledobject" would be 64 characters, over Kubernetes' 63`,
    ],
    [
      'spec:\n  lms:\n    queues:\n      high_mem: {}\n      high-mem: {}\n',
      'spec.lms.queues.high-mem: variants "high-mem" and "high_mem" would both be named lms-worker-high-mem',
    ],
    [
      'spec:\n  lms:\n    queues:\n      high:\n        extraArgs: ["--concurrency=2", "-Qx"]\n',
      'spec.lms.queues.high.extraArgs[1]: "-Qx" sets --queues, which celery-queues sets itself (the queues come from the variant name or the group’s queues)',
    ],
    [
      'spec:\n  lms:\n    queues:\n      high:\n        extraArgs: ["--hostname", "x"]\n',
      'spec.lms.queues.high.extraArgs[0]: "--hostname" sets --hostname, which celery-queues sets itself (the node name is edx.<service>.core.<variant>.<host>, edx.<service>.group.<group>.<host> for a group)',
    ],
    [
      'spec:\n  lms:\n    queues:\n      high:\n        extraArgs: ["--app=x"]\n',
      'spec.lms.queues.high.extraArgs[0]: "--app=x" sets --app, which celery-queues sets itself (the Celery app is the stock worker’s (lms.celery, cms.celery))',
    ],
    [
      'spec:\n  lms:\n    queues:\n      high:\n        extraArgs: ["gevent"]\n',
      'spec.lms.queues.high.extraArgs[0]: "gevent" is not a flag or a flag\'s value: extraArgs are celery worker flags such as "--concurrency=4"',
    ],
    [
      'spec:\n  lms:\n    queues:\n      high:\n        extraArgs: [4]\n',
      'spec.lms.queues.high.extraArgs[0]: Invalid input: expected string, received number',
    ],
    [
      'spec:\n  lms:\n    queues:\n      high:\n        autoscaling: {enabled: true, minReplicas: 5, maxReplicas: 2}\n',
      'spec.lms.queues.high.autoscaling.minReplicas: minReplicas (5) is above maxReplicas (2)',
    ],
    [
      'spec:\n  lms:\n    queues:\n      high:\n        autoscaling: {minReplicas: -1}\n',
      'spec.lms.queues.high.autoscaling.minReplicas: Too small: expected number to be >=0',
    ],
  ])('%j is refused', (spec, error) => {
    expect(check(`${HEAD}${spec}`).errors).toEqual([error]);
  });

  it('names the apiVersion and kind it wants', () => {
    expect(check('apiVersion: v1\nkind: CeleryQueue\nspec: {}\n').errors).toEqual([
      "undefined: is not a CeleryQueues: the functionConfig must be a CeleryQueues (apiVersion tutor-krm.dev/v1alpha1), or a ConfigMap (apiVersion v1) with tutor-contrib-celery's CELERY_* keys",
    ]);
    expect(check('apiVersion: v1\nkind: CeleryQueues\nspec: {}\n').errors).toEqual([
      'apiVersion: apiVersion must be tutor-krm.dev/v1alpha1',
    ]);
  });

  it('reports a missing functionConfig', () => {
    expect(check('').errors[0]).toMatch(/^undefined: no functionConfig/);
  });
});
