// Where a workload names a ConfigMap: the places Kustomize's name-reference fix-up rewrites when
// it renames a generated ConfigMap. A rename here must reach all of them, or a pod mounts a
// ConfigMap that no longer exists.
import { isMap, isScalar, isSeq } from 'yaml';
import { podSpecPath } from './k8s.js';
import type { Doc } from './yaml.js';

type Path = (string | number)[];

export interface ConfigMapRef {
  name: string;
  /** Where in the document, for `doc.getIn`. */
  path: Path;
}

const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

/** Every ConfigMap a workload's pod spec names: volumes (plain, projected), envFrom, env. */
export function configMapRefs(doc: Doc, kind: string): ConfigMapRef[] {
  const pod = podSpecPath(kind);
  if (!pod) return [];
  const refs: ConfigMapRef[] = [];
  const add = (path: Path) => {
    const node = doc.getIn(path, true);
    if (isScalar(node) && typeof node.value === 'string') refs.push({ name: node.value, path });
  };
  each(doc, [...pod, 'volumes'], (volume) => {
    add([...volume, 'configMap', 'name']);
    each(doc, [...volume, 'projected', 'sources'], (source) => {
      add([...source, 'configMap', 'name']);
    });
  });
  for (const list of CONTAINER_LISTS) {
    each(doc, [...pod, list], (container) => {
      each(doc, [...container, 'envFrom'], (envFrom) => add([...envFrom, 'configMapRef', 'name']));
      each(doc, [...container, 'env'], (env) =>
        add([...env, 'valueFrom', 'configMapKeyRef', 'name']),
      );
    });
  }
  return refs;
}

/** Renames every reference to ConfigMap `from`; returns how many it changed. */
export function renameConfigMapRefs(doc: Doc, kind: string, from: string, to: string): number {
  let n = 0;
  for (const ref of configMapRefs(doc, kind)) {
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

function each(doc: Doc, path: Path, visit: (path: Path) => void): void {
  const node = doc.getIn(path, true);
  if (!isSeq(node)) return;
  node.items.forEach((item, i) => {
    if (isMap(item)) visit([...path, i]);
  });
}
