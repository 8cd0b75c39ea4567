// The two containers the function reads and writes: a KRM ResourceList (Kustomize, kpt, the
// Argo CD plugin) and a plain multi-document stream (`kustomize build | celery-queues --config`).
//
// The fast path splits the text into items without parsing them; it applies to the block
// layout that Kustomize, kpt and `kubectl kustomize` print. Anything else goes through the full
// parser. Both give the same items.
import { Document, isMap, isScalar, isSeq, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import { composeOutline } from './compose.js';
import { InputError, Item } from './item.js';
import { outline } from './outline.js';
import type { Result } from './results.js';
import {
  type Doc,
  expandAliases,
  parseOptions,
  parseYaml,
  parseYamlStream,
  printDoc,
  printResource,
} from './yaml.js';

export interface ResourceListInput {
  form: 'resourceList';
  apiVersion: string;
  items: Item[];
  functionConfig: Node | null;
  /** Results already in the input (from an earlier function), kept in front of ours. */
  results: Node | null;
  /** Spaces before each item's `- `. */
  itemIndent: number;
}

export interface StreamInput {
  form: 'stream';
  items: Item[];
}

export type Input = ResourceListInput | StreamInput;

// ---------------------------------------------------------------------------------------------
// ResourceList

export function readResourceList(text: string): ResourceListInput {
  return splitResourceList(text) ?? parseResourceList(text);
}

export interface Split {
  /** The input without its items: the envelope (apiVersion, kind, functionConfig, results). */
  rest: string;
  /** Each entry's exact text, from its `- ` to its last line's newline. */
  entries: string[];
  /** Spaces before each entry's `- `. */
  indent: number;
}

/**
 * The fast path: cut the `items:` block into entries without parsing them. It accepts the
 * layout Kustomize and kpt print (a block mapping at column 0, one `items:` key holding a
 * block sequence whose entries all start at the same column, nothing but entries and blank
 * lines inside it) and returns undefined for anything else, which the full parser then reads.
 */
export function splitResourceListText(text: string): Split | undefined {
  // Line ends other than \n, directives and tabs in the layout are left to the parser.
  if (text.includes('\r') || text.startsWith('%')) return undefined;
  let itemsLine = -1;
  if (text.startsWith('items:')) itemsLine = 0;
  else {
    const at = text.indexOf('\nitems:');
    if (at >= 0) itemsLine = at + 1;
  }
  if (itemsLine < 0) return undefined;
  if (text.indexOf('\nitems:', itemsLine + 1) >= 0) return undefined;
  const itemsEnd = lineEnd(text, itemsLine);
  const itemsKey = text.slice(itemsLine, itemsEnd);
  // No items at all: nothing to cut; the envelope parse reads `items: []`.
  if (/^items: *\[\] *$/.test(itemsKey)) return { rest: text, entries: [], indent: 0 };
  if (!/^items: *$/.test(itemsKey)) return undefined;
  const blockStart = Math.min(itemsEnd + 1, text.length);

  // The first entry fixes the column of all of them.
  let first = blockStart;
  while (first < text.length && isBlankLine(text, first)) first = lineEnd(text, first) + 1;
  const m = /^( *)- \S/.exec(text.slice(first, Math.min(lineEnd(text, first), first + 200)));
  if (!m) {
    // No block entries: `items:` is empty (null); the parser reads the rest.
    return { rest: text, entries: [], indent: 0 };
  }
  const indent = (m[1] as string).length;
  const dash = `${' '.repeat(indent)}- `;
  // Every line of the block is an entry's first line, a line indented past the dash, or blank.
  // The first other line ends the block (the next top-level key) or leaves the input to the
  // parser (comments between entries, odd indentation). Native searches: inputs run to megabytes.
  const other = new RegExp(`\\n(?!${dash}(?! )|${' '.repeat(indent + 2)}| *(?:\\n|$))`, 'g');
  other.lastIndex = first - 1;
  const found = other.exec(text);
  let blockEnd = text.length;
  if (found) {
    const pos = found.index + 1;
    const c = text.charCodeAt(pos);
    if (c === 32 || c === 35 /* # */ || (indent === 0 && c === 45) /* - */) return undefined;
    blockEnd = pos; // the next top-level key
  }
  const entries: string[] = [];
  const marker = `\n${dash}`;
  for (let start = first; ; ) {
    const next = text.indexOf(marker, start);
    if (next < 0 || next + 1 >= blockEnd) {
      entries.push(text.slice(start, blockEnd));
      break;
    }
    entries.push(text.slice(start, next + 1));
    start = next + 1;
  }
  const last = entries[entries.length - 1];
  if (last !== undefined && !last.endsWith('\n')) entries[entries.length - 1] = `${last}\n`;
  return { rest: text.slice(0, blockStart) + text.slice(blockEnd), entries, indent };
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

/** Only spaces, or nothing, up to the line's end. */
function isBlankLine(text: string, pos: number): boolean {
  for (let i = pos; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) return true;
    if (c !== 32) return false;
  }
  return true;
}

function splitResourceList(text: string): ResourceListInput | undefined {
  const split = splitResourceListText(text);
  if (!split) return undefined;
  // The envelope (the functionConfig, any earlier results) is built off its outline when it can
  // be, like the items: a run then often needs no YAML parser at all.
  const outlined = outline(split.rest);
  const head = (outlined && composeOutline(outlined)) ?? parseYaml(split.rest);
  if (head.errors.length > 0 || !isMap(head.contents)) return undefined;
  const itemsNode = head.get('items', true);
  const emptyItems =
    itemsNode == null ||
    (isScalar(itemsNode) && itemsNode.value == null) ||
    (split.entries.length === 0 && isSeq(itemsNode) && itemsNode.items.length === 0);
  // Anything else left under `items` (a flow sequence, say) is for the full parser.
  if (!emptyItems) return undefined;
  const envelope = readEnvelope(head);
  const columns = split.indent + 2;
  return {
    form: 'resourceList',
    ...envelope,
    itemIndent: split.indent,
    items: split.entries.map((raw, n) => Item.lazy(raw, columns, `items[${n}]`)),
  };
}

/** The full path: the whole input through the parser. */
export function parseResourceList(text: string): ResourceListInput {
  const doc = parseYaml(text);
  const error = doc.errors[0];
  if (error?.code === 'MULTIPLE_DOCS') {
    throw new InputError(
      'input: a stream of several documents, not a ResourceList (for a plain manifest stream, use --config FILE)',
    );
  }
  if (error) throw new InputError(`input: not valid YAML: ${firstLine(error.message)}`);
  if (!isMap(doc.contents)) throw new InputError('input: not a ResourceList (not a mapping)');
  expandAliases(doc);
  const envelope = readEnvelope(doc);
  const itemsNode = doc.get('items', true);
  if (itemsNode != null && !isSeq(itemsNode)) {
    throw new InputError('input: ResourceList.items is not a list');
  }
  return { form: 'resourceList', ...envelope, itemIndent: 0, items: itemsOf(itemsNode) };
}

function itemsOf(seq: YAMLSeq | null | undefined): Item[] {
  return (seq?.items ?? []).map((node, n) => {
    const item = new Document(null, parseOptions) as Doc;
    item.contents = node as Node;
    return Item.parsedInput(item, `items[${n}]`);
  });
}

/**
 * What can be read of the items of an input that is no ResourceList the function takes (an
 * envelope it refuses: another kind or apiVersion, `results` not a list, a bad functionConfig):
 * the entries under `items` when they are a list; none when the input is no YAML mapping or its
 * items are no list.
 */
export function readableItems(text: string): { items: Item[]; itemIndent: number } {
  const split = splitResourceListText(text);
  if (split) {
    const columns = split.indent + 2;
    const items = split.entries.map((raw, n) => Item.lazy(raw, columns, `items[${n}]`));
    return { items, itemIndent: split.indent };
  }
  try {
    const doc = parseYaml(text);
    if (doc.errors.length > 0 || !isMap(doc.contents)) return { items: [], itemIndent: 0 };
    expandAliases(doc);
    const itemsNode = doc.get('items', true);
    return { items: isSeq(itemsNode) ? itemsOf(itemsNode) : [], itemIndent: 0 };
  } catch {
    return { items: [], itemIndent: 0 }; // nested past the parser's stack: nothing could be read
  }
}

function readEnvelope(doc: Doc): Omit<ResourceListInput, 'form' | 'items' | 'itemIndent'> {
  const kind = doc.get('kind');
  const apiVersion = doc.get('apiVersion');
  if (kind !== 'ResourceList') {
    throw new InputError(
      `input: kind is ${JSON.stringify(kind ?? null)}, not ResourceList (for a plain manifest stream, use --config FILE)`,
    );
  }
  if (typeof apiVersion !== 'string' || !apiVersion.startsWith('config.kubernetes.io/')) {
    throw new InputError(
      `input: ResourceList apiVersion ${JSON.stringify(apiVersion ?? null)} is not config.kubernetes.io/v1`,
    );
  }
  const functionConfig = (doc.get('functionConfig') as Node | undefined) ?? null;
  const results = (doc.get('results') as Node | undefined) ?? null;
  if (results != null && !isSeq(results)) throw new InputError('input: results is not a list');
  return { apiVersion, functionConfig, results };
}

export function writeResourceList(
  input: ResourceListInput,
  items: readonly Item[],
  results: readonly Result[],
): string {
  return [...resourceListChunks(input, items, results)].join('');
}

/**
 * The ResourceList as text, a piece at a time: a large output is written piece by piece and
 * never held in memory whole (unchanged entries are slices of the input's own text).
 */
export function* resourceListChunks(
  input: ResourceListInput,
  items: readonly Item[],
  results: readonly Result[],
): Generator<string> {
  yield `apiVersion: ${input.apiVersion}\nkind: ResourceList\n`;
  if (items.length === 0) yield 'items: []\n';
  else {
    yield 'items:\n';
    // Entries end with their own newline: an unchanged one is its exact input text.
    for (const item of items) yield entryText(item, input.itemIndent);
  }
  const tail = new Document({}, parseOptions) as Doc;
  const map = tail.contents as YAMLMap;
  if (input.functionConfig != null) map.set('functionConfig', input.functionConfig);
  const allResults: unknown[] = [];
  if (isSeq(input.results)) allResults.push(...input.results.items);
  allResults.push(...results.map(({ brief: _, ...r }) => tail.createNode(r)));
  if (allResults.length > 0) map.set('results', tail.createNode(allResults));
  if (map.items.length > 0) yield `${printDoc(tail).trimEnd()}\n`;
}

function entryText(item: Item, indent: number): string {
  if (item.raw !== undefined) return item.raw;
  const pad = ' '.repeat(indent);
  const text = resourceText(item).replace(/\n+$/, '');
  return `${text
    .split('\n')
    .map((line, n) => (n === 0 ? `${pad}- ${line}` : line === '' ? '' : `${pad}  ${line}`))
    .join('\n')}\n`;
}

function resourceText(item: Item): string {
  return item.printed ?? printResource(item.doc);
}

// ---------------------------------------------------------------------------------------------
// Plain multi-document stream

export function readStream(text: string): StreamInput {
  return { form: 'stream', items: splitStream(text) ?? parseStream(text) };
}

/**
 * The fast path for streams: cut at `---` lines without parsing. Anything the cut could get
 * wrong (markers with content, document ends, directives, other line ends) is for the parser.
 */
export function splitStream(text: string): Item[] | undefined {
  if (text.includes('\r') || text.startsWith('%') || text.startsWith('...')) return undefined;
  if (/\n(?:%|\.\.\.)/.test(text)) return undefined;
  const items: Item[] = [];
  let start = 0;
  for (;;) {
    const marker = nextMarker(text, start);
    if (marker === undefined) return undefined;
    const end = marker < 0 ? text.length : marker;
    const raw = text.slice(start, end);
    if (hasContent(raw)) {
      items.push(
        Item.lazy(raw.endsWith('\n') ? raw : `${raw}\n`, 0, `document ${items.length + 1}`),
      );
    }
    if (marker < 0) return items;
    start = lineEnd(text, marker) + 1;
  }
}

/** Where the next `---` line starts; -1: none; undefined: a marker line the cut cannot handle. */
function nextMarker(text: string, from: number): number | undefined {
  let lineStart = from;
  for (;;) {
    let pos = lineStart;
    if (!text.startsWith('---', pos)) {
      const at = text.indexOf('\n---', lineStart);
      if (at < 0) return -1;
      pos = at + 1;
    }
    const end = lineEnd(text, pos);
    const rest = text.slice(pos + 3, end);
    if (/^[ \t]*$/.test(rest)) return pos;
    // `---` followed by content on its line: not a plain marker.
    if (/^[ \t]/.test(rest)) return undefined;
    lineStart = end + 1; // `---x` is text, not a marker
  }
}

/** A line that is neither blank nor a comment. */
function hasContent(chunk: string): boolean {
  return /^[ \t]*[^ \t\n#]/m.test(chunk);
}

/** The full path for streams: every document through the parser. */
export function parseStream(text: string): Item[] {
  const items: Item[] = [];
  for (const doc of parseYamlStream(text)) {
    const position = `document ${items.length + 1}`;
    const error = doc.errors[0];
    if (error) throw new InputError(`${position}: not valid YAML: ${firstLine(error.message)}`);
    // An empty document (two markers in a row, only comments) is no resource.
    if (doc.contents == null || (isScalar(doc.contents) && doc.contents.source === '')) continue;
    items.push(Item.parsedInput(doc, position));
  }
  return items;
}

export function writeStream(items: readonly Item[]): string {
  return [...streamChunks(items)].join('');
}

/** The manifest stream as text, a document at a time. */
export function* streamChunks(items: readonly Item[]): Generator<string> {
  let first = true;
  for (const item of items) {
    const text = item.raw ?? resourceText(item);
    yield `${first ? '' : '---\n'}${text}${text.endsWith('\n') ? '' : '\n'}`;
    first = false;
  }
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
