// What a run changed (src/report/changes.ts): a ConfigMap renamed to the hash of its new
// content is a change of that ConfigMap, paired with the removed one of the same kind,
// namespace and base name, in every instance of a render; and the pairing by index gives what
// a search of the removed list in order gives.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HASH_SUFFIX } from '../src/krm/hash.js';
import { Item } from '../src/krm/item.js';
import { type Changes, changesOf } from '../src/report/changes.js';

function resource(kind: string, namespace: string, name: string): Item {
  return Item.lazy(
    `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n  namespace: ${namespace}\n`,
    0,
    'document',
  );
}

/** What a run changed, by names only. */
function names(changes: Changes) {
  const id = (c: { kind: string; namespace: string; name: string }) =>
    `${c.kind} ${c.namespace}/${c.name}`;
  return {
    added: changes.added.map(id),
    changed: changes.changed.map((c) =>
      c.renamedFrom === undefined ? id(c) : `${id(c)} (was ${c.renamedFrom})`,
    ),
    removed: changes.removed.map(id),
  };
}

// The pairing as a search of the removed list, in order, for each written resource.
function searched(input: readonly Item[], output: readonly Item[]): Changes {
  const key = (i: Item) => `${i.kind}\u0000${i.namespace}\u0000${i.name}`;
  const base = (name: string) => name.replace(HASH_SUFFIX, '');
  const written = output.filter((i) => !input.includes(i));
  const gone = input.filter((i) => !output.includes(i));
  const before = new Map(gone.map((i) => [key(i), i]));
  const removed = gone.filter((i) => !written.some((w) => key(w) === key(i)));
  const changes: Changes = { added: [], changed: [], removed: [] };
  for (const item of written) {
    const old = before.get(key(item));
    const id = { kind: item.kind, namespace: item.namespace, name: item.name };
    if (old !== undefined) {
      changes.changed.push({ ...id, before: old, after: item });
      continue;
    }
    const renamed =
      base(item.name) === item.name
        ? undefined
        : removed.find(
            (r) =>
              r.kind === item.kind &&
              r.namespace === item.namespace &&
              base(r.name) !== r.name &&
              base(r.name) === base(item.name),
          );
    if (renamed) {
      removed.splice(removed.indexOf(renamed), 1);
      changes.changed.push({ ...id, renamedFrom: renamed.name, before: renamed, after: item });
    } else changes.added.push({ ...id, after: item });
  }
  changes.removed = removed.map((i) => ({
    kind: i.kind,
    namespace: i.namespace,
    name: i.name,
    before: i,
  }));
  return changes;
}

describe('changesOf', () => {
  it('pairs each instance’s renamed settings ConfigMaps with its own removed ones', () => {
    const input: Item[] = [];
    const output: Item[] = [];
    for (const ns of ['site-a', 'site-b', 'site-c']) {
      const lms = resource('ConfigMap', ns, 'openedx-settings-lms-2g6bf7mt5c');
      const cms = resource('ConfigMap', ns, 'openedx-settings-cms-8kb4m9gt2d');
      const worker = resource('Deployment', ns, 'lms-worker');
      input.push(lms, cms, worker);
      output.push(
        resource('ConfigMap', ns, 'openedx-settings-lms-7h9tfd6cbk'),
        resource('ConfigMap', ns, 'openedx-settings-cms-5fk8cg7t9b'),
        resource('Deployment', ns, 'lms-worker'),
        resource('Deployment', ns, 'lms-worker-high'),
        // A hashed name whose base no removed ConfigMap has: added.
        resource('ConfigMap', ns, 'celery-queues-dashboard-4g5t8h2k9m'),
      );
    }
    // A ConfigMap of the same base in a namespace that did not rename it: removed.
    input.push(resource('ConfigMap', 'site-d', 'openedx-settings-lms-2g6bf7mt5c'));
    const changes = changesOf(input, output);
    expect(names(changes)).toEqual({
      added: ['site-a', 'site-b', 'site-c'].flatMap((ns) => [
        `Deployment ${ns}/lms-worker-high`,
        `ConfigMap ${ns}/celery-queues-dashboard-4g5t8h2k9m`,
      ]),
      changed: ['site-a', 'site-b', 'site-c'].flatMap((ns) => [
        `ConfigMap ${ns}/openedx-settings-lms-7h9tfd6cbk (was openedx-settings-lms-2g6bf7mt5c)`,
        `ConfigMap ${ns}/openedx-settings-cms-5fk8cg7t9b (was openedx-settings-cms-8kb4m9gt2d)`,
        `Deployment ${ns}/lms-worker`,
      ]),
      removed: ['ConfigMap site-d/openedx-settings-lms-2g6bf7mt5c'],
    });
    const [pair] = changes.changed;
    expect(pair?.before).toBe(input[0]);
    expect(pair?.after).toBe(output[0]);
    expect(changes).toEqual(searched(input, output));
  });

  it('pairs two renames of one base in order, each removed ConfigMap once', () => {
    const input = [
      resource('ConfigMap', 'ns', 'a-2g6bf7mt5c'),
      resource('ConfigMap', 'ns', 'a-8kb4m9gt2d'),
      resource('Secret', 'ns', 'a-5fk8cg7t9b'),
    ];
    const output = [
      resource('ConfigMap', 'ns', 'a-7h9tfd6cbk'),
      resource('ConfigMap', 'ns', 'a-4g5t8h2k9m'),
      resource('ConfigMap', 'ns', 'a-9b2c4d5f6g'),
    ];
    expect(names(changesOf(input, output))).toEqual({
      added: ['ConfigMap ns/a-9b2c4d5f6g'],
      changed: [
        'ConfigMap ns/a-7h9tfd6cbk (was a-2g6bf7mt5c)',
        'ConfigMap ns/a-4g5t8h2k9m (was a-8kb4m9gt2d)',
      ],
      removed: ['Secret ns/a-5fk8cg7t9b'],
    });
  });

  it('gives what a search of the removed list in order gives', () => {
    const hashes = ['2g6bf7mt5c', '8kb4m9gt2d', '7h9tfd6cbk'];
    const arbId = fc.record({
      kind: fc.constantFrom('ConfigMap', 'Secret'),
      namespace: fc.constantFrom('', 'a', 'b'),
      base: fc.constantFrom('s', 's-lms', 'x'),
      hash: fc.option(fc.constantFrom(...hashes), { nil: undefined }),
    });
    const made = (id: { kind: string; namespace: string; base: string; hash?: string }) =>
      resource(id.kind, id.namespace || 'default', id.hash ? `${id.base}-${id.hash}` : id.base);
    fc.assert(
      fc.property(
        fc.array(arbId, { maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.array(arbId, { maxLength: 12 }),
        (inputIds, keptAt, writtenIds) => {
          const input = inputIds.map(made);
          const kept = keptAt.flatMap((n) => (input.length > 0 ? [input[n % input.length]] : []));
          const output = [...new Set([...kept, ...writtenIds.map(made)])] as Item[];
          expect(names(changesOf(input, output))).toEqual(names(searched(input, output)));
          expect(changesOf(input, output)).toEqual(searched(input, output));
        },
      ),
      { numRuns: 300 },
    );
  });
});
