// Where a workload names a ConfigMap: the places Kustomize's name-reference fix-up rewrites when
// it renames a generated ConfigMap. A rename here must reach all of them, or a pod mounts a
// ConfigMap that no longer exists.
import { isCollection, isMap, isScalar, isSeq } from 'yaml';
import { podSpecPath } from './k8s.js';
import { type Outline, type OutlineNode, scalarValue, UNREADABLE } from './text/outline.js';
import type { Doc } from './yaml.js';

type Path = (string | number)[];

export interface ConfigMapRef {
  name: string;
  /** Where in the document, for `doc.getIn`. */
  path: Path;
}

/**
 * What the reference search reads of a resource: a parsed document, or its text's outline. It
 * goes from node to node, so that each entry of a list is found once, not again from the root
 * for every path under it.
 */
export interface Tree {
  root: unknown;
  /** A mapping's value at a key, or a list's entry at an index; undefined when there is none. */
  child(node: unknown, key: string | number): unknown;
  /** The length of a list; undefined when the node is none. */
  listLength(node: unknown): number | undefined;
  isMap(node: unknown): boolean;
  /** The string a node holds; undefined when it holds none. */
  string(node: unknown): string | undefined;
}

export function docTree(doc: Doc): Tree {
  return {
    root: doc.contents,
    // As doc.getIn goes, one step at a time.
    child: (node, key) => (isCollection(node) ? node.get(key, true) : undefined),
    listLength: (node) => (isSeq(node) ? node.items.length : undefined),
    isMap: (node) => isMap(node),
    string: (node) => (isScalar(node) && typeof node.value === 'string' ? node.value : undefined),
  };
}

export function outlineTree(o: Outline): Tree {
  return {
    root: o.root,
    child: (node, key) => {
      const n = node as OutlineNode | undefined;
      if (n?.kind === 'map') return n.values[n.keys.indexOf(String(key))];
      if (n?.kind === 'seq') return n.items[Number(key)];
      return undefined;
    },
    listLength: (node) => {
      const n = node as OutlineNode | undefined;
      return n?.kind === 'seq' ? n.items.length : undefined;
    },
    isMap: (node) => (node as OutlineNode | undefined)?.kind === 'map',
    string: (node) => {
      const n = node as OutlineNode | undefined;
      if (n?.kind !== 'scalar') return undefined;
      const value = scalarValue(o, n);
      return value === UNREADABLE ? undefined : value;
    },
  };
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** Every ConfigMap a workload's pod spec names: volumes (plain, projected), envFrom, env. */
export function configMapRefs(tree: Tree, kind: string): ConfigMapRef[] {
  const podPath = podSpecPath(kind);
  if (!podPath) return [];
  const pod = at(tree, tree.root, podPath);
  const refs: ConfigMapRef[] = [];
  const add = (parent: unknown, path: Path, keys: string[]) => {
    const node = at(tree, parent, keys);
    const name = node === undefined ? undefined : tree.string(node);
    if (name !== undefined) refs.push({ name, path: [...path, ...keys] });
  };
  each(tree, pod, podPath, ['volumes'], (volume, path) => {
    add(volume, path, ['configMap', 'name']);
    each(tree, volume, path, ['projected', 'sources'], (source, at) => {
      add(source, at, ['configMap', 'name']);
    });
  });
  for (const list of CONTAINER_LISTS) {
    each(tree, pod, podPath, [list], (container, path) => {
      each(tree, container, path, ['envFrom'], (envFrom, at) =>
        add(envFrom, at, ['configMapRef', 'name']),
      );
      each(tree, container, path, ['env'], (env, at) =>
        add(env, at, ['valueFrom', 'configMapKeyRef', 'name']),
      );
    });
  }
  return refs;
}

/** The pod template's metadata: where an annotation makes a workload roll its pods. */
export function podTemplateMetadataPath(kind: string): Path | undefined {
  if (kind === 'Pod') return undefined; // a bare Pod never rolls
  const pod = podSpecPath(kind);
  return pod ? [...pod.slice(0, -1), 'metadata'] : undefined;
}

/** The node at `keys` under `node`; undefined when there is none. */
function at(tree: Tree, node: unknown, keys: readonly (string | number)[]): unknown {
  let n = node;
  for (const key of keys) {
    if (n === undefined) return undefined;
    n = tree.child(n, key);
  }
  return n;
}

/** Each mapping in the list at `keys` under `node` (at `path`), with its path. */
function each(
  tree: Tree,
  node: unknown,
  path: Path,
  keys: string[],
  visit: (entry: unknown, path: Path) => void,
): void {
  const list = at(tree, node, keys);
  const length = list === undefined ? 0 : (tree.listLength(list) ?? 0);
  for (let i = 0; i < length; i++) {
    const entry = tree.child(list, i);
    if (entry !== undefined && tree.isMap(entry)) visit(entry, [...path, ...keys, i]);
  }
}
