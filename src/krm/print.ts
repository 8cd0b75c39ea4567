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
    if (isPlainScalar(v)) return v;
    if (typeof v !== 'object' || v === null || seen.has(v)) return FAIL;
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
    // (for-in, not Object.keys: no array of keys made for each object; the prototype is
    // Object's or none, checked above, so the keys are the object's own, in the same order.)
    for (const key in v) {
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

/** A scalar this file prints: a string, a safe integer (not -0), a boolean or null. */
export function isPlainScalar(v: unknown): v is string | number | boolean | null {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  return typeof v === 'number' && Number.isSafeInteger(v) && !Object.is(v, -0);
}

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
  return printPlainIn(value, { wide });
}

/** Where printPlainIn puts the text: a ResourceList entry's, or an input item's layout. */
export interface Layout {
  /** The text in front of the first key (an entry's `- `). */
  start?: string;
  /** Columns each line after the first goes in (a blank line stays empty). */
  container?: number;
  wide?: boolean;
  /** Entries of one map (an item's annotations) written as this text, in place of their value. */
  kept?: { in: object; entries: ReadonlyMap<string, string> };
}

/**
 * printPlain's text as a ResourceList entry (or another container) holds it: `start`, then
 * linesInContainer(printPlain(value), container) (src/krm/item.ts), byte for byte. Printed so
 * at once, since making the text at column 0 and then moving it cost a copy of every written
 * resource (test/print.test.ts holds the two to each other).
 */
export function printPlainIn(value: PlainResource, layout: Layout): string | undefined {
  return printed(value, layout)?.out.join('');
}

/**
 * printPlainIn's text in pieces, joined but for the lines of a declared shared tail (see
 * sharedTail: every instance's dashboard ends in the same panels), each a piece of its own: the
 * tail's lines, made once, are encoded where the resource's bytes are held (src/krm/held-bytes.ts),
 * and no joined copy of them is made for each resource.
 */
export function printPlainPieces(value: PlainResource, layout: Layout): string[] | undefined {
  const p = printed(value, layout);
  if (!p) return undefined;
  if (p.apart.length === 0) return [p.out.join('')];
  const pieces: string[] = [];
  let from = 0;
  for (const at of p.apart) {
    pieces.push(p.out.slice(from, at).join(''), p.out[at] as string);
    from = at + 1;
  }
  pieces.push(p.out.slice(from).join(''));
  return pieces;
}

/** The printer once it printed `value` (see printPlainIn); undefined when it gave up. */
function printed(value: PlainResource, layout: Layout): Printer | undefined {
  const container = layout.container ?? 0;
  const p: Printer = {
    out: [],
    wide: layout.wide ?? hasWideSequences(value),
    margin: margins(container),
    breaks: breaksIn(container),
    kept: layout.kept,
    apart: [],
  };
  if (layout.start) p.out.push(layout.start);
  if (isEmpty(value)) p.out.push('{}');
  else if (!map(p, value, 0)) return undefined;
  p.out.push('\n');
  return p;
}

/** kpt's record that the resource's file indents its sequences (`wide`), or not. */
function hasWideSequences(value: PlainResource): boolean {
  const metadata = value.metadata as Record<string, unknown> | undefined;
  const annotations = metadata?.annotations as Record<string, unknown> | undefined;
  return annotations?.[SEQ_INDENT] === 'wide';
}

interface Printer {
  /** The pieces of the text, joined once at the end. */
  out: string[];
  wide: boolean;
  /** The container's columns, in front of every line but the first and blank ones. */
  margin: string;
  /** A line break and the indentation of a line at each depth, the margin included. */
  breaks: string[];
  kept: Layout['kept'];
  /** Where in `out` the lines of a shared tail are (see printPlainPieces). */
  apart: number[];
}

// The printers push text to `p.out` and return false to give up. `depth` is yaml's context
// indentation, in steps of two columns: where a collection's entries after the first start.

/**
 * A map of at least one key. (Its keys by for-in, not Object.keys: no array made for each map;
 * plain data from plainCopy has Object's prototype or none, so they are its own, in order.)
 */
function map(p: Printer, value: Record<string, unknown>, depth: number): boolean {
  const { out } = p;
  const inner = depth + 1;
  const kept = p.kept?.in === value ? p.kept.entries : undefined;
  let first = true;
  for (const key in value) {
    if (!first) out.push(lineBreak(p, depth));
    first = false;
    const v = value[key];
    const scalarValue = !(Array.isArray(v) || isObject(v));
    const k = keyText(key, scalarValue, inner, p.margin);
    if (k === undefined) return false;
    const entry = kept?.get(key);
    if (entry !== undefined) {
      // Written as the input had it: only a key printed as itself is found again there.
      if (k !== `${key}:` && k !== `${key}: `) return false;
      out.push(entry);
      continue;
    }
    out.push(k);
    if (Array.isArray(v)) {
      if (v.length > 0) {
        const at = p.wide ? inner : depth;
        out.push(lineBreak(p, at));
        if (!seq(p, v, at)) return false;
      } else out.push(' []');
    } else if (isObject(v)) {
      if (!isEmpty(v)) {
        out.push(lineBreak(p, inner));
        if (!map(p, v, inner)) return false;
      } else out.push(' {}');
    } else if (!scalar(p, v, inner)) return false;
  }
  return true;
}

function isEmpty(value: Record<string, unknown>): boolean {
  for (const _ in value) return false;
  return true;
}

/** A sequence of at least one item. */
function seq(p: Printer, value: unknown[], depth: number): boolean {
  const { out } = p;
  const inner = depth + 1;
  for (let i = 0; i < value.length; i++) {
    if (i > 0) out.push(lineBreak(p, depth));
    const v = value[i];
    if (Array.isArray(v)) {
      if (v.length === 0) out.push('- []');
      else {
        out.push('- ');
        if (!seq(p, v, inner)) return false;
      }
    } else if (isObject(v)) {
      if (isEmpty(v)) out.push('- {}');
      else {
        out.push('- ');
        if (!map(p, v, inner)) return false;
      }
    } else {
      out.push('- ');
      if (!scalar(p, v, inner)) return false;
    }
  }
  return true;
}

/** A string, number, boolean or null at `depth` (a block scalar's lines go there). */
function scalar(p: Printer, v: unknown, depth: number): boolean {
  if (typeof v === 'string') {
    const block = literalBlockParts(v, indentAt(depth), p.margin);
    if (block !== undefined) {
      p.out.push(block.head);
      if (block.tail !== undefined) {
        p.apart.push(p.out.length);
        p.out.push(block.tail);
      }
      return true;
    }
    const s = string(v, false, depth, p.margin);
    if (s === undefined) return false;
    p.out.push(s);
  } else if (typeof v === 'number' || typeof v === 'boolean') p.out.push(String(v));
  else p.out.push('null');
  return true;
}

// Indentations, margins and line breaks, made once each: every map and sequence asks for them.
const indents: string[] = [''];

function indentAt(depth: number): string {
  let indent = indents[depth];
  if (indent === undefined) {
    indent = '  '.repeat(depth);
    indents[depth] = indent;
  }
  return indent;
}

const marginsBy: string[] = [];

function margins(container: number): string {
  marginsBy[container] ??= ' '.repeat(container);
  return marginsBy[container] as string;
}

const breaksBy: string[][] = [];

function breaksIn(container: number): string[] {
  breaksBy[container] ??= [];
  return breaksBy[container] as string[];
}

function lineBreak(p: Printer, depth: number): string {
  let b = p.breaks[depth];
  if (b === undefined) {
    b = `\n${p.margin}${indentAt(depth)}`;
    p.breaks[depth] = b;
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Strings, as printDoc writes them (src/krm/yaml.ts, writeNewString).

const DOCUMENT_MARKER = /^(%|---|\.\.\.)/m;

// One line without a document marker prints the same at any depth: kept, since the same keys and
// names come back in every resource.
const printedLines = [new Map<string, string>(), new Map<string, string>()];

/**
 * A key as it goes in front of its value: `key:` before a collection, `key: ` before a scalar;
 * undefined when yaml writes it as an explicit `? ` key, or this does not print it.
 */
function keyText(key: string, scalarValue: boolean, depth: number, margin: string) {
  const cache = printedKeys[scalarValue ? 1 : 0] as Map<string, string>;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const k = string(key, true, depth, margin);
  // yaml writes keys this long as explicit `? ` keys.
  if (k === undefined || k.length > 1024) return undefined;
  const out = scalarValue ? `${k}: ` : `${k}:`;
  remember(cache, key, out);
  return out;
}

const printedKeys = [new Map<string, string>(), new Map<string, string>()];

/** Keeps the text printed for a string of one line that holds no document marker. */
function remember(cache: Map<string, string>, value: string, text: string): void {
  if (value.includes('\n') || DOCUMENT_MARKER.test(value)) return;
  if (cache.size > 100_000) cache.clear();
  cache.set(value, text);
}

/**
 * A key, or a value that is no literal block without indicators (scalar prints those). `depth`:
 * the context's (a block scalar's lines); `margin`: the container's columns.
 */
function string(
  value: string,
  implicitKey: boolean,
  depth: number,
  margin: string,
): string | undefined {
  const indent = indentAt(depth);
  const cache = printedLines[implicitKey ? 1 : 0] as Map<string, string>;
  const cached = cache.get(value);
  if (cached !== undefined) return cached;
  const out = writeNewString(value, implicitKey, indent);
  // (Kept only on one line: then there is nothing to move in.)
  const oneLine = !out.includes('\n');
  if (oneLine) remember(cache, value, out);
  // Lines of a quoted or block scalar that yaml wrote at column 0, moved in.
  return margin === '' || oneLine ? out : linesIn(out, margin);
}

/**
 * `text`'s lines after the first, each but the empty ones behind `margin`. Every written
 * resource that is not printed in place goes out through here: without an empty line or a final
 * line break (most of them), a plain replaceAll does it, several times faster than the expression.
 */
export function linesIn(text: string, margin: string): string {
  const lineStart = `\n${margin}`;
  return text.includes('\n\n') || text.endsWith('\n')
    ? text.replace(LINE_WITH_TEXT, lineStart)
    : text.replaceAll('\n', lineStart);
}

/** A line break followed by a line that is not empty. */
const LINE_WITH_TEXT = /\n(?!\n|$)/g;

/**
 * A value over several lines in the one form yaml gives most of them (a dashboard's JSON, a
 * script): a literal block without indicators, each line at `indent` (after the container's
 * `margin`). Undefined for any other
 * form: escapes, a first line that starts with white space, white space or blank lines at the
 * end, a text some reader takes for no string. yaml's writer checks the block by reading it
 * back, which cost more than printing the rest of the resource; in this form it always reads
 * back (test/print.test.ts holds the two writers to each other).
 */
export function literalBlock(value: string, indent: string, margin = ''): string | undefined {
  const block = literalBlockParts(value, indent, margin);
  return block && (block.tail === undefined ? block.head : block.head + block.tail);
}

/**
 * literalBlock's text as its head and, when the value ends in a declared shared tail (see
 * sharedTail), that tail's lines as made the first time at this indentation.
 */
function literalBlockParts(
  value: string,
  indent: string,
  margin: string,
): { head: string; tail?: string } | undefined {
  const n = value.length;
  if (indent === '' || n < 2 || value.charCodeAt(n - 1) !== 10) return undefined;
  const first = value.charCodeAt(0);
  const last = value.charCodeAt(n - 2);
  if (first === 32 || first === 9 || first === 10) return undefined;
  if (last === 32 || last === 9 || last === 10) return undefined;
  const body = value.slice(0, -1);
  const shared = sharedTailOf(body);
  // A shared tail was checked once: then the head alone is, if that tells (else the whole: a
  // surrogate pair cut in two needs no escape).
  const clean = shared !== undefined && !shared.tail.escapes && !needsEscapes(shared.head);
  if ((!clean && needsEscapes(value)) || !readsAsStringEverywhere(value)) return undefined;
  const lead = margin + indent;
  if (!shared) return { head: `|\n${lead}${linesAt(body, lead)}` };
  // The tail's lines as made the first time at this indentation, the head's anew. (Cut anywhere
  // but inside a run of line breaks, the two halves indent as the whole does: each run of
  // breaks is followed by `lead` once.)
  let lines = shared.tail.byLead.get(lead);
  if (lines === undefined) {
    lines = linesAt(shared.tail.text, lead);
    shared.tail.byLead.set(lead, lines);
  }
  return { head: `|\n${lead}${linesAt(shared.head, lead)}`, tail: lines };
}

/** The declared tail (see sharedTail) a block's text ends in, and the text before it. */
function sharedTailOf(body: string): { tail: SharedTail; head: string } | undefined {
  for (const tail of sharedTails) {
    const cut = body.length - tail.text.length;
    if (cut <= 0 || !body.endsWith(tail.text)) continue;
    if (body.charCodeAt(cut - 1) === 10 && tail.text.charCodeAt(0) === 10) continue;
    return { tail, head: body.slice(0, cut) };
  }
  return undefined;
}

/** Each line break followed by `lead`, but that a blank line takes none. */
function linesAt(text: string, lead: string): string {
  // Without a blank line, a plain replaceAll, several times faster.
  return text.includes('\n\n')
    ? text.replace(LINE_BREAKS, `$&${lead}`)
    : text.replaceAll('\n', `\n${lead}`);
}

const LINE_BREAKS = /\n+/g;

interface SharedTail {
  text: string;
  /** Whether it holds what only escapes write (checked once). */
  escapes: boolean;
  /** Its lines as made, by indentation. */
  byLead: Map<string, string>;
}

/** Tails declared by sharedTail, the latest first. */
const sharedTails: SharedTail[] = [];

/**
 * Declares a text that ends many long strings the function writes (every instance's Grafana
 * dashboard is the same panels after a head of its own), so that a literal block ending in it
 * takes its lines as made the first time instead of indenting them again for every resource.
 * A few are kept, the latest.
 */
export function sharedTail(text: string): void {
  if (sharedTails.some((t) => t.text === text)) return;
  sharedTails.unshift({ text, escapes: needsEscapes(text), byLead: new Map() });
  sharedTails.length = Math.min(sharedTails.length, 4);
}
