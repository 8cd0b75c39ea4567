// How every document is parsed and printed: one place, so that the fast path, the full path and
// new resources agree byte for byte.
import {
  Document,
  type DocumentOptions,
  isAlias,
  isCollection,
  isMap,
  isNode,
  isPair,
  isScalar,
  isSeq,
  type Node,
  Pair,
  type ParseOptions,
  parseAllDocuments,
  parseDocument,
  Scalar,
  type ScalarTag,
  type Schema,
  type SchemaOptions,
  type ToStringOptions,
  YAMLMap,
  YAMLParseError,
  YAMLSeq,
} from 'yaml';
import { type StringifyContext, stringifyString, stringTag } from 'yaml/util';
import { SEQ_INDENT } from './k8s.js';
import { blockHeader, blockValue, contentLines } from './text/block-scalars.js';
import { type Outline, outline, plainValueAt, UNREADABLE } from './text/outline.js';
import { OCTAL_11 } from './text/plain-scalars.js';
import {
  canBePlain,
  doubleQuoted,
  needsEscapes,
  oddBackslashesBefore,
  readsAsStringEverywhere,
} from './text/strings.js';

export type Doc = Document.Parsed | Document;

// Kubernetes reads manifests as YAML 1.1 (kubectl, the API server); Kustomize and kpt print them
// with go-yaml v3. Parse with the 1.2 core schema (so a key `y` stays a string), but read a plain
// `0644` as the octal 1.1 readers see, and keep printing it that way.
const octal11: ScalarTag = {
  identify: (v) => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT1.1',
  test: OCTAL_11,
  resolve: (s) => Number.parseInt(s, 8),
  stringify: (node) => `0${Number(node.value).toString(8)}`,
};

export const parseOptions: ParseOptions & DocumentOptions & SchemaOptions = {
  // Duplicate keys are an error, as in kubectl.
  uniqueKeys: true,
  // Strings are written by writeString (below), whatever yaml would do with them.
  customTags: (tags) => withOurTags(tags),
  prettyErrors: false,
  // yaml's own warnings would be extra lines on stderr; problems are errors or results.
  logLevel: 'error',
};

/** Limits that keep hostile input (alias bombs, deep nesting) from eating the machine. */
export const MAX_ALIAS_COUNT = 100;
/**
 * Flow collections (`[`, `{`) nested deeper than this are refused before parsing: yaml builds
 * about a kilobyte per level before it runs out of stack, so a few megabytes of `[` would take
 * gigabytes. Kubernetes manifests, even as JSON, nest a few dozen levels at most.
 */
export const MAX_FLOW_DEPTH = 1000;

/** A new resource document from plain data, keys in the order given. */
export function docFrom(value: unknown): Doc {
  return new Document(value, parseOptions);
}

/**
 * A document as the function reads it: aliases replaced by what they name and merge keys
 * merged, as Kubernetes reads them (see resolveAliases), and the text of every scalar that a
 * printer could write otherwise kept with it (see writeString).
 */
export function parseYaml(text: string, options: ResolveOptions = {}): Document.Parsed {
  return resolved(parseYamlUnresolved(text), text, options);
}

/**
 * parseYaml without resolveAliases, for a caller that looks at the aliases first (and, with
 * `aliases: false`, checks them itself: aliasError on the parts it resolves).
 */
export function parseYamlUnresolved(text: string, { aliases = true } = {}): Document.Parsed {
  return refuseHostile(text) ?? checked(parseDocument(text, parseOptions), text, aliases);
}

/** Every document of a stream, read as parseYaml reads one. */
export function parseYamlStream(text: string): Document.Parsed[] {
  const refused = refuseHostile(text);
  if (refused) return [refused];
  const docs = parseAllDocuments(text, parseOptions);
  if (!Array.isArray(docs)) return [];
  return docs.map((doc) => resolved(checked(doc, text, true), text, {}));
}

/** Errors on one line each, aliases within bounds, and the source text kept on the scalars. */
function checked(doc: Document.Parsed, text: string, aliases: boolean): Document.Parsed {
  explainErrors(doc, text);
  if (aliases && text.includes('*')) checkAliases(doc);
  if (doc.errors.length === 0) keepSourceTexts(doc.contents, text);
  return doc;
}

function resolved(doc: Document.Parsed, text: string, options: ResolveOptions): Document.Parsed {
  if (doc.errors.length === 0 && /[&*]|<</.test(text)) {
    const error = resolveAliases(doc, options);
    if (error) doc.errors.push(new YAMLParseError([0, 0], 'BAD_ALIAS', error));
  }
  return doc;
}

/**
 * YAML held as text inside a resource (`lms.env.yml` in a ConfigMap), as plain data; throws an
 * Error with a one-line message when it is not YAML or is hostile.
 */
export function parseYamlValue(text: string): unknown {
  const doc = parseYaml(text);
  const error = doc.errors[0];
  if (error) throw new Error(error.message.split('\n')[0]);
  return toPlain(doc);
}

/**
 * Top-level entries of a YAML mapping held as text (`lms.env.yml`), as plain data: read off the
 * text's outline when it reads them (the parser's document of a settings file costs tens of
 * times more), else parsed. Throws as parseYamlValue does.
 */
export function parseYamlEntries(text: string, keys: readonly string[]): Record<string, unknown> {
  const o = outline(text);
  const out: Record<string, unknown> = {};
  const values = o ? keys.map((key) => plainValueAt(o, [key])) : [UNREADABLE];
  if (!values.includes(UNREADABLE)) {
    keys.forEach((key, i) => {
      if (values[i] !== undefined) out[key] = values[i];
    });
    return out;
  }
  const value = parseYamlValue(text);
  if (!value || typeof value !== 'object' || Array.isArray(value)) return out;
  for (const key of keys) {
    if (Object.hasOwn(value, key)) out[key] = (value as Record<string, unknown>)[key];
  }
  return out;
}

function refuseHostile(text: string): Document.Parsed | undefined {
  if (!flowNestingTooDeep(text)) return undefined;
  const doc = parseDocument('', parseOptions);
  doc.errors.push(
    new YAMLParseError(
      [0, 0],
      'RESOURCE_EXHAUSTION',
      `collections nested more than ${MAX_FLOW_DEPTH} levels deep: refused as a resource exhaustion attack`,
    ),
  );
  return doc;
}

/** One line each, with the line of the text it is about. */
function explainErrors(doc: Document.Parsed, text: string): void {
  for (const error of doc.errors) {
    if (error.message.startsWith('Maximum call stack size exceeded')) {
      error.message = 'nested too deeply to read: refused as a resource exhaustion attack';
      continue;
    }
    const at = error.pos[0];
    let line = 1;
    for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
    error.message = `${error.message.split('\n')[0]} (line ${line})`;
  }
}

/**
 * Counts flow-collection nesting in one pass, outside quoted strings and comments. Brackets in
 * plain and block scalars count too: they can only make the count higher, and legitimate text
 * does not leave a thousand of them open.
 */
export function flowNestingTooDeep(text: string): boolean {
  if (text.length < MAX_FLOW_DEPTH) return false;
  const interesting = /[[\]{}"'#]/g;
  let depth = 0;
  for (let m = interesting.exec(text); m !== null; m = interesting.exec(text)) {
    const at = m.index;
    const c = text.charCodeAt(at);
    if (c === 91 || c === 123) {
      if (++depth > MAX_FLOW_DEPTH) return true;
    } else if (c === 93 || c === 125) {
      if (depth > 0) depth--;
    } else {
      const before = at === 0 ? 10 : text.charCodeAt(at - 1);
      // Only where a token starts: an apostrophe inside a word is not a quote.
      const tokenStart =
        before === 10 ||
        before === 32 ||
        before === 9 ||
        before === 91 ||
        before === 123 ||
        before === 44 ||
        before === 58 ||
        before === 45;
      if (!tokenStart) continue;
      let end: number;
      if (c === 35)
        end = text.indexOf('\n', at); // a comment
      else if (c === 34) {
        end = at;
        do end = text.indexOf('"', end + 1);
        while (end > 0 && oddBackslashesBefore(text, end));
      } else end = text.indexOf("'", at + 1);
      if (end < 0) return false; // unterminated: the parser will say so, quickly
      interesting.lastIndex = end + 1;
    }
  }
  return false;
}

/**
 * Aliases cost nothing to parse; expanding them is what explodes (an alias bomb). Adds an error
 * to the document when they would expand too far, or name no anchor.
 */
export function checkAliases(doc: Document.Parsed): void {
  if (doc.errors.length > 0) return;
  const error = aliasError(doc, doc.contents);
  if (error) doc.errors.push(new YAMLParseError([0, 0], 'BAD_ALIAS', error));
}

/** What is wrong with the aliases under a node of a document (see checkAliases), if anything. */
export function aliasError(doc: Doc, node: unknown): string | undefined {
  if (!hasAlias(node)) return undefined;
  try {
    if (isNode(node)) node.toJS(doc as Document, { maxAliasCount: MAX_ALIAS_COUNT });
    return undefined;
  } catch (e) {
    const message = (e as Error).message;
    return message.startsWith('Excessive alias count')
      ? `aliases expand more than ${MAX_ALIAS_COUNT} times: refused as a resource exhaustion attack (an alias bomb)`
      : message.startsWith('Maximum call stack')
        ? 'nested too deeply to read: refused as a resource exhaustion attack'
        : message;
  }
}

/** An alias without its anchor in the document: the anchor is in another item. */
export function isUnresolvedAlias(error: { code: string; message: string }): boolean {
  return error.code === 'BAD_ALIAS' && error.message.startsWith('Unresolved alias');
}

function hasAlias(node: unknown): boolean {
  if (isAlias(node)) return true;
  if (isCollection(node)) return node.items.some(hasAlias);
  if (isPair(node)) return hasAlias(node.key) || hasAlias(node.value);
  return false;
}

/**
 * Replaces every alias by a copy of what it names and merges every merge key (`<<`), as
 * Kubernetes reads YAML (sigs.k8s.io/yaml decodes with go-yaml v2: decode.go, v2.4.0, `merge`
 * and `mapping`): the entries of a map are taken in order, each setting its key, so that one
 * after a `<<` overrides what it merged and one before it is overridden; of a list of merged maps
 * the first wins. Anchors go too: what is left stands alone, and a part of it (a ResourceList's
 * item) holds no alias into another part. Call after parseYaml checked the aliases; returns an
 * error message, or undefined.
 */
export interface ResolveOptions {
  /** Resolve only the aliases under these nodes (the rest is looked through for anchors). */
  only?: ReadonlySet<unknown>;
  /** Called with each copy made of an alias's node, before it takes the alias's place. */
  copied?: (copy: Node) => void;
}

export function resolveAliases(
  doc: Doc,
  { only, copied }: ResolveOptions = {},
): string | undefined {
  const anchors = new Map<string, Node>();
  let error: string | undefined;
  // In document order: an alias names the last node before it with that anchor. `inside`: in a
  // part to resolve (with `only`, the rest is only looked through for its anchors).
  const expand = (node: unknown, inside: boolean): unknown => {
    const within = inside || only?.has(node) === true;
    if (isAlias(node)) {
      if (!within) return node;
      const target = anchors.get(node.source);
      if (!target) {
        error ??= `Unresolved alias (the anchor must be set before the alias): ${node.source}`;
        return node;
      }
      // What it names may hold aliases of its own that were not resolved where it stands.
      const copy = expand(copyWithoutAnchors(target, doc.schema), true) as Node;
      copied?.(copy);
      return copy;
    }
    if (isNode(node) && node.anchor) {
      anchors.set(node.anchor, node);
      if (within) node.anchor = undefined;
    }
    if (isCollection(node)) {
      node.items = node.items.map((item) => expand(item, within)) as typeof node.items;
    } else if (isPair(node)) {
      node.key = expand(node.key, within);
      node.value = expand(node.value, within);
    }
    return node;
  };
  doc.contents = expand(doc.contents, only === undefined) as Node;
  if (error) return error;
  if (only === undefined) return mergeKeys(doc.contents);
  for (const node of only) error ??= mergeKeys(node);
  return error;
}

function copyWithoutAnchors(node: Node, schema: Schema): Node {
  const copy = cloneNode(node, schema);
  const clear = (n: unknown): void => {
    if (isNode(n)) n.anchor = undefined;
    if (isCollection(n)) for (const item of n.items) clear(item);
    else if (isPair(n)) {
      clear(n.key);
      clear(n.value);
    }
  };
  clear(copy);
  return copy;
}

/** Merges the merge keys of every map, innermost first; an error message, or undefined. */
function mergeKeys(node: unknown): string | undefined {
  let error: string | undefined;
  if (isCollection(node)) for (const item of node.items) error ??= mergeKeys(item);
  else if (isPair(node)) error = mergeKeys(node.key) ?? mergeKeys(node.value);
  if (error || !isMap(node) || !node.items.some(isMergeKey)) return error;
  const out: Pair[] = [];
  const at = new Map<string, number>();
  const set = (pair: Pair) => {
    const id = isScalar(pair.key)
      ? `${typeof pair.key.value}:${String(pair.key.value)}`
      : undefined;
    const i = id === undefined ? undefined : at.get(id);
    if (i === undefined) {
      if (id !== undefined) at.set(id, out.length);
      out.push(pair);
    } else out[i] = new Pair((out[i] as Pair).key, pair.value);
  };
  for (const pair of node.items as Pair[]) {
    if (!isMergeKey(pair)) {
      set(pair);
      continue;
    }
    const value = pair.value;
    const sources = isMap(value)
      ? [value]
      : isSeq(value) && value.items.every(isMap)
        ? [...value.items].reverse() // the first one wins: set last
        : undefined;
    // go-yaml's words for it.
    if (!sources) return 'map merge requires map or sequence of maps as the value';
    for (const source of sources) for (const p of (source as YAMLMap).items) set(p as Pair);
  }
  node.items = out;
  return undefined;
}

/** A plain `<<` key (quoted, it is a string like any other). */
function isMergeKey(pair: unknown): boolean {
  if (!isPair(pair) || !isScalar(pair.key)) return false;
  const key = pair.key;
  return key.value === '<<' && (key.type === 'PLAIN' || key.type === undefined) && !key.tag;
}

// ---------------------------------------------------------------------------------------------
// Writing strings

/**
 * The text a scalar was read from, when a printer could write its value otherwise (quoted,
 * block, or over several lines), with the value it had; cloneNode hands it to copies. (Beside
 * the nodes rather than on them: a property of its own would give yaml's scalars another shape.)
 */
const sources = new WeakMap<object, SourceText>();

interface SourceText {
  text: string;
  value: string;
}

/** Does the printer write this scalar from the text it was read from (see writeString)? */
export function hasSourceText(node: Scalar): boolean {
  return sources.has(node);
}

/** Keeps a scalar's source text with it (see writeString). */
export function keepSourceText(node: Scalar, text: string): void {
  if (typeof node.value === 'string') sources.set(node, { text, value: node.value });
}

function keepSourceTexts(node: unknown, text: string): void {
  if (isScalar(node)) {
    const range = node.range;
    if (range && typeof node.value === 'string' && node.type !== 'PLAIN') {
      keepSourceText(node, text.slice(range[0], range[1]));
    } else if (range && typeof node.value === 'string') {
      const source = text.slice(range[0], range[1]);
      if (source.includes('\n')) keepSourceText(node, source);
    }
  } else if (isCollection(node)) {
    for (const item of node.items) keepSourceTexts(item, text);
  } else if (isPair(node)) {
    keepSourceTexts(node.key, text);
    keepSourceTexts(node.value, text);
  }
}

/**
 * How every string is written. A value read from text and unchanged keeps its text (re-indented
 * where it stands now), so that a resource printed whole shows its unchanged block scalars and
 * multi-line quoted scalars as they were. Otherwise yaml writes it, but never in a way a reader
 * could take differently: a string YAML 1.1 or 1.2 would read as something else plain is quoted;
 * one with a character that YAML 1.1 reads as a line break (NEL, LS, PS), or that no style but
 * an escaped one holds, is double-quoted with escapes; a folded block scalar is written literal
 * (yaml 2.9.1 folds lines holding only spaces wrongly); and a block scalar is let out only if it
 * reads back as the value.
 */
function writeString(
  item: Scalar,
  ctx: StringifyContext,
  onComment?: () => void,
  onChompKeep?: () => void,
): string {
  const value = String(item.value);
  if (needsEscapes(value)) return doubleQuoted(value);
  if (!ctx.implicitKey && !ctx.inFlow) {
    const kept = keptText(item, value, ctx, onComment, onChompKeep);
    if (kept !== undefined) return kept;
  }
  let type = item.type;
  // The common case, written as yaml writes it: a string that can be plain, outside flow style.
  if ((type === undefined || type === 'PLAIN') && !ctx.inFlow && canBePlain(value)) return value;
  if (type === 'BLOCK_FOLDED') type = 'BLOCK_LITERAL';
  else if ((type === undefined || type === 'PLAIN') && !readsAsStringEverywhere(value)) {
    type = 'QUOTE_DOUBLE';
  }
  let commented = false;
  let keep = false;
  const text = stringifyString(
    { value, type, comment: item.comment } as Scalar,
    { ...ctx, actualString: true },
    () => {
      commented = true;
    },
    () => {
      keep = true;
    },
  );
  if ((text[0] === '|' || text[0] === '>') && !blockReadsAs(text, value, ctx)) {
    return doubleQuoted(value);
  }
  if (commented) onComment?.();
  if (keep) onChompKeep?.();
  return text;
}

/**
 * A block scalar as yaml writes it (header, then lines at ctx.indent): does it read as value?
 * Not if its first line of text starts with a tab, which libyaml and go-yaml refuse where they
 * look for the indentation ("found a tab character where an indentation space is expected").
 */
function blockReadsAs(text: string, value: string, ctx: StringifyContext): boolean {
  if (/^\n*\t/.test(value)) return false;
  const header = blockHeader(text);
  const nl = text.indexOf('\n');
  if (!header || nl < 0 || !ctx.indent) return false;
  const lines = text.slice(nl + 1).split('\n');
  // Without an indicator, the first line with more than spaces sets the indentation; with none
  // such, the longest line does (YAML 1.2, 8.1.1.1). With one, yaml puts the content at ctx.indent.
  let indent = ctx.indent.length;
  if (header.indicator === 0) {
    const first = lines.find((line) => /[^ ]/.test(line));
    indent =
      first !== undefined
        ? (/^ */.exec(first)?.[0].length ?? 0)
        : Math.max(0, ...lines.map((l) => l.length));
  }
  const content = contentLines(lines, indent);
  return content !== undefined && blockValue(header, content) === value;
}

/** The scalar's own source text, re-indented to where it stands now; undefined if unusable. */
function keptText(
  item: Scalar,
  value: string,
  ctx: StringifyContext,
  onComment?: () => void,
  onChompKeep?: () => void,
): string | undefined {
  const source = sources.get(item);
  if (source === undefined || source.value !== value || !ctx.indent) return undefined;
  const text = source.text;
  // A raw NEL, LS or PS in the input's text is a line break to YAML 1.1 readers: escaped instead.
  if (needsEscapes(text)) return undefined;
  const first = text[0];
  if (first === '|' || first === '>')
    return keptBlock(item, text, value, ctx, onComment, onChompKeep);
  if (!text.includes('\n')) return first === '"' || first === "'" ? text : undefined;
  if (
    first !== '"' &&
    first !== "'" &&
    (item.type !== 'PLAIN' || !readsAsStringEverywhere(value))
  ) {
    return undefined;
  }
  // A flow scalar over several lines: the white space that starts a continuation line is not
  // part of the value, so the lines go where the value stands now.
  return text
    .split('\n')
    .map((line, i) => {
      if (i === 0) return line;
      const rest = line.replace(/^[ \t]+/, '');
      return rest === '' ? '' : ctx.indent + rest;
    })
    .join('\n');
}

function keptBlock(
  item: Scalar,
  text: string,
  value: string,
  ctx: StringifyContext,
  onComment?: () => void,
  onChompKeep?: () => void,
): string | undefined {
  const header = blockHeader(text);
  const nl = text.indexOf('\n');
  if (!header || nl < 0) return undefined;
  const lines = text.slice(nl + 1).split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // the last line's newline
  // The content's indentation in the source: the first line with more than spaces sets it (an
  // indentation indicator may set less; the first that reads as the value is it).
  let most = Number.POSITIVE_INFINITY;
  for (const line of lines) {
    const spaces = /^ */.exec(line)?.[0].length ?? 0;
    if (spaces < line.length) most = Math.min(most, spaces);
  }
  let indent = 0;
  if (most < Number.POSITIVE_INFINITY) {
    for (indent = most; indent > 0; indent--) {
      const content = contentLines(lines, indent);
      if (content && blockValue(header, content) === value) break;
    }
    if (indent === 0) return undefined;
  }
  // Every line moved by as many columns as the content (a line of nothing but spaces too);
  // without `+`, the empty lines at the end are not the value's.
  const isEmpty = (line: string) => /^ *$/.test(line) && line.length <= indent;
  if (header.chomp !== 'keep') {
    while (lines.length > 0 && isEmpty(lines[lines.length - 1] as string)) lines.pop();
  }
  const moved = lines.map((line) => {
    if (!isEmpty(line)) return ctx.indent + line.slice(indent);
    return line === '' ? '' : ' '.repeat(Math.max(0, line.length - indent + ctx.indent.length));
  });
  // The indicator as yaml writes it: the content two columns past its parent's (one at the root).
  let head = text.slice(0, header.length);
  if (header.indicator > 0) head = head.replace(/[1-9]/, ctx.indent.length > 1 ? '2' : '1');
  if (item.comment)
    head += ` ${ctx.options.commentString(item.comment.replace(/ ?[\r\n]+/g, ' '))}`;
  const out = [head, ...moved].join('\n');
  if (!blockReadsAs(out, value, ctx)) return undefined;
  if (item.comment) onComment?.();
  if (header.chomp === 'keep') onChompKeep?.();
  return out;
}

const writtenString: ScalarTag = { ...stringTag, stringify: writeString };

let newStringContext: StringifyContext | undefined;

/**
 * A string the function writes (no source text), as printDoc writes it: as a key
 * (`implicitKey`) or as a value whose block lines go at `indent` (src/krm/print.ts).
 */
export function writeNewString(value: string, implicitKey: boolean, indent: string): string {
  // The context yaml's toString makes with stringifyOptions (yaml 2.9's defaults under them).
  newStringContext ??= {
    anchors: new Set(),
    doc: new Document(null, parseOptions),
    flowCollectionPadding: ' ',
    indent: '',
    indentStep: '  ',
    inFlow: null,
    options: {
      blockQuote: true,
      commentString: (comment: string) => `#${comment}`,
      defaultKeyType: null,
      defaultStringType: 'PLAIN',
      directives: null,
      doubleQuotedAsJSON: false,
      doubleQuotedMinMultiLineLength: 40,
      falseStr: 'false',
      flowCollectionPadding: true,
      indentSeq: true,
      lineWidth: 80,
      minContentWidth: 20,
      nullStr: 'null',
      simpleKeys: false,
      singleQuote: null,
      trailingComma: false,
      trueStr: 'true',
      verifyAliasOrder: true,
      ...stringifyOptions(false),
    },
  } as unknown as StringifyContext;
  return writeString(new Scalar(value), { ...newStringContext, implicitKey, indent });
}

// A schema is made for every document: the same tags make the same list, made once.
let tagsIn: unknown[] = [];
let tagsOut: Tags = [];
type Tags = Parameters<Extract<SchemaOptions['customTags'], (...a: never[]) => unknown>>[0];

function withOurTags(tags: Tags): Tags {
  if (tags.length !== tagsIn.length || tags.some((tag, i) => tag !== tagsIn[i])) {
    tagsIn = [...tags];
    tagsOut = [octal11, ...tags.map((tag) => (tag === stringTag ? writtenString : tag))];
  }
  return tagsOut;
}

export function stringifyOptions(wideSequences: boolean): ToStringOptions {
  // No folding: long strings stay on one line, as Kustomize and kpt print them.
  return {
    lineWidth: 0,
    minContentWidth: 0,
    doubleQuotedMinMultiLineLength: Number.MAX_SAFE_INTEGER,
    indentSeq: wideSequences,
    // No `---` or %TAG lines: the containers write their own separators. (Finding the %TAG
    // lines to print also walks the whole document.)
    directives: false,
  };
}

/** A resource document as text, in the style Kustomize and kpt print (compact sequences). */
export function printDoc(doc: Doc, wideSequences = false): string {
  return doc.toString(stringifyOptions(wideSequences));
}

/**
 * A deep copy to edit, as `doc.clone()` gives, at a fraction of its cost: yaml's clone copies
 * every node through property descriptors, and it dominated the time of large inputs.
 */
export function cloneDoc(doc: Doc): Doc {
  const copy = cloneShell(doc);
  const origin = origins.get(doc);
  if (origin) origins.set(copy, origin);
  return copy;
}

// The text each document was read from (its outline), carried over to its copies, so that a
// changed resource can be printed as an edit of that text (src/krm/text/patch.ts).
const origins = new WeakMap<Doc, Outline>();

export function setOrigin(doc: Doc, origin: Outline): void {
  origins.set(doc, origin);
}

export function originOf(doc: Doc): Outline | undefined {
  return origins.get(doc);
}

function cloneShell(doc: Doc): Doc {
  const contents = doc.contents;
  // The document shell (schema, directives, options) is cloned by yaml itself, without its
  // contents; the contents are put straight back, so the original is never left changed.
  doc.contents = null;
  let copy: Doc;
  try {
    copy = doc.clone();
  } finally {
    doc.contents = contents;
  }
  copy.contents = isNode(contents) ? cloneNode(contents, copy.schema) : contents;
  return copy;
}

function cloneNode<T>(node: T, schema: Schema): T {
  if (isPair(node))
    return new Pair(cloneNode(node.key, schema), cloneNode(node.value, schema)) as T;
  if (!isNode(node)) return node;
  // Through the constructors (they set yaml's node type and schema), then the node's own
  // fields. Anything but the three plain node classes (aliases, subclasses) takes yaml's way.
  const proto = Object.getPrototypeOf(node);
  let copy: Scalar | YAMLMap | YAMLSeq;
  if (proto === Scalar.prototype) {
    copy = new Scalar((node as Scalar).value);
    const source = sources.get(node);
    if (source) sources.set(copy, source);
  } else if (proto === YAMLMap.prototype) copy = new YAMLMap(schema);
  else if (proto === YAMLSeq.prototype) copy = new YAMLSeq(schema);
  else return node.clone(schema) as T;
  Object.assign(copy, node);
  // Positions in the input mean nothing for a copy; leaving them out saves an array a node.
  copy.range = undefined;
  if (isCollection(node)) {
    (copy as YAMLMap | YAMLSeq).items = node.items.map((item) => cloneNode(item, schema)) as never;
  }
  return copy as T;
}

/** A resource as a document of its own, in the sequence style its file uses (kpt records it). */
export function printResource(doc: Doc): string {
  doc.commentBefore = null; // kpt keeps a file's head comment itself; printing it doubles it
  return printDoc(doc, hasWideSequences(doc));
}

/** kpt's record that the resource's file indents its sequences (`wide`), or not. */
export function hasWideSequences(doc: Doc): boolean {
  return doc.getIn(['metadata', 'annotations', SEQ_INDENT]) === 'wide';
}

/** The document as plain data (aliases expanded, within bounds). */
export function toPlain(doc: Doc): unknown {
  return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
}

/** A node (a functionConfig) as plain data, as toPlain reads it in a document of its own. */
export function nodeToPlain(node: Node): unknown {
  // A new document, not a parsed empty one: a run may meet yaml's parser nowhere else.
  const doc = docFrom(null);
  doc.contents = node as never;
  return toPlain(doc);
}

/** Structural equality of plain data; mapping key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  // (Loops, not every() over Object.keys: a stock worker is compared whole on every run.)
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    if (a.length !== bb.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false;
    return true;
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  let count = 0;
  for (const k of Object.keys(ao)) {
    if (!Object.hasOwn(bo, k) || !deepEqual(ao[k], bo[k])) return false;
    count++;
  }
  return count === Object.keys(bo).length;
}

/** The plain value at a path of a document (undefined when absent). */
export function plainAt(doc: Doc, path: readonly (string | number)[]): unknown {
  const node = doc.getIn(path, true);
  if (isNode(node)) return node.toJS(doc as Document, { maxAliasCount: MAX_ALIAS_COUNT });
  return node;
}

/**
 * Sets a list of strings in place: entries that stay the same keep their style and comments,
 * so a user's file shows only what changed.
 */
export function setStringList(doc: Doc, path: readonly (string | number)[], values: string[]) {
  const node = doc.getIn(path, true);
  if (!isSeq(node)) {
    doc.setIn(path, doc.createNode(values));
    return;
  }
  values.forEach((value, i) => {
    const item = node.items[i];
    if (isScalar(item)) {
      if (item.value !== value) item.value = value;
    } else if (i < node.items.length) node.items[i] = doc.createNode(value);
    else node.items.push(doc.createNode(value));
  });
  node.items.length = values.length;
}
