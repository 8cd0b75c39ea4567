// Where a workload names a ConfigMap: the places Kustomize's name-reference fix-up rewrites when
// it renames a generated ConfigMap. A rename here must reach all of them, or a pod mounts a
// ConfigMap that no longer exists.
import { isMap, isScalar, isSeq } from 'yaml';
import { podSpecPath } from './k8s.js';
import { nodeAt, type Outline, scalarValue, UNREADABLE } from './outline.js';
import type { Doc } from './yaml.js';

type Path = (string | number)[];

export interface ConfigMapRef {
  name: string;
  /** Where in the document, for `doc.getIn`. */
  path: Path;
}

/** What the reference search reads of a resource: a parsed document, or its text's outline. */
export interface Tree {
  /** The length of the list at a path; undefined when there is none. */
  listLength(path: Path): number | undefined;
  isMap(path: Path): boolean;
  /** The string at a path; undefined when there is none. */
  string(path: Path): string | undefined;
}

export function docTree(doc: Doc): Tree {
  return {
    listLength: (path) => {
      const node = doc.getIn(path, true);
      return isSeq(node) ? node.items.length : undefined;
    },
    isMap: (path) => isMap(doc.getIn(path, true)),
    string: (path) => {
      const node = doc.getIn(path, true);
      return isScalar(node) && typeof node.value === 'string' ? node.value : undefined;
    },
  };
}

export function outlineTree(o: Outline): Tree {
  return {
    listLength: (path) => {
      const node = nodeAt(o, path);
      return node?.kind === 'seq' ? node.items.length : undefined;
    },
    isMap: (path) => nodeAt(o, path)?.kind === 'map',
    string: (path) => {
      const node = nodeAt(o, path);
      if (node?.kind !== 'scalar') return undefined;
      const value = scalarValue(o, node);
      return value === UNREADABLE ? undefined : value;
    },
  };
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** Every ConfigMap a workload's pod spec names: volumes (plain, projected), envFrom, env. */
export function configMapRefs(tree: Tree, kind: string): ConfigMapRef[] {
  const pod = podSpecPath(kind);
  if (!pod) return [];
  const refs: ConfigMapRef[] = [];
  const add = (path: Path) => {
    const name = tree.string(path);
    if (name !== undefined) refs.push({ name, path });
  };
  each(tree, [...pod, 'volumes'], (volume) => {
    add([...volume, 'configMap', 'name']);
    each(tree, [...volume, 'projected', 'sources'], (source) => {
      add([...source, 'configMap', 'name']);
    });
  });
  for (const list of CONTAINER_LISTS) {
    each(tree, [...pod, list], (container) => {
      each(tree, [...container, 'envFrom'], (envFrom) => add([...envFrom, 'configMapRef', 'name']));
      each(tree, [...container, 'env'], (env) =>
        add([...env, 'valueFrom', 'configMapKeyRef', 'name']),
      );
    });
  }
  return refs;
}

/** Renames every reference to ConfigMap `from`; returns how many it changed. */
export function renameConfigMapRefs(doc: Doc, kind: string, from: string, to: string): number {
  let n = 0;
  for (const ref of configMapRefs(docTree(doc), kind)) {
    if (ref.name !== from) continue;
    const node = doc.getIn(ref.path, true);
    // The scalar itself, so its quoting and comments stay.
    if (isScalar(node)) node.value = to;
    n++;
  }
  return n;
}

/** The pod template's metadata: where an annotation makes a workload roll its pods. */
export function podTemplateMetadataPath(kind: string): Path | undefined {
  if (kind === 'Pod') return undefined; // a bare Pod never rolls
  const pod = podSpecPath(kind);
  return pod ? [...pod.slice(0, -1), 'metadata'] : undefined;
}

function each(tree: Tree, path: Path, visit: (path: Path) => void): void {
  const length = tree.listLength(path) ?? 0;
  for (let i = 0; i < length; i++) {
    const entry = [...path, i];
    if (tree.isMap(entry)) visit(entry);
  }
}
