// Hostile YAML. The built bundle runs as its own process with a small heap (Node aborts when a
// process outgrows it), so "refused within bounded memory" is checked by the process surviving:
// exit status 1 and one line on stderr, not a crash. A generous timeout only guards against a
// hang; nothing here measures time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { splitResourceListText } from '../src/krm/io.js';
import { parseYamlValue } from '../src/krm/yaml.js';
import {
  BUNDLE,
  configPath,
  fixture,
  inNamespace,
  RENDERS,
  runCli,
  withoutSummary,
} from './helpers.js';

const HEAP_MB = 64;

const dir = mkdtempSync(join(tmpdir(), 'celery-queues-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
function tempFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function runSmall(argv: string[], input: string, heapMb = HEAP_MB) {
  const r = spawnSync(process.execPath, [`--max-old-space-size=${heapMb}`, BUNDLE, ...argv], {
    input,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    timeout: 120_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

function expectRefused(r: ReturnType<typeof runSmall>, error: RegExp) {
  expect(r.signal).toBeNull();
  expect(withoutSummary(r.stderr)).toMatch(/^celery-queues: error: [^\n]*\n$/);
  expect(r.stderr).toMatch(error);
  expect(r.status).toBe(1);
}

const CAPTURED = fixture('krm/kustomize-4.5.4-exec-input.yaml');
const ITEMS = CAPTURED.slice(0, CAPTURED.indexOf('functionConfig:'));
const CONFIG =
  'functionConfig:\n  apiVersion: tutor-krm.dev/v1alpha1\n  kind: CeleryQueues\n  metadata: {name: x}\n  spec: {lms: {queues: {high: {}}}}\n';

/** Billion laughs: ten levels of ten aliases each, 10^10 strings once expanded. */
function aliasBomb(indent: string): string {
  const lines = [`${indent}a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]`];
  for (let i = 1; i < 10; i++) {
    lines.push(
      `${indent}a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const DEEP_FLOW = `${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`;

describe('alias bombs are refused without being expanded', () => {
  it('in the functionConfig', () => {
    const input = `${ITEMS}functionConfig:\n  apiVersion: tutor-krm.dev/v1alpha1\n  kind: CeleryQueues\n${aliasBomb('  ')}  spec: {}\n`;
    const r = runSmall([], input);
    expectRefused(r, /aliases expand more than 100 times: refused as a resource exhaustion attack/);
    // The items go back as they came, the error in the results.
    expect(splitResourceListText(r.stdout)?.entries).toEqual(splitResourceListText(input)?.entries);
    expect(parse(r.stdout).results).toMatchObject([{ severity: 'error' }]);
  });

  it('in a --config file', () => {
    const file = tempFile('bomb.yaml', aliasBomb(''));
    const r = runSmall(['--config', file], fixture(RENDERS.v20));
    expectRefused(r, /^celery-queues: error: --config \S+: not valid YAML: aliases expand/);
    expect(r.stdout).toBe('');
  });

  it('in a resource the function reads', () => {
    const input = `${ITEMS.replace(/^( {4}name: lms-worker\n)/m, `$1${aliasBomb('    ').replace(/^ {4}a/gm, '    x-a')}`)}${CONFIG}`;
    expect(input).toContain('x-a9: &a9');
    expectRefused(
      runSmall([], input),
      /items\[\d+\]: not valid YAML: aliases expand more than 100 times/,
    );
  });

  it('anywhere in a ResourceList the full parser reads (not the Kustomize layout)', () => {
    const input = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: [{apiVersion: v1, kind: ConfigMap, metadata: {name: x}}]\nbomb:\n${aliasBomb('  ')}${CONFIG}`;
    expectRefused(runSmall([], input), /input: not valid YAML: aliases expand more than 100 times/);
  });

  it('in a stream document the full parser reads', () => {
    const input = `%YAML 1.2\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n${aliasBomb('  ')}`;
    expectRefused(
      runSmall(['--config', configPath('recommended')], input),
      /document 1: not valid YAML: aliases expand more than 100 times/,
    );
  });

  it('in YAML held inside a resource (lms.env.yml)', () => {
    expect(() => parseYamlValue(aliasBomb(''))).toThrow(/aliases expand more than 100 times/);
  });

  it('in a resource the function does not read: passed on byte for byte, never expanded', () => {
    const bomb = `- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: laughs\n    namespace: openedx\n  data:\n${aliasBomb('    ')}`;
    const input = `${ITEMS}${bomb}${CONFIG}`;
    const r = runSmall([], input);
    expect(r.signal).toBeNull();
    expect(withoutSummary(r.stderr)).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(bomb);
  });

  it('a few honest aliases are fine', () => {
    const input = `${ITEMS.replace(/^( {4}name: lms-worker\n)/m, '$1    x-tuning: &t [--concurrency=2]\n    x-again: *t\n')}${CONFIG}`;
    const out = runCli([], input);
    expect(out.messages).toBe('');
    expect(out.status).toBe(0);
  });
});

describe('deep nesting is refused before it is parsed', () => {
  it.each([
    [
      'flow collections in the functionConfig',
      `${ITEMS}functionConfig: ${DEEP_FLOW}\n`,
      /input: not valid YAML: collections nested more than 1000 levels deep/,
    ],
    [
      'flow collections in a resource the function reads',
      `${ITEMS.replace(/^( {4}name: lms-worker\n)/m, `$1    x-deep: ${DEEP_FLOW}\n`)}${CONFIG}`,
      /items\[\d+\]: not valid YAML: collections nested more than 1000 levels deep/,
    ],
    [
      'block mappings in the functionConfig',
      `${ITEMS}functionConfig:\n${Array.from({ length: 3000 }, (_, i) => `${' '.repeat(i + 2)}a:`).join('\n')} 1\n`,
      /nested too deeply to read: refused as a resource exhaustion attack/,
    ],
  ])('%s', (_, input, error) => {
    const r = runSmall([], input);
    expectRefused(r, error);
    // The items as they came, in a ResourceList with the error in its results.
    const entries = splitResourceListText(input)?.entries;
    const split = splitResourceListText(r.stdout);
    expect(split?.entries).toEqual(entries);
    // The envelope only: the items hold the nesting the function refused to read.
    expect(parse(split?.rest ?? '').results[0].message).toMatch(error);
  });

  it('in a stream', () => {
    const input = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {x: ${DEEP_FLOW}}\n`;
    expectRefused(
      runSmall(['--config', configPath('recommended')], input),
      /document 1: not valid YAML: collections nested more than 1000 levels deep/,
    );
  });

  it('brackets inside strings and comments do not count', () => {
    const text = `a: "${'['.repeat(5000)}"\nb: '${'{'.repeat(5000)}'\n# ${'['.repeat(5000)}\nc: [[1]]\n`;
    expect(parseYamlValue(text)).toMatchObject({ c: [[1]] });
  });
});

describe('duplicate keys are errors wherever the function reads', () => {
  it('in a --config file, naming the line', () => {
    const file = tempFile(
      'dup.yaml',
      'apiVersion: tutor-krm.dev/v1alpha1\nkind: CeleryQueues\nspec: {}\nspec: {lms: {}}\n',
    );
    const r = runSmall(['--config', file], fixture(RENDERS.v20));
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `celery-queues: error: --config ${file}: not valid YAML: Map keys must be unique (line 4)\n`,
    );
  });

  it('in a stream the full parser reads, naming the document', () => {
    const input = `%YAML 1.2\n---\n${fixture(RENDERS.v20)}---\napiVersion: v1\nkind: ConfigMap\nkind: Secret\nmetadata: {name: x}\n`;
    const out = runCli(['--config', configPath('recommended')], input);
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(
      /^celery-queues: error: document 34: not valid YAML: Map keys must be unique \(line \d+\)\n$/,
    );
    expect(out.stdout).toBe('');
  });
});

describe('huge inputs', () => {
  // Each instance's documents are printed and let go of as soon as it is done (Edit.settle),
  // and the settings ConfigMaps and the workloads that mount them are edited as text.
  it('300 Open edX instances (28 MB) go through a process with a 96 MB heap', () => {
    const render = fixture(RENDERS.v20);
    const docs: string[] = [];
    for (let n = 0; n < 300; n++) {
      docs.push(inNamespace(render, `openedx-${n}`));
    }
    const input = docs.join('---\n');
    expect(input.length).toBeGreaterThan(25_000_000);
    const r = runSmall(['--config', configPath('recommended')], input, 96);
    expect(r.signal).toBeNull();
    expect(r.stderr).not.toMatch(/: (error|warning): /);
    expect(r.status).toBe(0);
    // Every input document is there, and four new workers per instance.
    const count = (text: string) => text.split(/^---$/m).length;
    expect(count(r.stdout)).toBe(count(input) + 4 * 300);
    expect(parse(r.stdout.slice(0, 2000).split(/^---$/m)[0] as string)).toMatchObject({
      kind: 'Namespace',
    });
  });
});
