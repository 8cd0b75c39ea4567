// `celery-queues report`: what a run does, for a person (Markdown, a Mermaid picture) or a tool
// (JSON). A pure function of the run's input items, its output items and its results: the
// topology is read off the output (or, when the run is refused, the input that goes back), the
// changes off the difference between the two.

import { parseArgs } from '../celery/args.js';
import type { Item } from '../krm/item.js';
import { podTemplateMetadataPath } from '../krm/refs.js';
import type { Result } from '../krm/results.js';
import { deepEqual } from '../krm/yaml.js';
import { type Changes, changesOf, type ResourceId } from './changes.js';
import { type InstanceTopology, topologyOf } from './topology.js';

export interface ReportInput {
  input: readonly Item[];
  /** What the run writes: on error, the input items unchanged. */
  output: readonly Item[];
  results: readonly Result[];
  /** The function's version. */
  version: string;
  /** Warnings were errors (--strict, spec.strict). */
  strict: boolean;
}

export interface Rollout extends ResourceId {
  /** What changed in the pod template. */
  reasons: string[];
}

export interface Report {
  function: string;
  /** `written`: the run writes its output; `refused`: an error, nothing is written. */
  outcome: 'written' | 'refused';
  strict: boolean;
  errors: number;
  warnings: number;
  instances: InstanceTopology[];
  changes: {
    added: ResourceId[];
    changed: (ResourceId & { renamedFrom?: string })[];
    removed: ResourceId[];
  };
  /** The workloads whose pods are replaced when the output is applied, and why. */
  rollouts: Rollout[];
  /** Errors and warnings, as results carry them. */
  messages: { severity: 'error' | 'warning'; resource?: string; field?: string; message: string }[];
}

export function buildReport(input: ReportInput): Report {
  const errors = input.results.filter((r) => r.severity === 'error').length;
  // A refused run changes nothing (and its input may hold what cannot be read as a resource).
  const changes =
    errors > 0 ? { added: [], changed: [], removed: [] } : changesOf(input.input, input.output);
  return {
    function: `celery-queues ${input.version}`,
    outcome: errors > 0 ? 'refused' : 'written',
    strict: input.strict,
    errors,
    warnings: input.results.filter((r) => r.severity === 'warning').length,
    instances: topologyOf(input.output.filter(readable)),
    changes: {
      added: changes.added.map(id),
      changed: changes.changed.map((c) => ({
        ...id(c),
        ...(c.renamedFrom ? { renamedFrom: c.renamedFrom } : {}),
      })),
      removed: changes.removed.map(id),
    },
    rollouts: rolloutsOf(changes),
    messages: input.results.flatMap((r) =>
      r.severity === 'info'
        ? []
        : [
            {
              severity: r.severity,
              ...(r.resourceRef
                ? {
                    resource:
                      `${r.resourceRef.kind} ${r.resourceRef.namespace ? `${r.resourceRef.namespace}/` : ''}${r.resourceRef.name}`.trim(),
                  }
                : {}),
              ...(r.field ? { field: r.field.path } : {}),
              message: r.message,
            },
          ],
    ),
  };
}

/** An item whose kind, name and namespace can be read (a refused input may hold others). */
function readable(item: Item): boolean {
  try {
    return item.kind !== '' && typeof item.namespace === 'string';
  } catch {
    return false;
  }
}

function id(r: ResourceId): ResourceId {
  return { kind: r.kind, namespace: r.namespace, name: r.name };
}

type Plain = Record<string, unknown>;

function record(value: unknown): Plain {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Plain) : {};
}

/** The pod template of a workload kind, as a path (a CronJob's is its job template's). */
function templatePath(kind: string): string[] | undefined {
  const meta = podTemplateMetadataPath(kind);
  return meta ? meta.slice(0, -1).map(String) : undefined;
}

function rolloutsOf(changes: Changes): Rollout[] {
  const out: Rollout[] = [];
  for (const c of changes.changed) {
    const path = templatePath(c.kind);
    if (!path) continue;
    const before = record(c.before.plainAt(path));
    const after = record(c.after.plainAt(path));
    if (deepEqual(before, after)) continue;
    const reasons = templateChanges(before, after);
    if (c.kind === 'Job') {
      reasons.push(
        "a Job's pod template cannot change in place: apply without Jobs (--selector 'app.kubernetes.io/component notin (job,namespace)', as tutor k8s start does)",
      );
    }
    out.push({ ...id(c), reasons });
  }
  return out;
}

/** What differs between two pod templates, in a few words each. */
function templateChanges(before: Plain, after: Plain): string[] {
  const reasons: string[] = [];
  const meta = (t: Plain, key: string) => record(record(t.metadata)[key]);
  for (const key of ['labels', 'annotations']) {
    const a = meta(before, key);
    const b = meta(after, key);
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]);
    if (keys.length > 0) reasons.push(`pod ${key} ${keys.join(', ')}`);
  }
  const specA = record(before.spec);
  const specB = record(after.spec);
  // ConfigMaps renamed in the volumes: a new content hash.
  const volumes = (spec: Plain) =>
    new Map(
      (Array.isArray(spec.volumes) ? spec.volumes : []).map((v) => {
        const volume = record(v);
        return [String(volume.name), record(volume.configMap).name] as const;
      }),
    );
  const va = volumes(specA);
  const vb = volumes(specB);
  for (const [name, to] of vb) {
    const from = va.get(name);
    if (typeof from === 'string' && typeof to === 'string' && from !== to) {
      reasons.push(`ConfigMap ${from} is now ${to} (new content)`);
    }
  }
  const containers = (spec: Plain) =>
    new Map(
      (Array.isArray(spec.containers) ? spec.containers : []).map((c) => [
        String(record(c).name),
        record(c),
      ]),
    );
  const ca = containers(specA);
  const cb = containers(specB);
  for (const [name, b] of cb) {
    const a = ca.get(name);
    if (!a) {
      reasons.push(`container ${name} added`);
      continue;
    }
    for (const field of ['args', 'command']) {
      if (deepEqual(a[field], b[field])) continue;
      reasons.push(`${name}: ${argsChange(a[field], b[field])}`);
    }
    for (const [field, value] of Object.entries(b)) {
      if (['args', 'command', 'name'].includes(field) || deepEqual(a[field], value)) continue;
      reasons.push(`${name}: ${field}`);
    }
  }
  for (const key of new Set([...Object.keys(specA), ...Object.keys(specB)])) {
    if (['containers', 'volumes'].includes(key) || deepEqual(specA[key], specB[key])) continue;
    reasons.push(key);
  }
  if (
    !deepEqual(specA.volumes, specB.volumes) &&
    !reasons.some((r) => r.startsWith('ConfigMap '))
  ) {
    reasons.push('volumes');
  }
  return reasons;
}

/** A command line's change, flag by flag: `--queues=a,b,c → --queues=a`. */
function argsChange(before: unknown, after: unknown): string {
  const flags = (args: unknown) =>
    new Map(
      parseArgs(Array.isArray(args) ? args.map(String) : []).map((g, i) => [
        g.flag ?? `#${i}`,
        g.tokens.join(' '),
      ]),
    );
  const a = flags(before);
  const b = flags(after);
  const parts: string[] = [];
  for (const [flag, text] of b) {
    const old = a.get(flag);
    if (old === undefined) parts.push(`${text} added`);
    else if (old !== text) parts.push(`${old} → ${text}`);
  }
  for (const [flag, text] of a) if (!b.has(flag)) parts.push(`${text} dropped`);
  return parts.join(', ') || 'command line reordered';
}
