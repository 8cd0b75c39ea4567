// The two containers the function reads and writes: a KRM ResourceList (Kustomize, kpt, the
// Argo CD plugin) and a plain multi-document stream (`kustomize build | celery-queues --config`).
//
// Whatever the input's layout, it is cut into items, each kept as the exact text it came in: an
// item the function does not change goes out byte for byte. The fast path cuts the layouts real
// producers write (Kustomize's and kpt's, other indentations, comments between items, CRLF line
// ends, JSON) without parsing; anything else is parsed whole to find where each item is. An item
// that cannot stand alone as text (an alias to an anchor in another item) is taken from that
// parse, resolved, and printed.
import {
  Document,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  type Node,
  Parser,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';
import {
  deindent,
  firstLine,
  hasColumn0Quote,
  InputError,
  Item,
  inContainer,
  indentClosingQuotes,
  linesInContainer,
  withoutBookkeeping,
} from './item.js';
import { isObject, splitJsonItems } from './json.js';
import { plainCopy, printPlain } from './print.js';
import type { Result } from './results.js';
import { composeOutline } from './text/compose.js';
import { type Outline, outline, plainValue } from './text/outline.js';
import {
  aliasError,
  type Doc,
  nodeToPlain,
  parseOptions,
  parseYaml,
  parseYamlUnresolved,
  printDoc,
  printResource,
  resolveAliases,
} from './yaml.js';

export interface ResourceListInput {
  form: 'resourceList';
  apiVersion: string;
  items: Item[];
  functionConfig: Node | null;
  /**
   * The functionConfig as plain data, when the envelope was read off its outline as such (then
   * `functionConfig`, its document's node, is made only if the output asks for it).
   */
  plainFunctionConfig?: unknown;
  /** Results already in the input (from an earlier function), kept in front of ours. */
  results: Node | null;
  /** Spaces before each item's `- `. */
  itemIndent: number;
  /** The input without its items, when the fast path cut it: the functionConfig as written. */
  envelope?: string;
}

export interface StreamInput {
  form: 'stream';
  items: Item[];
}

export type Input = ResourceListInput | StreamInput;

// ---------------------------------------------------------------------------------------------
// The text every reader here reads

/**
 * The input as the readers here read it, and a way back to the input's own bytes: an unchanged
 * item goes out as it came. The readers read LF line ends (YAML reads CRLF and CR as line
 * breaks too), and a closing quote that go-yaml writes at column 0 indented past its key (kpt
 * does, for a multi-line quoted value that ends in a line break; go-yaml, PyYAML and ruamel read
 * it, yaml refuses it). Neither changes what the YAML says.
 */
interface Text {
  text: string;
  /** Is `text` other than the input (then `raw` differs from it)? */
  other: boolean;
  /** The input's text for [start, end) of `text` (both at line starts, or the ends). */
  raw(start: number, end: number): string;
}

/** Where `text` differs from the input: from `at` on, it is `shift` characters longer. */
interface Shift {
  at: number;
  shift: number;
}

function readable(input: string, { lookForQuotes = true } = {}): Text {
  // A byte-order mark belongs to the encoding, not to any document.
  const unmarked = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const crlf = unmarked.includes('\r');
  const quotes = lookForQuotes && hasColumn0Quote(unmarked);
  if (!crlf && !quotes) {
    return { text: unmarked, other: false, raw: (start, end) => unmarked.slice(start, end) };
  }
  const shifts: Shift[] = [];
  let text = unmarked;
  if (crlf) {
    const pairs = /\r\n/g;
    for (let m = pairs.exec(unmarked); m; m = pairs.exec(unmarked)) {
      shifts.push({ at: m.index - shifts.length, shift: -1 });
    }
    text = unmarked.replace(/\r\n?/g, '\n');
  }
  if (quotes) text = indentClosingQuotes(text, shifts);
  shifts.sort((a, b) => a.at - b.at);
  // Shifts before a position, summed: by halving, for inputs of a million lines.
  const sums: number[] = [];
  let sum = 0;
  for (const s of shifts) {
    sum += s.shift;
    sums.push(sum);
  }
  const toRaw = (at: number) => {
    let lo = 0;
    let hi = shifts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((shifts[mid] as Shift).at < at) lo = mid + 1;
      else hi = mid;
    }
    return at - (lo > 0 ? (sums[lo - 1] as number) : 0);
  };
  return { text, other: true, raw: (start, end) => unmarked.slice(toRaw(start), toRaw(end)) };
}

// ---------------------------------------------------------------------------------------------
// ResourceList

export function readResourceList(input: string): ResourceListInput {
  const fast = readable(input, { lookForQuotes: false });
  const cut = splitResourceList(fast);
  if (cut) return cut;
  // A closing quote at column 0 stops the cut (it is no entry's line): looked for only then.
  const text = hasColumn0Quote(fast.text) ? readable(input) : fast;
  return (
    (text === fast ? undefined : splitResourceList(text)) ??
    splitJsonResourceList(text) ??
    parseResourceListText(text)
  );
}

export interface Split {
  /** The input without its items: the envelope (apiVersion, kind, functionConfig, results). */
  rest: string;
  /** Each entry's text, from its `- ` to its last line's newline, as [start, end) of the input. */
  entries: [number, number][];
  /** Comment and blank lines in front of each entry, outside any resource, as [start, end). */
  leads: [number, number][];
  /** Spaces before each entry's `- `. */
  indent: number;
  /** Columns of each entry's lines that are the list's (its indentation, the dash, spaces). */
  container: number;
  /** The entries with a comment line less indented than their content. */
  odd: ReadonlySet<number>;
}

/**
 * The fast path: cut the `items:` block into entries without parsing them. It accepts a block
 * mapping at column 0 with one `items:` key holding a block sequence whose entries all start
 * at one column with the same spaces after the dash, with nothing but entries, blank lines and
 * comments inside it; it returns undefined for anything else, which the full parser then reads.
 */
export function splitResourceListText(text: string): Split | undefined {
  // Directives, and aliases to anchors in other items, are left to the parser.
  if (text.startsWith('%') || text.startsWith('---')) return undefined;
  let itemsLine = -1;
  if (text.startsWith('items:')) itemsLine = 0;
  else {
    const at = text.indexOf('\nitems:');
    if (at >= 0) itemsLine = at + 1;
  }
  if (itemsLine < 0) return undefined;
  // A second `items:` (a duplicate key) is for the parser to refuse. (Where the block is cut, it
  // is looked for only after it: a line of the block at column 0 would have ended it.)
  const twice = (from: number) => text.indexOf('\nitems:', from) >= 0;
  const itemsEnd = lineEnd(text, itemsLine);
  const itemsKey = text.slice(itemsLine, itemsEnd);
  const none = { entries: [], leads: [], indent: 0, container: 2, odd: new Set<number>() };
  // No items at all: nothing to cut; the envelope parse reads `items: []`.
  if (/^items: *\[\] *(?:#.*)?$/.test(itemsKey)) {
    return twice(itemsLine + 1) ? undefined : { rest: text, ...none };
  }
  if (!/^items: *(?:#.*)?$/.test(itemsKey)) return undefined;
  const blockStart = Math.min(itemsEnd + 1, text.length);

  // The first entry fixes the column of all of them, and how far after the dash they go on.
  let first = blockStart;
  while (first < text.length && isBlankOrComment(text, first)) first = lineEnd(text, first) + 1;
  const m = /^( *)-( +)\S/.exec(text.slice(first, Math.min(lineEnd(text, first), first + 200)));
  // No block entries: `items:` is empty (null), or the envelope's parse finds what it holds.
  if (!m) return twice(itemsLine + 1) ? undefined : { rest: text, ...none };
  const indent = (m[1] as string).length;
  const container = indent + 1 + (m[2] as string).length;
  const dash = `${' '.repeat(indent)}-${' '.repeat(container - indent - 1)}`;
  // Every line of the block is an entry's first line, a line indented to the entries' content,
  // a blank line, or a comment. One native search (inputs run to megabytes) finds the lines
  // that matter: entries' first lines; comment lines less indented than the content (an entry
  // that holds one is read with it moved to the content's column: see Item); and the first
  // other line, which ends the block (the next top-level key) or leaves the input to the parser
  // (odd indentation, another layout of an entry).
  const lines = new RegExp(
    `\\n(?:(${dash})(?! )|( {0,${container - 1}}#)|(?!${' '.repeat(container)}| *(?:\\n|$)| *#))`,
    'g',
  );
  lines.lastIndex = first - 1;
  const starts: number[] = [];
  const comments: number[] = [];
  let blockEnd = text.length;
  for (let found = lines.exec(text); found; found = lines.exec(text)) {
    const pos = found.index + 1;
    if (found[1] !== undefined) starts.push(pos);
    else if (found[2] !== undefined) comments.push(pos);
    else {
      const c = text.charCodeAt(pos);
      // (A quote: a closing quote at column 0, as go-yaml writes it; see readable.)
      if (c === 32 || c === 39 || c === 34 || (indent === 0 && c === 45) /* - */) return undefined;
      blockEnd = pos; // the next top-level key
      break;
    }
  }
  if (twice(blockEnd - 1)) return undefined;
  const entries: [number, number][] = [];
  const leads: [number, number][] = [[blockStart, first]];
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i] as number;
    const end = i + 1 < starts.length ? (starts[i + 1] as number) : blockEnd;
    // Comments less indented than the entry, at its end, are in front of the next one (after
    // the last one, the envelope's: they go).
    const lead = trailingComments(text, start, end, container);
    entries.push([start, lead]);
    if (i + 1 < starts.length) leads.push([lead, end]);
  }
  const odd = new Set<number>();
  let at = 0;
  entries.forEach(([start, end], n) => {
    while (at < comments.length && (comments[at] as number) < start) at++;
    if (at < comments.length && (comments[at] as number) < end) odd.add(n);
  });
  return {
    rest: text.slice(0, blockStart) + text.slice(blockEnd),
    entries,
    leads,
    indent,
    container,
    odd,
  };
}

/**
 * Where the comment lines at the end of an entry start, from the first one less indented than
 * its content (with the blank lines and comments after it); `end` when there is none.
 */
function trailingComments(text: string, start: number, end: number, container: number): number {
  let lead = end;
  let line = end;
  while (line > start) {
    const lineStart = text.lastIndexOf('\n', line - 2) + 1;
    if (lineStart <= start) break;
    let c = lineStart;
    while (c < line && text.charCodeAt(c) === 32) c++;
    const ch = text.charCodeAt(c);
    if (c < line - 1 && ch === 35 /* # */) {
      if (c - lineStart < container) lead = lineStart;
    } else if (!(c >= line - 1 || ch === 10)) break; // a line with content
    line = lineStart;
  }
  return lead;
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

/** Only spaces, or a comment, or nothing, up to the line's end. */
function isBlankOrComment(text: string, pos: number): boolean {
  for (let i = pos; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 || c === 35) return true;
    if (c !== 32) return false;
  }
  return true;
}

function splitResourceList(input: Text): ResourceListInput | undefined {
  const { text } = input;
  const split = splitResourceListText(text);
  if (!split || aliasesAcrossItems(text, split)) return undefined;
  // The envelope (the functionConfig, any earlier results) is read off its outline when it can
  // be, like the items: a run then often needs no YAML parser at all.
  const outlined = outline(split.rest);
  const plain = outlined && plainEnvelope(outlined, split);
  if (plain) {
    let node: Node | null | undefined;
    return {
      form: 'resourceList',
      apiVersion: plain.apiVersion,
      plainFunctionConfig: plain.functionConfig,
      // Its document only when the output prints it (yaml writes the tail): the same the
      // document below would have held.
      get functionConfig() {
        if (node === undefined)
          node = readEnvelope(envelopeDoc(outlined, split.rest)).functionConfig;
        return node;
      },
      results: null,
      itemIndent: split.indent,
      items: splitItems(input, split),
      envelope: split.rest,
    };
  }
  const head = envelopeDoc(outlined, split.rest);
  if (head.errors.length > 0 || !isMap(head.contents)) return undefined;
  const itemsNode = head.get('items', true);
  const emptyItems =
    itemsNode == null ||
    (isScalar(itemsNode) && itemsNode.value == null) ||
    (split.entries.length === 0 && isSeq(itemsNode) && itemsNode.items.length === 0);
  // Anything else left under `items` (a flow sequence, say) is for the full parser.
  if (!emptyItems) return undefined;
  return {
    form: 'resourceList',
    ...readEnvelope(head),
    itemIndent: split.indent,
    items: splitItems(input, split),
    envelope: split.rest,
  };
}

function envelopeDoc(outlined: Outline | undefined, text: string): Doc {
  return (outlined && composeOutline(outlined)) ?? parseYaml(text);
}

/**
 * The envelope as plain data, when it is the common one: a ResourceList of Kubernetes' config
 * API, its items all cut out, no results of an earlier function (which go out again as they
 * came, as nodes). Anything else, or anything the outline cannot read as plain data, is read
 * off the document (readEnvelope), which says what is wrong with it.
 */
function plainEnvelope(
  o: Outline,
  split: Split,
): { apiVersion: string; functionConfig: unknown } | undefined {
  const value = plainValue(o, o.root);
  if (!isObject(value)) return undefined;
  const { apiVersion, kind, items, results } = value;
  if (kind !== 'ResourceList' || typeof apiVersion !== 'string') return undefined;
  if (!apiVersion.startsWith('config.kubernetes.io/') || results != null) return undefined;
  const emptyItems =
    items == null || (split.entries.length === 0 && Array.isArray(items) && items.length === 0);
  if (!emptyItems) return undefined;
  return { apiVersion, functionConfig: value.functionConfig ?? null };
}

/** The entries the cut found, as items kept as their text. */
function splitItems(input: Text, split: Split): Item[] {
  return split.entries.map(([start, end], n) => {
    const lead = split.leads[n] as [number, number];
    return Item.lazy(input.raw(start, end), split.container, `items[${n}]`, {
      lead: input.raw(lead[0], lead[1]),
      text: input.other ? input.text.slice(start, end) : undefined,
      ready: !split.odd.has(n),
    });
  });
}

/**
 * Does an item hold an alias that names no anchor of its own? (Then it cannot stand alone, and
 * the whole input is parsed.) A quick look first: most inputs have no anchor at all.
 */
function aliasesAcrossItems(text: string, split: Split): boolean {
  if (!hasAnchor(text)) return false;
  return split.entries.some(([start, end]) => {
    const entry = text.slice(start, end);
    const aliases = [...entry.matchAll(ALIASES)].map((m) => m[1]);
    if (aliases.length === 0) return false;
    const anchors = new Set([...entry.matchAll(ANCHORS)].map((m) => m[1]));
    return aliases.some((name) => !anchors.has(name));
  });
}

// Where a node starts, an anchor or alias may: at a line's start, after a key's `: `, a dash or
// a flow indicator. (Quoted text may look like one too: the parser then decides.)
const NODE_START = String.raw`(?:^ *|[:,\-] +|[[{,])`;
const ANCHORS = new RegExp(`${NODE_START}&([^\\s,[\\]{}]+)`, 'gm');
const ALIASES = new RegExp(`${NODE_START}\\*([^\\s,[\\]{}]+)`, 'gm');

/** Is there an `&` where a node starts (see NODE_START)? A native search for each `&` first. */
function hasAnchor(text: string): boolean {
  for (let at = text.indexOf('&'); at >= 0; at = text.indexOf('&', at + 1)) {
    const next = text.charCodeAt(at + 1);
    if (Number.isNaN(next) || next === 32 || next === 10 || next === 44 || next === 91) continue;
    if (next === 93 || next === 123 || next === 125 || next === 9) continue;
    let i = at - 1;
    while (i >= 0 && text.charCodeAt(i) === 32) i--;
    const before = i < 0 ? 10 : text.charCodeAt(i);
    if (before === 10 || before === 91 || before === 123 || before === 44) return true;
    if ((before === 58 || before === 45) && i < at - 1) return true; // `: &x`, `- &x`
  }
  return false;
}

/** A ResourceList written as JSON: cut into its items without parsing them. */
function splitJsonResourceList(input: Text): ResourceListInput | undefined {
  const { text } = input;
  if (!/^\s*\{/.test(text)) return undefined;
  const split = splitJsonItems(text);
  if (!split) return undefined;
  let envelope: unknown;
  try {
    envelope = JSON.parse(split.rest);
  } catch {
    return undefined;
  }
  if (!isObject(envelope)) return undefined;
  const head = new Document(envelope, parseOptions) as Doc;
  return {
    form: 'resourceList',
    ...readEnvelope(head),
    itemIndent: 0,
    items: split.entries.map(([start, end], n) =>
      // Each item as a `- ` entry of a block list, its JSON text as it was.
      Item.lazy(flowEntry(input.raw(start, end)), 2, `items[${n}]`, {
        text: input.other ? flowEntry(text.slice(start, end)) : undefined,
      }),
    ),
  };
}

/** The full path: the whole input through the parser. */
export function parseResourceList(input: string): ResourceListInput {
  return parseResourceListText(readable(input));
}

function parseResourceListText(input: Text): ResourceListInput {
  const { text } = input;
  // Aliases are checked (and resolved) only where they are read: an alias bomb in an item that
  // goes out as its text is never expanded.
  const doc = parseYamlUnresolved(text, { aliases: false });
  const error = doc.errors[0];
  if (error?.code === 'MULTIPLE_DOCS') {
    throw new InputError(
      'input: a stream of several documents, not a ResourceList (for a plain manifest stream, use --config FILE)',
    );
  }
  if (error) throw new InputError(`input: not valid YAML: ${firstLine(error.message)}`);
  if (!isMap(doc.contents)) throw new InputError('input: not a ResourceList (not a mapping)');
  const itemsNode = doc.get('items', true);
  if (itemsNode != null && !isSeq(itemsNode)) {
    throw new InputError('input: ResourceList.items is not a list');
  }
  // What is read off the parse besides the items: the envelope's parts.
  const envelopeNodes = (doc.contents as YAMLMap).items
    .filter((p) => isScalar(p.key) && p.key.value !== 'items')
    .map((p) => p.value);
  const items = parsedItems(input, doc, itemsNode, envelopeNodes);
  return { form: 'resourceList', ...readEnvelope(doc), itemIndent: 0, items };
}

/**
 * The items of a parsed input: each kept as its text where it stands alone, else taken from the
 * parse with its aliases resolved (as are those of `alsoRead`, the parts of the envelope).
 */
function parsedItems(
  input: Text,
  doc: Doc,
  itemsNode: YAMLSeq | null | undefined,
  alsoRead: unknown[],
): Item[] {
  const nodes = (itemsNode?.items ?? []) as Node[];
  // Each item's own text, when it stands alone: read before the aliases are resolved.
  const inFlow = isSeq(itemsNode) && itemsNode.flow === true;
  const texts = nodes.map((node) => standalone(input, node, doc, inFlow));
  const read = new Set<unknown>(alsoRead);
  nodes.forEach((node, n) => {
    if (!texts[n]) read.add(node);
  });
  for (const node of read) {
    const aliases = aliasError(doc, node);
    if (aliases) throw new InputError(`input: not valid YAML: ${aliases}`);
  }
  const resolveError = resolveAliases(doc, { only: read, copied: withoutBookkeeping });
  if (resolveError) throw new InputError(`input: not valid YAML: ${resolveError}`);
  const resolved = (doc.get('items', true) as { items?: Node[] } | undefined)?.items ?? [];
  return resolved.map((node, n) => {
    const text = texts[n];
    if (text) return Item.lazy(text.raw, 2, `items[${n}]`, { text: text.text });
    const item = new Document(null, parseOptions) as Doc;
    item.contents = node;
    return Item.parsedInput(item, `items[${n}]`);
  });
}

/**
 * What can be read of the items of an input that is no ResourceList the function takes (an
 * envelope it refuses: another kind or apiVersion, `results` not a list, a bad functionConfig):
 * the entries under `items` when they are a list, each as its text; none when the input is no
 * YAML mapping or its items are no list.
 */
export function readableItems(text: string): { items: Item[]; itemIndent: number } {
  const none = { items: [], itemIndent: 0 };
  try {
    const input = readable(text);
    const split = splitResourceListText(input.text);
    if (split) return { items: splitItems(input, split), itemIndent: split.indent };
    const doc = parseYamlUnresolved(input.text, { aliases: false });
    if (doc.errors.length > 0 || !isMap(doc.contents)) return none;
    const itemsNode = doc.get('items', true);
    return isSeq(itemsNode)
      ? { items: parsedItems(input, doc, itemsNode, []), itemIndent: 0 }
      : none;
  } catch {
    return none; // nested past the parser's stack, an alias bomb: nothing could be read
  }
}

/**
 * An item's text as a `- ` entry of a block list: the node's text, de-indented to stand alone.
 * Undefined when it cannot stand alone: an alias to an anchor outside it, a tag or directive
 * it depends on, or lines less indented than the node that only its place made valid.
 */
function standalone(
  input: Text,
  node: Node,
  doc: Doc,
  inFlow: boolean,
): { raw: string; text: string } | undefined {
  const range = node.range;
  if (!range || node.tag || hasForeignAlias(node) || hasTagHandles(doc)) return undefined;
  const { text } = input;
  const [start, valueEnd] = range;
  const column = start - (text.lastIndexOf('\n', start - 1) + 1);
  const own = (t: string) => deindent(' '.repeat(column) + t, column);
  // A node in flow style is its own text; a block node's last line is the item's (its comment,
  // the newline), and each of its lines reaches its column (a comment or a closing quote need not).
  const flow = inFlow || text.charCodeAt(start) === 123 || text.charCodeAt(start) === 91;
  let end = valueEnd;
  if (!flow) {
    if (text.charCodeAt(end - 1) !== 10) end = Math.min(lineEnd(text, end) + 1, text.length);
    for (const line of text.slice(start, end).split('\n').slice(1)) {
      const spaces = /^ */.exec(line)?.[0].length ?? 0;
      const rest = line.slice(spaces);
      if (spaces < column && rest !== '' && rest[0] !== '#' && !/^['"]/.test(rest)) {
        return undefined;
      }
    }
  }
  if (flow)
    return { raw: flowEntry(input.raw(start, end)), text: flowEntry(text.slice(start, end)) };
  const body = own(text.slice(start, end));
  const raw = own(input.raw(start, end));
  const withNewline = (t: string) => (t.endsWith('\n') ? t : `${t}\n`);
  return { raw: inContainer(withNewline(raw), 2), text: inContainer(withNewline(body), 2) };
}

/**
 * A flow collection's text as a `- ` entry of a block list: as it is, when its lines after the
 * first are indented (in flow style that is all they need), else indented.
 */
function flowEntry(text: string): string {
  const entry = linesIndented(text) ? `- ${text}` : inContainer(text, 2);
  return entry.endsWith('\n') ? entry : `${entry}\n`;
}

/** Does every line after the first start with a space (or is it empty)? */
function linesIndented(text: string): boolean {
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) {
    const c = text.charCodeAt(at + 1);
    if (c !== 32 && c !== 10 && c !== 13 && !Number.isNaN(c)) return false;
  }
  return true;
}

function hasTagHandles(doc: Doc): boolean {
  const tags = doc.directives?.tags ?? {};
  return Object.keys(tags).some((handle) => handle !== '!' && handle !== '!!');
}

/** Does the node hold an alias whose anchor is not in the node, before the alias? */
export function hasForeignAlias(node: unknown): boolean {
  const anchors = new Set<string>();
  const walk = (n: unknown): boolean => {
    if (isAlias(n)) return !anchors.has(n.source);
    if (isNode(n) && n.anchor) anchors.add(n.anchor);
    if (isCollection(n)) return n.items.some(walk);
    if (isPair(n)) return walk(n.key) || walk(n.value);
    return false;
  };
  return walk(node);
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
  const functionConfig = (doc.get('functionConfig', true) as Node | undefined) ?? null;
  const results = (doc.get('results', true) as Node | undefined) ?? null;
  if (results != null && !isSeq(results)) throw new InputError('input: results is not a list');
  return { apiVersion, functionConfig, results };
}

export function writeResourceList(
  input: ResourceListInput,
  items: readonly Item[],
  results: readonly Result[],
): string {
  return [...resourceListChunks(input, items, results)].map(chunkText).join('');
}

/** A piece of the output: text, or text already encoded as UTF-8 (see held-bytes.ts). */
export type Chunk = string | Buffer;

export function chunkText(chunk: Chunk): string {
  return typeof chunk === 'string' ? chunk : chunk.toString('utf8');
}

/**
 * The ResourceList as text, a piece at a time: a large output is written piece by piece and
 * never held in memory whole (unchanged entries are slices of the input's own text).
 */
export function* resourceListChunks(
  input: ResourceListInput,
  items: readonly Item[],
  results: readonly Result[],
): Generator<Chunk> {
  yield `apiVersion: ${input.apiVersion}\nkind: ResourceList\n`;
  if (items.length === 0) yield 'items: []\n';
  else {
    yield 'items:\n';
    // Entries end with their own newline: an unchanged one is its exact input text. (Each piece
    // on its own: the writer encodes them one after the other, and no joined copy is made.)
    for (const item of items) {
      if (item.lead) yield item.lead;
      yield* entryChunks(item, input.itemIndent);
    }
  }
  const unchanged = unchangedTail(input, results);
  if (unchanged !== undefined) {
    yield unchanged;
    return;
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

/**
 * The functionConfig as the config is read from it: plain data when the envelope was read off its
 * outline, else its node (from which keys that YAML reads as no string are refused).
 */
export function functionConfigOf(input: ResourceListInput): unknown {
  return 'plainFunctionConfig' in input ? input.plainFunctionConfig : input.functionConfig;
}

/**
 * The tail (the functionConfig, with no results) as the input wrote it, when that is the text
 * yaml prints for it; undefined otherwise, and yaml prints it. A run without warnings most often
 * writes back a functionConfig that a printer like yaml's wrote, and yaml's printer is met
 * nowhere else in it: its first use costs more than the rest of the tail. The text print.ts
 * prints from the plain data is yaml's for that data (test/print.test.ts), and yaml reads that
 * text back as it and prints it as itself; so when the input holds that very text, it is what
 * yaml prints for the input's node (test/tail.test.ts holds the two paths to each other).
 * Comments, anchors, tags and other styles make the texts differ.
 */
export function unchangedTail(
  input: ResourceListInput,
  results: readonly Result[],
): string | undefined {
  const { envelope } = input;
  if (envelope === undefined || results.length > 0 || input.results != null) return undefined;
  const read = functionConfigOf(input);
  const config = isNode(read) ? nodeToPlain(read) : read;
  if (!isObject(config)) return undefined;
  const written = columnZeroEntry(envelope, 'functionConfig');
  if (written === undefined) return undefined;
  const plain = plainCopy({ functionConfig: config });
  // A string over lines is a block scalar, which yaml does not always print back as it read it
  // (a `|+` of blank lines gains spaces).
  if (plain === undefined || hasLineBreak(plain)) return undefined;
  const printed = printPlain(plain);
  return printed === written ? `${printed.trimEnd()}\n` : undefined;
}

function hasLineBreak(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\n');
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value)) return value.some(hasLineBreak);
  for (const key in value) {
    if (key.includes('\n') || hasLineBreak((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/**
 * The entry of `key` in a mapping at column 0, as written: from its key to the next line at
 * column 0 that is neither blank nor a comment. Undefined when the key is not there, or twice.
 */
function columnZeroEntry(text: string, key: string): string | undefined {
  const head = `${key}:`;
  const start = text.startsWith(head) ? 0 : text.indexOf(`\n${head}`) + 1;
  if (start === 0 && !text.startsWith(head)) return undefined;
  if (text.includes(`\n${head}`, start)) return undefined;
  let end = lineEnd(text, start) + 1;
  while (end < text.length) {
    const c = text.charCodeAt(end);
    if (c !== 32 && c !== 10 && c !== 35 /* # */) break;
    end = lineEnd(text, end) + 1;
  }
  return text.slice(start, Math.min(end, text.length));
}

function* entryChunks(item: Item, indent: number): Generator<Chunk> {
  // A spliced resource in its pieces: no joined copy of them is made to write them.
  const pieces = item.pieces;
  if (pieces !== undefined) {
    yield* pieces;
    return;
  }
  // Its exact input text, or the bytes `settle` printed it to as an entry at this indentation.
  const entry = item.raw ?? item.entryAt(indent);
  if (entry !== undefined) {
    yield entry;
    return;
  }
  // Its final newlines go (one goes back): counted from the end, not searched for from the start.
  const text = resourceText(item);
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 10) end--;
  // As inContainer(text, indent + 2) and a newline.
  yield `${' '.repeat(indent)}- `;
  yield linesInContainer(text.slice(0, end), indent + 2);
  yield '\n';
}

function resourceText(item: Item): string {
  return item.printed ?? printResource(item.doc);
}

// ---------------------------------------------------------------------------------------------
// Plain multi-document stream

export function readStream(input: string): StreamInput {
  // Cut at its markers, a document with a closing quote at column 0 is mended when it is parsed
  // (see Item); the parser that finds where documents are needs it mended first.
  const items = splitStreamText(readable(input, { lookForQuotes: false }));
  return { form: 'stream', items: items ?? parseStreamText(readable(input)) };
}

/** The fast path's items of a stream; undefined when the layout is for the parser. */
export function splitStream(input: string): Item[] | undefined {
  return splitStreamText(readable(input, { lookForQuotes: false }));
}

/** The full path's items of a stream. */
export function parseStream(input: string): Item[] {
  return parseStreamText(readable(input));
}

/**
 * The fast path for streams: cut at `---` lines without parsing. Anything the cut could get
 * wrong (markers with content, document ends, directives) is for the parser.
 */
function splitStreamText(input: Text): Item[] | undefined {
  const { text } = input;
  if (text.startsWith('%') || text.startsWith('...')) return undefined;
  if (/\n(?:%|\.\.\.)/.test(text)) return undefined;
  const items: Item[] = [];
  let start = 0;
  let from = 0; // the `---` line before the document, which goes out with it
  for (;;) {
    const marker = nextMarker(text, start);
    if (marker === undefined) return undefined;
    const end = marker < 0 ? text.length : marker;
    const body = text.slice(start, end);
    if (hasContent(body)) {
      const newline = (t: string) => (t.endsWith('\n') ? t : `${t}\n`);
      items.push(
        Item.lazy(newline(input.raw(from, end)), 0, `document ${items.length + 1}`, {
          text: from < start || input.other ? newline(body) : undefined,
          ready: true,
        }),
      );
    }
    if (marker < 0) return items;
    from = marker;
    start = Math.min(lineEnd(text, marker) + 1, text.length);
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

/**
 * The full path for streams: the parser finds where each document is (directives, `---` with
 * content, `...`); each is kept as its text, from its directives or marker to the next one's.
 */
function parseStreamText(input: Text): Item[] {
  const { text } = input;
  const bounds: { start: number; empty: boolean }[] = [];
  let directives = -1;
  for (const token of new Parser().parse(text)) {
    if (token.type === 'directive') {
      if (directives < 0) directives = token.offset;
    } else if (token.type === 'document') {
      // From its first directive, or its `---` (what comes before is the previous one's).
      const start = bounds.length === 0 ? 0 : directives >= 0 ? directives : token.offset;
      bounds.push({ start, empty: !token.value });
      directives = -1;
    }
  }
  const items: Item[] = [];
  for (let i = 0; i < bounds.length; i++) {
    const { start, empty } = bounds[i] as { start: number; empty: boolean };
    const end = i + 1 < bounds.length ? (bounds[i + 1] as { start: number }).start : text.length;
    const body = text.slice(start, end);
    if (empty || !hasContent(withoutMarkers(body))) continue;
    const raw = input.raw(start, end);
    items.push(
      Item.lazy(raw.endsWith('\n') ? raw : `${raw}\n`, 0, `document ${items.length + 1}`, {
        text: withoutMarkers(body),
      }),
    );
  }
  return items;
}

/**
 * A document's text without its `---` line and its `...` end, when it has no directives (which
 * need them): what the engine's readers read.
 */
function withoutMarkers(body: string): string {
  if (/^%/m.test(body)) return body;
  let text = body;
  const marker = /^---[ \t]*(?:#.*)?$/m.exec(text);
  if (marker && /^(?:[ \t]*(?:#.*)?\n)*$/.test(text.slice(0, marker.index))) {
    text = text.slice(Math.min(marker.index + marker[0].length + 1, text.length));
  }
  const end = /^\.\.\.[ \t]*(?:#.*)?$/m.exec(text);
  if (end) text = text.slice(0, end.index);
  return text.endsWith('\n') || text === '' ? text : `${text}\n`;
}

export function writeStream(items: readonly Item[]): string {
  return [...streamChunks(items)].map(chunkText).join('');
}

/**
 * The manifest stream as text, a document at a time. An unchanged document is its text as it
 * came, with the `---`, `%` directives and `...` it had; a `---` goes between two documents
 * where none is, and a `...` before directives where none is.
 */
export function* streamChunks(items: readonly Item[]): Generator<Chunk> {
  let previous: string | undefined;
  for (const item of items) {
    const bytes = item.documentBytes;
    if (bytes !== undefined) {
      // Printed from plain data: no directive, marker or end marker of its own.
      if (previous !== undefined) yield '---\n';
      yield bytes;
      previous = '';
      continue;
    }
    let text = item.raw ?? resourceText(item);
    if (!text.endsWith('\n')) text += '\n';
    if (previous !== undefined) {
      if (text.startsWith('%')) {
        if (!/(?:^|\n)\.\.\.[ \t]*(?:#[^\r\n]*)?\r?\n$/.test(previous)) yield '...\n';
      } else if (!/^---(?:[ \t\r\n]|$)/.test(text)) yield '---\n';
    }
    yield text;
    previous = text;
  }
}
