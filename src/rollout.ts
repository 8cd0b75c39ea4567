// A changed ConfigMap must roll the pods that mount it. Inside a kustomization Kustomize sees to
// that (it hashes generated ConfigMaps after the transformers ran, and fixes the references). In
// a rendered stream the name ends in Kustomize's hash of the old content: the ConfigMap takes the
// hash of its new content, and every reference in every workload follows. A name that carries
// no content hash stays, and the pod templates that mount it carry the hash instead.

import { type Body, docBody } from './krm/body.js';
import { configMapHash, hashedName } from './krm/hash.js';
import { type ConfigMapRef, configMapRefs, podTemplateMetadataPath } from './krm/refs.js';
import type { Resource, Resources } from './krm/resources.js';
import { plural } from './krm/results.js';
import { deepEqual } from './krm/yaml.js';
import { GENERATED_BY } from './names.js';
import type { InstanceView } from './plan.js';

/** Kustomize marks the ConfigMaps its generators made, until it adds their hash suffix. */
export const NEEDS_HASH_SUFFIX = 'internal.config.kubernetes.io/needsHashSuffix';

export interface Rollout {
  /** What the ConfigMap holds, for messages: `LMS settings`, `the Caddyfile`. */
  what: string;
  /** The field that changed, for messages: `data["production.py"]`. */
  field: string;
  /** The pod-template annotation that carries the content hash when the name cannot. */
  hashAnnotation: string;
}

/**
 * Rolls the pods that mount a ConfigMap of the instance whose data the caller changed through
 * `view.resources` (or did not: then only an earlier run's hash annotation is kept current). Safe to
 * call more than once for one ConfigMap.
 */
export function rollOut(view: InstanceView, item: Resource, rollout: Rollout): void {
  // Read off the ConfigMap as it came, as its data was just read: a look-up in what that read
  // made, not a scan of its annotations.
  if (view.resources.original(item, ['metadata', 'annotations', NEEDS_HASH_SUFFIX]) === 'enabled')
    return;
  const before = contentOf(view.resources, item);
  const after = contentOf(view.resources, item, true);
  const changed = !deepEqual(before, after);
  const hashed = hashedName(item.name, before);
  if (hashed) {
    if (changed) rename(view, item, `${hashed.base}-${configMapHash(after, hashed.go)}`, rollout);
    return;
  }
  annotateMounters(view, item, configMapHash(after), changed, rollout);
}

/** A ConfigMap's content as it came in, or (`now`) as it stands. */
function contentOf(
  resources: Resources,
  item: Resource,
  now = false,
): { data: unknown; binaryData: unknown } {
  const at = (path: string[]) =>
    now ? resources.read(item, path) : resources.original(item, path);
  return { data: at(['data']), binaryData: at(['binaryData']) };
}

interface Mounter {
  /** An input workload, edited through `view.resources` (as text when it can be). */
  item: Resource | undefined;
  /** Its references to the ConfigMap, as it stands. */
  refs: ConfigMapRef[];
  /** What follows too: a stock worker's pristine form, a new worker. */
  docs: Body[];
  kind: string;
  label: string;
}

/** The workloads of the instance that name a ConfigMap, as they will be written. */
function mounters(view: InstanceView, name: string): Mounter[] {
  const out: Mounter[] = [];
  const seen = new Set<Body>();
  const stockWorkers = new Map(Object.values(view.instance.workers).map((s) => [s.item, s]));
  for (const item of view.resources.inNamespace(view.instance.namespace)) {
    // What an earlier run wrote is in the plan again (below) or about to be removed.
    if (item.namespace !== view.instance.namespace || !view.resources.mentions(item, name))
      continue;
    if (item.isLocalConfig || item.annotation(GENERATED_BY) !== undefined) continue;
    const refs = configMapRefs(view.resources.tree(item), item.kind).filter((r) => r.name === name);
    if (refs.length === 0) continue;
    // A stock worker's record of what the function changed on it (STOCK_FIELDS) is taken
    // against its pristine form. A renamed ConfigMap is not such a change: Tutor would have
    // written the new name had it rendered the new content. So the pristine form follows too,
    // or the next run would put the old name back.
    const stock = stockWorkers.get(item);
    out.push({
      item,
      refs,
      docs: stock ? [docBody(stock.ownPristine())] : [],
      kind: item.kind,
      label: item.label,
    });
  }
  for (const worker of view.workers) {
    // A stock worker is an input item, found above.
    if (worker.kind === 'stock' || seen.has(worker.body)) continue;
    if (!configMapRefs(worker.body.tree(), 'Deployment').some((r) => r.name === name)) continue;
    seen.add(worker.body);
    const ns = view.instance.namespace;
    out.push({
      item: undefined,
      refs: [],
      docs: [worker.body],
      kind: 'Deployment',
      label: `Deployment ${ns ? `${ns}/` : ''}${worker.name}`,
    });
  }
  return out;
}

function rename(view: InstanceView, item: Resource, to: string, rollout: Rollout): void {
  // The name this run gave it so far (an earlier call may have renamed it already).
  const from = String(view.resources.read(item, ['metadata', 'name']));
  if (from === to) return;
  const clash = view.resources.find('ConfigMap', item.namespace, to);
  if (clash && clash !== item) {
    view.results.error(
      `its new content hashes to the name ${to}, which another ConfigMap in the input already has`,
      { item, field: 'metadata.name' },
    );
    return;
  }
  view.resources.setStrings(item, [{ path: ['metadata', 'name'], value: to }]);
  // Every mounter names the ConfigMap (mounters() keeps no other).
  const workloads = mounters(view, from);
  for (const w of workloads) {
    // Spliced into the workload's text when it can be (a hashed name is one scalar value).
    if (w.item)
      view.resources.setStrings(
        w.item,
        w.refs.map((r) => ({ path: r.path, value: to })),
      );
    for (const doc of w.docs) {
      // Set where it stands, so a scalar keeps its quoting and comments.
      for (const ref of configMapRefs(doc.tree(), w.kind))
        if (ref.name === from) doc.set(ref.path, to);
    }
  }
  const renamed = workloads.map((w) => w.label).join(', ') || 'no workload';
  view.results.info(
    `${rollout.what} changed: renamed to ${to} (Kustomize's hash of the new content), with the references in ${renamed}, so their pods roll`,
    {
      item,
      field: 'metadata.name',
      brief: `${rollout.what} changed: renamed to ${to}; ${plural(workloads.length, 'workload')} ${workloads.length === 1 ? 'follows, so its pods roll' : 'follow, so their pods roll'}`,
    },
  );
}

/**
 * A name without a content hash (written by hand, `disableNameSuffixHash`, or changed since
 * Kustomize named it): renaming it would break whatever else refers to that name, so it keeps
 * its name, and the pod templates that mount it carry the hash of its content instead.
 */
function annotateMounters(
  view: InstanceView,
  item: Resource,
  hash: string,
  changed: boolean,
  rollout: Rollout,
): void {
  const key = rollout.hashAnnotation;
  const annotated: string[] = [];
  for (const w of mounters(view, item.name)) {
    const meta = podTemplateMetadataPath(w.kind);
    if (!meta) continue;
    const path = [...meta, 'annotations', key];
    const current = w.item ? view.resources.read(w.item, path) : w.docs[0]?.get(path);
    // Unchanged content rolls nothing, unless an earlier run's annotation must stay current.
    if (!changed && current === undefined) continue;
    // (A stock worker narrowed as plain data is changed as that: see workers.ts.)
    const docs = w.item
      ? [view.resources.working(w.item) ?? docBody(view.resources.update(w.item)), ...w.docs]
      : w.docs;
    for (const doc of docs) if (doc.get(path) !== hash) doc.set(path, hash);
    annotated.push(w.label);
  }
  if (!changed) return;
  if (view.resources.read(item, ['immutable']) === true) {
    view.results.warning(
      'the ConfigMap is immutable and keeps its name, so the API server will refuse its new data: delete it before applying, or let Kustomize give it a hashed name',
      { item, field: 'immutable' },
    );
  }
  view.results.info(
    `${rollout.what} changed; the name ${item.name} does not end in Kustomize's hash of the content, so it stays, and the pod templates of ${annotated.join(', ') || 'no workload'} carry ${key}: ${hash}, so their pods roll`,
    {
      item,
      field: rollout.field,
      brief: `${rollout.what} changed; the pod templates of ${plural(annotated.length, 'workload')} carry ${key}, so their pods roll`,
    },
  );
}
