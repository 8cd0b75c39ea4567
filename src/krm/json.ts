// Input in JSON (`kubectl get -o json`, tools that write JSON): JSON is YAML, but the engine's
// fast readers are for block style. A JSON resource is read with JSON.parse (native, and it reads
// JSON as YAML does) and, when the engine reads it as text, written in block style, as Kustomize
// prints it; unchanged, it goes out as it came.
import { canBePlain, doubleQuoted } from './text/strings.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Does this text (after `indent` columns of container) start like a JSON object? */
export function looksLikeJson(text: string, indent: number): boolean {
  for (let i = indent; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 123) return true; // {
    if (c !== 32 && c !== 10 && c !== 9 && c !== 13) return false;
  }
  return false;
}

/** The value at a path (undefined when absent). */
export function jsonAt(value: unknown, path: readonly (string | number)[]): unknown {
  let v = value;
  for (const part of path) {
    if (Array.isArray(v)) v = v[Number(part)];
    else if (isObject(v)) v = Object.hasOwn(v, part) ? v[part] : undefined;
    else return undefined;
  }
  return v;
}

/** A JSON value in block style, as Kustomize prints it (compact sequences). */
export function blockText(value: JsonObject): string {
  const out: string[] = [];
  writeMap(value, '', out);
  return out.join('');
}

function writeMap(map: JsonObject, indent: string, out: string[]): void {
  const keys = Object.keys(map);
  if (keys.length === 0) return;
  for (const key of keys) {
    const value = map[key];
    const k = scalar(key);
    if (isCollection(value)) {
      out.push(`${indent}${k}:\n`);
      if (Array.isArray(value)) writeSeq(value, indent, out);
      else writeMap(value as JsonObject, `${indent}  `, out);
    } else out.push(`${indent}${k}: ${leaf(value)}\n`);
  }
}

function writeSeq(list: unknown[], indent: string, out: string[]): void {
  for (const value of list) {
    if (!isCollection(value)) {
      out.push(`${indent}- ${leaf(value)}\n`);
      continue;
    }
    // The entry's first line goes after its dash.
    const at = out.length;
    if (Array.isArray(value)) writeSeq(value, `${indent}  `, out);
    else writeMap(value as JsonObject, `${indent}  `, out);
    out[at] = `${indent}- ${(out[at] as string).slice(indent.length + 2)}`;
  }
}

/** A non-empty array or object. */
function isCollection(value: unknown): boolean {
  return (
    (Array.isArray(value) && value.length > 0) || (isObject(value) && Object.keys(value).length > 0)
  );
}

function leaf(value: unknown): string {
  if (typeof value === 'string') return scalar(value);
  if (Array.isArray(value)) return '[]';
  if (isObject(value)) return '{}';
  return JSON.stringify(value); // numbers as JSON writes them (core YAML reads them), true, null
}

function scalar(value: string): string {
  return canBePlain(value) ? value : doubleQuoted(value);
}

// ---------------------------------------------------------------------------------------------
// A JSON ResourceList, cut into its items without parsing them

export interface JsonSplit {
  /** Each item's [start, end) in the text. */
  entries: [number, number][];
  /** The text with an empty `items` array: the envelope. */
  rest: string;
}

/**
 * The items of a ResourceList written as JSON: undefined unless the text is an object whose
 * `items` (once) is an array of objects. The items themselves are not checked here: each is
 * parsed when it is read.
 */
export function splitJsonItems(text: string): JsonSplit | undefined {
  const structure = /["{}[\]]/g;
  const entries: [number, number][] = [];
  let depth = 0;
  let key: string | undefined;
  let keyEnd = -1;
  let open = -1;
  let close = -1;
  let entryStart = -1;
  let previousEnd = -1;
  for (let m = structure.exec(text); m; m = structure.exec(text)) {
    const at = m.index;
    const c = text.charCodeAt(at);
    if (c === 34) {
      const end = stringEnd(text, at);
      if (end < 0) return undefined;
      structure.lastIndex = end + 1;
      if (depth === 1) {
        const colon = /^\s*:/.exec(text.slice(end + 1, end + 64));
        if (colon) {
          key = JSON.parse(text.slice(at, end + 1)) as string;
          keyEnd = end + 1 + colon[0].length;
        }
      }
      continue;
    }
    if (c === 123 || c === 91) {
      depth++;
      if (depth === 1 && c !== 123) return undefined;
      if (depth === 2 && key === 'items' && /^\s*$/.test(text.slice(keyEnd, at))) {
        if (open >= 0 || c !== 91) return undefined; // two items keys, or not a list
        open = at;
        previousEnd = at + 1;
      } else if (depth === 3 && open >= 0 && close < 0) {
        const between = text.slice(previousEnd, at);
        if (c !== 123 || !(entries.length === 0 ? /^\s*$/ : /^\s*,\s*$/).test(between)) {
          return undefined;
        }
        entryStart = at;
      }
      continue;
    }
    if (depth === 3 && entryStart >= 0 && close < 0) {
      entries.push([entryStart, at + 1]);
      previousEnd = at + 1;
      entryStart = -1;
    } else if (depth === 2 && open >= 0 && close < 0 && c === 93) {
      if (!/^\s*$/.test(text.slice(previousEnd, at))) return undefined;
      close = at;
    }
    depth--;
    if (depth < 0) return undefined;
  }
  if (open < 0 || close < 0 || depth !== 0) return undefined;
  return { entries, rest: text.slice(0, open + 1) + text.slice(close) };
}

/** Where a JSON string that opens at `at` closes; -1 if it does not. */
function stringEnd(text: string, at: number): number {
  for (let from = at + 1; ; ) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}
