// How every document is parsed and printed: one place, so that the fast path, the full path and
// new resources agree byte for byte.
import {
  Document,
  type DocumentOptions,
  isAlias,
  isCollection,
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

import type { Outline } from './outline.js';
import { OCTAL_11 } from './plain-scalars.js';

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
  customTags: (tags) => [octal11, ...tags],
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

export function parseYaml(text: string): Document.Parsed {
  const refused = refuseHostile(text);
  if (refused) return refused;
  const doc = parseDocument(text, parseOptions);
  explainErrors(doc, text);
  if (text.includes('*')) checkAliases(doc);
  return doc;
}

/** Every document of a stream, with the same checks as parseYaml. */
export function parseYamlStream(text: string): Document.Parsed[] {
  const refused = refuseHostile(text);
  if (refused) return [refused];
  const docs = parseAllDocuments(text, parseOptions);
  if (!Array.isArray(docs)) return [];
  for (const doc of docs) {
    explainErrors(doc, text);
    checkAliases(doc);
  }
  return docs;
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
        while (end > 0 && isEscaped(text, end));
      } else end = text.indexOf("'", at + 1);
      if (end < 0) return false; // unterminated: the parser will say so, quickly
      interesting.lastIndex = end + 1;
    }
  }
  return false;
}

function isEscaped(text: string, at: number): boolean {
  let backslashes = 0;
  for (let i = at - 1; i >= 0 && text.charCodeAt(i) === 92; i--) backslashes++;
  return backslashes % 2 === 1;
}

/**
 * Aliases cost nothing to parse; expanding them is what explodes (an alias bomb). Adds an error
 * to the document when they would expand too far, or name no anchor.
 */
export function checkAliases(doc: Document.Parsed): void {
  if (doc.errors.length === 0 && hasAlias(doc.contents)) {
    try {
      doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      const message = (e as Error).message;
      doc.errors.push(
        new YAMLParseError(
          [0, 0],
          'BAD_ALIAS',
          message.startsWith('Excessive alias count')
            ? `aliases expand more than ${MAX_ALIAS_COUNT} times: refused as a resource exhaustion attack (an alias bomb)`
            : message.startsWith('Maximum call stack')
              ? 'nested too deeply to read: refused as a resource exhaustion attack'
              : message,
        ),
      );
    }
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
 * Replaces every alias by a copy of what it names, so that parts of the document can stand
 * alone (the full path cuts a ResourceList into item documents). Call after parseYaml checked
 * the aliases.
 */
export function expandAliases(doc: Doc): void {
  if (!hasAlias(doc.contents)) return;
  const expand = (node: unknown): unknown => {
    if (isAlias(node)) {
      const target = node.resolve(doc as Document);
      const copy = cloneNode(target, doc.schema) as Node;
      if (copy && 'anchor' in copy) copy.anchor = undefined;
      return expand(copy);
    }
    if (isCollection(node)) node.items = node.items.map(expand) as typeof node.items;
    else if (isPair(node)) {
      node.key = expand(node.key);
      node.value = expand(node.value);
    }
    return node;
  };
  doc.contents = expand(doc.contents) as Node;
}

// Strings that YAML 1.1 readers (kubectl and client-go, through go-yaml v2) take for booleans or
// numbers, and the core schema does not: yes/no/on/off, 0644, 0b101, 1_000.
const AMBIGUOUS_IN_YAML_11 =
  /^(?:[yYnN]|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|[-+]?0[0-7]+|[-+]?0b[01_]+|[-+]?[0-9][0-9]*_[0-9_]*(?:\.[0-9_]*)?)$/;

/** A string that YAML 1.1 readers take for a boolean or a number: printed quoted. */
export function isAmbiguousInYaml11(value: string): boolean {
  return AMBIGUOUS_IN_YAML_11.test(value);
}

// A plain walk: yaml's `visit` builds a frozen path array per node, which costs more than the
// check itself on every resource printed.
function quoteAmbiguousStrings(node: unknown): void {
  if (isScalar(node)) {
    if (
      typeof node.value === 'string' &&
      (node.type === undefined || node.type === 'PLAIN') &&
      AMBIGUOUS_IN_YAML_11.test(node.value)
    ) {
      node.type = 'QUOTE_DOUBLE';
    }
  } else if (isCollection(node)) {
    for (const item of node.items) quoteAmbiguousStrings(item);
  } else if (isPair(node)) {
    quoteAmbiguousStrings(node.key);
    quoteAmbiguousStrings(node.value);
  }
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
  quoteAmbiguousStrings(doc.contents);
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
// changed resource can be printed as an edit of that text (src/krm/patch.ts).
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
  if (proto === Scalar.prototype) copy = new Scalar((node as Scalar).value);
  else if (proto === YAMLMap.prototype) copy = new YAMLMap(schema);
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
  return (
    doc.getIn(['metadata', 'annotations', 'internal.config.kubernetes.io/seqindent']) === 'wide'
  );
}

/** The document as plain data (aliases expanded, within bounds). */
export function toPlain(doc: Doc): unknown {
  return doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
}

/** Structural equality of plain data; mapping key order does not matter. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((v, i) => deepEqual(v, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const bo = b as Record<string, unknown>;
  return ka.every(
    (k) => Object.hasOwn(bo, k) && deepEqual((a as Record<string, unknown>)[k], bo[k]),
  );
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
