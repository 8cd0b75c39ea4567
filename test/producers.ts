// Real YAML producers for the tests, and readers of the kind Kubernetes uses: PyYAML and ruamel
// (Debian's python3 packages, through test/producers.py), js-yaml and yaml (npm), and the real
// kpt and Kustomize. What they write is what users' files and pipes hold.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { dump as jsYamlDump } from 'js-yaml';
import { Document, isMap, isSeq, Pair, parseAllDocuments, Scalar, type YAMLMap } from 'yaml';
import { hasColumn0Quote, indentClosingQuotes } from '../src/krm/item.js';
import { parseOptions } from '../src/krm/yaml.js';
import { ROOT } from './helpers.js';

/** Debian's python3, which has python3-yaml (with libyaml) and python3-ruamel.yaml. */
export const PYTHON = '/usr/bin/python3';

interface Answer {
  text?: string;
  docs?: unknown[];
  error?: string;
}

/** One python process for a whole test file, asked one line at a time. */
class Python {
  private child: ChildProcessWithoutNullStreams | undefined;
  private waiting: ((answer: Answer) => void)[] = [];

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(PYTHON, [join(ROOT, 'test', 'producers.py')]);
    createInterface({ input: child.stdout }).on('line', (line) => {
      this.waiting.shift()?.(JSON.parse(line) as Answer);
    });
    child.stderr.on('data', (d) => process.stderr.write(d));
    child.unref();
    (child.stdin as unknown as { unref?: () => void }).unref?.();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    (child.stderr as unknown as { unref?: () => void }).unref?.();
    return child;
  }

  ask(request: unknown): Promise<Answer> {
    this.child ??= this.start();
    const child = this.child;
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      child.stdin.write(`${JSON.stringify(request)}\n`);
    });
  }

  stop(): void {
    this.child?.kill();
    this.child = undefined;
  }
}

const python = new Python();

export function stopProducers(): void {
  python.stop();
}

export type PythonLib = 'pyyaml' | 'ruamel';

/** Documents as PyYAML or ruamel writes them (a stream of them when `stream`). */
export async function pythonDump(
  lib: PythonLib,
  docs: unknown[],
  options: Record<string, unknown>,
  { stream = false, share = false } = {},
): Promise<string> {
  const answer = await python.ask({ op: 'dump', lib, docs, options, stream, share });
  if (answer.error !== undefined) throw new Error(`${lib}: ${answer.error}`);
  return answer.text as string;
}

/**
 * Every document of a text as libyaml reads it, with PyYAML's safe loader: YAML 1.1, the kind
 * of reader Kubernetes uses (go-yaml v2 follows libyaml). Values of no JSON type are marked
 * ({"$timestamp": ...}).
 */
export async function readYaml11(text: string): Promise<unknown[]> {
  const answer = await python.ask({ op: 'load', text });
  if (answer.error !== undefined) throw new Error(`libyaml: ${answer.error}`);
  return answer.docs as unknown[];
}

/** The same, for many texts at once (one python process, one pipe). */
export function readYaml11Sync(texts: string[]): unknown[][] {
  return readYaml11Each(texts).map((docs, i) => {
    if (docs instanceof Error) throw new Error(`libyaml on text ${i}: ${docs.message}`);
    return docs;
  });
}

/** Each text's documents as libyaml reads them, or libyaml's error for a text it refuses. */
function readYaml11Each(texts: string[]): (unknown[] | Error)[] {
  if (texts.length === 0) return [];
  const input = texts.map((text) => JSON.stringify({ op: 'load', text })).join('\n');
  const r = spawnSync(PYTHON, [join(ROOT, 'test', 'producers.py')], {
    input: `${input}\n`,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(`producers.py: ${r.stderr}`);
  return r.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const answer = JSON.parse(line) as Answer;
      return answer.error !== undefined ? new Error(answer.error) : (answer.docs as unknown[]);
    });
}

/**
 * For each text (a manifest stream, or a ResourceList), the parts that a YAML 1.1 reader of the
 * kind Kubernetes uses (libyaml) reads otherwise than a YAML 1.2 one (yaml, as the function
 * reads): resources by kind, namespace and name (`item N` for what is none), and a ResourceList's
 * `functionConfig` and `results`. Undefined for a text that either reader refuses.
 */
export function readOtherwiseIn11(texts: string[]): (string[] | undefined)[] {
  const yaml11 = readYaml11Each(texts);
  return texts.map((text, i) => {
    const one = yaml11[i];
    let two: unknown[];
    try {
      two = JSON.parse(JSON.stringify(readYaml12(text)));
    } catch {
      return undefined;
    }
    if (one === undefined || one instanceof Error) return undefined;
    const [a, b] = [partsOf(one), partsOf(two)];
    return [...new Set([...a.keys(), ...b.keys()])].filter(
      (key) => JSON.stringify(sortKeys(a.get(key))) !== JSON.stringify(sortKeys(b.get(key))),
    );
  });
}

function partsOf(docs: unknown[]): Map<string, unknown[]> {
  const first = docs[0] as Record<string, any> | null | undefined;
  const list = docs.length === 1 && first?.kind === 'ResourceList' ? first : undefined;
  const resources = list ? ((list.items ?? []) as unknown[]) : docs.filter((d) => d != null);
  const parts = new Map<string, unknown[]>();
  const add = (key: string, value: unknown) => parts.set(key, [...(parts.get(key) ?? []), value]);
  resources.forEach((r, i) => {
    const { kind, metadata } = (r ?? {}) as Record<string, any>;
    const named = typeof kind === 'string' && typeof metadata?.name === 'string';
    add(named ? `${kind} ${metadata.namespace ?? ''}/${metadata.name}` : `item ${i}`, r);
  });
  if (list) {
    add('functionConfig', list.functionConfig ?? null);
    add('results', list.results ?? null);
  }
  return parts;
}

/** Plain data with the keys of every map in order, to compare as JSON. */
export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
  );
}

/**
 * Runs of the function, each its input and its output: whatever a YAML 1.1 reader reads
 * otherwise than a 1.2 one in an output, it read otherwise in the input (an item passed through
 * unchanged). What the function writes, every reader reads alike.
 */
export function expectReadAlikeIn11(runs: { input: string; output: string }[]): void {
  const [inputs, outputs] = [
    readOtherwiseIn11(runs.map((r) => r.input)),
    readOtherwiseIn11(runs.map((r) => r.output)),
  ];
  for (const [i, before] of inputs.entries()) {
    if (before === undefined) continue; // an input no YAML 1.1 reader reads: nothing to hold to
    const after = outputs[i];
    if (after === undefined) throw new Error(`libyaml or yaml refuses output ${i}`);
    const added = after.filter((key) => !before.includes(key));
    if (added.length > 0) {
      throw new Error(`YAML 1.1 reads otherwise in output ${i}: ${added.join(', ')}`);
    }
  }
}

/** Documents as js-yaml writes them; objects used twice become an anchor and an alias. */
export function jsYaml(docs: unknown[], options: Record<string, unknown>): string {
  return docs.map((d) => jsYamlDump(d, options)).join('---\n');
}

/**
 * Within one document, each mapping equal to one met before becomes that same object, as when
 * code reuses one labels dict: js-yaml and yaml then write an anchor and an alias.
 */
export function shareEqualMaps<T>(value: T): T {
  const seen = new Map<string, unknown>();
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const out = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    if (Object.keys(out).length === 0) return out;
    const key = JSON.stringify(out);
    const before = seen.get(key);
    if (before) return before;
    seen.set(key, out);
    return out;
  };
  return walk(value) as T;
}

/**
 * A document whose mappings equal to one before it merge that one in (`<<: *anchor`) rather
 * than repeat it, one key overridden after the merge: YAML 1.1 merge keys, as people write them
 * by hand to share labels. Printed by yaml.
 */
export function withMergeKeys(value: unknown, options: Record<string, unknown> = {}): string {
  const doc = new Document(value, { aliasDuplicateObjects: false });
  const seen = new Map<string, YAMLMap>();
  let n = 0;
  const walk = (node: unknown): void => {
    if (isSeq(node)) for (const item of node.items) walk(item);
    if (!isMap(node)) return;
    for (const pair of node.items) walk(pair.value);
    if (node.items.length < 2) return;
    const key = JSON.stringify(node.toJSON());
    const first = seen.get(key);
    if (!first) {
      seen.set(key, node);
      return;
    }
    first.anchor ??= `m${n++}`;
    // The same entries: the first merged in, all but one, and that one written again.
    const last = node.items[node.items.length - 1] as Pair;
    node.items = [new Pair(new Scalar('<<'), doc.createAlias(first)), last];
  };
  walk(doc.contents);
  return doc.toString({ lineWidth: 0, ...options });
}

/** Documents as yaml writes them, with its style options (directives end the one before). */
export function yamlDump(docs: unknown[], options: Record<string, unknown>): string {
  return docs
    .map((d) => new Document(d, { aliasDuplicateObjects: true }).toString(options))
    .join(options.directives ? '...\n' : '---\n');
}

// ---------------------------------------------------------------------------------------------
// kpt and Kustomize as producers: the ResourceList each sends an exec function for a package

/** What kpt sends an exec function for a package of these files (`kpt fn source`). */
export function kptResourceList(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'celery-queues-kpt-source-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    const r = spawnSync('kpt', ['fn', 'source', dir], { encoding: 'utf8', maxBuffer: 1 << 28 });
    if (r.status !== 0) throw new Error(`kpt fn source: ${r.stderr}`);
    return r.stdout;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * What Kustomize 4.5.4 sends an exec transformer for a kustomization of these files, with this
 * config as its functionConfig: captured by an exec function that writes its input down and
 * hands it back.
 */
export function kustomizeResourceList(
  files: Record<string, string>,
  config: Record<string, any>,
  kustomize: string,
): string {
  const dir = mkdtempSync(join(tmpdir(), 'celery-queues-kustomize-source-'));
  try {
    const capture = join(dir, 'capture.sh');
    const captured = join(dir, 'captured.yaml');
    writeFileSync(capture, `#!/bin/sh\ntee ${JSON.stringify(captured)}\n`, { mode: 0o755 });
    mkdirSync(join(dir, 'base'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, 'base', name), text);
    writeFileSync(
      join(dir, 'base', 'kustomization.yaml'),
      `resources:\n${Object.keys(files)
        .map((f) => `- ${f}\n`)
        .join('')}transformers:\n- celery-queues.yaml\n`,
    );
    const fn = structuredClone(config);
    fn.metadata.annotations = { 'config.kubernetes.io/function': `exec:\n  path: ${capture}\n` };
    writeFileSync(join(dir, 'base', 'celery-queues.yaml'), JSON.stringify(fn));
    const r = spawnSync(
      kustomize,
      ['build', '--enable-alpha-plugins', '--enable-exec', join(dir, 'base')],
      { encoding: 'utf8', maxBuffer: 1 << 28 },
    );
    if (r.status !== 0) throw new Error(`kustomize build: ${r.stderr}`);
    return readFileSync(captured, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The text with kpt's closing quotes at column 0 (go-yaml writes them so for a multi-line quoted
 * value that ends in a line break; go-yaml, libyaml and ruamel read them, yaml refuses them)
 * indented past their keys, which says the same.
 */
export function kptReadable(text: string): string {
  return hasColumn0Quote(text) ? indentClosingQuotes(text) : text;
}

/**
 * The documents of a text as a YAML 1.2 reader reads them: yaml, with merge keys merged and
 * 0644 read as the octal YAML 1.1 readers see (as the function reads it).
 */
export function readYaml12(text: string): unknown[] {
  return parseAllDocuments(kptReadable(text), { ...parseOptions, merge: true }).map((d) => {
    if (d.errors.length > 0) throw new Error(`yaml: ${d.errors[0]?.message}`);
    return d.toJS({ maxAliasCount: -1 });
  });
}

const READ_LABEL = 'celery-queues.test/read';

/**
 * Every resource of a manifest stream as Kubernetes reads it: kubectl's own reader
 * (sigs.k8s.io/yaml, which decodes with go-yaml v2, YAML 1.1), through `kubectl label --local`,
 * which reads the files and prints the objects as JSON without a cluster. (The label it adds is
 * taken off again.)
 */
export function readAsKubernetes(stream: string): unknown[] {
  const dir = mkdtempSync(join(tmpdir(), 'celery-queues-kubectl-'));
  try {
    const file = join(dir, 'manifests.yaml');
    writeFileSync(file, stream);
    const r = spawnSync(
      'kubectl',
      ['label', '--local', '-f', file, `${READ_LABEL}=1`, '-o', 'json'],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 28,
      },
    );
    if (r.status !== 0) throw new Error(`kubectl: ${r.stderr}`);
    const objects = JSON.parse(`[${r.stdout.replace(/}\n{/g, '},{')}]`) as Record<string, any>[];
    for (const o of objects) {
      delete o.metadata.labels[READ_LABEL];
      if (Object.keys(o.metadata.labels).length === 0) delete o.metadata.labels;
    }
    return objects;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
