// Printing a changed resource as an edit of the text it was read from: what did not change keeps
// its bytes, and only what changed is printed by yaml and put in its place, at its indentation.
// A stock worker with narrowed queues, or a new worker cloned from it, costs a few small prints
// instead of a whole one, and the output differs from the input only where the resource does.
//
// It follows documents as the outline knows them (src/krm/text/outline.ts: block mappings and
// sequences of scalars) and gives up (undefined) on anything else, reordered keys included;
// yaml then prints the whole document. test/patch.test.ts checks that the text reads back as
// the document, and that it is what yaml prints when the input was in yaml's own layout.
import {
  Document,
  isAlias,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  type Node,
  type Pair,
  YAMLMap,
  YAMLSeq,
} from 'yaml';
import { isIndexKey, isPlainScalar, linesIn, printPlain } from '../print.js';
import {
  type Doc,
  hasSourceText,
  hasWideSequences,
  originOf,
  parseOptions,
  printDoc,
} from '../yaml.js';
import {
  entryEnd,
  type MapNode,
  type Outline,
  type OutlineNode,
  plainValue,
  type SeqNode,
  UNREADABLE,
} from './outline.js';
import { canBePlain } from './strings.js';

const FAIL = Symbol('fail');
/** undefined: the same as the input (its text stands); a string: the new text; FAIL: give up. */
type Result = string | undefined | typeof FAIL;

interface Context {
  o: Outline;
  wide: boolean;
}

/**
 * The document printed as an edit of the outlined text it was read from, in that text's
 * layout (a ResourceList entry's included); undefined when this cannot follow the changes.
 */
export function printAsEdit(o: Outline, doc: Doc, wide: boolean): string | undefined {
  const root = o.root;
  if (!o.simple || doc.comment || root.flow || !isMap(doc.contents)) return undefined;
  const ctx: Context = { o, wide };
  const r = mapEntries(ctx, doc.contents, root);
  if (r === FAIL) return undefined;
  if (r === undefined) return o.source;
  // The first line keeps the container's columns (a ResourceList entry's `- `).
  return o.source.slice(0, root.starts[0]) + r;
}

/** A document read from text (or a copy of one), printed as an edit of that text. */
export function printEdited(doc: Doc): { text: string; container: number } | undefined {
  const origin = originOf(doc);
  const text = origin && printAsEdit(origin, doc, hasWideSequences(doc));
  return text === undefined ? undefined : { text, container: (origin as Outline).container };
}

function pad(ctx: Context, col: number): string {
  return ' '.repeat(ctx.o.container + col);
}

/** Anything the outline's text cannot have carried: comments, anchors, tags. */
function hasProps(node: unknown): boolean {
  if (node === null || typeof node !== 'object') return false;
  const n = node as {
    comment?: unknown;
    commentBefore?: unknown;
    spaceBefore?: unknown;
    anchor?: unknown;
    tag?: unknown;
  };
  return Boolean(n.comment || n.commentBefore || n.spaceBefore || n.anchor || n.tag);
}

/** A mapping's entries, from its first key; the entries after the first at its column. */
function mapEntries(ctx: Context, map: YAMLMap, orig: MapNode): Result {
  if (map.flow || hasProps(map) || map.items.length === 0) return FAIL;
  const { source } = ctx.o;
  let changed = map.items.length !== orig.keys.length;
  let last = -1;
  const parts: string[] = [];
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? pair.key.value : pair.key;
    if (typeof key !== 'string') return FAIL;
    const i = orig.keys.indexOf(key);
    if (i < 0) {
      changed = true;
      parts.push(renderEntry(ctx, pair, orig.col));
      continue;
    }
    if (i < last) return FAIL; // reordered
    if (i !== last + 1) changed = true; // entries dropped before this one
    last = i;
    const otherwise = orig.otherwiseIn11?.includes(i) === true;
    const r = hasProps(pair.key) || otherwise ? FAIL : entry(ctx, pair, orig, i);
    if (r === FAIL) {
      // Printed whole: what yaml makes of it is what it is.
      changed = true;
      parts.push(renderEntry(ctx, pair, orig.col));
    } else if (r === undefined) {
      parts.push(source.slice(orig.starts[i], entryEnd(source, orig, i)));
    } else {
      changed = true;
      parts.push(r);
    }
  }
  if (last !== orig.keys.length - 1) changed = true;
  return changed ? parts.join(pad(ctx, orig.col)) : undefined;
}

/** One entry of a mapping, from its key; FAIL when it is to be printed whole. */
function entry(ctx: Context, pair: Pair, orig: MapNode, i: number): Result {
  const origValue = orig.values[i] as OutlineNode;
  const nested = collection(ctx, pair.value, origValue);
  if (nested === FAIL || nested === undefined) return nested;
  // The key's own line stays; the collection goes on below it.
  const { source } = ctx.o;
  const start = orig.starts[i] as number;
  const keyLine = source.slice(start, source.indexOf('\n', start) + 1);
  return keyLine + pad(ctx, (origValue as MapNode | SeqNode).col) + nested;
}

/**
 * A value against its input: undefined if the same, the text of a block collection (from its
 * first key or dash) if changed, FAIL if it is to be printed whole.
 */
function collection(ctx: Context, value: unknown, orig: OutlineNode): Result {
  if (isAlias(value) || hasProps(value)) return FAIL;
  if (isMap(value) && orig.kind === 'map' && !orig.flow && !value.flow && value.items.length > 0) {
    return mapEntries(ctx, value, orig);
  }
  if (isSeq(value) && orig.kind === 'seq' && !orig.flow && !value.flow && value.items.length > 0) {
    return seqItems(ctx, value, orig);
  }
  return sameLeaf(ctx, value, orig) ? undefined : FAIL;
}

/** A scalar, or an empty collection, with the value its input has. */
function sameLeaf(ctx: Context, value: unknown, orig: OutlineNode): boolean {
  if (isScalar(value)) {
    if (orig.kind !== 'scalar' && orig.kind !== 'null') return false;
    // A plain string that a YAML 1.1 reader takes for something else is written again, quoted.
    if (orig.kind === 'scalar' && orig.otherwiseIn11) return false;
    const read = plainValue(ctx.o, orig);
    return read !== UNREADABLE && read === value.value;
  }
  if (value === null || value === undefined) return orig.kind === 'null';
  if (isMap(value) && value.items.length === 0)
    return orig.kind === 'map' && orig.keys.length === 0;
  if (isSeq(value) && value.items.length === 0)
    return orig.kind === 'seq' && orig.items.length === 0;
  return false;
}

/** A sequence's entries, from its first dash; the entries after the first at its column. */
function seqItems(ctx: Context, seq: YAMLSeq, orig: SeqNode): Result {
  const { source } = ctx.o;
  let changed = seq.items.length !== orig.items.length;
  const parts: string[] = [];
  seq.items.forEach((item, i) => {
    const origItem = orig.items[i];
    if (origItem === undefined || isPair(item)) {
      changed = true;
      parts.push(renderItem(ctx, item, orig.col));
      return;
    }
    const r = collection(ctx, item, origItem);
    if (r === undefined) {
      parts.push(source.slice(orig.starts[i], entryEnd(source, orig, i)));
      return;
    }
    changed = true;
    if (r === FAIL || origItem.kind !== 'map') parts.push(renderItem(ctx, item, orig.col));
    // `- ` (and whatever spaces the input had after it), then the mapping.
    else parts.push(source.slice(orig.starts[i], origItem.starts[0]) + r);
  });
  return changed ? parts.join(pad(ctx, orig.col)) : undefined;
}

/** A string yaml prints as it is; undefined for one it would quote or fold. */
function plain(node: unknown): string | undefined {
  let value = node;
  if (isScalar(node)) {
    if (hasProps(node) || (node.type !== undefined && node.type !== 'PLAIN')) return undefined;
    value = node.value;
  }
  return typeof value === 'string' && canBePlain(value) ? value : undefined;
}

/** A mapping entry with a string key and value, as yaml prints it, without yaml. */
function renderEntry(ctx: Context, pair: Pair, col: number): string {
  const key = plain(pair.key);
  const value = plain(pair.value);
  if (key !== undefined && value !== undefined) return `${key}: ${value}\n`;
  return render(ctx, entryOf(pair), col);
}

/** A sequence entry with a string value, as yaml prints it, without yaml. */
function renderItem(ctx: Context, item: unknown, col: number): string {
  const value = plain(item);
  if (value !== undefined) return `- ${value}\n`;
  return render(ctx, seqOf(item), col);
}

function entryOf(pair: Pair): YAMLMap {
  const map = new YAMLMap();
  map.items.push(pair as Pair<unknown, unknown>);
  return map;
}

function seqOf(item: unknown): YAMLSeq {
  const seq = new YAMLSeq();
  seq.items.push(item);
  return seq;
}

/** A mapping entry or sequence entry as yaml prints it, its lines after the first at `col`. */
function render(ctx: Context, node: Node, col: number): string {
  const text = printNode(node, ctx.wide);
  const indent = pad(ctx, col);
  // Empty lines (in block scalars) stay empty, as the ResourceList writer leaves them.
  return linesIn(text, indent);
}

/**
 * A node as yaml prints it on its own. A mapping made from plain data (setIn, createNode: a
 * worker's new resources or strategy) is printed as that data by printPlain, without a document
 * for it: the same text (test/patch.test.ts holds the two to each other).
 */
export function printNode(node: Node, wide: boolean): string {
  const value = isMap(node) ? plainOf(node) : FAIL;
  const text = value === FAIL ? undefined : printPlain(value as Record<string, unknown>, wide);
  if (text !== undefined) return text;
  const doc = new Document(undefined, parseOptions) as Doc;
  doc.contents = node as never;
  return printDoc(doc, wide);
}

/**
 * A node made from plain data as that data again: FAIL for anything printed otherwise than
 * plain data is (a style, a comment, an anchor or tag, a kept source text, a number that is no
 * safe integer, a key a plain object would put elsewhere).
 */
function plainOf(node: unknown): unknown {
  if (hasProps(node)) return FAIL;
  if (isScalar(node)) {
    if (node.type !== undefined || node.format !== undefined || hasSourceText(node)) return FAIL;
    return plainScalar(node.value);
  }
  if (isMap(node)) {
    if (node.flow) return FAIL;
    const out: Record<string, unknown> = {};
    for (const pair of node.items) {
      const key = plainOf(pair.key);
      if (typeof key !== 'string' || Object.hasOwn(out, key) || !isPlainKey(key)) return FAIL;
      const value = plainOf(pair.value);
      if (value === FAIL) return FAIL;
      out[key] = value;
    }
    return out;
  }
  if (!isNode(node)) return plainScalar(node); // a key or value setIn left as it was given
  if (isSeq(node)) {
    if (node.flow) return FAIL;
    const out: unknown[] = [];
    for (const item of node.items) {
      const value = plainOf(item);
      if (value === FAIL) return FAIL;
      out.push(value);
    }
    return out;
  }
  return FAIL;
}

function plainScalar(v: unknown): unknown {
  return isPlainScalar(v) ? v : FAIL;
}

/** A key a plain object keeps in its place: no array index (those go first), no __proto__. */
function isPlainKey(key: string): boolean {
  return key !== '__proto__' && !isIndexKey(key);
}
