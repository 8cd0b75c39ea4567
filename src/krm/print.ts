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
 * Whether a key reads as an array index: a plain object puts those first, before its other
 * keys, where a document keeps every key where it was put.
 */
export function isIndexKey(key: string): boolean {
  // Most keys start with a letter: no regular expression for them.
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && /^(?:0|[1-9][0-9]*)$/.test(key);
}

/**
 * A resource from `plainCopy` as yaml prints it (`printResource(docFrom(value))`); undefined
 * when a string in it is one this does not print (yaml then does). `wide`: the sequence style,
 * when it is not the resource's own (a part of a resource, printed on its own).
 */
export function printPlain(
  value: PlainResource,
  wide = hasWideSequences(value),
): string | undefined {
  const out: string[] = [];
  const keys = Object.keys(value);
  if (keys.length === 0) out.push('{}');
  else if (!map(out, value, keys, '', wide)) return undefined;
  out.push('\n');
  return out.join('');
}

/** kpt's record that the resource's file indents its sequences (`wide`), or not. */
function hasWideSequences(value: PlainResource): boolean {
  const metadata = value.metadata as Record<string, unknown> | undefined;
  const annotations = metadata?.annotations as Record<string, unknown> | undefined;
  return annotations?.[SEQ_INDENT] === 'wide';
}

// The printers push text to `out` and return false to give up. `indent` is yaml's context
// indentation: the column a collection's entries after the first start at.

/** A map with `keys` (its own, none of them left out: one Object.keys per map). */
function map(
  out: string[],
  value: Record<string, unknown>,
  keys: string[],
  indent: string,
  wide: boolean,
): boolean {
  const inner = deeper(indent);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0) out.push('\n', indent);
    const k = string(key, true, inner);
    // yaml writes keys this long as explicit `? ` keys.
    if (k === undefined || k.length > 1024) return false;
    out.push(k, ':');
    const v = value[key];
    if (Array.isArray(v)) {
      if (v.length > 0) {
        const at = wide ? inner : indent;
        out.push('\n', at);
        if (!seq(out, v, at, wide)) return false;
      } else out.push(' []');
    } else if (isObject(v)) {
      const entries = Object.keys(v);
      if (entries.length > 0) {
        out.push('\n', inner);
        if (!map(out, v, entries, inner, wide)) return false;
      } else out.push(' {}');
    } else {
      out.push(' ');
      if (!scalar(out, v, inner)) return false;
    }
  }
  return true;
}

/** A sequence of at least one item. */
function seq(out: string[], value: unknown[], indent: string, wide: boolean): boolean {
  const inner = deeper(indent);
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out.push('\n', indent);
    const v = value[i];
    if (Array.isArray(v)) {
      if (v.length === 0) out.push('- []');
      else {
        out.push('- ');
        if (!seq(out, v, inner, wide)) return false;
      }
    } else if (isObject(v)) {
      const entries = Object.keys(v);
      if (entries.length === 0) out.push('- {}');
      else {
        out.push('- ');
        if (!map(out, v, entries, inner, wide)) return false;
      }
    } else {
      out.push('- ');
      if (!scalar(out, v, inner)) return false;
    }
  }
  return true;
}

// Indentations, made once each: every map and sequence asks for the next one.
const indents: string[] = [''];

function deeper(indent: string): string {
  const depth = indent.length / 2 + 1;
  let next = indents[depth];
  if (next === undefined) {
    next = `${indent}  `;
    indents[depth] = next;
  }
  return next;
}

/** A string, number, boolean or null; `indent`: the context's (a block scalar's lines). */
function scalar(out: string[], v: unknown, indent: string): boolean {
  if (typeof v === 'string') {
    const s = string(v, false, indent);
    if (s === undefined) return false;
    out.push(s);
  } else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  else out.push('null');
  return true;
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
