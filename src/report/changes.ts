// What a run changed: the output's resources against the input's, by kind, namespace and name.
// A resource the function left alone goes out as the very item that came in, so "changed" is
// told without reading any resource; a ConfigMap renamed to the hash of its new content is a
// change of that ConfigMap, not one removed and one added.
import { HASH_SUFFIX } from '../krm/hash.js';
import type { Item } from '../krm/item.js';
import { plural, type Result } from '../krm/results.js';

export interface ResourceId {
  kind: string;
  namespace: string;
  name: string;
}

export interface Changed extends ResourceId {
  /** The name the input had, when the function renamed it. */
  renamedFrom?: string;
  before: Item;
  after: Item;
}

export interface Changes {
  added: (ResourceId & { after: Item })[];
  changed: Changed[];
  removed: (ResourceId & { before: Item })[];
}

/** Kind, namespace and name (or another name: a hashed name's base) as one key. */
function keyOf(item: Item, name = item.name): string {
  return `${item.kind}\u0000${item.namespace}\u0000${name}`;
}

export function changesOf(input: readonly Item[], output: readonly Item[]): Changes {
  // Only what is not the very item that came in is looked at, by kind, namespace and name.
  const kept = new Set(output);
  const inInput = new Set(input);
  const written = output.filter((item) => !inInput.has(item));
  const writtenKeys = written.map((item) => keyOf(item));
  const writtenKeySet = new Set(writtenKeys);
  const before = new Map<string, Item>();
  const removed: Item[] = [];
  for (const item of input) {
    if (kept.has(item)) continue;
    const key = keyOf(item);
    before.set(key, item);
    if (!writtenKeySet.has(key)) removed.push(item);
  }
  const renames = new Renames(removed);
  const changes: Changes = { added: [], changed: [], removed: [] };
  // (Each entry made whole at once: no object spread into another, for every written resource.)
  written.forEach((item, n) => {
    const { kind, namespace, name } = item;
    const old = before.get(writtenKeys[n] as string);
    const renamed = old === undefined ? renames.take(item) : undefined;
    if (old !== undefined)
      changes.changed.push({ kind, namespace, name, before: old, after: item });
    else if (renamed) {
      changes.changed.push({
        kind,
        namespace,
        name,
        renamedFrom: renamed.name,
        before: renamed,
        after: item,
      });
    } else changes.added.push({ kind, namespace, name, after: item });
  });
  changes.removed = removed
    .filter((item) => !renames.taken.has(item))
    .map((item) => ({ kind: item.kind, namespace: item.namespace, name: item.name, before: item }));
  return changes;
}

/**
 * The removed resources with Kustomize's content hash in their names, by kind, namespace and
 * the name's base: a written resource whose hashed name has the same base is the first of them
 * not yet paired. (Indexed: a render of many instances renames a ConfigMap or two in each.)
 */
class Renames {
  private readonly byBase = new Map<string, Item[]>();
  readonly taken = new Set<Item>();

  constructor(removed: readonly Item[]) {
    for (const old of removed) {
      const base = hashedBase(old.name);
      if (base === undefined) continue;
      const key = keyOf(old, base);
      const list = this.byBase.get(key);
      if (list) list.push(old);
      else this.byBase.set(key, [old]);
    }
  }

  /** The removed resource `item` was renamed from, if any; paired once only. */
  take(item: Item): Item | undefined {
    const base = hashedBase(item.name);
    if (base === undefined) return undefined;
    const list = this.byBase.get(keyOf(item, base));
    const old = list?.shift();
    if (old) this.taken.add(old);
    return old;
  }
}

/** A name without Kustomize's content hash; undefined when it has none. */
function hashedBase(name: string): string | undefined {
  const base = name.replace(HASH_SUFFIX, '');
  return base === name ? undefined : base;
}

/** `3 Deployments, 1 Service`, kinds in the order they first come. */
export function countByKind(ids: readonly ResourceId[]): string {
  const counts = new Map<string, number>();
  for (const id of ids) counts.set(id.kind, (counts.get(id.kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => plural(n, kind)).join(', ');
}

export interface Outcome {
  mode: 'resourceList' | 'stream';
  /** Warnings made errors by strict mode. */
  strict: boolean;
}

/**
 * The one line a run ends with on stderr: what it added, changed and removed, by kind, and how
 * many warnings; or that it failed, and what became of the output.
 */
export function summaryLine(
  changes: Changes,
  results: readonly Result[],
  outcome: Outcome,
): string {
  const errors = results.filter((r) => r.severity === 'error').length;
  const warnings = results.filter((r) => r.severity === 'warning').length;
  if (errors > 0) {
    const strictly = outcome.strict
      ? results.filter((r) => r.severity === 'error' && r.tags?.strict).length
      : 0;
    const what =
      strictly > 0
        ? `${plural(errors, 'error')} (${strictly} of them warnings, under strict mode)`
        : plural(errors, 'error');
    const output =
      outcome.mode === 'stream'
        ? 'nothing written'
        : 'the items go back unchanged, the errors in results';
    return `celery-queues: failed: ${what}${warnings > 0 ? `, ${plural(warnings, 'warning')}` : ''}; ${output}`;
  }
  const part = (verb: string, ids: readonly ResourceId[]) =>
    `${verb} ${ids.length === 0 ? 'nothing' : countByKind(ids)}`;
  return `celery-queues: ${[
    part('added', changes.added),
    part('changed', changes.changed),
    part('removed', changes.removed),
  ].join('; ')}; ${plural(warnings, 'warning')}`;
}
