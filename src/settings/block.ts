// The block of Python the function owns at the end of Tutor's production.py: task routes merged
// into edx-platform's EXPLICIT_QUEUES, and CELERY_ACKS_LATE. Task and queue names come from the
// config, so they only ever appear as Python string literals with every character outside
// printable ASCII escaped: whatever a name holds, it stays data.
import type { Route } from '../celery/edx-platform.js';

/** The first line of the block; the rest of the line is a note to readers. */
export const BLOCK_BEGIN = '# BEGIN celery-queues';
export const BLOCK_END = '# END celery-queues';
const BEGIN_LINE = `${BLOCK_BEGIN}: written by the celery-queues KRM function, replaced on every run; do not edit`;

/** A Python str literal holding exactly `s`, in printable ASCII. */
export function pyString(s: string): string {
  let out = "'";
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (c >= 0x20 && c < 0x7f) out += ch;
    else if (c < 0x100) out += `\\x${hex(c, 2)}`;
    else if (c < 0x10000) out += `\\u${hex(c, 4)}`;
    else out += `\\U${hex(c, 8)}`;
  }
  return `${out}'`;
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0');
}

/**
 * The block: routes merged into EXPLICIT_QUEUES (which edx-platform's production settings
 * define; assigned if some settings do not), then CELERY_ACKS_LATE. Nothing in it calls
 * anything but the dict's own update.
 */
export function settingsBlock(routes: readonly Route[], acksLate: boolean): string {
  const lines = [BEGIN_LINE];
  if (routes.length > 0) {
    lines.push(
      'try:',
      '    EXPLICIT_QUEUES',
      'except NameError:',
      '    EXPLICIT_QUEUES = {}',
      'EXPLICIT_QUEUES.update({',
      ...routes.map((r) => `    ${pyString(r.task)}: {'queue': ${pyString(r.queue)}},`),
      '})',
    );
  }
  lines.push(`CELERY_ACKS_LATE = ${acksLate ? 'True' : 'False'}`, BLOCK_END);
  return `${lines.join('\n')}\n`;
}

export type BlockEdit = { text: string } | { error: string };

/**
 * The file with every earlier block taken out and `block` at the end, so a re-run replaces the
 * block instead of adding a second one, and the block stays after whatever Tutor's plugins
 * appended. Nothing else in the file changes (but a missing final newline).
 */
export function withBlock(text: string, block: string): BlockEdit {
  // Read line by line from the first block's line on, if there is one: before it (most files
  // have none) nothing changes.
  const atStart = text.startsWith(BLOCK_BEGIN);
  const lineEnd = atStart ? -1 : text.indexOf(`\n${BLOCK_BEGIN}`);
  const first = atStart ? 0 : lineEnd < 0 ? -1 : lineEnd + 1;
  let rest = text;
  if (first >= 0) {
    const lines = text.slice(first).split('\n');
    const kept: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (!line.startsWith(BLOCK_BEGIN)) {
        kept.push(line);
        continue;
      }
      const end = lines.indexOf(BLOCK_END, i + 1);
      if (end < 0) {
        const number = i + 1 + (text.slice(0, first).match(/\n/g)?.length ?? 0);
        return {
          error: `line ${number} opens a celery-queues block ("${BLOCK_BEGIN}") that no "${BLOCK_END}" line closes; delete the rest of that block by hand`,
        };
      }
      i = end;
    }
    rest = text.slice(0, first) + kept.join('\n');
  }
  if (rest !== '' && !rest.endsWith('\n')) rest += '\n';
  return { text: rest + block };
}

/** The block in a file, if it has one (for tests and checks). */
export function blockOf(text: string): string | undefined {
  const lines = text.split('\n');
  const begin = lines.findIndex((l) => l.startsWith(BLOCK_BEGIN));
  if (begin < 0) return undefined;
  const end = lines.indexOf(BLOCK_END, begin + 1);
  return end < 0 ? undefined : `${lines.slice(begin, end + 1).join('\n')}\n`;
}

/**
 * The routes a block holds, read back as settingsBlock writes them (an earlier version's block
 * too): the task and queue of each `'task': {'queue': 'queue'},` line.
 */
export function routesOf(block: string): Route[] {
  const routes: Route[] = [];
  const literal = String.raw`'((?:[^'\\]|\\.)*)'`;
  const line = new RegExp(`^ {4}${literal}: \\{'queue': ${literal}\\},$`);
  for (const text of block.split('\n')) {
    const m = line.exec(text);
    if (m) routes.push({ task: fromPyString(m[1] as string), queue: fromPyString(m[2] as string) });
  }
  return routes;
}

/** The text of a Python str literal's body as pyString writes them. */
function fromPyString(body: string): string {
  return body.replace(/\\(x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8}|.)/g, (_, e: string) =>
    e.length === 1 ? e : String.fromCodePoint(Number.parseInt(e.slice(1), 16)),
  );
}
