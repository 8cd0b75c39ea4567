// Task routing in the Django settings: the config's explicitQueues and acksLate written as one
// block at the end of production.py in the LMS and CMS settings ConfigMaps the workers mount,
// and a rollout of every pod that mounts a ConfigMap whose content changed.
import { isScalar } from 'yaml';
import { configMapHash, hashedName } from '../krm/hash.js';
import type { Item } from '../krm/item.js';
import { configMapRefs, podTemplateMetadataPath, renameConfigMapRefs } from '../krm/refs.js';
import type { Doc } from '../krm/yaml.js';
import { plainAt } from '../krm/yaml.js';
import { DEFAULT_VARIANT, GENERATED_BY, settingsHashAnnotation } from '../names.js';
import type { Family, InstancePlan } from '../plan.js';
import { findSettings, PRODUCTION_KEY, type SettingsMount } from '../tutor/settings.js';
import { settingsBlock, withBlock } from './block.js';
import { configRoutes, lintRoutes } from './routes.js';

/** Kustomize marks the ConfigMaps its generators made, until it adds their hash suffix. */
export const NEEDS_HASH_SUFFIX = 'internal.config.kubernetes.io/needsHashSuffix';

const FIELD = `data[${JSON.stringify(PRODUCTION_KEY)}]`;

export const settings: Family = (plan) => {
  const mounts = findSettings(plan.instance, (kind, ns, name) => plan.edit.find(kind, ns, name));
  for (const mount of mounts) writeSettings(plan, mount);
  // After an error nothing is written, so there is no "after the transform" to check.
  if (!plan.results.hasErrors) lintRoutes(plan);
};

function writeSettings(plan: InstancePlan, mount: SettingsMount): void {
  const routes = configRoutes(plan, mount.service);
  // Without routes to write, only CELERY_ACKS_LATE is at stake: worth a warning, not a failure.
  const problem = (message: string, where: { item: Item; field?: string }) => {
    const what = `${mount.service.toUpperCase()} settings (${routes.length > 0 ? 'spec.explicitQueues and ' : ''}CELERY_ACKS_LATE) not written`;
    if (routes.length > 0) plan.results.error(`${message}: ${what}`, where);
    else plan.results.warning(`${message}: ${what}`, where);
  };
  const item = mount.item;
  if (!item) {
    const worker = mount.mountedBy[0]?.item as Item;
    problem(
      `it mounts ConfigMap ${mount.name} as the ${mount.service.toUpperCase()} settings, and the input lacks it`,
      { item: worker, field: 'spec.template.spec.volumes' },
    );
    return;
  }
  if (item.isLocalConfig) {
    problem('the settings ConfigMap is marked local-config, which the function never changes', {
      item,
    });
    return;
  }
  const data = plainAt(item.doc, ['data']);
  const text = plainAt(item.doc, ['data', PRODUCTION_KEY]);
  if (typeof text !== 'string') {
    problem(`no ${FIELD}`, { item, field: FIELD });
    return;
  }
  const edited = withBlock(text, settingsBlock(routes, plan.spec.acksLate));
  if ('error' in edited) {
    plan.results.error(edited.error, { item, field: FIELD });
    return;
  }
  const changed = edited.text !== text;
  if (changed) setText(plan.edit.modify(item), edited.text);
  const newData = { ...(data as Record<string, unknown>), [PRODUCTION_KEY]: edited.text };
  const content = { data: newData, binaryData: plainAt(item.doc, ['binaryData']) };

  // Inside a kustomization, Kustomize hashes the new content and fixes the references itself.
  if (item.annotation(NEEDS_HASH_SUFFIX) === 'enabled') return;
  const hashed = hashedName(item.name, { data, binaryData: content.binaryData });
  if (hashed) {
    if (changed) rename(plan, mount, item, `${hashed.base}-${configMapHash(content, hashed.go)}`);
    return;
  }
  annotateMounters(plan, mount, item, configMapHash(content), changed);
}

function setText(doc: Doc, text: string): void {
  const node = doc.getIn(['data', PRODUCTION_KEY], true);
  // The scalar itself: its quoting style stays what the input used.
  if (isScalar(node)) node.value = text;
  else doc.setIn(['data', PRODUCTION_KEY], text);
}

/** The workloads of the instance that name a ConfigMap, as they will be written. */
function mounters(plan: InstancePlan, name: string): { doc: Doc; kind: string; label: string }[] {
  const out: { doc: Doc; kind: string; label: string }[] = [];
  const seen = new Set<Doc>();
  for (const item of plan.edit.items) {
    // What an earlier run wrote is in the plan again (below) or about to be removed.
    if (item.namespace !== plan.instance.namespace || !item.mentions(name)) continue;
    if (item.isLocalConfig || item.annotation(GENERATED_BY) !== undefined) continue;
    if (!configMapRefs(item.doc, item.kind).some((r) => r.name === name)) continue;
    const doc = plan.edit.modify(item);
    seen.add(doc);
    out.push({ doc, kind: item.kind, label: item.label });
  }
  for (const worker of plan.workers) {
    if (worker.variant === DEFAULT_VARIANT || seen.has(worker.doc)) continue;
    if (!configMapRefs(worker.doc, 'Deployment').some((r) => r.name === name)) continue;
    seen.add(worker.doc);
    const ns = plan.instance.namespace;
    out.push({
      doc: worker.doc,
      kind: 'Deployment',
      label: `Deployment ${ns ? `${ns}/` : ''}${worker.name}`,
    });
  }
  return out;
}

/** A rendered stream: the name gets the hash of the new content, and every reference follows. */
function rename(plan: InstancePlan, mount: SettingsMount, item: Item, to: string): void {
  const clash = plan.edit.find('ConfigMap', item.namespace, to);
  if (clash && clash !== item) {
    plan.results.error(
      `its new content hashes to the name ${to}, which another ConfigMap in the input already has`,
      { item, field: 'metadata.name' },
    );
    return;
  }
  const from = item.name;
  const doc = plan.edit.modify(item);
  const nameNode = doc.getIn(['metadata', 'name'], true);
  if (isScalar(nameNode)) nameNode.value = to;
  else doc.setIn(['metadata', 'name'], to);
  const renamed: string[] = [];
  for (const w of mounters(plan, from)) {
    if (renameConfigMapRefs(w.doc, w.kind, from, to) > 0) renamed.push(w.label);
  }
  plan.results.info(
    `${mount.service.toUpperCase()} settings changed: renamed to ${to} (Kustomize's hash of the new content), with the references in ${renamed.join(', ') || 'no workload'}, so their pods roll`,
    { item, field: 'metadata.name' },
  );
}

/**
 * A name without a content hash (written by hand, `disableNameSuffixHash`, or changed since
 * Kustomize named it): renaming it would break whatever else refers to that name, so it keeps
 * its name, and the pod templates that mount it carry the hash of its content instead.
 */
function annotateMounters(
  plan: InstancePlan,
  mount: SettingsMount,
  item: Item,
  hash: string,
  changed: boolean,
): void {
  const key = settingsHashAnnotation(mount.service);
  const annotated: string[] = [];
  for (const w of mounters(plan, item.name)) {
    const meta = podTemplateMetadataPath(w.kind);
    if (!meta) continue;
    const path = [...meta, 'annotations', key];
    const current = w.doc.getIn(path);
    // Unchanged settings roll nothing, unless an earlier run's annotation must stay current.
    if (!changed && current === undefined) continue;
    if (current !== hash) w.doc.setIn(path, hash);
    annotated.push(w.label);
  }
  if (changed && plainAt(item.doc, ['immutable']) === true) {
    plan.results.warning(
      'the ConfigMap is immutable and keeps its name, so the API server will refuse its new data: delete it before applying, or let Kustomize give it a hashed name',
      { item, field: 'immutable' },
    );
  }
  if (changed) {
    plan.results.info(
      `${mount.service.toUpperCase()} settings changed; the name ${item.name} does not end in Kustomize's hash of the content, so it stays, and the pod templates of ${annotated.join(', ') || 'no workload'} carry ${key}: ${hash}, so their pods roll`,
      { item, field: FIELD },
    );
  }
}
