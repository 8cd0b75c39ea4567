// A resource's content, read and changed by path, whether it is a yaml Document (read from text
// whose comments and styles must stay) or plain data (printed by src/krm/print.ts). A worker
// cloned from a stock worker in yaml's own layout is plain data; the families that read or
// change a worker after it is written go through this, and need not know which it is.
import { isMap, isScalar, type YAMLMap } from 'yaml';
import { isObject } from './json.js';
import type { PlainResource } from './print.js';
import { docTree, type Tree } from './refs.js';
import { type Doc, plainAt, setStringList } from './yaml.js';

type Path = readonly (string | number)[];

export interface Body {
  /** The plain value at `path`, to read only (it may be the body's own); undefined when none. */
  get(path: Path): unknown;
  /** Sets the value at `path`; a scalar there keeps its style and comments. */
  set(path: Path, value: unknown): void;
  /** Puts a new value at `path`: nothing of the old one (comments, style) stays. */
  replace(path: Path, value: unknown): void;
  /**
   * Puts a new key into the mapping at `path`, first or before `before` (last when that is
   * absent); a key there already is `set`.
   */
  insert(path: Path, key: string, value: unknown, where: 'first' | { before: string }): void;
  delete(path: Path): void;
  /** Sets a list of strings; entries that stay the same keep their style and comments. */
  setStrings(path: Path, values: string[]): void;
  /** For the reference search (src/krm/refs.ts). */
  tree(): Tree;
}

export function docBody(doc: Doc): Body {
  const setRaw = (path: Path, value: unknown) =>
    doc.setIn(path, isObject(value) || Array.isArray(value) ? doc.createNode(value) : value);
  return {
    get: (path) => plainAt(doc, path),
    set: setRaw,
    replace: (path, value) => doc.setIn(path, doc.createNode(value)),
    insert(path, key, value, where) {
      const map = doc.getIn(path, true);
      if (!isMap(map) || (map as YAMLMap).has(key)) {
        setRaw([...path, key], value);
        return;
      }
      const items = (map as YAMLMap).items;
      const at =
        where === 'first'
          ? 0
          : items.findIndex((pair) => isScalar(pair.key) && pair.key.value === where.before);
      const pair = doc.createPair(key, value);
      if (at < 0) items.push(pair);
      else items.splice(at, 0, pair);
    },
    delete: (path) => doc.deleteIn(path),
    setStrings: (path, values) => setStringList(doc, path, values),
    tree: () => docTree(doc),
  };
}

/**
 * Plain data changed in place, as the Document calls above change a document: a new key goes
 * last (or where `insert` puts it), a key there keeps its place. The caller keeps keys that read
 * as array indexes out (a plain object puts those first).
 *
 * `borrowed`: only `value` itself is the caller's (a shallow copy); every map and list in it
 * belongs to another value, read and never changed here: each one on the way to a change is
 * copied first, and takes the copy's place. (A stock worker's clone changes a few of its fields
 * and is copied whole when written: no copy of the rest made before that one.)
 */
export function plainBody(value: PlainResource, borrowed = false): Body {
  const own = borrowed ? new Set<object>([value]) : undefined;
  /** `container[key]`, made the value's own first when it is borrowed. */
  const child = (container: Record<string | number, unknown>, key: string | number): unknown => {
    const next = container[key];
    if (!own || typeof next !== 'object' || next === null || own.has(next)) return next;
    const copy = Array.isArray(next) ? [...next] : { ...next };
    own.add(copy);
    container[key] = copy;
    return copy;
  };
  const parentOf = (path: Path, make: boolean): Record<string | number, unknown> | undefined => {
    let node: unknown = value;
    for (const part of path.slice(0, -1)) {
      const container = node as Record<string | number, unknown>;
      let next = child(container, part);
      if (next === undefined && make) {
        const made = {};
        own?.add(made);
        container[part] = made;
        next = made;
      }
      // As yaml's setIn and deleteIn refuse to go on through a scalar.
      if (typeof next !== 'object' || next === null) {
        if (next === undefined) return undefined;
        throw new Error(`Expected YAML collection at ${part}`);
      }
      node = next;
    }
    return node as Record<string | number, unknown>;
  };
  const set = (path: Path, v: unknown) => {
    const parent = parentOf(path, true);
    if (parent) parent[path[path.length - 1] as string | number] = v;
  };
  return {
    get(path) {
      let node: unknown = value;
      for (const part of path) {
        if (typeof node !== 'object' || node === null) return undefined;
        node = (node as Record<string | number, unknown>)[part];
      }
      return node;
    },
    set,
    replace: set,
    insert(path, key, v, where) {
      const found = this.get(path);
      if (!isObject(found) || Object.hasOwn(found, key)) {
        set([...path, key], v);
        return;
      }
      // (The map itself, made the value's own: the parent of a key in it.)
      const map = parentOf([...path, key], false) as Record<string, unknown>;
      const entries = Object.entries(map);
      const at = where === 'first' ? 0 : entries.findIndex(([k]) => k === where.before);
      entries.splice(at < 0 ? entries.length : at, 0, [key, v]);
      for (const k of Object.keys(map)) delete map[k];
      Object.assign(map, Object.fromEntries(entries));
    },
    delete(path) {
      const parent = parentOf(path, false);
      const last = path[path.length - 1] as string | number;
      if (Array.isArray(parent)) parent.splice(Number(last), 1);
      else if (parent) delete parent[last];
    },
    setStrings: (path, values) => set(path, [...values]),
    tree: () => plainTree(value),
  };
}

/** Takes the annotations `drop` names out, and the annotations when none is left. */
export function dropAnnotations(body: Body, drop: (key: string) => boolean): void {
  const annotations = body.get(['metadata', 'annotations']);
  if (!isObject(annotations)) return;
  const keys = Object.keys(annotations);
  const dropped = keys.filter(drop);
  if (dropped.length === keys.length) body.delete(['metadata', 'annotations']);
  else for (const key of dropped) body.delete(['metadata', 'annotations', key]);
}

/** Plain data for the reference search. */
export function plainTree(value: unknown): Tree {
  return {
    root: value,
    child: (node, key) =>
      typeof node === 'object' && node !== null
        ? (node as Record<string | number, unknown>)[key]
        : undefined,
    listLength: (node) => (Array.isArray(node) ? node.length : undefined),
    isMap: (node) => isObject(node),
    string: (node) => (typeof node === 'string' ? node : undefined),
  };
}
