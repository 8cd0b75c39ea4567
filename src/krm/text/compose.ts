// A resource's document built from its outline (src/krm/text/outline.ts) instead of by yaml's parser:
// the outline has already found every node and decoded every scalar, so what is left is making
// the nodes, as yaml's composer makes them (types, formats and source text of scalars, so that
// they print the same). Only for text the outline reads whole and with nothing it does not keep
// (comments, blank lines); test/compose.test.ts checks the documents against the parser's.
import { Document, type Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { type Doc, keepSourceText, parseOptions } from '../yaml.js';
import {
  type KeyStyle,
  keyStyle,
  type Outline,
  type OutlineNode,
  type Scalar as ScalarNode,
  scalarValue,
  UNREADABLE,
} from './outline.js';
import { plainFormat, resolvePlain } from './plain-scalars.js';

/** The document of an outlined resource, as parseDocument would give it; undefined if unsure. */
export function composeOutline(o: Outline): Doc | undefined {
  if (!o.simple) return undefined;
  const doc = new Document(undefined, parseOptions) as Doc;
  const schema = doc.schema;
  let failed = false;
  const build = (node: OutlineNode): Node => {
    switch (node.kind) {
      case 'map': {
        const map = new YAMLMap(schema);
        if (node.flow) map.flow = true;
        for (let i = 0; i < node.keys.length; i++) {
          const key = keyNode(node.keys[i] as string, keyStyle(node, i));
          map.items.push(new Pair(key, build(node.values[i] as OutlineNode)));
        }
        return map;
      }
      case 'seq': {
        const seq = new YAMLSeq(schema);
        if (node.flow) seq.flow = true;
        for (const item of node.items) seq.items.push(build(item));
        return seq;
      }
      case 'scalar': {
        const scalar = scalarNode(o, node);
        if (scalar) return scalar;
        failed = true;
        return emptyNode();
      }
      case 'null':
        return emptyNode();
    }
  };
  const contents = build(o.root);
  if (failed) return undefined;
  doc.contents = contents;
  return doc;
}

function keyNode(key: string, style: KeyStyle): Scalar {
  const node = new Scalar(key);
  node.source = key;
  node.type = style === 'plain' ? 'PLAIN' : style === 'single' ? 'QUOTE_SINGLE' : 'QUOTE_DOUBLE';
  return node;
}

function emptyNode(): Scalar {
  const node = new Scalar(null);
  node.source = '';
  node.type = 'PLAIN';
  return node;
}

function scalarNode(o: Outline, s: ScalarNode): Scalar | undefined {
  if (s.style === 'plain') return plainNode(o.source.slice(s.start, s.end));
  const value = scalarValue(o, s);
  if (value === UNREADABLE) return undefined;
  const node = new Scalar(value);
  node.source = value;
  node.type =
    s.style === 'single'
      ? 'QUOTE_SINGLE'
      : s.style === 'double'
        ? 'QUOTE_DOUBLE'
        : s.style === 'literal'
          ? 'BLOCK_LITERAL'
          : 'BLOCK_FOLDED';
  // As the parser's documents keep it (yaml.ts parseYaml), where yaml could write it otherwise
  // (a quoted scalar on one line without escapes it writes as it was).
  const text = o.source.slice(s.start, s.end);
  if (s.style === 'literal' || s.style === 'folded' || text.includes('\n') || text.includes('\\')) {
    keepSourceText(node, text);
  }
  return node;
}

/**
 * A plain scalar as yaml resolves it with the function's schema (plain-scalars.ts): its value,
 * and the format it records.
 */
function plainNode(text: string): Scalar {
  const node = new Scalar(resolvePlain(text));
  const { format, minFractionDigits } = plainFormat(text);
  if (minFractionDigits !== undefined) node.minFractionDigits = minFractionDigits;
  node.source = text;
  node.type = 'PLAIN';
  if (format !== undefined) node.format = format;
  return node;
}
