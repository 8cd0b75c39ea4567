// Edit reads a resource edited as text off the input's outline with the spliced values in it,
// and splices the next scalars into the input's text (src/krm/edit.ts): several ConfigMaps of
// one namespace renamed, their data changed, and every kind of reference to them followed. After
// each step what the Edit reads (values, references) must be what the edited text reads, and the
// text the same bytes as splicing one edit after the other into the text as it stood.
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { Edit } from '../src/krm/edit.js';
import { readStream } from '../src/krm/io.js';
import type { Item } from '../src/krm/item.js';
import { configMapRefs, docTree, outlineTree, type Tree } from '../src/krm/refs.js';
import { Results } from '../src/krm/results.js';
import { outline, type Path, type ScalarEdit, spliceScalars } from '../src/krm/text/outline.js';

const configMap = (name: string, data: Record<string, string>) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns' },
  data,
});

// Long enough for yaml to fold the double-quoted value over several lines.
const python = (n: number) =>
  `# -*- coding: utf-8 -*-\n${Array.from({ length: 40 }, (_, i) => `SETTING_${n}_${i} = "${'x'.repeat(i)}"\n`).join('')}`;

const INPUT = [
  configMap('a-5b87f2c2k4', { 'production.py': python(1), 'test.py': 'T = 1\n' }),
  configMap('b-b8tm5dd5k6', { 'production.py': python(2) }),
  configMap('c-9h6bh5g799', { key: 'value' }),
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'all-kinds', namespace: 'ns' },
    spec: {
      template: {
        spec: {
          initContainers: [
            {
              name: 'init',
              env: [
                { name: 'A', valueFrom: { configMapKeyRef: { name: 'a-5b87f2c2k4', key: 'k' } } },
                { name: 'C', valueFrom: { configMapKeyRef: { name: 'c-9h6bh5g799', key: 'k' } } },
              ],
            },
          ],
          containers: [
            { name: 'main', envFrom: [{ configMapRef: { name: 'b-b8tm5dd5k6' } }] },
            { name: 'side', envFrom: [{ configMapRef: { name: 'a-5b87f2c2k4' } }] },
          ],
          volumes: [
            { name: 'va', configMap: { name: 'a-5b87f2c2k4' } },
            { name: 'vb', configMap: { name: 'b-b8tm5dd5k6' } },
            {
              name: 'p',
              projected: {
                sources: [
                  { configMap: { name: 'c-9h6bh5g799' } },
                  { secret: { name: 'a-5b87f2c2k4' } },
                  { configMap: { name: 'a-5b87f2c2k4' } },
                ],
              },
            },
          ],
        },
      },
    },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name: 'cron', namespace: 'ns' },
    spec: {
      jobTemplate: {
        spec: {
          template: {
            spec: {
              containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'b-b8tm5dd5k6' } }] }],
              volumes: [{ name: 'v', configMap: { name: 'c-9h6bh5g799' } }],
            },
          },
        },
      },
    },
  },
]
  // The ConfigMaps double-quoted and folded, as Kustomize prints Tutor's settings files.
  .map((r) =>
    r.kind === 'ConfigMap' ? stringify(r, { defaultStringType: 'QUOTE_DOUBLE' }) : stringify(r),
  )
  .join('---\n');

type Step =
  | { op: 'rename'; from: string; to: string }
  | { op: 'data'; configMap: string; key: string; value: string }
  | { op: 'modify'; workload: string };

const CASES: [string, Step[]][] = [
  [
    'each ConfigMap renamed once, data first (as the settings family does)',
    [
      { op: 'data', configMap: 'a-5b87f2c2k4', key: 'production.py', value: `${python(1)}X = 1\n` },
      { op: 'rename', from: 'a-5b87f2c2k4', to: 'a-new' },
      { op: 'data', configMap: 'b-b8tm5dd5k6', key: 'production.py', value: `${python(2)}Y = 2\n` },
      { op: 'rename', from: 'b-b8tm5dd5k6', to: 'b-new' },
      { op: 'rename', from: 'c-9h6bh5g799', to: 'c-new' },
    ],
  ],
  [
    'the same scalars spliced again: a ConfigMap renamed twice, its data changed twice',
    [
      { op: 'rename', from: 'a-5b87f2c2k4', to: 'a-one' },
      { op: 'data', configMap: 'a-one', key: 'production.py', value: 'changed\n' },
      { op: 'rename', from: 'b-b8tm5dd5k6', to: 'b-one' },
      { op: 'rename', from: 'a-one', to: 'a-two' },
      { op: 'data', configMap: 'a-two', key: 'production.py', value: `${python(1)}Z\n` },
      { op: 'rename', from: 'b-one', to: 'b-two' },
    ],
  ],
  [
    'a file edited twice, first to something else, then back to the input’s text and more',
    [
      { op: 'data', configMap: 'a-5b87f2c2k4', key: 'production.py', value: 'other\n' },
      { op: 'rename', from: 'a-5b87f2c2k4', to: 'a-new' },
      { op: 'data', configMap: 'a-new', key: 'production.py', value: `${python(1)}W\n` },
    ],
  ],
  [
    'renamed back to the input’s names',
    [
      { op: 'rename', from: 'a-5b87f2c2k4', to: 'a-new' },
      { op: 'rename', from: 'c-9h6bh5g799', to: 'c-new' },
      { op: 'rename', from: 'a-new', to: 'a-5b87f2c2k4' },
      { op: 'rename', from: 'c-new', to: 'c-9h6bh5g799' },
    ],
  ],
  [
    'a ConfigMap spliced again after its instance was settled (read from its own text since)',
    [
      { op: 'data', configMap: 'a-5b87f2c2k4', key: 'production.py', value: `${python(1)}X = 1\n` },
      { op: 'modify', workload: 'all-kinds' },
      { op: 'rename', from: 'a-5b87f2c2k4', to: 'a-new' },
      { op: 'data', configMap: 'a-new', key: 'test.py', value: 'T = 2\n' },
    ],
  ],
  [
    'a workload given a working copy between renames',
    [
      { op: 'rename', from: 'a-5b87f2c2k4', to: 'a-new' },
      { op: 'modify', workload: 'all-kinds' },
      { op: 'rename', from: 'b-b8tm5dd5k6', to: 'b-new' },
      { op: 'rename', from: 'c-9h6bh5g799', to: 'c-new' },
    ],
  ],
];

/** The reference search over what goes out: its text, or a working copy's document. */
function treeOf(written: Item): Tree {
  const o = written.raw !== undefined ? outline(written.source as string) : undefined;
  return o ? outlineTree(o) : docTree(written.doc);
}

const PATHS: Path[] = [
  [],
  ['data'],
  ['data', 'production.py'],
  ['data', 'test.py'],
  ['metadata'],
  ['metadata', 'name'],
  ['metadata', 'name', 'deeper'],
  ['spec', 'template', 'spec', 'volumes', 2, 'projected'],
  ['spec', 'template', 'spec', 'volumes', '0', 'configMap', 'name'],
];

describe('text edits of several ConfigMaps and the workloads that name them', () => {
  it.each(CASES)('%s', (_, steps) => {
    const { items } = readStream(INPUT);
    const edit = new Edit(items, new Results());
    // The reference: every edit spliced into the text as it stands, one after the other.
    const expected = new Map<Item, string>(items.map((item) => [item, item.source as string]));
    const splice = (item: Item, edits: ScalarEdit[]) => {
      edit.setStrings(item, edits);
      const o = outline(expected.get(item) as string);
      const text = o && spliceScalars(o, edits);
      if (text === undefined) throw new Error('the reference splice failed');
      expected.set(item, text);
    };
    const configMapNamed = (name: string) =>
      items.find((i) => i.kind === 'ConfigMap' && edit.plainAt(i, ['metadata', 'name']) === name);
    let modified = false;

    for (const step of steps) {
      if (step.op === 'modify') {
        const item = items.find((i) => i.name === step.workload) as Item;
        edit.modify(item).setIn(['metadata', 'labels', 'touched'], 'yes');
        // Printed as an edit of its text, which the next renames splice into.
        edit.settle();
        modified = true;
        continue;
      }
      const cm = configMapNamed(step.op === 'rename' ? step.from : step.configMap) as Item;
      if (step.op === 'data') {
        splice(cm, [{ path: ['data', step.key], value: step.value }]);
        continue;
      }
      splice(cm, [{ path: ['metadata', 'name'], value: step.to }]);
      for (const w of items.filter((i) => i.kind !== 'ConfigMap')) {
        const refs = configMapRefs(edit.tree(w), w.kind).filter((r) => r.name === step.from);
        if (refs.length > 0)
          splice(
            w,
            refs.map((r) => ({ path: r.path, value: step.to })),
          );
      }

      // What the Edit reads is what the edited text reads.
      const out = edit.output();
      for (const [i, item] of items.entries()) {
        const written = out[i] as Item;
        for (const path of PATHS) {
          expect([item.name, path, edit.plainAt(item, path)]).toEqual([
            item.name,
            path,
            written.plainAt(path),
          ]);
        }
        expect(configMapRefs(edit.tree(item), item.kind)).toEqual(
          configMapRefs(treeOf(written), item.kind),
        );
        // Its header too (kept from the text before when the edit left it alone).
        const header = (r: Item) => [r.apiVersion, r.kind, r.namespace, r.name];
        const read = ['apiVersion', 'kind', 'metadata.namespace', 'metadata.name'];
        expect(header(written)).toEqual(read.map((p) => written.plainAt(p.split('.'))));
      }
    }

    const out = edit.output();
    // The same bytes as one splice after the other (a working copy is printed by yaml instead).
    for (const [i, item] of items.entries()) {
      if (modified && item.name === 'all-kinds') {
        // The working copy's change stays under the renames spliced after it.
        expect(out[i]?.plainAt(['metadata', 'labels', 'touched'])).toBe('yes');
        continue;
      }
      expect([item.name, out[i]?.source]).toEqual([item.name, expected.get(item)]);
    }
    // Every reference names a ConfigMap there is, and each ConfigMap is named where it was.
    const names = new Map(
      items.map((item, i) => [item.name, out[i]?.plainAt(['metadata', 'name']) as string]),
    );
    for (const [i, item] of items.entries()) {
      if (item.kind === 'ConfigMap') continue;
      const before = configMapRefs(outlineTree(item.outline!), item.kind);
      const after = configMapRefs(treeOf(out[i] as Item), item.kind);
      expect(after).toEqual(before.map((r) => ({ path: r.path, name: names.get(r.name) })));
    }
  });
});
