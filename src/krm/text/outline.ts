// Reading and editing a resource as text, without parsing it: the outline of block-style YAML
// (the layout Kustomize, kpt and kubectl print, and most people write) gives every key's path
// and where its scalar value sits in the text. Reading a ConfigMap's data or renaming a
// ConfigMap reference then costs a line scan instead of a parse, and an edit is a splice that
// leaves every other byte of the resource as it came, in the input's own scalar styles.
//
// The outline reads a strict subset of YAML and gives up (undefined) on anything outside it:
// flow collections other than {} and [], anchors, aliases, tags, multi-line plain or quoted
// scalars other than double-quoted ones, complex keys, tabs in the indentation, duplicate
// keys, odd indentation. The caller then parses the resource
// (test/outline.test.ts checks the outline against the parser over generated documents).

import { blockValue } from './block-scalars.js';
import { isNotAString, resolvePlain } from './plain-scalars.js';
import {
  escapeDouble,
  oddBackslashesBefore,
  onlyAStringIn12,
  readsAsStringEverywhere,
} from './strings.js';

export type Path = readonly (string | number)[];

export type ScalarStyle = 'plain' | 'single' | 'double' | 'literal' | 'folded';

export interface Scalar {
  kind: 'scalar';
  style: ScalarStyle;
  /** The scalar's text in the source: [start, end). A block scalar runs from its `|` or `>` to
   * the newline of its last line (trailing blank lines included). */
  start: number;
  end: number;
  /** Block scalars: the columns of indentation of their content (after the container's). */
  indent: number;
  /** A double-quoted scalar's value, once decoded. */
  decoded: string | undefined;
  /** A plain string that YAML 1.1 (Kubernetes) reads as something else: quoted when written. */
  otherwiseIn11: boolean;
}

export type KeyStyle = 'plain' | 'single' | 'double';

export interface MapNode {
  kind: 'map';
  keys: string[];
  /** Each key's style; undefined while every key is plain (most mappings). */
  keyStyles: KeyStyle[] | undefined;
  values: OutlineNode[];
  /** Where each entry starts (its key): see entryEnd for where it ends. */
  starts: number[];
  /** Where the last entry ends (after its last line). */
  end: number;
  /** The column of the keys (after the container's). */
  col: number;
  /** `{}`: a flow mapping, empty. */
  flow: boolean;
  /** The plain keys that YAML 1.1 reads as something else, by index (quoted when written). */
  otherwiseIn11: number[] | undefined;
}

export interface SeqNode {
  kind: 'seq';
  items: OutlineNode[];
  /** Where each entry starts (its `-`): see entryEnd for where it ends. */
  starts: number[];
  /** Where the last entry ends (after its last line). */
  end: number;
  /** The column of the dashes (after the container's). */
  col: number;
  /** `[]`: a flow sequence, empty. */
  flow: boolean;
}

/** A key or entry with nothing after it, and nothing nested under it: null. */
export interface NullNode {
  kind: 'null';
}

export type OutlineNode = Scalar | NullNode | MapNode | SeqNode;

export interface Outline {
  readonly source: string;
  /** Columns at the start of each line that belong to the container (a ResourceList entry). */
  readonly container: number;
  readonly root: MapNode;
  /**
   * No comments and no blank lines (outside block scalars): nothing the parser would keep
   * that the outline does not know of.
   */
  readonly simple: boolean;
  /** Has a plain key or value that YAML 1.1 reads as something else (see otherwiseIn11). */
  readonly otherwiseIn11: boolean;
}

/** The node at a path; undefined when there is none. */
export function nodeAt(o: Outline, path: Path): OutlineNode | undefined {
  let node: OutlineNode | undefined = o.root;
  for (const part of path) {
    if (node?.kind === 'map') node = node.values[node.keys.indexOf(String(part))];
    else if (node?.kind === 'seq') node = node.items[Number(part)];
    else return undefined;
  }
  return node;
}

/**
 * Where entry `i` of a collection ends (after its last line): where the line of the next entry
 * starts, or the collection's end. (Not kept per entry: outlines are made by the thousand, and
 * most entries' ends are never asked for.)
 */
export function entryEnd(source: string, node: MapNode | SeqNode, i: number): number {
  const next = node.starts[i + 1];
  return next === undefined ? node.end : source.lastIndexOf('\n', next - 1) + 1;
}

/** A key's style (see MapNode.keyStyles). */
export function keyStyle(node: MapNode, i: number): KeyStyle {
  return node.keyStyles?.[i] ?? 'plain';
}

/** Every node with its path, depth first (for tests and checks). */
export function* outlineNodes(
  node: OutlineNode,
  path: (string | number)[] = [],
): Generator<[(string | number)[], OutlineNode]> {
  yield [path, node];
  if (node.kind === 'map') {
    for (let i = 0; i < node.keys.length; i++) {
      yield* outlineNodes(node.values[i] as OutlineNode, [...path, node.keys[i] as string]);
    }
  } else if (node.kind === 'seq') {
    for (let i = 0; i < node.items.length; i++) {
      yield* outlineNodes(node.items[i] as OutlineNode, [...path, i]);
    }
  }
}

/** A collection being read, and the entry of its parent that it is the value of. */
interface Frame {
  node: MapNode | SeqNode;
  seen: Set<string> | undefined;
  parent: Frame | undefined;
  slot: number;
}

interface Pending {
  frame: Frame;
  slot: number;
  /** Column of the key (or dash) that owns the value to come. */
  col: number;
  isEntry: boolean;
}

const NULL: NullNode = { kind: 'null' };

const MAX_DEPTH = 100;
// What may not start a plain scalar (YAML's indicators), and what may not follow a plain
// scalar's first character on one line in block context.
const NOT_PLAIN_START = /^(?:[-?:](?:\s|$)|[,[\]{}#&*!|>'"%@`])/;

/**
 * The outline of a resource's text; undefined when the text is not in the subset it reads.
 * `container`: columns at the start of every line that are not the resource's (a ResourceList
 * entry's `- ` and indentation; every line of the entry has them, or is blank).
 */
export function outline(source: string, container = 0): Outline | undefined {
  // Other line ends than \n are the parser's.
  if (source.includes('\r')) return undefined;
  const stack: Frame[] = [];
  let root: MapNode | undefined;
  const state = { simple: true, otherwiseIn11: false };
  let pending: Pending | undefined;
  // After a scalar on its line: the column a continuation line would have to exceed.
  let scalarOwner = -1;
  const n = source.length;
  let pos = 0;
  while (pos < n) {
    const lineStart = pos;
    let end = source.indexOf('\n', pos);
    if (end < 0) end = n;
    const from = pos + container;
    pos = end + 1;
    if (from >= end) {
      state.simple = false; // a blank line shorter than the container
      continue;
    }
    let c = from;
    while (c < end && source.charCodeAt(c) === 32) c++;
    if (c === end) {
      state.simple = false;
      continue;
    }
    const first = source.charCodeAt(c);
    if (first === 9) return undefined; // a tab: the parser knows where it may stand
    if (first === 35) {
      state.simple = false; // a comment line
      continue;
    }
    const col = c - from;
    if (scalarOwner >= 0 && col > scalarOwner) return undefined; // a multi-line scalar
    scalarOwner = -1;
    // Manifests nest a few dozen levels; deeper is for the parser and its limits.
    if (stack.length > MAX_DEPTH) return undefined;
    const isDash = first === 45 && (c + 1 === end || source.charCodeAt(c + 1) === 32);
    if (pending) {
      const p = pending;
      pending = undefined;
      if (isDash && (col > p.col || (col === p.col && !p.isEntry))) {
        stack.push(newFrame(col, 'seq', p.frame, p.slot));
      } else if (!isDash && col > p.col) {
        stack.push(newFrame(col, 'map', p.frame, p.slot));
      } else setSlot(p.frame, p.slot, NULL);
    }
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as Frame;
      if (top.node.col > col || (top.node.col === col && top.node.kind === 'seq' && !isDash)) {
        close(top, lineStart);
        stack.pop();
      } else break;
    }
    if (stack.length === 0) {
      // The resource itself: a mapping at column 0, opened once.
      if (root || col !== 0 || isDash) return undefined;
      const frame = newFrame(0, 'map', undefined, 0);
      root = frame.node as MapNode;
      stack.push(frame);
    }
    const top = stack[stack.length - 1] as Frame;
    if (top.node.col !== col) return undefined;
    let at = c;
    let frame = top;
    let key: Key | undefined;
    if (isDash) {
      const seq = top.node;
      if (seq.kind !== 'seq') return undefined;
      seq.starts.push(c);
      const slot = seq.items.length;
      seq.items.push(NULL);
      at = c + 1;
      while (at < end && source.charCodeAt(at) === 32) at++;
      // `-` alone, or a nested `- -`: left to the parser.
      if (at === end || source.charCodeAt(at) === 35 || isDashAt(source, at, end)) {
        return undefined;
      }
      key = readKey(source, at, end);
      if (!key) {
        const value = readValue(source, at, end, col, container, pos, state);
        if (value === undefined || value.node === undefined) return undefined;
        seq.items[slot] = value.node;
        pos = value.next;
        scalarOwner = value.single ? col : -1;
        continue;
      }
      frame = newFrame(at - from, 'map', top, slot);
      stack.push(frame);
    } else if (top.node.kind !== 'map') return undefined;
    const map = frame.node as MapNode;
    key ??= readKey(source, at, end);
    if (!key) return undefined;
    // Duplicate keys: most mappings are small, and a set is made only for the larger ones.
    if (frame.seen) {
      if (frame.seen.has(key.key)) return undefined;
      frame.seen.add(key.key);
    } else if (map.keys.includes(key.key)) return undefined;
    else if (map.keys.length >= 8) frame.seen = new Set([...map.keys, key.key]);
    if (key.style === 'plain' && onlyAStringIn12(key.key)) {
      map.otherwiseIn11 ??= [];
      map.otherwiseIn11.push(map.keys.length);
      state.otherwiseIn11 = true;
    }
    if (key.style !== 'plain' || map.keyStyles) {
      map.keyStyles ??= map.keys.map((): KeyStyle => 'plain');
      map.keyStyles.push(key.style);
    }
    map.keys.push(key.key);
    map.starts.push(at);
    const slot = map.values.length;
    map.values.push(NULL);
    const value = readValue(source, key.next, end, map.col, container, pos, state);
    if (value === undefined) return undefined;
    if (value.node === undefined) pending = { frame, slot, col: map.col, isEntry: false };
    else {
      map.values[slot] = value.node;
      pos = value.next;
      scalarOwner = value.single ? map.col : -1;
    }
  }
  if (pending) setSlot(pending.frame, pending.slot, NULL);
  if (!root) return undefined; // no mapping at all
  while (stack.length > 0) close(stack.pop() as Frame, n);
  return { source, container, root, simple: state.simple, otherwiseIn11: state.otherwiseIn11 };
}

function newFrame(
  col: number,
  kind: 'map' | 'seq',
  parent: Frame | undefined,
  slot: number,
): Frame {
  const node = collection(kind, col, false);
  if (parent) setSlot(parent, slot, node);
  return { node, seen: undefined, parent, slot };
}

/** An empty collection at column `col`. */
function collection(kind: 'map' | 'seq', col: number, flow: boolean): MapNode | SeqNode {
  // (Literals of one shape each, no spread: the engine makes thousands of them.)
  return kind === 'map'
    ? {
        kind,
        keys: [],
        keyStyles: undefined,
        values: [],
        starts: [],
        end: 0,
        col,
        flow,
        otherwiseIn11: undefined,
      }
    : { kind, items: [], starts: [], end: 0, col, flow };
}

function setSlot(frame: Frame, slot: number, node: OutlineNode): void {
  if (frame.node.kind === 'map') frame.node.values[slot] = node;
  else frame.node.items[slot] = node;
}

function close(frame: Frame, at: number): void {
  frame.node.end = at;
}

function isDashAt(source: string, at: number, end: number): boolean {
  return source.charCodeAt(at) === 45 && (at + 1 === end || source.charCodeAt(at + 1) === 32);
}

interface Key {
  key: string;
  /** After the key's `:`. */
  next: number;
  style: KeyStyle;
}

/** A `key:` at `at` (quoted or plain, followed by `:` and a space or the line end), if one is. */
function readKey(source: string, at: number, end: number): Key | undefined {
  const q = source.charCodeAt(at);
  let key: string;
  let after: number;
  if (q === 39 || q === 34) {
    const found = source.slice(at + 1, end).indexOf(q === 39 ? "'" : '"');
    if (found < 0) return undefined;
    const close = at + 1 + found;
    key = source.slice(at + 1, close);
    // No escapes, no doubled quotes: anything else is the parser's.
    if (q === 34 && key.includes('\\')) return undefined;
    if (q === 39 && source.charCodeAt(close + 1) === 39) return undefined;
    after = close + 1;
  } else {
    // The characters a plain key may have (KEY_CHARS), up to the colon: a line that is no key
    // stops at its first other character.
    if (!isKeyChar(q) || q === 45 /* - */) return undefined;
    after = at + 1;
    while (after < end && isKeyChar(source.charCodeAt(after))) after++;
    key = source.slice(at, after);
    if (isNotAString(key)) return undefined;
  }
  if (source.charCodeAt(after) !== 58 /* : */) return undefined;
  const next = after + 1;
  if (next < end && source.charCodeAt(next) !== 32) return undefined;
  return { key, next, style: q === 39 ? 'single' : q === 34 ? 'double' : 'plain' };
}

// What a plain key is made of: letters, digits and `_./$-` (`-` not first); other keys are
// the parser's.
const KEY_CHARS = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./$-') {
  KEY_CHARS[c.charCodeAt(0)] = 1;
}

function isKeyChar(c: number): boolean {
  return c < 128 && KEY_CHARS[c] === 1;
}

interface Value {
  /** The value read; undefined when nothing follows the key on its line (nested, or null). */
  node: OutlineNode | undefined;
  /** Where scanning goes on (past a block scalar's lines). */
  next: number;
  /** A scalar on one line, which no more indented line may continue. */
  single: boolean;
}

/**
 * The value after a key's `:` (or an entry's `- `), from `at` to the line's `end`. `owner`: the
 * column of the key or dash; `lineNext`: where the next line starts.
 */
function readValue(
  source: string,
  at: number,
  end: number,
  owner: number,
  container: number,
  lineNext: number,
  state: { simple: boolean; otherwiseIn11: boolean },
): Value | undefined {
  while (at < end && source.charCodeAt(at) === 32) at++;
  if (at === end || source.charCodeAt(at) === 35) {
    if (at < end) state.simple = false;
    return { node: undefined, next: lineNext, single: false };
  }
  const c = source.charCodeAt(at);
  if (c === 124 /* | */ || c === 62 /* > */) {
    const block = readBlockScalar(source, at, end, owner, container, lineNext);
    if (!block) return undefined;
    if (source.slice(at, end).includes('#')) state.simple = false;
    const style = c === 124 ? 'literal' : 'folded';
    const node = scalar(style, at, block.end, block.indent);
    return { node, next: block.end, single: false };
  }
  if (c === 34 /* " */) {
    const scanned = scanDoubleQuoted(source, at, end, owner, container);
    if (!scanned) return undefined;
    if (!restIsComment(source, scanned.end, scanned.lineEnd, state)) return undefined;
    return {
      node: scalar('double', at, scanned.end, 0),
      next: Math.min(scanned.lineEnd + 1, source.length),
      single: true,
    };
  }
  if (c === 39 /* ' */) {
    const valueEnd = closingSingleQuote(source, at, end);
    if (valueEnd < 0 || !restIsComment(source, valueEnd, end, state)) return undefined;
    return {
      node: scalar('single', at, valueEnd, 0),
      next: lineNext,
      single: true,
    };
  }
  if (c === 123 /* { */ || c === 91 /* [ */) {
    // Only the empty flow collections: `resources: {}`, `args: []`.
    if (source.charCodeAt(at + 1) !== (c === 123 ? 125 : 93)) return undefined;
    if (!restIsComment(source, at + 2, end, state)) return undefined;
    const node = collection(c === 123 ? 'map' : 'seq', owner + 2, true);
    return { node, next: lineNext, single: true };
  }
  let stop = end;
  const comment = source.slice(at, end).indexOf(' #');
  if (comment >= 0) {
    stop = at + comment;
    state.simple = false;
  }
  while (stop > at && source.charCodeAt(stop - 1) === 32) stop--;
  const text = source.slice(at, stop);
  if (NOT_PLAIN_START.test(text) || text.includes(': ') || text.endsWith(':')) return undefined;
  if (text.includes('\t')) return undefined;
  const node = scalar('plain', at, stop, 0);
  if (onlyAStringIn12(text)) {
    node.otherwiseIn11 = true;
    state.otherwiseIn11 = true;
  }
  return { node, next: lineNext, single: true };
}

/** A scalar node (all of one shape, for the engine that reads them by the thousand). */
function scalar(style: ScalarStyle, start: number, end: number, indent: number): Scalar {
  return { kind: 'scalar', style, start, end, indent, decoded: undefined, otherwiseIn11: false };
}

/** Only spaces, then a comment or the line end. */
function restIsComment(
  source: string,
  at: number,
  end: number,
  state: { simple: boolean },
): boolean {
  let i = at;
  while (i < end && source.charCodeAt(i) === 32) i++;
  if (i === end) return true;
  if (i > at && source.charCodeAt(i) === 35) {
    state.simple = false;
    return true;
  }
  return false;
}

/**
 * A double-quoted scalar from its opening quote at `at` (on a line that ends at `end`): where it
 * ends (after the closing quote) and where the line of its closing quote ends. It may go on over
 * more lines (go-yaml folds long ones), each indented more than `owner`. Undefined for an
 * invalid escape, an unterminated scalar, or a continuation line the outline does not read.
 */
function scanDoubleQuoted(
  source: string,
  at: number,
  end: number,
  owner: number,
  container: number,
): { end: number; lineEnd: number } | undefined {
  let from = at + 1;
  let lineEnd = end;
  for (;;) {
    const close = closingQuoteInLine(source, from, lineEnd);
    if (close === INVALID) return undefined;
    if (close >= 0) return { end: close, lineEnd };
    if (lineEnd >= source.length) return undefined; // never closed
    const next = lineEnd + 1;
    lineEnd = source.indexOf('\n', next);
    if (lineEnd < 0) lineEnd = source.length;
    let c = next + container;
    if (c >= lineEnd) {
      from = lineEnd; // a blank line shorter than the container
      continue;
    }
    for (let i = next; i < c; i++) if (source.charCodeAt(i) !== 32) return undefined;
    while (c < lineEnd && source.charCodeAt(c) === 32) c++;
    if (c < lineEnd) {
      if (source.charCodeAt(c) === 9) return undefined;
      if (c - next - container <= owner) return undefined; // not indented enough
    }
    from = c;
  }
}

const INVALID = -2;

/**
 * The end (after the quote) of a double-quoted scalar's closing quote on the line from `from` to
 * `end`; -1 when the scalar goes on past the line; INVALID for an escape YAML does not have.
 */
function closingQuoteInLine(source: string, from: number, end: number): number {
  // Within the line only: a long scalar folded over many lines stays linear. A regular
  // expression steps over the text and the valid escapes (settings files are tens of kilobytes
  // with thousands of them), a bounded number at a time to keep its backtracking stack small.
  const line = source.slice(from, end);
  let pos = 0;
  for (;;) {
    TEXT_AND_ESCAPES.lastIndex = pos;
    TEXT_AND_ESCAPES.test(line);
    const stop = TEXT_AND_ESCAPES.lastIndex;
    if (stop === line.length) return -1;
    if (line.charCodeAt(stop) === 34 /* " */) return from + stop + 1;
    if (stop > pos) {
      pos = stop; // as far as one search goes
      continue;
    }
    // A `\` that starts no escape: at the line's end it joins the next line to this one.
    return stop + 1 === line.length && end < source.length ? -1 : INVALID;
  }
}

// Text and escapes of a double-quoted scalar's line, as YAML has them.
const TEXT_AND_ESCAPES =
  /(?:[^"\\]+|\\(?:[0abt\tnvfre "/\\N_LP]|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})){0,256}/y;

const SIMPLE_ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};

function closingSingleQuote(source: string, at: number, end: number): number {
  const line = source.slice(at, end);
  let i = 1;
  for (;;) {
    const quote = line.indexOf("'", i);
    if (quote < 0) return -1;
    if (line.charCodeAt(quote + 1) === 39) {
      i = quote + 2;
      continue;
    }
    return at + quote + 1;
  }
}

/**
 * A block scalar whose header is at `at`: where its last line ends and its content's
 * indentation (an indentation indicator counts from `owner`, the column of its key or dash).
 * Leading blank lines longer than the content's detected indentation are left to the parser.
 */
function readBlockScalar(
  source: string,
  at: number,
  end: number,
  owner: number,
  container: number,
  lineNext: number,
): { end: number; indent: number } | undefined {
  const header = /^[|>](?:([1-9])[-+]?|[-+]([1-9])?)?(?: +#.*)? *$/.exec(source.slice(at, end));
  if (!header) return undefined;
  const explicit = Number(header[1] ?? header[2] ?? 0);
  let indent = explicit > 0 ? owner + explicit : -1;
  let longestLeadingBlank = 0;
  let pos = lineNext;
  let last = lineNext; // after the last line that belongs to the scalar
  const n = source.length;
  while (pos < n) {
    let lineEnd = source.indexOf('\n', pos);
    if (lineEnd < 0) lineEnd = n;
    const from = pos + container;
    let c = from;
    while (c < lineEnd && source.charCodeAt(c) === 32) c++;
    const blank = c >= lineEnd;
    const spaces = Math.max(0, c - from);
    if (blank) {
      if (indent < 0) longestLeadingBlank = Math.max(longestLeadingBlank, spaces);
    } else if (indent < 0) {
      if (spaces <= owner) break; // an empty scalar
      if (longestLeadingBlank > spaces) return undefined;
      indent = spaces;
    } else if (spaces < indent) {
      if (spaces <= owner) break;
      return undefined; // between its key and its content: the parser's to judge
    }
    pos = lineEnd + 1;
    last = Math.min(pos, n);
  }
  if (indent < 0) {
    // Only blank lines (or none): keep them out of the scalar, so that nothing is claimed that
    // the parser might read otherwise.
    if (longestLeadingBlank > owner) return undefined;
    return { end: lineNext, indent: owner + 1 };
  }
  return { end: last, indent };
}

// ---------------------------------------------------------------------------------------------
// Values

/** Could not be read without the parser: a plain scalar that is no string. */
export const UNREADABLE = Symbol('unreadable');

/** The string a scalar holds; UNREADABLE when it is not a string or needs the parser. */
export function scalarValue(o: Outline, s: Scalar): string | typeof UNREADABLE {
  const text = o.source.slice(s.start, s.end);
  switch (s.style) {
    case 'plain':
      return isNotAString(text) ? UNREADABLE : text;
    case 'single':
      return text.slice(1, -1).replaceAll("''", "'");
    case 'double':
      // Decoded once: a settings file is read, then edited.
      s.decoded ??= decodeDouble(o.source, s.start + 1, s.end - 1, Number.POSITIVE_INFINITY).value;
      return s.decoded;
    case 'literal':
    case 'folded':
      return blockScalarValue(o, s);
  }
}

/**
 * A double-quoted scalar's value, from the text between its quotes ([from, to)), decoded up to
 * `limit` characters: the value, where in the text decoding stopped, and how many characters it
 * gave until there (less than `limit` when a fold or escape would have gone past it). Line
 * breaks fold as YAML says: one into a space, more into newlines; a `\` at a line's end joins
 * it to the next; white space around a break goes.
 */
function decodeDouble(
  source: string,
  from: number,
  to: number,
  limit: number,
): { value: string; raw: number; decoded: number } {
  if (limit === Number.POSITIVE_INFINITY) {
    const body = source.slice(from, to);
    if (!body.includes('\n')) {
      // (With its quotes, as the source has them around it: see unescapeLine.)
      const value = body.includes('\\') ? unescapeLine(body, source.slice(from - 1, to + 1)) : body;
      return { value, raw: to, decoded: value.length };
    }
  }
  let out = '';
  let pos = from;
  for (;;) {
    let lineEnd = source.indexOf('\n', pos);
    const last = lineEnd < 0 || lineEnd >= to;
    if (last) lineEnd = to;
    // Where this line's content ends, and whether a `\` joins it to the next.
    let contentEnd = lineEnd;
    let joined = false;
    if (!last) {
      if (oddBackslashesBefore(source, lineEnd)) {
        contentEnd = lineEnd - 1;
        joined = true;
      } else {
        while (contentEnd > pos) {
          const c = source.charCodeAt(contentEnd - 1);
          if ((c !== 32 && c !== 9) || oddBackslashesBefore(source, contentEnd - 1)) break;
          contentEnd--;
        }
      }
    }
    // The line's characters and escapes.
    while (pos < contentEnd) {
      if (out.length >= limit) return { value: out, raw: pos, decoded: out.length };
      let slash = source.indexOf('\\', pos);
      if (slash < 0 || slash >= contentEnd) slash = contentEnd;
      if (slash > pos) {
        const room = limit - out.length;
        if (slash - pos > room) return { value: out, raw: pos + room, decoded: limit };
        out += source.slice(pos, slash);
        pos = slash;
        continue;
      }
      const e = source[slash + 1] as string;
      const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      const ch =
        hex > 0
          ? String.fromCodePoint(Number.parseInt(source.slice(slash + 2, slash + 2 + hex), 16))
          : (SIMPLE_ESCAPES[e] as string);
      if (out.length + ch.length > limit) return { value: out, raw: slash, decoded: out.length };
      out += ch;
      pos = slash + 2 + hex;
    }
    if (last) return { value: out, raw: pos, decoded: out.length };
    // The fold: the line break, the empty lines after it, the next line's indentation.
    const foldStart = contentEnd;
    let breaks = 0;
    let next = lineEnd + 1;
    for (;;) {
      let c = next;
      while (c < to && (source.charCodeAt(c) === 32 || source.charCodeAt(c) === 9)) c++;
      if (c < to && source.charCodeAt(c) === 10) {
        breaks++;
        next = c + 1;
        continue;
      }
      next = c;
      break;
    }
    const fold = joined ? '\n'.repeat(breaks) : breaks > 0 ? '\n'.repeat(breaks) : ' ';
    if (out.length >= limit || out.length + fold.length > limit) {
      return { value: out, raw: foldStart, decoded: out.length };
    }
    out += fold;
    pos = next;
  }
}

const ESCAPE = /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[\s\S])/g;

/**
 * A line of a double-quoted scalar with its escapes decoded; `quoted`: the line in its quotes,
 * as the source has it (a slice of the source, not a copy: settings files are tens of
 * kilobytes).
 */
function unescapeLine(body: string, quoted: string): string {
  // With only the escapes JSON has too (settings files hold thousands of `\n` and `\"`), and
  // no raw control character (a tab), the body is a JSON string's, and means there what it
  // means in YAML: decoded natively. JSON refuses anything else (an escape only YAML has), in
  // one native pass: no search for it first.
  try {
    return JSON.parse(quoted) as string;
  } catch {
    return body.replace(ESCAPE, unescapeOne);
  }
}

function unescapeOne(_: string, e: string): string {
  return e.length > 1
    ? String.fromCodePoint(Number.parseInt(e.slice(1), 16))
    : (SIMPLE_ESCAPES[e] as string);
}

/** The lines of a block scalar's content, indentation taken off (blank lines as ''). */
function blockLines(o: Outline, s: Scalar): { lines: string[]; starts: number[] } {
  const { source, container } = o;
  const lines: string[] = [];
  const starts: number[] = [];
  let pos = source.indexOf('\n', s.start) + 1;
  if (pos === 0) return { lines, starts };
  while (pos < s.end) {
    let lineEnd = source.indexOf('\n', pos);
    if (lineEnd < 0 || lineEnd > s.end) lineEnd = s.end;
    const from = pos + container + s.indent;
    starts.push(pos);
    lines.push(from < lineEnd ? source.slice(from, lineEnd) : '');
    pos = lineEnd + 1;
  }
  return { lines, starts };
}

function chompOf(o: Outline, s: Scalar): 'clip' | 'strip' | 'keep' {
  // The chomping indicator comes right after `|` or `>`, or after an indentation indicator.
  const h = o.source.slice(s.start + 1, s.start + 3);
  return h.includes('-') ? 'strip' : h.includes('+') ? 'keep' : 'clip';
}

function blockScalarValue(o: Outline, s: Scalar): string {
  const style = s.style === 'folded' ? 'folded' : 'literal';
  return blockValue({ style, chomp: chompOf(o, s) }, blockLines(o, s).lines);
}

/**
 * The plain value at a path (scalars, and mappings and lists of them, recursively); undefined
 * when absent, UNREADABLE when some part needs the parser.
 */
export function plainValueAt(o: Outline, path: Path): unknown {
  const node = nodeAt(o, path);
  return node === undefined ? undefined : plainValue(o, node);
}

const OWN = { writable: true, enumerable: true, configurable: true };

/** The plain value of a node (UNREADABLE when some part of it needs the parser). */
export function plainValue(o: Outline, node: OutlineNode): unknown {
  switch (node.kind) {
    case 'null':
      return null;
    case 'scalar':
      return node.style === 'plain'
        ? resolvePlain(o.source.slice(node.start, node.end))
        : scalarValue(o, node);
    case 'map': {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < node.keys.length; i++) {
        const value = plainValue(o, node.values[i] as OutlineNode);
        if (value === UNREADABLE) return UNREADABLE;
        const key = node.keys[i] as string;
        // An own property, as yaml makes it: `out.__proto__ =` would set the prototype.
        if (key === '__proto__') Object.defineProperty(out, key, { ...OWN, value });
        else out[key] = value;
      }
      return out;
    }
    case 'seq': {
      const out: unknown[] = [];
      for (const item of node.items) {
        const value = plainValue(o, item);
        if (value === UNREADABLE) return UNREADABLE;
        out.push(value);
      }
      return out;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Edits

export interface ScalarEdit {
  path: Path;
  value: string;
}

/**
 * The source with string scalars replaced, each written in its own style; what stays the same
 * keeps its bytes (a long value that gains a tail is rewritten from where it starts to differ).
 * Undefined when a path is not a string scalar, or its style cannot hold the new value.
 */
export function spliceScalars(o: Outline, edits: readonly ScalarEdit[]): string | undefined {
  const pieces = splicePieces(o, edits);
  return pieces && concat(pieces);
}

/**
 * spliceScalars's text in the pieces it is made of, in order: slices of the source between new
 * scalars' texts. (A writer writes them one by one: the joined string, once written, is copied
 * whole into one; a settings ConfigMap is tens of kilobytes.)
 */
export function splicePieces(o: Outline, edits: readonly ScalarEdit[]): string[] | undefined {
  const pieces: { start: number; end: number; text: string }[] = [];
  const edited = new Set<OutlineNode>();
  for (const edit of edits) {
    const node = nodeAt(o, edit.path);
    if (node?.kind !== 'scalar') return undefined;
    const old = scalarValue(o, node);
    if (old === UNREADABLE) return undefined;
    if (old === edit.value) continue;
    const piece = rewrite(o, node, old, edit.value);
    if (!piece) return undefined;
    pieces.push(piece);
    edited.add(node);
  }
  // The resource is written now: a plain string of it that a YAML 1.1 reader (Kubernetes) takes
  // for something else is quoted, as every string the function writes is.
  if (pieces.length > 0) pieces.push(...requotes(o, edited));
  pieces.sort((a, b) => a.start - b.start);
  const out: string[] = [];
  let from = 0;
  for (const p of pieces) {
    if (p.start < from) return undefined; // the same scalar twice
    out.push(o.source.slice(from, p.start), p.text);
    from = p.end;
  }
  out.push(o.source.slice(from));
  return out;
}

/** Strings one after the other, as one string that points at them (no copy of them is made). */
export function concat(pieces: readonly string[]): string {
  let out = '';
  for (const piece of pieces) out += piece;
  return out;
}

/** The plain keys and values of a text that YAML 1.1 reads otherwise, quoted. */
function requotes(
  o: Outline,
  edited: Set<OutlineNode>,
): { start: number; end: number; text: string }[] {
  const out: { start: number; end: number; text: string }[] = [];
  if (!o.otherwiseIn11) return out;
  const quoted = (start: number, text: string) => ({
    start,
    end: start + text.length,
    text: `"${escapeDouble(text)}"`,
  });
  for (const [, node] of outlineNodes(o.root)) {
    if (node.kind === 'scalar' && node.otherwiseIn11 && !edited.has(node)) {
      out.push(quoted(node.start, o.source.slice(node.start, node.end)));
    } else if (node.kind === 'map') {
      for (const i of node.otherwiseIn11 ?? []) {
        out.push(quoted(node.starts[i] as number, node.keys[i] as string));
      }
    }
  }
  return out;
}

function rewrite(
  o: Outline,
  s: Scalar,
  old: string,
  value: string,
): { start: number; end: number; text: string } | undefined {
  switch (s.style) {
    case 'plain':
      return isPlainSafe(value) ? { start: s.start, end: s.end, text: value } : undefined;
    case 'single':
      if (/[\n\r\u0085\u2028\u2029]/.test(value) || !isPrintable(value)) return undefined;
      return { start: s.start, end: s.end, text: `'${value.replaceAll("'", "''")}'` };
    case 'double': {
      // From the first character that differs; the rest of the input's text stays as it was.
      const same = commonPrefix(old, value);
      // Text added at the end (the common case) keeps everything up to the closing quote.
      const kept =
        same === old.length
          ? { raw: s.end - 1, decoded: same }
          : decodeDouble(o.source, s.start + 1, s.end - 1, same);
      return { start: kept.raw, end: s.end, text: `${escapeDouble(value.slice(kept.decoded))}"` };
    }
    case 'literal':
      return rewriteLiteral(o, s, old, value);
    default:
      return undefined;
  }
}

/** A plain scalar the core schema reads as a string (not a number, boolean or null). */
export function readsAsString(text: string): boolean {
  return !isNotAString(text);
}

/** A string that reads back as itself, plain, in block context, in YAML 1.1 and 1.2. */
export function isPlainSafe(value: string): boolean {
  return /^[A-Za-z0-9_./][A-Za-z0-9_./-]*$/.test(value) && readsAsStringEverywhere(value);
}

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  // A whole block at a time first: long values (settings files) mostly share a long head.
  for (let size = 4096; size >= 16; size >>= 4) {
    while (i + size <= n && a.slice(i, i + size) === b.slice(i, i + size)) i += size;
  }
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  // Never between the halves of a surrogate pair.
  if (i > 0 && i < n && isHighSurrogate(a.charCodeAt(i - 1))) i--;
  return i;
}

function isHighSurrogate(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

// Characters a single-quoted or block scalar cannot hold as they are (tabs and \n aside).
const UNPRINTABLE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]/;

function isPrintable(value: string): boolean {
  return !UNPRINTABLE.test(value);
}

/**
 * A literal block scalar with a new value: the lines that stay keep their bytes, the header
 * keeps its chomping indicator. Undefined when the value does not fit that header (its ending
 * newlines, a first line that starts with a space, characters a block scalar cannot hold).
 */
function rewriteLiteral(
  o: Outline,
  s: Scalar,
  old: string,
  value: string,
): { start: number; end: number; text: string } | undefined {
  const chomp = chompOf(o, s);
  const trailing = /\n*$/.exec(value)?.[0].length ?? 0;
  if (chomp === 'strip' ? trailing !== 0 : chomp === 'clip' ? trailing !== 1 : trailing < 1) {
    return undefined;
  }
  if (value === '' || value.startsWith(' ') || value.startsWith('\n')) return undefined;
  if (/[\r\u0085\u2028\u2029]/.test(value) || !isPrintable(value.replaceAll('\n', ''))) {
    return undefined;
  }
  const lines = value.slice(0, value.length - trailing).split('\n');
  // A line of nothing but spaces reads back differently at the end of a scalar: the parser's.
  if (lines.some((l) => l !== '' && l.trim() === '')) return undefined;
  const { lines: oldLines, starts } = blockLines(o, s);
  // Keep the input's lines up to the first that differs.
  const oldContent = old.slice(0, old.length - (/\n*$/.exec(old)?.[0].length ?? 0)).split('\n');
  let same = 0;
  while (
    same < lines.length &&
    same < oldContent.length &&
    same < oldLines.length &&
    lines[same] === oldContent[same] &&
    oldLines[same] === oldContent[same]
  ) {
    same++;
  }
  if (same === lines.length && same === oldContent.length) return undefined; // only endings differ
  const pad = ' '.repeat(o.container + s.indent);
  const start = same < starts.length ? (starts[same] as number) : s.end;
  let text = '';
  for (let i = same; i < lines.length; i++) {
    const line = lines[i] as string;
    text += line === '' ? '\n' : `${pad}${line}\n`;
  }
  for (let i = 1; i < trailing; i++) text += '\n';
  return { start, end: s.end, text };
}
