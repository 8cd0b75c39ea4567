// The layouts of the issue that the real Tutor render meets outside Kustomize's printer, each
// against the same render in Kustomize's layout: the same resources out, and what the function
// does not change as it came. (test/producers.test.ts holds the whole class to this over every
// producer; these are the cases one can read.)
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { readStream } from '../src/krm/io.js';
import { toPlain } from '../src/krm/yaml.js';
import { configPath, fixture, RENDERS, runStream } from './helpers.js';
import { readAsKubernetes, readYaml12 } from './producers.js';

const RENDER = fixture(RENDERS.v20);

/** The render with the stock LMS worker's text edited. */
function withLmsWorker(edit: (doc: string) => string): string {
  return RENDER.split('---\n')
    .map((doc) =>
      /^kind: Deployment$/m.test(doc) && /^ {2}name: lms-worker$/m.test(doc) ? edit(doc) : doc,
    )
    .join('---\n');
}

/** What the function reads of its output (YAML 1.2, aliases and merge keys resolved). */
const read = (text: string) => readStream(text).items.map((i) => toPlain(i.doc));

const LABELS = [
  '    app.kubernetes.io/instance: openedx-GJFdJRA4muWPntscPMcFdvEU',
  '    app.kubernetes.io/managed-by: tutor',
  '    app.kubernetes.io/name: lms-worker',
  '    app.kubernetes.io/part-of: openedx',
].join('\n');
const indented = (text: string, by: number) => text.replace(/^/gm, ' '.repeat(by));

describe('aliases and merge keys, as Kubernetes reads them', () => {
  it('an anchor on the stock worker’s labels, aliased by its selector and pod template', () => {
    const input = withLmsWorker((doc) =>
      doc
        .replace(`  labels:\n${LABELS}\n`, `  labels: &labels\n${LABELS}\n`)
        .replace(`    matchLabels:\n${indented(LABELS, 2)}\n`, '    matchLabels: *labels\n')
        .replace(`      labels:\n${indented(LABELS, 4)}\n`, '      labels: *labels\n'),
    );
    expect(input).toContain('matchLabels: *labels');
    expect(input).toContain('      labels: *labels');
    const want = runStream(RENDER, configPath('recommended'));
    const got = runStream(input, configPath('recommended'));
    expect(got.stderr).toBe(want.stderr);
    expect(got.status).toBe(0);
    expect(read(got.stdout)).toEqual(read(want.stdout));
    // What the function writes holds no alias: the stock worker it changed, and its clones.
    expect(got.stdout).not.toMatch(/[&*]labels\b/);
  });

  it('a scalar alias on a name', () => {
    const input = withLmsWorker((doc) =>
      doc
        .replace(/^ {2}name: lms-worker$/m, '  name: &name lms-worker')
        .replace(/^ {8}name: lms-worker$/m, '        name: *name'),
    );
    expect(input).toContain('name: *name');
    const got = runStream(input, configPath('recommended'));
    expect(got.status, got.stderr).toBe(0);
    expect(read(got.stdout)).toEqual(read(runStream(RENDER, configPath('recommended')).stdout));
  });

  it('merge keys in the selector: Flower selects what Kubernetes reads (no label lost)', () => {
    const input = withLmsWorker((doc) =>
      doc
        .replace(`  labels:\n${LABELS}\n`, `  labels: &labels\n${LABELS}\n`)
        .replace(`    matchLabels:\n${indented(LABELS, 2)}\n`, '    matchLabels: {<<: *labels}\n'),
    );
    expect(input).toContain('matchLabels: {<<: *labels}');
    const want = runStream(RENDER, configPath('flower'));
    const got = runStream(input, configPath('flower'));
    expect(got.status, got.stderr).toBe(0);
    expect(read(got.stdout)).toEqual(read(want.stdout));
    const flower = (read(got.stdout) as Record<string, any>[]).find(
      (r) => r.kind === 'Deployment' && r.metadata.name === 'flower',
    );
    expect(Object.keys(flower?.spec.template.metadata.labels ?? {})).toContain(
      'app.kubernetes.io/instance',
    );
  });

  it('merge keys resolve as kubectl resolves them (go-yaml v2: entries in order, the first merged map first)', () => {
    const text = [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: merged',
      'data:',
      '  base: &base {p: "1", q: "2"}',
      '  before: {p: "0", <<: *base}',
      '  after: {<<: *base, p: "9"}',
      '  both: {<<: [{k: first}, {k: second, j: j}]}',
      '  nested: {<<: {<<: *base, r: "3"}}',
      '',
    ].join('\n');
    const [ours] = read(text) as Record<string, any>[];
    const [kubectl] = readAsKubernetes(text) as Record<string, any>[];
    expect(ours?.data).toEqual(kubectl?.data);
    expect(ours?.data.before).toEqual({ p: '1', q: '2' });
  });
});

describe('block scalars of every style, written by js-yaml', () => {
  // js-yaml folds every long string (`>-`) and writes lines of spaces in literal blocks.
  const input = readYaml12(RENDER)
    .map((doc) => dump(doc))
    .join('---\n');

  it('gives what the render in Kustomize’s layout gives', () => {
    expect(input).toMatch(/^ {2}production\.py: [>|]/m);
    const want = runStream(RENDER, configPath('recommended'));
    const got = runStream(input, configPath('recommended'));
    expect(got.stderr).toBe(want.stderr);
    expect(read(got.stdout)).toEqual(read(want.stdout));
  });

  it('keeps the text of what it does not change: ConfigMaps, and the settings files of a changed one', () => {
    const got = runStream(input, configPath('recommended')).stdout;
    const docs = input.split('---\n');
    const caddy = docs.find((d) => d.includes('Caddyfile:')) as string;
    expect(got).toContain(caddy);
    // The LMS settings ConfigMap gets its block (and a new name); its development.py is as it was.
    const settings = docs.find((d) => /name: openedx-settings-lms/.test(d)) as string;
    const development = /\n( {2}development\.py: [\s\S]*?)\n {2}\S/.exec(settings)?.[1];
    expect(development).toMatch(/^ {2}development\.py: [>|]/);
    expect(got).toContain(development);
  });
});
