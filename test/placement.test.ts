// Where a new resource goes in a kpt package (Edit.create's placement): the anchor's file, after
// what the file holds; orchestrators without files get no file annotations at all.
import { describe, expect, it } from 'vitest';
import { Edit } from '../src/krm/edit.js';
import { Item } from '../src/krm/item.js';
import { Results } from '../src/krm/results.js';
import { parseYaml, toPlain } from '../src/krm/yaml.js';

function item(yaml: string, n: number): Item {
  return Item.lazy(yaml, 0, `items[${n}]`);
}

function deployment(name: string, annotations: Record<string, string>): string {
  const lines = Object.entries(annotations).map(([k, v]) => `    ${k}: '${v}'`);
  return `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  namespace: openedx\n${lines.length ? `  annotations:\n${lines.join('\n')}\n` : ''}spec: {}\n`;
}

const kpt = (path: string, index: number, seqindent = 'compact') => ({
  'config.kubernetes.io/index': String(index),
  'config.kubernetes.io/path': path,
  'internal.config.kubernetes.io/index': String(index),
  'internal.config.kubernetes.io/path': path,
  'internal.config.kubernetes.io/seqindent': seqindent,
});

/** Creates `names` after the input item `anchor`; returns the new items' annotations. */
function place(input: string[], anchor: number, names: string[]) {
  const items = input.map(item);
  const results = new Results();
  const edit = new Edit(items, results);
  for (const name of names) {
    edit.create(parseYaml(deployment(name, {})), items[anchor] as Item, 'lms-worker');
  }
  expect(results.list).toEqual([]);
  return Object.fromEntries(
    edit
      .output()
      .filter((i) => names.includes(i.name))
      .map((i) => {
        const plain = toPlain(i.doc) as { metadata: { annotations: Record<string, string> } };
        const { 'celery-queues.tutor-krm.dev/generated-by': _, ...rest } =
          plain.metadata.annotations;
        return [i.name, rest];
      }),
  );
}

describe('placement of new resources', () => {
  it('kpt: the anchor’s file, at the file’s next free index, in both spellings', () => {
    const input = [
      deployment('caddy', kpt('deployments.yaml', 0)),
      deployment('lms-worker', kpt('deployments.yaml', 1)),
      deployment('redis', kpt('deployments.yaml', 2)),
      deployment('lms-job', kpt('jobs.yaml', 7)),
    ];
    expect(place(input, 1, ['lms-worker-high', 'lms-worker-high-mem'])).toEqual({
      'lms-worker-high': kpt('deployments.yaml', 3),
      'lms-worker-high-mem': kpt('deployments.yaml', 4),
    });
  });

  it('kpt: the file’s sequence style goes along, so that the file reads alike', () => {
    const input = [deployment('lms-worker', kpt('k8s/deployments.yml', 0, 'wide'))];
    expect(place(input, 0, ['lms-worker-high'])['lms-worker-high']).toEqual(
      kpt('k8s/deployments.yml', 1, 'wide'),
    );
  });

  it('an orchestrator that spells only the legacy path gets only that', () => {
    const input = [
      deployment('lms-worker', {
        'config.kubernetes.io/path': 'all.yaml',
        'config.kubernetes.io/index': '4',
      }),
    ];
    expect(place(input, 0, ['lms-worker-high'])).toEqual({
      'lms-worker-high': {
        'config.kubernetes.io/path': 'all.yaml',
        'config.kubernetes.io/index': '5',
      },
    });
  });

  it('Kustomize (indexes, no files) and a pipe (nothing): no file annotations', () => {
    const kustomize = [
      deployment('lms-worker', {
        'config.kubernetes.io/index': '3',
        'internal.config.kubernetes.io/index': '3',
      }),
    ];
    expect(place(kustomize, 0, ['lms-worker-high'])).toEqual({ 'lms-worker-high': {} });
    expect(place([deployment('lms-worker', {})], 0, ['lms-worker-high'])).toEqual({
      'lms-worker-high': {},
    });
  });

  it('a resource an earlier run wrote keeps its own place (a user may have moved it)', () => {
    const input = [
      deployment('lms-worker', kpt('deployments.yaml', 0)),
      deployment('lms-worker-high', {
        ...kpt('workers/high.yaml', 0),
        'celery-queues.tutor-krm.dev/generated-by': 'lms-worker',
      }),
    ];
    expect(place(input, 0, ['lms-worker-high'])).toEqual({
      'lms-worker-high': kpt('workers/high.yaml', 0),
    });
  });
});
