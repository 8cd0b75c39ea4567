// A staged change to the item list. Nothing touches the input until `output()`: on error the
// transform returns the input as it came, and an item whose edit changes nothing goes out
// exactly as it came in.
import { isMap, type YAMLMap } from 'yaml';
import { GENERATED_BY } from '../names.js';
import { Item } from './item.js';
import type { Results } from './results.js';
import { cloneDoc, type Doc, deepEqual, toPlain } from './yaml.js';

type Key = string;

function keyOf(kind: string, namespace: string, name: string): Key {
  return `${kind}\u0000${namespace}\u0000${name}`;
}

// Annotations by which orchestrators track a resource (kpt's file and index, Kustomize's ids).
// A regenerated resource keeps its predecessor's; a clone must not inherit them.
export function isBookkeepingAnnotation(key: string): boolean {
  return (
    key === 'config.kubernetes.io/path' ||
    key === 'config.kubernetes.io/index' ||
    key === 'config.k8s.io/id' ||
    key.startsWith('internal.config.kubernetes.io/') ||
    key.startsWith('kustomize.config.k8s.io/')
  );
}

export class Edit {
  private readonly byKey = new Map<Key, Item>();
  private readonly working = new Map<Item, Doc>();
  private readonly after = new Map<Item, Item[]>();
  private readonly replaced = new Map<Item, Item>();
  private readonly removed = new Set<Item>();
  private readonly createdKeys = new Set<Key>();

  constructor(
    readonly items: readonly Item[],
    private readonly results: Results,
  ) {
    for (const item of items) {
      this.byKey.set(keyOf(item.kind, item.namespace, item.name), item);
    }
  }

  find(kind: string, namespace: string, name: string): Item | undefined {
    return this.byKey.get(keyOf(kind, namespace, name));
  }

  /** The working copy of an input item: edit it in place, with the yaml Document API. */
  modify(item: Item): Doc {
    if (item.isLocalConfig) throw new Error(`bug: ${item.label} is local-config`);
    let doc = this.working.get(item);
    if (!doc) {
      doc = cloneDoc(item.doc);
      this.working.set(item, doc);
    }
    return doc;
  }

  /** The current state of an item: its working copy if it has one. */
  current(item: Item): Doc {
    return this.working.get(item) ?? item.doc;
  }

  /**
   * Adds a resource the function writes, after `anchor` in the output. If the input already has
   * it from an earlier run, it replaces that one in place (and keeps its bookkeeping); if the
   * input has a resource of that name that the function did not write, that is an error.
   */
  create(doc: Doc, anchor: Item, generatedBy: string): boolean {
    doc.setIn(['metadata', 'annotations', GENERATED_BY], generatedBy);
    const kind = String(doc.get('kind'));
    const name = String(doc.getIn(['metadata', 'name']));
    const namespace = String(doc.getIn(['metadata', 'namespace']) ?? '');
    const key = keyOf(kind, namespace, name);
    const label = `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
    if (this.createdKeys.has(key)) {
      this.results.error(`${label} would be written twice (two settings derive the same name)`);
      return false;
    }
    this.createdKeys.add(key);
    const existing = this.byKey.get(key);
    if (existing) {
      if (existing.annotation(GENERATED_BY) === undefined) {
        this.results.error(
          `the input already has ${label}, which celery-queues did not write; it would be duplicated. Remove or rename it, or drop the setting that derives this name`,
          { item: existing },
        );
        return false;
      }
      copyBookkeeping(existing.doc, doc);
      this.replaced.set(existing, Item.created(doc));
      return true;
    }
    const list = this.after.get(anchor) ?? [];
    list.push(Item.created(doc));
    this.after.set(anchor, list);
    return true;
  }

  /** Was this input item written again in this run? */
  wasRecreated(item: Item): boolean {
    return this.replaced.has(item);
  }

  remove(item: Item): void {
    this.removed.add(item);
  }

  output(): Item[] {
    const out: Item[] = [];
    for (const item of this.items) {
      const replacement = this.replaced.get(item);
      if (replacement) out.push(sameResource(item, replacement.doc) ? item : replacement);
      else if (!this.removed.has(item)) {
        const doc = this.working.get(item);
        out.push(doc && !sameResource(item, doc) ? Item.created(doc) : item);
      }
      out.push(...(this.after.get(item) ?? []));
    }
    return out;
  }
}

function sameResource(item: Item, doc: Doc): boolean {
  return deepEqual(toPlain(item.doc), toPlain(doc));
}

function copyBookkeeping(from: Doc, to: Doc): void {
  const annotations = from.getIn(['metadata', 'annotations'], true);
  if (!isMap(annotations)) return;
  for (const pair of (annotations as YAMLMap).items) {
    const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
    if (isBookkeepingAnnotation(key)) {
      to.setIn(['metadata', 'annotations', key], from.getIn(['metadata', 'annotations', key]));
    }
  }
}
