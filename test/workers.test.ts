// Per-queue workers on the real Tutor renders: golden files, and the properties the goldens
// must have (one consumer per queue, selectors that do not overlap, stock flags kept).
import { describe, expect, it } from 'vitest';
import { selectorMatches } from '../src/krm/k8s.js';
import { expectGoldenDiff } from './golden.js';
import {
  argsOf,
  configPath,
  find,
  fixture,
  RENDERS,
  resources,
  runStream,
  twoInstances,
  withoutSettingsHashes,
} from './helpers.js';

const INPUTS: Record<string, () => string> = {
  v19: () => fixture(RENDERS.v19),
  v20: () => fixture(RENDERS.v20),
  v21: () => fixture(RENDERS.v21),
  custom: () => fixture(RENDERS.custom),
  'two-instances': twoInstances,
};

function consumers(list: Record<string, any>[], namespace: string): Map<string, string[]> {
  const byQueue = new Map<string, string[]>();
  for (const r of list) {
    if (r.kind !== 'Deployment' || r.metadata.namespace !== namespace) continue;
    const queues = argsOf(r).filter((a) => a.startsWith('--queues='));
    for (const arg of queues) {
      for (const q of arg.slice('--queues='.length).split(',')) {
        byQueue.set(q, [...(byQueue.get(q) ?? []), r.metadata.name]);
      }
    }
  }
  return byQueue;
}

describe.each(Object.keys(INPUTS))('render %s', (render) => {
  const input = (INPUTS[render] as () => string)();
  const namespaces = [...new Set(resources(input).flatMap((r) => r.metadata?.namespace ?? []))];

  it.each(['recommended', 'partial', 'tuned'])('matches the golden output for %s', (config) => {
    const out = runStream(input, configPath(config));
    expect(out.stderr).not.toMatch(/^celery-queues: (error|warning):/m);
    expect(out.status).toBe(0);
    expectGoldenDiff(`workers/${render}.${config}.diff`, input, out.stdout);
    // Idempotent: the output, fed back, comes out byte for byte.
    expect(runStream(out.stdout, configPath(config)).stdout).toBe(out.stdout);
  });

  it('gives every queue exactly one consumer, and the split queues their own worker', () => {
    const out = resources(runStream(input, configPath('recommended')).stdout);
    for (const ns of namespaces) {
      const byQueue = consumers(out, ns);
      expect(Object.fromEntries(byQueue)).toEqual({
        'edx.lms.core.default': ['lms-worker'],
        'edx.lms.core.high': ['lms-worker-high'],
        'edx.lms.core.high_mem': ['lms-worker-high-mem'],
        'edx.cms.core.default': ['cms-worker'],
        'edx.cms.core.high': ['cms-worker-high'],
        'edx.cms.core.low': ['cms-worker-low'],
      });
    }
  });

  it('leaves high_mem with the stock worker when only high is split out', () => {
    const out = resources(runStream(input, configPath('partial')).stdout);
    for (const ns of namespaces) {
      expect(Object.fromEntries(consumers(out, ns))).toEqual({
        'edx.lms.core.default': ['lms-worker'],
        'edx.lms.core.high_mem': ['lms-worker'],
        'edx.lms.core.high': ['lms-worker-high'],
        'edx.cms.core.default': ['cms-worker'],
        'edx.cms.core.high': ['cms-worker'],
        'edx.cms.core.low': ['cms-worker'],
      });
      // Unchanged but for the settings ConfigMaps' new names (the settings family).
      expect(withoutSettingsHashes(find(out, 'Deployment', 'cms-worker', ns))).toEqual(
        withoutSettingsHashes(find(resources(input), 'Deployment', 'cms-worker', ns)),
      );
    }
  });

  it('clones the stock worker: same pod but for name, labels and args; selectors apart', () => {
    const inputList = resources(input);
    const out = resources(runStream(input, configPath('recommended')).stdout);
    for (const ns of namespaces) {
      const stock = find(inputList, 'Deployment', 'lms-worker', ns) as Record<string, any>;
      const clone = find(out, 'Deployment', 'lms-worker-high-mem', ns) as Record<string, any>;
      const stockOut = find(out, 'Deployment', 'lms-worker', ns) as Record<string, any>;
      const podOf = (d: Record<string, any>) => {
        const { containers, ...rest } = d.spec.template.spec;
        const { args, name, ...container } = containers[0];
        return { rest, container };
      };
      expect(withoutSettingsHashes(podOf(clone))).toEqual(withoutSettingsHashes(podOf(stock)));
      expect(clone.spec.template.spec.containers[0].name).toBe('lms-worker-high-mem');
      for (const labels of [
        clone.metadata.labels,
        clone.spec.selector.matchLabels,
        clone.spec.template.metadata.labels,
      ]) {
        expect(labels['app.kubernetes.io/name']).toBe('lms-worker-high-mem');
      }
      expect(selectorMatches(stockOut.spec.selector, clone.spec.template.metadata.labels)).toBe(
        false,
      );
      expect(selectorMatches(clone.spec.selector, stockOut.spec.template.metadata.labels)).toBe(
        false,
      );
      expect(selectorMatches(clone.spec.selector, clone.spec.template.metadata.labels)).toBe(true);
      const args = argsOf(clone);
      expect(args.filter((a) => a.startsWith('--queues'))).toEqual([
        '--queues=edx.lms.core.high_mem',
      ]);
      expect(args).toContain('--hostname=edx.lms.core.high_mem.%h');
      for (const flag of [
        '--max-tasks-per-child=100',
        '--prefetch-multiplier=1',
        '--without-gossip',
        '--without-mingle',
      ]) {
        expect(args).toContain(flag);
      }
    }
  });
});

describe('extraArgs', () => {
  const out = resources(runStream(fixture(RENDERS.v20), configPath('tuned')).stdout);

  it('tune the stock worker through the default variant', () => {
    expect(argsOf(find(out, 'Deployment', 'lms-worker'))).toEqual([
      'celery',
      '--app=lms.celery',
      'worker',
      '--loglevel=info',
      '--hostname=edx.lms.core.default.%h',
      '--queues=edx.lms.core.default,edx.lms.core.high',
      '--max-tasks-per-child=100',
      '--prefetch-multiplier=1',
      '--without-gossip',
      '--without-mingle',
      '--concurrency=2',
    ]);
  });

  it('replace a stock flag of the same name instead of repeating it; default tuning stays off clones', () => {
    const args = argsOf(find(out, 'Deployment', 'lms-worker-high-mem'));
    expect(args.filter((a) => a.startsWith('--prefetch-multiplier'))).toEqual([
      '--prefetch-multiplier=4',
    ]);
    expect(args.slice(-3)).toEqual([
      '--pool=gevent',
      '--concurrency=100',
      '--prefetch-multiplier=4',
    ]);
    expect(args).not.toContain('--concurrency=2');
  });

  it('give a queue no stock worker consumed (ORA workflow) a consumer', () => {
    expect(argsOf(find(out, 'Deployment', 'lms-worker-ora-workflow-update'))).toContain(
      '--queues=edx.lms.core.ora_workflow_update',
    );
  });
});
