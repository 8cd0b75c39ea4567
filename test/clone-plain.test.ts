// Workers cloned, and stock workers narrowed or turned off, as plain data
// (src/workers/plain-form.ts) against the same as documents printed as edits of the stock
// worker's text: the same output, byte for byte, over every Tutor render and every test config,
// as a stream and as the ResourceLists Kustomize and kpt send.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import { readResourceList, readStream, writeResourceList, writeStream } from '../src/krm/io.js';
import { Results } from '../src/krm/results.js';
import { transform } from '../src/transform.js';
import { configPath, fixture, withFunctionConfig } from './helpers.js';

// `general`: every clone and stock worker takes the document; `plain`: the stock workers that
// took plain data, for a clone (`lms-worker`) or for themselves (`lms-worker itself`).
const path = vi.hoisted(() => ({ general: false, plain: [] as string[] }));
vi.mock('../src/workers/plain-form.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/workers/plain-form.js')>();
  return {
    plainStock: (...args: Parameters<typeof real.plainStock>) => {
      if (path.general) return undefined;
      const form = real.plainStock(...args);
      if (form) path.plain.push(args[0].item.name);
      return form;
    },
    plainStockText: (...args: Parameters<typeof real.plainStockText>) => {
      if (path.general) return undefined;
      const form = real.plainStockText(...args);
      if (form) path.plain.push(`${args[0].item.name} itself`);
      return form;
    },
  };
});

const RENDERS = readdirSync(new URL('./fixtures/tutor/', import.meta.url))
  .filter((f) => /^stock-[^.]*\.yaml$/.test(f))
  .map((f) => `tutor/${f}`);
const CONFIGS = readdirSync(new URL('./configs/', import.meta.url))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''));

function configOf(name: string) {
  const results = new Results();
  const config = loadConfig(parse(readFileSync(configPath(name), 'utf8')), results);
  if (!config) throw new Error(results.list.map((r) => r.message).join('; '));
  return config;
}

/** The output of a run, and the stock workers cloned as plain data in it. */
function run(text: string, config: string, general: boolean, form: 'stream' | 'resourceList') {
  path.general = general;
  path.plain = [];
  let output: string;
  if (form === 'stream') {
    const { items } = readStream(text);
    const out = transform(items, configOf(config));
    output = `${writeStream(out.items)}${JSON.stringify(out.results)}`;
  } else {
    const list = readResourceList(text);
    const out = transform(list.items, configOf(config));
    output = writeResourceList(list, out.items, out.results);
  }
  return { output, plain: path.plain };
}

function samePaths(text: string, config: string, form: 'stream' | 'resourceList'): string[] {
  const fast = run(text, config, false, form);
  const general = run(text, config, true, form);
  expect(general.plain).toEqual([]);
  expect(fast.output).toBe(general.output);
  return fast.plain;
}

describe('a clone or a stock worker as plain data prints as the document path prints it', () => {
  it.each(RENDERS)('%s, every config, as a stream', (render) => {
    const text = fixture(render);
    const plain = CONFIGS.flatMap((config) => samePaths(text, config, 'stream'));
    // The fast path was taken: Tutor's stock workers are in yaml's own layout. Those that
    // tutor-contrib-pod-autoscaling sizes have `cpu: 0.5`, which printPlain leaves to yaml
    // (whole numbers only), so their clones and they themselves take the document.
    const fast = !render.includes('podautoscaling');
    expect(plain.some((p) => !p.endsWith(' itself'))).toBe(fast);
    expect(plain.includes('lms-worker itself')).toBe(fast);
    expect(plain.includes('cms-worker itself')).toBe(fast);
  });

  it('turns a stock worker off as plain data', () => {
    // The groups config turns both stock workers off.
    const text = fixture('tutor/stock-v20.yaml');
    const fast = run(text, 'groups', false, 'stream');
    expect(fast.plain).toEqual(expect.arrayContaining(['lms-worker itself', 'cms-worker itself']));
    expect(fast.output).toMatch(
      /\nmetadata:\n(?: {2}.*\n)*? {2}name: lms-worker\n(?:.*\n)*?spec:\n {2}replicas: 0\n/,
    );
    expect(fast.output).toBe(run(text, 'groups', true, 'stream').output);
  });

  it('keeps a narrowed stock worker where it was, with the comment in front of it', () => {
    const list = withFunctionConfig(fixture('krm/kustomize-4.5.4-exec-input.yaml'), 'every-family');
    const lead = '# the LMS worker, as Tutor renders it\n';
    const commented = list.replace(
      /\n(- apiVersion: apps\/v1\n {2}kind: Deployment\n(?: {2}.*\n)*? {6}internal\.config\.kubernetes\.io\/previousNames: lms-worker\n)/,
      `\n${lead}$1`,
    );
    expect(commented).not.toBe(list);
    const fast = run(commented, 'every-family', false, 'resourceList');
    expect(fast.plain).toContain('lms-worker itself');
    expect(fast.output).toContain(`${lead}- apiVersion: apps/v1\n  kind: Deployment\n`);
    expect(fast.output).toBe(run(commented, 'every-family', true, 'resourceList').output);
  });

  it.each([
    ['Kustomize', 'krm/kustomize-4.5.4-exec-input.yaml'],
    ['kpt', 'krm/kpt-1.0.0-beta.56-eval-input.yaml'],
  ])('the ResourceList %s sends, every config', (_, file) => {
    const plain = CONFIGS.flatMap((config) =>
      samePaths(withFunctionConfig(fixture(file), config), config, 'resourceList'),
    );
    // (kpt's lms-worker has a comment: the document.)
    expect(plain).toEqual(expect.arrayContaining(['cms-worker', 'cms-worker itself']));
  });

  it('narrows a stock worker as plain data whose settings ConfigMap is renamed', () => {
    // kpt's rendered package: the settings ConfigMaps take the hash of their new content, and
    // the stock workers (and their pristine forms, for the record) follow.
    const list = withFunctionConfig(
      fixture('krm/kpt-1.0.0-beta.56-eval-input.yaml'),
      'every-family',
    );
    const uncommented = list.replace('name: lms-worker # the stock LMS worker', 'name: lms-worker');
    expect(uncommented).not.toBe(list);
    const fast = run(uncommented, 'every-family', false, 'resourceList');
    expect(fast.plain).toEqual(expect.arrayContaining(['lms-worker itself', 'cms-worker itself']));
    expect(fast.output).toMatch(/renamed to openedx-settings-lms-/);
    expect(fast.output).toBe(run(uncommented, 'every-family', true, 'resourceList').output);
  });

  it('takes the document for a stock worker with a comment, and the clones keep it', () => {
    const commented = fixture('tutor/stock-v20.yaml').replace(
      /(name: lms-worker\n(?:.*\n)*?\s+image: [^\n]*)/,
      '$1 # pinned by ops',
    );
    expect(commented).toContain('# pinned by ops');
    const fast = run(commented, 'every-family', false, 'stream');
    expect(fast.plain).not.toContain('lms-worker');
    expect(fast.plain).not.toContain('lms-worker itself');
    expect(fast.plain).toContain('cms-worker');
    expect(fast.plain).toContain('cms-worker itself');
    expect(fast.output).toBe(run(commented, 'every-family', true, 'stream').output);
    // The stock worker and each of its clones (high, high_mem, ora_workflow_update) keep it.
    expect(fast.output.match(/# pinned by ops/g)).toHaveLength(4);
  });

  it('takes the document where a clone changes a string that needs its quotes', () => {
    // The instance's labels (managed-by celery-queues) go onto each clone: a document keeps the
    // old value's quotes, printPlain writes the new one plain.
    const stock = fixture('tutor/stock-v20.yaml');
    // Only the Deployments' own labels (four columns in), not their selectors' or pods'.
    const quoted = stock.replace(/^( {4}app\.kubernetes\.io\/managed-by:) tutor$/gm, '$1 "true"');
    expect(quoted).not.toBe(stock);
    const fast = run(quoted, 'every-family', false, 'stream');
    expect(fast.plain).toEqual([]);
    expect(fast.output).toBe(run(quoted, 'every-family', true, 'stream').output);
  });
});
