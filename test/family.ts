// runFamily: one output family on literal YAML, as Kustomize's filters are tested. The family
// runs on the view the transform gives it (after the workers stage; the first family to read the
// broker stages its Secret too, as in the transform),
// and what it changed is what comes out.
import { structuredPatch } from 'diff';
import { expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { readStream, writeStream } from '../src/krm/io.js';
import type { Item } from '../src/krm/item.js';
import { Resources } from '../src/krm/resources.js';
import { formatResult, type Result, Results } from '../src/krm/results.js';
import type { Family, InstanceView } from '../src/plan.js';
import { transform, viewOf } from '../src/transform.js';
import { findInstances } from '../src/tutor/instances.js';
import { workers } from '../src/workers/workers.js';
import { celeryQueuesConfig, resources } from './helpers.js';
import { isBuiltIn, kubernetesProblems } from './kubernetes.js';

/** Tutor's LMS worker as `tutor k8s` renders it, cut down to what the families read. */
export const LMS_WORKER = `apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app.kubernetes.io/name: lms-worker
  name: lms-worker
  namespace: openedx
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: lms-worker
  template:
    metadata:
      labels:
        app.kubernetes.io/name: lms-worker
    spec:
      containers:
      - args:
        - celery
        - --app=lms.celery
        - worker
        - --queues=edx.lms.core.default,edx.lms.core.high
        image: docker.io/overhangio/openedx:20.0.5
        name: lms-worker
        volumeMounts:
        - mountPath: /openedx/edx-platform/lms/envs/tutor/
          name: settings-lms
      volumes:
      - configMap:
          name: openedx-settings-lms
        name: settings-lms
`;

/** The CMS worker, likewise. */
export const CMS_WORKER = `---
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app.kubernetes.io/name: cms-worker
  name: cms-worker
  namespace: openedx
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: cms-worker
  template:
    metadata:
      labels:
        app.kubernetes.io/name: cms-worker
    spec:
      containers:
      - args:
        - celery
        - --app=cms.celery
        - worker
        - --queues=edx.cms.core.default,edx.cms.core.high,edx.cms.core.low
        image: docker.io/overhangio/openedx:20.0.5
        name: cms-worker
`;

/** The LMS settings ConfigMap the LMS worker mounts. */
export const LMS_SETTINGS = `---
apiVersion: v1
kind: ConfigMap
metadata:
  name: openedx-settings-lms
  namespace: openedx
data:
  production.py: |
    from .base import *
    SECRET_KEY = "x"
`;

/** A broker set in the config, with its credentials in a Secret (no openedx-config to read). */
export const REDIS =
  'redis: {address: "redis.openedx.svc:6379", credentialsSecret: {name: redis-auth, passwordKey: password, urlKey: url}}';

export interface FamilyRun {
  /** The resources the family wrote or changed, in output order, as a manifest stream. */
  output: string;
  /**
   * The same change as the hunks of a unified diff of the whole stream (one line of context),
   * for a family that edits a line or two of a resource.
   */
  diff: string;
  /** The resources it took out of the output (`Kind namespace/name`). */
  removed: string[];
  /** What it said, one line each (`severity: Kind namespace/name field: message`). */
  results: string[];
}

function configOf(spec: string | Record<string, unknown>) {
  const loaded = new Results();
  const config = loadConfig(
    parse(celeryQueuesConfig(typeof spec === 'string' ? (parse(spec) ?? {}) : spec)),
    loaded,
  );
  if (!config) throw new Error(loaded.list.map(formatResult).join('\n'));
  return config;
}

/** The view the families get of the first instance of `input` (the workers stage run). */
export function viewFor(input: string, spec: string | Record<string, unknown>): InstanceView {
  const config = configOf(spec);
  const results = new Results();
  const { items } = readStream(input);
  const resources = new Resources(items, results);
  const [instance] = findInstances(items, config.spec, results);
  if (!instance) throw new Error(results.list.map(formatResult).join('\n'));
  return viewOf({ instance, spec: config.spec, resources, results });
}

/**
 * Runs `family` (or the workers stage) on `input`, a manifest stream, with a config of `spec`
 * (its YAML text, or the value). On error nothing is written: `output` is empty.
 */
export function runFamily(
  family: Family | typeof workers,
  { input, spec }: { input: string; spec: string | Record<string, unknown> },
): FamilyRun {
  const config = configOf(spec);
  const items = () => readStream(input).items;
  // What the family starts from: the input after the workers stage.
  const before =
    family === workers ? { items: items(), results: [] } : transform(items(), config, []);
  if (before.results.some((r) => r.severity === 'error')) {
    throw new Error(
      `the input fails before the family runs:\n${before.results.map(format).join('\n')}`,
    );
  }
  const after = transform(items(), config, family === workers ? [] : [family]);
  const results = without(after.results, before.results).map(format);
  if (after.results.some((r) => r.severity === 'error')) {
    return { output: '', diff: '', removed: [], results };
  }
  const was = new Map(before.items.map((item) => [keyOf(item), text(item)]));
  const is = new Set(after.items.map(keyOf));
  return {
    output: writeStream(after.items.filter((item) => was.get(keyOf(item)) !== text(item))),
    diff: hunks(writeStream(before.items), writeStream(after.items)),
    removed: before.items.filter((item) => !is.has(keyOf(item))).map((item) => item.label),
    results,
  };
}

function hunks(before: string, after: string): string {
  return structuredPatch('a', 'b', before, after, undefined, undefined, { context: 1 })
    .hunks.map(
      (h) =>
        `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@\n${h.lines.join('\n')}\n`,
    )
    .join('');
}

function keyOf(item: Item): string {
  return `${item.kind} ${item.namespace}/${item.name}`;
}

function text(item: Item): string {
  return writeStream([item]);
}

/** `list` without one of each result in `taken` (those of the run the family started from). */
function without(list: readonly Result[], taken: readonly Result[]): Result[] {
  const left = taken.map(format);
  return list.filter((r) => {
    const at = left.indexOf(format(r));
    if (at < 0) return true;
    left.splice(at, 1);
    return false;
  });
}

function format(r: Result): string {
  return formatResult(r).replace(/^celery-queues: /, '');
}

/** A row of a family's table: input and config, and what should come out (unset: not checked). */
export interface FamilyCase {
  input: string;
  spec: string;
  output?: string;
  diff?: string;
  removed?: string[];
  results: string[];
}

/**
 * One test per row. Every built-in resource the family writes is also checked against
 * Kubernetes' schema, unknown fields refused (test/kubernetes.ts).
 */
export function familyTable(
  family: Family | typeof workers,
  cases: Record<string, FamilyCase>,
): void {
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const run = runFamily(family, c);
      if (c.output !== undefined) expect(run.output).toBe(c.output);
      if (c.diff !== undefined) expect(run.diff).toBe(c.diff);
      if (c.removed !== undefined) expect(run.removed).toEqual(c.removed);
      expect(run.results).toEqual(c.results);
      for (const r of resources(run.output)) {
        if (isBuiltIn(r)) expect(kubernetesProblems(r)).toEqual([]);
      }
    });
  }
}
