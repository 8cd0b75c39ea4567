// Printing the resources the function writes, straight from plain data: they are known shapes
// (maps, lists, strings, whole numbers, booleans), and building a yaml Document for each only
// to print it cost more than the rest of a run with every family on. The text is the one
// `printDoc(docFrom(value))` gives, byte for byte (test/print.test.ts holds the two to each
// other over generated values); what this does not know how to print, it leaves to yaml.
import { isObject } from './json.js';
import { SEQ_INDENT } from './k8s.js';
import { needsEscapes, readsAsStringEverywhere } from './text/strings.js';
import { writeNewString } from './yaml.js';

/** A resource as plain data: what families build and `docFrom` takes. */
export type PlainResource = Record<string, unknown>;

/**
 * A deep copy of a resource in the subset this file prints: plain objects and arrays, strings,
 * safe integers, booleans and null; keys whose value is undefined left out, as yaml leaves
 * them. Undefined for anything else (other numbers, class instances, an object met twice,
 * which yaml would print as an anchor and aliases): such a resource goes through yaml.
 */
export function plainCopy(value: PlainResource): PlainResource | undefined {
  const seen = new Set<object>();
  const copy = (v: unknown): unknown => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number') return Number.isSafeInteger(v) && !Object.is(v, -0) ? v : FAIL;
    if (typeof v !== 'object' || seen.has(v)) return FAIL;
    seen.add(v);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const item of v) {
        const c = item === undefined ? FAIL : copy(item);
        if (c === FAIL) return FAIL;
        out.push(c);
      }
      return out;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return FAIL;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      const item = (v as Record<string, unknown>)[key];
      if (item === undefined) continue;
      const c = copy(item);
      if (c === FAIL || key === '__proto__') return FAIL;
      out[key] = c;
    }
    return out;
  };
  const out = copy(value);
  return out === FAIL ? undefined : (out as PlainResource);
}

const FAIL = Symbol('fail');

/**
 * A resource from `plainCopy` as yaml prints it (`printResource(docFrom(value))`); undefined
 * when a string in it is one this does not print (yaml then does).
 */
export function printPlain(value: PlainResource): string | undefined {
  const metadata = value.metadata as Record<string, unknown> | undefined;
  const annotations = metadata?.annotations as Record<string, unknown> | undefined;
  const wide = annotations?.[SEQ_INDENT] === 'wide';
  const keys = Object.keys(value);
  const text = keys.length === 0 ? '{}' : map(value, keys, 0, wide);
  return text === undefined ? undefined : `${text}\n`;
}

// The printers return their text, or undefined to give up. They concatenate strings rather than
// join an array of pieces: V8 joins the pieces once, when the text is written, and no array is
// made. `depth` is yaml's context indentation, in steps of two columns: the column a
// collection's entries after the first start at.

/** A map with `keys` (its own, none of them left out: one Object.keys per map). */
function map(
  value: Record<string, unknown>,
  keys: string[],
  depth: number,
  wide: boolean,
): string | undefined {
  const inner = indentAt(depth + 1);
  let text = '';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    const k = string(key, true, inner);
    // yaml writes keys this long as explicit `? ` keys.
    if (k === undefined || k.length > 1024) return undefined;
    const v = afterKey(value[key], depth, wide);
    if (v === undefined) return undefined;
    text += i > 0 ? `${lineAt(depth)}${k}${v}` : `${k}${v}`;
  }
  return text;
}

/** What follows a key at `depth`: `: ` and a scalar or empty collection, or the lines below. */
function afterKey(v: unknown, depth: number, wide: boolean): string | undefined {
  if (Array.isArray(v)) {
    if (v.length === 0) return ': []';
    const at = wide ? depth + 1 : depth;
    const items = seq(v, at, wide);
    return items === undefined ? undefined : `:${lineAt(at)}${items}`;
  }
  if (isObject(v)) {
    const keys = Object.keys(v);
    if (keys.length === 0) return ': {}';
    const entries = map(v, keys, depth + 1, wide);
    return entries === undefined ? undefined : `:${lineAt(depth + 1)}${entries}`;
  }
  const s = scalar(v, depth + 1);
  return s === undefined ? undefined : `: ${s}`;
}

/** A sequence of at least one item. */
function seq(value: unknown[], depth: number, wide: boolean): string | undefined {
  let text = '';
  for (let i = 0; i < value.length; i++) {
    const v = value[i];
    let item: string | undefined;
    if (Array.isArray(v)) item = v.length === 0 ? '[]' : seq(v, depth + 1, wide);
    else if (isObject(v)) {
      const keys = Object.keys(v);
      item = keys.length === 0 ? '{}' : map(v, keys, depth + 1, wide);
    } else item = scalar(v, depth + 1);
    if (item === undefined) return undefined;
    text += i > 0 ? `${lineAt(depth)}- ${item}` : `- ${item}`;
  }
  return text;
}

// Indentations by depth, and a line break with each, made once: every entry asks for one.
const indents: string[] = [''];
const lines: string[] = ['\n'];

function indentAt(depth: number): string {
  let indent = indents[depth];
  if (indent === undefined) {
    indent = '  '.repeat(depth);
    indents[depth] = indent;
  }
  return indent;
}

function lineAt(depth: number): string {
  let line = lines[depth];
  if (line === undefined) {
    line = `\n${indentAt(depth)}`;
    lines[depth] = line;
  }
  return line;
}

/** A string, number, boolean or null; at `depth` (a block scalar's lines go there). */
function scalar(v: unknown, depth: number): string | undefined {
  if (typeof v === 'string') return string(v, false, indentAt(depth));
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return 'null';
}

// ---------------------------------------------------------------------------------------------
// Strings, as printDoc writes them (src/krm/yaml.ts, writeNewString).

const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

// One line without a document marker prints the same at any depth: kept, since the same keys and
// names come back in every resource.
const printedLines = [new Map<string, string>(), new Map<string, string>()];

function string(value: string, implicitKey: boolean, indent: string): string | undefined {
  if (!implicitKey) {
    const block = literalBlock(value, indent);
    if (block !== undefined) return block;
  }
  const cache = printedLines[implicitKey ? 1 : 0] as Map<string, string>;
  const cached = cache.get(value);
  if (cached !== undefined) return cached;
  const out = writeNewString(value, implicitKey, indent);
  if (!value.includes('\n') && !DOCUMENT_MARKER.test(value)) {
    if (cache.size > 100_000) cache.clear();
    cache.set(value, out);
  }
  return out;
}

/**
 * A value over several lines in the one form yaml gives most of them (a dashboard's JSON, a
 * script): a literal block without indicators, each line at `indent`. Undefined for any other
 * form: escapes, a first line that starts with white space, white space or blank lines at the
 * end, a text some reader takes for no string. yaml's writer checks the block by reading it
 * back, which cost more than printing the rest of the resource; in this form it always reads
 * back (test/print.test.ts holds the two writers to each other).
 */
export function literalBlock(value: string, indent: string): string | undefined {
  const n = value.length;
  if (indent === '' || n < 2 || value.charCodeAt(n - 1) !== 10) return undefined;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(n - 2);
  if (first === 32 || first === 9 || first === 10) return undefined;
  if (last === 32 || last === 9 || last === 10) return undefined;
  if (needsEscapes(value) || !readsAsStringEverywhere(value)) return undefined;
  const body = value.slice(0, -1);
  // A blank line takes no indentation; without one, a plain replaceAll, several times faster.
  const lines = body.includes('\n\n')
    ? body.replace(LINE_BREAKS, `$&${indent}`)
    : body.replaceAll('\n', `\n${indent}`);
  return `|\n${indent}${lines}`;
}

const LINE_BREAKS = /\n+/g;
