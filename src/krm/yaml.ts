// How every document is parsed and printed: one place, so that the fast path, the full path and
// new resources agree byte for byte.
import {
  Document,
  type DocumentOptions,
  isNode,
  isScalar,
  isSeq,
  type Node,
  type ParseOptions,
  parseDocument,
  type ScalarTag,
  type SchemaOptions,
  type ToStringOptions,
  visit,
} from 'yaml';

export type Doc = Document.Parsed | Document;

// Kubernetes reads manifests as YAML 1.1 (kubectl, the API server); Kustomize and kpt print them
// with go-yaml v3. Parse with the 1.2 core schema (so a key `y` stays a string), but read a plain
// `0644` as the octal 1.1 readers see, and keep printing it that way.
const octal11: ScalarTag = {
  identify: (v) => typeof v === 'number',
  default: true,
  tag: 'tag:yaml.org,2002:int',
  format: 'OCT1.1',
  test: /^0[0-7]+$/,
  resolve: (s) => Number.parseInt(s, 8),
  stringify: (node) => `0${Number(node.value).toString(8)}`,
};

export const parseOptions: ParseOptions & DocumentOptions & SchemaOptions = {
  // Duplicate keys are an error, as in kubectl.
  uniqueKeys: true,
  customTags: (tags) => [octal11, ...tags],
  prettyErrors: false,
};

/** Limits that keep hostile input (alias bombs, deep nesting) from eating the machine. */
export const MAX_ALIAS_COUNT = 100;

/** A new resource document from plain data, keys in the order given. */
export function docFrom(value: unknown): Doc {
  return new Document(value, parseOptions);
}

export function parseYaml(text: string): Document.Parsed {
  return parseDocument(text, parseOptions);
}

// Strings that YAML 1.1 readers (kubectl and client-go, through go-yaml v2) take for booleans or
// numbers, and the core schema does not: yes/no/on/off, 0644, 0b101, 1_000.
const AMBIGUOUS_IN_YAML_11 =
  /^(?:[yYnN]|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|[-+]?0[0-7]+|[-+]?0b[01_]+|[-+]?[0-9][0-9]*_[0-9_]*(?:\.[0-9_]*)?)$/;

function quoteAmbiguousStrings(doc: Doc): void {
  visit(doc, {
    Scalar(_key, node) {
      if (
        typeof node.value === 'string' &&
        (node.type === undefined || node.type === 'PLAIN') &&
        AMBIGUOUS_IN_YAML_11.test(node.value)
      ) {
        node.type = 'QUOTE_DOUBLE';
      }
    },
  });
}

export function stringifyOptions(wideSequences: boolean): ToStringOptions {
  // No folding: long strings stay on one line, as Kustomize and kpt print them.
  return {
    lineWidth: 0,
    minContentWidth: 0,
    doubleQuotedMinMultiLineLength: Number.MAX_SAFE_INTEGER,
    indentSeq: wideSequences,
  };
}

/** A resource document as text, in the style Kustomize and kpt print (compact sequences). */
export function printDoc(doc: Doc, wideSequences = false): string {
  quoteAmbiguousStrings(doc);
  return doc.toString(stringifyOptions(wideSequences));
}

export function isStringScalar(node: unknown): node is { value: string } & Node {
  return isScalar(node) && typeof node.value === 'string';
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
