// Printing the resources the function writes, straight from plain data: they are known shapes
// (maps, lists, strings, whole numbers, booleans), and building a yaml Document for each only
// to print it cost more than the rest of a run with every family on. The text is the one
// `printDoc(docFrom(value))` gives, byte for byte (test/print.test.ts holds the two to each
// other over generated values); what this does not know how to print, it leaves to yaml.
import { Document, type Schema } from 'yaml';
import { isAmbiguousInYaml11, parseOptions } from './yaml.js';

/** A resource as plain data: what families build and `docFrom` takes. */
export type PlainResource = Record<string, unknown>;

/** kpt's record of a file's sequence style (see Edit.place). */
const SEQ_INDENT = 'internal.config.kubernetes.io/seqindent';

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
  const out: string[] = [];
  if (!map(out, value, '', wide)) return undefined;
  out.push('\n');
  return out.join('');
}

// The printers push text to `out` and return false to give up. `indent` is yaml's context
// indentation: the column a collection's entries after the first start at.

function map(
  out: string[],
  value: Record<string, unknown>,
  indent: string,
  wide: boolean,
): boolean {
  const keys = Object.keys(value);
  if (keys.length === 0) {
    out.push('{}');
    return true;
  }
  const inner = `${indent}  `;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string;
    if (i > 0) out.push('\n', indent);
    const k = string(key, true, inner);
    // yaml writes keys this long as explicit `? ` keys.
    if (k === undefined || k.length > 1024) return false;
    out.push(k, ':');
    const v = value[key];
    if (Array.isArray(v) && v.length > 0) {
      const at = wide ? inner : indent;
      out.push('\n', at);
      if (!seq(out, v, at, wide)) return false;
    } else if (isMap(v) && Object.keys(v).length > 0) {
      out.push('\n', inner);
      if (!map(out, v, inner, wide)) return false;
    } else {
      out.push(' ');
      if (!leaf(out, v, inner)) return false;
    }
  }
  return true;
}

function seq(out: string[], value: unknown[], indent: string, wide: boolean): boolean {
  if (value.length === 0) {
    out.push('[]');
    return true;
  }
  const inner = `${indent}  `;
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out.push('\n', indent);
    out.push('- ');
    const v = value[i];
    if (Array.isArray(v) && v.length > 0) {
      if (!seq(out, v, inner, wide)) return false;
    } else if (isMap(v) && Object.keys(v).length > 0) {
      if (!map(out, v, inner, wide)) return false;
    } else if (!leaf(out, v, inner)) return false;
  }
  return true;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A scalar or an empty collection; `indent`: the context's (a block scalar's lines). */
function leaf(out: string[], v: unknown, indent: string): boolean {
  if (typeof v === 'string') {
    const s = string(v, false, indent);
    if (s === undefined) return false;
    out.push(s);
  } else if (typeof v === 'number' || typeof v === 'boolean') out.push(String(v));
  else if (v === null) out.push('null');
  else if (Array.isArray(v)) out.push('[]');
  else out.push('{}');
  return true;
}

// ---------------------------------------------------------------------------------------------
// Strings, as yaml's stringifyString (yaml 2.9) writes them with the options of printDoc: no
// line folding, double-quoted strings never over several lines, strings YAML 1.1 would read
// as something else double-quoted (quoteAmbiguousStrings).

// biome-ignore lint/suspicious/noControlCharactersInRegex: the characters yaml double-quotes.
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u;
const NOT_PLAIN =
  /^[\n\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|[\n:][ \t]|[ \t]\n|[\n\t ]#|[\n\t :]$/;
const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

let schema: Schema | undefined;

/** Would the core schema (with 1.1 octals, as parseOptions has it) read this plain as no string? */
function readsAsOther(text: string): boolean {
  schema ??= new Document(null, parseOptions).schema;
  return schema.tags.some(
    (tag) =>
      Boolean(tag.default) &&
      tag.tag !== 'tag:yaml.org,2002:str' &&
      (tag as { test?: RegExp }).test?.test(text) === true,
  );
}

// One line without a document marker prints the same as a key and as a value at any depth: kept,
// since the same keys and names come back in every resource.
const printedLines = new Map<string, string | undefined>();

function string(value: string, implicitKey: boolean, indent: string): string | undefined {
  const cached = printedLines.get(value);
  if (cached !== undefined) return cached;
  const out = stringOf(value, implicitKey, indent);
  if (!value.includes('\n') && !DOCUMENT_MARKER.test(value)) {
    if (printedLines.size > 100_000) printedLines.clear();
    printedLines.set(value, out);
  }
  return out;
}

function stringOf(value: string, implicitKey: boolean, indent: string): string | undefined {
  if (CONTROL.test(value) || isAmbiguousInYaml11(value)) return doubleQuoted(value);
  if (implicitKey && value.includes('\n')) return quoted(value, implicitKey);
  if (NOT_PLAIN.test(value)) {
    return implicitKey || !value.includes('\n')
      ? quoted(value, implicitKey)
      : block(value, indent, implicitKey);
  }
  if (!implicitKey && value.includes('\n')) return block(value, indent, implicitKey);
  // At the top level a key's context indentation is one step: yaml quotes a marker there.
  if (DOCUMENT_MARKER.test(value) && implicitKey && indent === '  ') {
    return quoted(value, implicitKey);
  }
  if (readsAsOther(value)) return quoted(value, implicitKey);
  return value;
}

function quoted(value: string, implicitKey: boolean): string | undefined {
  const hasDouble = value.includes('"');
  const hasSingle = value.includes("'");
  if (hasDouble && !hasSingle) {
    if ((implicitKey && value.includes('\n')) || /[ \t]\n|\n[ \t]/.test(value)) {
      return doubleQuoted(value);
    }
    // Over several lines, single quotes take the context's indentation: yaml's business.
    if (value.includes('\n')) return undefined;
    return `'${value.replace(/'/g, "''")}'`;
  }
  return doubleQuoted(value);
}

const NAMED_ESCAPES: Record<string, string> = {
  '0000': '\\0',
  '0007': '\\a',
  '000b': '\\v',
  '001b': '\\e',
  '0085': '\\N',
  '00a0': '\\_',
  '2028': '\\L',
  '2029': '\\P',
};

/** JSON's escapes in YAML's spelling; a space before an escaped line break escaped too. */
function doubleQuoted(value: string): string {
  const json = JSON.stringify(value);
  if (!json.includes('\\')) return json;
  let str = '';
  let start = 0;
  for (let i = 0; i < json.length; i++) {
    let ch = json[i];
    if (ch === ' ' && json[i + 1] === '\\' && json[i + 2] === 'n') {
      str += `${json.slice(start, i)}\\ `;
      i += 1;
      start = i;
      ch = '\\';
    }
    if (ch !== '\\') continue;
    if (json[i + 1] === 'u') {
      str += json.slice(start, i);
      const code = json.substr(i + 2, 4);
      str +=
        NAMED_ESCAPES[code] ?? (code.startsWith('00') ? `\\x${code.slice(2)}` : json.substr(i, 6));
      i += 5;
      start = i + 1;
    } else i += 1;
  }
  return start ? str + json.slice(start) : json;
}

// The negative lookbehind as yaml has it: runs of line breaks not at the start of the text.
const BLOCK_END_NEWLINES = /(^|(?<!\n))\n+(?!\n|$)/g;

/** A string over several lines as a literal block scalar (yaml's blockString, not folded). */
function block(value: string, indent: string, implicitKey: boolean): string | undefined {
  if (/\n[\t ]+$/.test(value)) return quoted(value, implicitKey);
  let endStart = value.length;
  while (endStart > 0) {
    const ch = value[endStart - 1];
    if (ch !== '\n' && ch !== '\t' && ch !== ' ') break;
    endStart--;
  }
  let end = value.substring(endStart);
  const endNl = end.indexOf('\n');
  const chomp = endNl === -1 ? '-' : value === end || endNl !== end.length - 1 ? '+' : '';
  let body = value;
  if (end) {
    body = body.slice(0, -end.length);
    if (end.endsWith('\n')) end = end.slice(0, -1);
    end = end.replace(BLOCK_END_NEWLINES, `$&${indent}`);
  }
  let startWithSpace = false;
  let startEnd = 0;
  let startNl = -1;
  for (; startEnd < body.length; startEnd++) {
    const ch = body[startEnd];
    if (ch === ' ') startWithSpace = true;
    else if (ch === '\n') startNl = startEnd;
    else break;
  }
  let start = body.substring(0, startNl < startEnd ? startNl + 1 : startEnd);
  if (start) {
    body = body.substring(start.length);
    start = start.replace(/\n+/g, `$&${indent}`);
  }
  const header = (startWithSpace ? (indent ? '2' : '1') : '') + chomp;
  return `|${header}\n${indent}${start}${body.replace(/\n+/g, `$&${indent}`)}${end}`;
}
