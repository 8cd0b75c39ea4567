// The Python block in production.py: table tests for the text, and the real python3 executing
// it. Task and queue names come from users' configs: whatever they hold, they must stay data.
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Route } from '../src/celery/edx-platform.js';
import {
  BLOCK_BEGIN,
  BLOCK_END,
  blockOf,
  pyString,
  settingsBlock,
  withBlock,
} from '../src/settings/block.js';
import { fixture, RENDERS, resources } from './helpers.js';

// Debian's python3: the one the other tests use for celery (any python3 would do here).
const PYTHON = '/usr/bin/python3';

// Checks each block's syntax tree (only names, constants, dicts, one try, and calls of
// EXPLICIT_QUEUES.update), then runs it with no builtins but NameError and an audit hook that
// records anything Python would report (imports, os calls, open, ...).
const HARNESS = `
import ast, json, sys
ALLOWED = (ast.Module, ast.Try, ast.ExceptHandler, ast.Expr, ast.Name, ast.Load, ast.Store,
           ast.Assign, ast.Dict, ast.Constant, ast.Call, ast.Attribute)
NAMES = {'EXPLICIT_QUEUES', 'CELERY_ACKS_LATE', 'NameError'}
events = []
recording = [False]
def hook(event, args):
    if recording[0] and event != 'exec':
        events.append(event)
sys.addaudithook(hook)
out = []
for case in json.load(sys.stdin):
    tree = ast.parse(case['source'])
    for node in ast.walk(tree):
        if not isinstance(node, ALLOWED):
            sys.exit('not allowed: ' + type(node).__name__)
        if isinstance(node, ast.Name) and node.id not in NAMES:
            sys.exit('unknown name: ' + node.id)
        if isinstance(node, ast.Call):
            f = node.func
            if not (isinstance(f, ast.Attribute) and f.attr == 'update'
                    and isinstance(f.value, ast.Name) and f.value.id == 'EXPLICIT_QUEUES'):
                sys.exit('a call other than EXPLICIT_QUEUES.update')
    code = compile(tree, 'production.py', 'exec')
    scope = {'__builtins__': {'NameError': NameError}}
    if case['predefined'] is not None:
        scope['EXPLICIT_QUEUES'] = case['predefined']
    recording[0] = True
    exec(code, scope)
    recording[0] = False
    out.append({k: scope[k] for k in ('EXPLICIT_QUEUES', 'CELERY_ACKS_LATE') if k in scope})
json.dump({'results': out, 'events': events}, sys.stdout)
`;

interface Case {
  source: string;
  predefined: Record<string, { queue: string }> | null;
}
interface Outcome {
  EXPLICIT_QUEUES?: Record<string, { queue: string }>;
  CELERY_ACKS_LATE?: boolean;
}

function runPython(cases: Case[]): Outcome[] {
  const r = spawnSync(PYTHON, ['-c', HARNESS], {
    input: JSON.stringify(cases),
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) throw new Error(`python3 failed: ${r.stderr}`);
  const { results, events } = JSON.parse(r.stdout) as { results: Outcome[]; events: string[] };
  expect(events).toEqual([]);
  return results;
}

const routesDict = (routes: Route[]) =>
  Object.fromEntries(routes.map((r) => [r.task, { queue: r.queue }]));

const HOSTILE: Route[] = [
  { task: "'); import os; os.system('touch /tmp/pwned')#", queue: 'edx.lms.core.high' },
  { task: 'quote"double', queue: "it's" },
  { task: 'back\\slash\\', queue: '\\' },
  { task: 'new\nline\r\n# END celery-queues\nimport os', queue: '\n' },
  { task: "'''", queue: '"""' },
  { task: 'nul\u0000tab\tbell\u0007del\u007f', queue: '\u0085\u2028\u2029' },
  { task: 'é ü 中文 \u{1f600}', queue: 'edx.lms.core.högh' },
  { task: 'lone \ud800 surrogate', queue: '\udfff' },
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a task name, not a template
  { task: '{0}%s${x}', queue: '}' },
  { task: '', queue: ' ' },
  { task: 'x'.repeat(2000), queue: 'q' },
];

describe('pyString', () => {
  it.each([
    ['plain', "'plain'"],
    ["it's", "'it\\'s'"],
    ['a\\b', "'a\\\\b'"],
    ['line\nbreak', "'line\\x0abreak'"],
    ['é', "'\\xe9'"],
    ['中', "'\\u4e2d'"],
    ['\u{1f600}', "'\\U0001f600'"],
  ])('%j is %s', (value, literal) => {
    expect(pyString(value)).toBe(literal);
  });

  it('writes printable ASCII only, so the block is one line per route', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        expect(pyString(s)).toMatch(/^'[\x20-\x7e]*'$/);
      }),
      { seed: 20261128 },
    );
  });
});

describe('settingsBlock', () => {
  it('merges routes into EXPLICIT_QUEUES and sets CELERY_ACKS_LATE, between the markers', () => {
    expect(
      settingsBlock(
        [
          {
            task: 'lms.djangoapps.grades.tasks.compute_all_grades_for_course',
            queue: 'edx.lms.core.high_mem',
          },
        ],
        true,
      ),
    ).toBe(
      `${BLOCK_BEGIN}: written by the celery-queues KRM function, replaced on every run; do not edit
try:
    EXPLICIT_QUEUES
except NameError:
    EXPLICIT_QUEUES = {}
EXPLICIT_QUEUES.update({
    'lms.djangoapps.grades.tasks.compute_all_grades_for_course': {'queue': 'edx.lms.core.high_mem'},
})
CELERY_ACKS_LATE = True
${BLOCK_END}
`,
    );
  });

  it('without routes, sets only CELERY_ACKS_LATE', () => {
    expect(settingsBlock([], false)).toBe(
      `${BLOCK_BEGIN}: written by the celery-queues KRM function, replaced on every run; do not edit\nCELERY_ACKS_LATE = False\n${BLOCK_END}\n`,
    );
  });
});

describe('withBlock', () => {
  const block = settingsBlock([], true);
  const other = settingsBlock([{ task: 't', queue: 'q' }], true);

  it.each([
    ['appends after a final newline', 'A = 1\n\n', `A = 1\n\n${block}`],
    ['adds a missing final newline first', 'A = 1', `A = 1\n${block}`],
    ['fills an empty file', '', block],
    ['replaces its own block at the end', `A = 1\n\n${other}`, `A = 1\n\n${block}`],
    [
      'moves a block that is not last to the end',
      `A = 1\n${other}B = 2\n`,
      `A = 1\nB = 2\n${block}`,
    ],
    ['leaves one block of several', `${other}A = 1\n${other}`, `A = 1\n${block}`],
  ])('%s', (_, text, expected) => {
    expect(withBlock(text, block)).toEqual({ text: expected });
    // A second run changes nothing.
    expect(withBlock(expected, block)).toEqual({ text: expected });
  });

  it('refuses a block that is opened and never closed, naming the line', () => {
    const result = withBlock(`A = 1\n\n${other}${BLOCK_BEGIN}: x\nB = 2\n`, block);
    expect(result).toEqual({
      error: `line 13 opens a celery-queues block ("${BLOCK_BEGIN}") that no "${BLOCK_END}" line closes; delete the rest of that block by hand`,
    });
  });

  it('is not fooled by a route whose name holds the end marker', () => {
    const hostile = settingsBlock(HOSTILE, true);
    const text = withBlock('A = 1\n', hostile) as { text: string };
    expect(withBlock(text.text, hostile)).toEqual(text);
    expect(withBlock(text.text, block)).toEqual({ text: `A = 1\n${block}` });
    expect(blockOf(text.text)).toBe(hostile);
  });
});

describe('python3 runs the block', () => {
  const predefined = {
    'lms.djangoapps.instructor_task.tasks.calculate_grades_csv': { queue: 'edx.lms.core.high_mem' },
    "'); import os; os.system('touch /tmp/pwned')#": { queue: 'replaced' },
  };

  it('merges into a predefined EXPLICIT_QUEUES, or assigns it; names stay data', () => {
    const source = settingsBlock(HOSTILE, true);
    const [merged, assigned] = runPython([
      { source, predefined },
      { source, predefined: null },
    ]);
    expect(merged).toEqual({
      EXPLICIT_QUEUES: { ...predefined, ...routesDict(HOSTILE) },
      CELERY_ACKS_LATE: true,
    });
    expect(assigned).toEqual({ EXPLICIT_QUEUES: routesDict(HOSTILE), CELERY_ACKS_LATE: true });
  });

  it('the check itself refuses code that imports or calls anything', () => {
    expect(() => runPython([{ source: 'import os\n', predefined: null }])).toThrow(
      'not allowed: Import',
    );
    expect(() =>
      runPython([{ source: "EXPLICIT_QUEUES = {}\nEXPLICIT_QUEUES.get('x')\n", predefined: null }]),
    ).toThrow('a call other than EXPLICIT_QUEUES.update');
  });

  it('without routes leaves EXPLICIT_QUEUES as it was', () => {
    const source = settingsBlock([], false);
    expect(
      runPython([
        { source, predefined },
        { source, predefined: null },
      ]),
    ).toEqual([
      { EXPLICIT_QUEUES: predefined, CELERY_ACKS_LATE: false },
      { CELERY_ACKS_LATE: false },
    ]);
  });

  it('gives back any task and queue names exactly (property, one python3 run)', () => {
    const name = fc.string({ unit: 'binary', maxLength: 30 });
    const routesArb = fc.uniqueArray(fc.record({ task: name, queue: name }), {
      selector: (r) => r.task,
      maxLength: 6,
    });
    const samples = fc.sample(fc.tuple(routesArb, fc.boolean()), { seed: 20261128, numRuns: 300 });
    const outcomes = runPython(
      samples.map(([routes, acks]) => ({ source: settingsBlock(routes, acks), predefined: {} })),
    );
    samples.forEach(([routes, acks], i) => {
      expect(outcomes[i]).toEqual({ EXPLICIT_QUEUES: routesDict(routes), CELERY_ACKS_LATE: acks });
    });
  });

  it('in the real production.py: the file still parses, and its block runs as written', () => {
    const settings = resources(fixture(RENDERS.v20)).find((r) =>
      r.metadata.name.startsWith('openedx-settings-lms-'),
    ) as Record<string, any>;
    const text = (
      withBlock(settings.data['production.py'], settingsBlock(HOSTILE, true)) as {
        text: string;
      }
    ).text;
    const parsed = spawnSync(PYTHON, ['-c', 'import ast,sys; ast.parse(sys.stdin.read())'], {
      input: text,
      encoding: 'utf8',
    });
    expect(parsed.stderr).toBe('');
    expect(parsed.status).toBe(0);
    const [outcome] = runPython([{ source: blockOf(text) as string, predefined }]);
    expect(outcome?.EXPLICIT_QUEUES).toEqual({ ...predefined, ...routesDict(HOSTILE) });
  });
});
