// Golden files (test/golden/, described in its README.md). An output the function makes from an
// input is stored as the unified diff of the output against that input, the way kpt's function
// catalog stores `.expected/diff.patch`: a reviewer reads only what the function changed. Other
// goldens (stderr) are stored whole.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { applyPatch, createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { expect } from 'vitest';
import { fixture, RENDERS, ROOT, twoInstances, withFunctionConfig } from './helpers.js';

export const GOLDEN = join(ROOT, 'test', 'golden');

interface GoldenInput {
  text: () => string;
  /** How the input is made, when it is no file of the repository (the diff's header says it). */
  madeOf?: string;
}

const KRM = {
  kustomize: 'krm/kustomize-4.5.4-exec-input.yaml',
  kpt: 'krm/kpt-1.0.0-beta.56-eval-input.yaml',
} as const;

/**
 * The inputs the goldens are made from, by the name a golden diff's `---` line gives them: a file
 * of the repository, which `git apply --check` and `patch -p1` find from the repository's root,
 * or an input composed here from such files.
 */
export const GOLDEN_INPUTS: Record<string, GoldenInput> = {
  ...Object.fromEntries(
    Object.values(RENDERS).map((f) => [`test/fixtures/${f}`, { text: () => fixture(f) }]),
  ),
  'two-instances': {
    text: twoInstances,
    madeOf: `test/fixtures/${RENDERS.v20}, a --- line, test/fixtures/${RENDERS.custom}`,
  },
  'kustomize-4.5.4-input.recommended': {
    text: () => withFunctionConfig(fixture(KRM.kustomize), 'recommended'),
    madeOf: `test/fixtures/${KRM.kustomize} with test/configs/recommended.yaml as functionConfig`,
  },
  'kpt-1.0.0-beta.56-input.partial': {
    text: () => withFunctionConfig(fixture(KRM.kpt), 'partial'),
    madeOf: `test/fixtures/${KRM.kpt} with test/configs/partial.yaml as functionConfig`,
  },
};

/** The name of a known input by its text; a golden of an unknown input could not be rebuilt. */
function inputName(input: string): string {
  for (const [name, known] of Object.entries(GOLDEN_INPUTS)) {
    if (known.text() === input) return name;
  }
  throw new Error('the input of a golden diff must be one of GOLDEN_INPUTS in test/golden.ts');
}

/**
 * The unified diff of `output` against the input of this name (3 lines of context, git's `a/`
 * and `b/` prefixes, no timestamps): what a golden diff file holds.
 */
export function goldenDiff(name: string, input: string, output: string): string {
  const madeOf = GOLDEN_INPUTS[name]?.madeOf;
  return createTwoFilesPatch(`a/${name}`, `b/${name}`, input, output, madeOf, madeOf, {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  });
}

/** The output a golden diff stands for: the diff applied to its input, or undefined if it fails. */
export function applyGoldenDiff(input: string, diff: string): string | undefined {
  const out = applyPatch(input, diff, { autoConvertLineEndings: false });
  return out === false ? undefined : out;
}

function writeGolden(name: string, text: string, path: string): void {
  if (process.env.UPDATE_GOLDEN === '1' || !existsSync(path)) {
    if (process.env.CI && !existsSync(path)) throw new Error(`golden file ${name} is missing`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
}

/**
 * Compares `actual` with the golden file test/golden/<name>, stored whole; UPDATE_GOLDEN=1
 * rewrites it. Review a rewritten golden file like code: it is the function's documented behaviour.
 */
export function expectGolden(name: string, actual: string): void {
  const path = join(GOLDEN, name);
  writeGolden(name, actual, path);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

/**
 * Compares the output the function made from `input` with the golden diff test/golden/<name>
 * (a `.diff` file); UPDATE_GOLDEN=1 rewrites it.
 */
export function expectGoldenDiff(name: string, input: string, actual: string): void {
  if (!name.endsWith('.diff')) throw new Error(`golden diff ${name} must end in .diff`);
  const path = join(GOLDEN, name);
  const from = inputName(input);
  writeGolden(name, goldenDiff(from, input, actual), path);
  checkGoldenDiff(name, readFileSync(path, 'utf8'), from, input, actual);
}

/**
 * The check of a golden diff `stored` against the output `actual` made from the input named
 * `from`. A failure shows the difference between the stored diff and the diff of this output: how
 * the function's changes changed. Then the stored diff, applied to the input, must give the output
 * byte for byte, so no change anywhere in the output can pass.
 */
export function checkGoldenDiff(
  name: string,
  stored: string,
  from: string,
  input: string,
  actual: string,
): void {
  expect(
    goldenDiff(from, input, actual),
    `test/golden/${name}: the output's diff against its input changed (UPDATE_GOLDEN=1 rewrites it)`,
  ).toBe(stored);
  expect(applyGoldenDiff(input, stored) === actual, `${name} applied to its input`).toBe(true);
}

/** The name of the input a golden diff was made from, off its `--- a/` line. */
export function goldenInputName(diff: string): string {
  const name = /^--- a\/([^\t\n]+)/m.exec(diff)?.[1];
  if (name === undefined) throw new Error('a golden diff has no "--- a/" line');
  return name;
}

/**
 * Every golden diff under test/golden/ with the whole output it stands for (its input with the
 * diff applied), for the checks that read whole outputs (Kubernetes schemas, KEDA's webhook).
 */
export function goldenOutputs(): { name: string; output: string }[] {
  const names = readdirSync(GOLDEN, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.diff'))
    .sort();
  return names.map((name) => {
    const diff = readFileSync(join(GOLDEN, name), 'utf8');
    const from = goldenInputName(diff);
    const input = GOLDEN_INPUTS[from];
    if (!input) throw new Error(`${name}: its input ${from} is not in GOLDEN_INPUTS`);
    const output = applyGoldenDiff(input.text(), diff);
    if (output === undefined) throw new Error(`${name} does not apply to its input ${from}`);
    return { name, output };
  });
}
