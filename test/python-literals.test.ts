// No string from the config reaches Python except as an escaped literal. The settings family
// (which writes task routes into the settings ConfigMaps' production.py) is written in parallel:
// this test runs once the output has a changed `.py` key, and is skipped with a reason until then.
//
// How: render once with plain task and queue names and once with hostile ones (quotes, triple
// quotes, backslashes, newlines, format and %-placeholders, Python statements), in the same
// shape. Python's own parser must see the same program both times but for the string constants,
// and every hostile string must be one of those constants.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { celeryQueuesConfig, fixture, RENDERS, runCli } from './helpers.js';

const PYTHON = '/usr/bin/python3'; // Debian's, as .ci/run installs it

const HOSTILE = [
  `x'); import os; os.system('id'); ('`,
  'y"); import os; os.system("id"); ("',
  '"""; import os; #',
  "'''; import os; #",
  'back\\slash\\',
  'new\nline',
  '{0.__class__}',
  '%(secret)s',
  '\\x00\\N{BULLET}',
  'lms.djangoapps.grades.tasks.compute_all_grades_for_course',
  `q'"\\{0}%(x)s$(CE_BROKER_URL)`,
];

function config(names: string[]): string {
  const routes = (service: string) =>
    Object.fromEntries(
      names.map((name, i) => [
        name,
        {
          // A queue name takes no white space, comma or control character (the schema refuses
          // them: they split lists of queues); every other hostile character stays.
          queue:
            i % 2 === 0
              ? `edx.${service}.core.high`
              : (names[(i + 1) % names.length] as string).replace(/[\s,\p{Cc}]/gu, '_'),
        },
      ]),
    );
  return celeryQueuesConfig({
    lms: { queues: { high: {} } },
    cms: { queues: { high: {} } },
    explicitQueues: { lms: routes('lms'), cms: routes('cms') },
  });
}

/** The Python files the function changed or wrote, by ConfigMap name and key. */
function changedPython(input: string, output: string): Map<string, string> {
  const before = new Set<string>();
  for (const d of parseAllDocuments(input)) {
    const r = d.toJS();
    for (const text of Object.values(r?.data ?? {})) before.add(String(text));
  }
  const changed = new Map<string, string>();
  for (const d of parseAllDocuments(output)) {
    const r = d.toJS();
    if (r?.kind !== 'ConfigMap') continue;
    for (const [key, text] of Object.entries(r.data ?? {})) {
      if (key.endsWith('.py') && !before.has(String(text))) {
        changed.set(`${r.metadata?.name}/${key}`, String(text));
      }
    }
  }
  return changed;
}

/** Python's view of a source: its AST with every string constant replaced, and those strings. */
function pythonShape(source: string): { shape: string; strings: string[] } {
  const script = `
import ast, json, sys
tree = ast.parse(sys.stdin.read())
strings = []
class Blank(ast.NodeTransformer):
    def visit_Constant(self, node):
        if isinstance(node.value, str):
            strings.append(node.value)
            return ast.copy_location(ast.Constant(value="S"), node)
        return node
shape = ast.dump(Blank().visit(tree))
print(json.dumps({"shape": shape, "strings": strings}))
`;
  const r = spawnSync(PYTHON, ['-c', script], { input: source, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`python3 cannot parse the settings: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// Task names only (queue names are checked the same way through the odd-numbered routes).
const plainNames = HOSTILE.map((_, i) => `task_${i}`);
const render = fixture(RENDERS.v20);
const run = (names: string[]) => {
  const file = `/virtual/${names === HOSTILE ? 'hostile' : 'plain'}.yaml`;
  return runCli(['--config', file], render, { [file]: config(names) });
};
const plain = run(plainNames);
const hostile = run(HOSTILE);
const plainPython = changedPython(render, plain.stdout);
const hasSettingsFamily = plainPython.size > 0;

describe('config strings in Python', () => {
  it.skipIf(!hasSettingsFamily)(
    'reach the settings only as string literals (skipped until a family writes Python settings)',
    () => {
      expect(existsSync(PYTHON)).toBe(true);
      expect(plain.status, plain.stderr).toBe(0);
      expect(hostile.status, hostile.stderr).toBe(0);
      const hostilePython = changedPython(render, hostile.stdout);
      expect([...hostilePython.keys()].length).toBe(plainPython.size);
      const plainShapes = [...plainPython.values()].map(pythonShape);
      const hostileShapes = [...hostilePython.values()].map(pythonShape);
      expect(hostileShapes.map((s) => s.shape)).toEqual(plainShapes.map((s) => s.shape));
      const literals = new Set(hostileShapes.flatMap((s) => s.strings));
      for (const name of HOSTILE) expect(literals).toContain(name);
    },
  );

  it('a config with hostile task names is accepted or refused, never half-applied', () => {
    // Whatever the settings family decides, the run is clean: exit 0 with output, or exit 1 with
    // nothing written.
    if (hostile.status === 0) expect(hostile.stderr).not.toMatch(/error/);
    else expect(hostile.stdout).toBe('');
  });
});
