// The two containers the function reads and writes: a KRM ResourceList (Kustomize, kpt, the
// Argo CD plugin) and a plain multi-document stream (`kustomize build | celery-queues --config`).
//
// The fast path splits the text into items without parsing them; it applies to the block
// layout that Kustomize, kpt and `kubectl kustomize` print. Anything else goes through the full
// parser. Both give the same items.
import { Document, isMap, isSeq, type Node, parseAllDocuments, type YAMLMap } from 'yaml';
import { InputError, Item } from './item.js';
import type { Result } from './results.js';
import { type Doc, parseOptions, parseYaml, printDoc } from './yaml.js';

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

interface Split {
  rest: string;
  sources: { source: string; raw: string }[];
  indent: number;
}

/** The fast path: cut the `items:` block into entries, de-indent each. Undefined: not this form. */
export function splitResourceListText(text: string): Split | undefined {
  const lines = text.split('\n');
  const rest: string[] = [];
  const sources: { source: string; raw: string }[] = [];
  let i = 0;
  let foundItems = false;
  let itemIndent = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (!/^items:[ \t]*$/.test(line)) {
      if (line.startsWith(' ') && !foundItems && rest.length === 0) return undefined;
      rest.push(line);
      i++;
      continue;
    }
    if (foundItems) return undefined;
    foundItems = true;
    rest.push(line);
    i++;
    // The first entry fixes the indentation of all of them.
    let j = i;
    while (j < lines.length && isBlank(lines[j] as string)) j++;
    const first = lines[j];
    const m = first === undefined ? null : /^( *)- \S/.exec(first);
    if (!m) continue; // no block entries: `items:` is null, or a flow sequence follows (rest)
    const indent = (m[1] as string).length;
    itemIndent = indent;
    const dash = `${' '.repeat(indent)}- `;
    const inner = ' '.repeat(indent + 2);
    let current: string[] | undefined;
    let currentRaw: string[] | undefined;
    const flush = () => {
      if (current && currentRaw) {
        // Blank lines after an entry belong to the layout, not to the resource.
        while (currentRaw.length > 1 && isBlank(currentRaw[currentRaw.length - 1] as string)) {
          currentRaw.pop();
          current.pop();
        }
        sources.push({ source: `${current.join('\n')}\n`, raw: currentRaw.join('\n') });
      }
    };
    for (; i < lines.length; i++) {
      const l = lines[i] as string;
      if (l.startsWith(dash)) {
        if (l[dash.length] === ' ') return undefined;
        flush();
        current = [l.slice(dash.length)];
        currentRaw = [l];
      } else if (l.startsWith(inner)) {
        if (!current || !currentRaw) return undefined;
        current.push(l.slice(inner.length));
        currentRaw.push(l);
      } else if (isBlank(l)) {
        if (!current || !currentRaw) return undefined;
        current.push('');
        currentRaw.push(l);
      } else if (indent === 0 && l[0] !== ' ' && l[0] !== '-' && l[0] !== '#') {
        break; // the next top-level key
      } else if (indent > 0 && l[0] !== ' ' && l[0] !== '#') {
        break;
      } else {
        return undefined; // comments between entries, odd indentation: the parser's job
      }
    }
    flush();
  }
  if (!foundItems) return undefined;
  return { rest: rest.join('\n'), sources, indent: itemIndent };
}

function isBlank(line: string): boolean {
  return /^[ \t]*$/.test(line);
}

function splitResourceList(text: string): ResourceListInput | undefined {
  const split = splitResourceListText(text);
  if (!split) return undefined;
  const head = parseYaml(split.rest);
  if (head.errors.length > 0 || !isMap(head.contents)) return undefined;
  const itemsNode = head.get('items');
  // A flow or non-empty `items` left in the rest means the layout was not the block one.
  if (split.sources.length > 0 ? itemsNode != null : isSeq(itemsNode) && itemsNode.items.length)
    return undefined;
  const envelope = readEnvelope(head);
  return {
    form: 'resourceList',
    ...envelope,
    itemIndent: split.indent,
    items: split.sources.map((s, n) => Item.lazy(s.source, s.raw, `items[${n}]`)),
  };
}

function parseResourceList(text: string): ResourceListInput {
  const doc = parseYaml(text);
  const error = doc.errors[0];
  if (error?.code === 'MULTIPLE_DOCS') {
    throw new InputError(
      'input: a stream of several documents, not a ResourceList (for a plain manifest stream, use --config FILE)',
    );
  }
  if (error) throw new InputError(`input: not valid YAML: ${firstLine(error.message)}`);
  if (!isMap(doc.contents)) throw new InputError('input: not a ResourceList (not a mapping)');
  const envelope = readEnvelope(doc);
  const itemsNode = doc.get('items', true);
  if (itemsNode != null && !isSeq(itemsNode)) {
    throw new InputError('input: ResourceList.items is not a list');
  }
  const items = (itemsNode?.items ?? []).map((node, n) => {
    const item = new Document(null, parseOptions) as Doc;
    item.contents = node as Node;
    return Item.parsedInput(item, `items[${n}]`);
  });
  return { form: 'resourceList', ...envelope, itemIndent: 0, items };
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
  const out: string[] = [`apiVersion: ${input.apiVersion}`, 'kind: ResourceList'];
  if (items.length === 0) out.push('items: []');
  else {
    out.push('items:');
    for (const item of items) out.push(entryText(item, input.itemIndent));
  }
  const tail = new Document({}, parseOptions) as Doc;
  const map = tail.contents as YAMLMap;
  if (input.functionConfig != null) map.set('functionConfig', input.functionConfig);
  const allResults: unknown[] = [];
  if (isSeq(input.results)) allResults.push(...input.results.items);
  allResults.push(...results.map((r) => tail.createNode(r)));
  if (allResults.length > 0) map.set('results', tail.createNode(allResults));
  if (map.items.length > 0) out.push(printDoc(tail).trimEnd());
  return `${out.join('\n')}\n`;
}

function entryText(item: Item, indent: number): string {
  if (item.raw !== undefined) return item.raw;
  const pad = ' '.repeat(indent);
  const text = printResource(item).replace(/\n+$/, '');
  return text
    .split('\n')
    .map((line, n) => (n === 0 ? `${pad}- ${line}` : line === '' ? '' : `${pad}  ${line}`))
    .join('\n');
}

/** A resource as a document of its own, in the sequence style its file uses (kpt records it). */
export function printResource(item: Item): string {
  const wide = item.annotation('internal.config.kubernetes.io/seqindent') === 'wide';
  const doc = item.doc;
  doc.commentBefore = null; // kpt keeps a file's head comment itself; printing it doubles it
  return printDoc(doc, wide);
}

// ---------------------------------------------------------------------------------------------
// Plain multi-document stream

export function readStream(text: string): StreamInput {
  return { form: 'stream', items: splitStream(text) ?? parseStream(text) };
}

function splitStream(text: string): Item[] | undefined {
  const items: Item[] = [];
  let chunk: string[] = [];
  let n = 0;
  const flush = () => {
    if (chunk.some((l) => !isBlank(l) && !l.startsWith('#'))) {
      const raw = `${chunk.join('\n').replace(/\n+$/, '')}\n`;
      items.push(Item.lazy(raw, raw, `document ${n}`));
    }
    n++;
    chunk = [];
  };
  for (const line of text.split('\n')) {
    if (/^---[ \t]*$/.test(line)) flush();
    else if (line.startsWith('---') || line.startsWith('...') || line.startsWith('%'))
      return undefined;
    else chunk.push(line);
  }
  flush();
  return items;
}

function parseStream(text: string): Item[] {
  const docs = parseAllDocuments(text, parseOptions);
  if (!Array.isArray(docs)) return [];
  const items: Item[] = [];
  docs.forEach((doc, n) => {
    const error = doc.errors[0];
    if (error) throw new InputError(`document ${n}: not valid YAML: ${firstLine(error.message)}`);
    if (doc.contents == null) return;
    items.push(Item.parsedInput(doc, `document ${n}`));
  });
  return items;
}

export function writeStream(items: readonly Item[]): string {
  return items
    .map((item) => (item.raw !== undefined ? item.raw : printResource(item)))
    .map((text) => (text.endsWith('\n') ? text : `${text}\n`))
    .join('---\n');
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
