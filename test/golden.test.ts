// The golden files themselves (test/golden.ts, test/golden/README.md): every whole output is
// stored as a diff against a known input, the diff stands for exactly one output, git reads it as
// we do, and the check fails on any change of the output.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  applyGoldenDiff,
  checkGoldenDiff,
  GOLDEN,
  GOLDEN_INPUTS,
  goldenDiff,
  goldenInputName,
  goldenOutputs,
} from './golden.js';
import { ROOT } from './helpers.js';
import { remove, run, scratch } from './tools.js';

const files = readdirSync(GOLDEN, { recursive: true, encoding: 'utf8' }).filter(
  (f) => !f.endsWith('README.md') && f.includes('.'),
);
const diffs = files.filter((f) => f.endsWith('.diff'));

const dir = scratch('golden');
afterAll(() => remove(dir));

const git = (args: string[], cwd: string) => run('git', args, { cwd });

describe('test/golden/', () => {
  it('holds whole outputs only as diffs against their input; stderr goldens, reports and the config messages whole', () => {
    expect(diffs.length).toBeGreaterThanOrEqual(31);
    const whole = (f: string) =>
      f.endsWith('.stderr') ||
      (f.startsWith('report/') && /\.(md|json|mmd)$/.test(f)) ||
      f === join('config', 'messages.txt');
    expect(files.filter((f) => !f.endsWith('.diff') && !whole(f))).toEqual([]);
  });

  it('names in every diff an input of GOLDEN_INPUTS, to which it applies', () => {
    expect(goldenOutputs().map((g) => g.name)).toEqual([...diffs].sort());
  });

  // Whose input is a file of the repository (the others are composed in test/golden.ts).
  const ofFiles = diffs.filter((name) =>
    existsSync(join(ROOT, goldenInputName(readFileSync(join(GOLDEN, name), 'utf8')))),
  );

  it.each(ofFiles)('%s: git apply --check takes it from the repository root', (name) => {
    expect(ofFiles.length).toBeGreaterThanOrEqual(20);
    const r = git(['apply', '--check', join(GOLDEN, name)], ROOT);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(diffs)('%s: git apply makes the same output from its input as the tests', (name) => {
    const diff = readFileSync(join(GOLDEN, name), 'utf8');
    const from = goldenInputName(diff);
    const input = GOLDEN_INPUTS[from]?.text() ?? '';
    const at = join(dir, name);
    mkdirSync(dirname(join(at, from)), { recursive: true });
    writeFileSync(join(at, from), input);
    const r = git(['apply', join(GOLDEN, name)], at);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const output = readFileSync(join(at, from), 'utf8');
    expect(output).not.toBe(input);
    expect(output === applyGoldenDiff(input, diff)).toBe(true);
  });
});

describe('a golden diff', () => {
  // Texts of few distinct lines, so that diffs have context; with and without a final newline.
  const line = fc.constantFrom('a: 1', 'b: 2', '- c', '', '  d: "x y"', 'e: \\', 'f:\r', ' ');
  const text = fc
    .tuple(fc.array(line, { maxLength: 30 }), fc.boolean())
    .map(([lines, end]) => lines.join('\n') + (end && lines.length > 0 ? '\n' : ''));

  it('applied to its input gives back the output, byte for byte (so one diff, one output)', () => {
    fc.assert(
      fc.property(text, text, (input, output) => {
        const diff = goldenDiff('test/fixtures/x.yaml', input, output);
        expect(applyGoldenDiff(input, diff)).toBe(output);
      }),
      { seed: 20261205, numRuns: 2000 },
    );
  });

  it('fails the check when the output changes anywhere, the final newline included', () => {
    const [first] = goldenOutputs();
    if (!first) throw new Error('no golden diff');
    const stored = readFileSync(join(GOLDEN, first.name), 'utf8');
    const from = goldenInputName(stored);
    const input = GOLDEN_INPUTS[from]?.text() ?? '';
    checkGoldenDiff(first.name, stored, from, input, first.output);
    const at = first.output.length >> 1;
    for (const changed of [
      first.output.slice(0, -1),
      `${first.output}\n`,
      `#\n${first.output}`,
      `${first.output.slice(0, at)}X${first.output.slice(at + 1)}`,
      input,
    ]) {
      expect(() => checkGoldenDiff(first.name, stored, from, input, changed)).toThrow(
        /the output's diff against its input changed/,
      );
    }
  });
});
