// One resource of the input or output. Input items keep the exact text they came in, and are
// parsed only when the transform reads them: most of a Tutor render is never touched, so most
// of it is never parsed and goes out byte for byte.
import { isMap } from 'yaml';
import { composeOutline } from './compose.js';
import { type Outline, outline, type Path, plainValueAt, UNREADABLE as UNREAD } from './outline.js';
import { NOT_A_STRING } from './plain-scalars.js';
import {
  type Doc,
  isUnresolvedAlias,
  parseYaml,
  plainAt,
  printResource,
  setOrigin,
} from './yaml.js';

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

/** Input the function cannot read: reported in one line, the input written back unchanged. */
export class InputError extends Error {}

/**
 * A lazily parsed item turned out to need what only the whole input can give (an alias to an
 * anchor in another item): the shell reads the input again with the full parser.
 */
export class NeedsFullParse extends Error {}

/** Items holding what was read off their text (a document, an outline), to let go of. */
let holding: Item[] = [];

export class Item {
  private parsed: Doc | undefined;
  private header: Header | undefined;
  private deindented: string | undefined;
  /** metadata.annotations read off the text (null: not in a form the scan reads). */
  private annotations: Map<string, string | typeof UNREADABLE> | null | undefined;
  /** The text's outline (null: the outline cannot read it). */
  private outlined: Outline | null | undefined;
  /** A written resource's text, once printed (see `settle`): a document of its own. */
  private printedText: string | undefined;
  /** Parsed once, and the document since let go (see `release`). */
  private wasParsed = false;

  private constructor(
    /** The item's exact text in the input's own layout, written back when it is unchanged. */
    readonly raw: string | undefined,
    /** Columns of `raw` that belong to the container: a ResourceList entry's `- ` and indent. */
    private readonly indent: number,
    /** Where the item sits in the input, for messages: `items[3]`, `document 4`. */
    readonly position: string,
    readonly fromInput: boolean,
    doc: Doc | undefined,
  ) {
    this.parsed = doc;
  }

  /**
   * An input item kept as text, parsed on first use. `indent` columns of every line are the
   * container's (the splitter checked that each line has them, or is blank).
   */
  static lazy(raw: string, indent: number, position: string): Item {
    return new Item(raw, indent, position, true, undefined);
  }

  /** An input item that was parsed with its container (the full path). */
  static parsedInput(doc: Doc, position: string): Item {
    return new Item(undefined, 0, position, true, doc);
  }

  /** A resource the function writes. */
  static created(doc: Doc): Item {
    return new Item(undefined, 0, 'new', false, doc);
  }

  /** A resource the function writes, as text in the input's layout (`container` columns in). */
  static written(raw: string, container: number): Item {
    return new Item(raw, container, 'new', false, undefined);
  }

  /** The item's YAML as a document of its own (a ResourceList entry de-indented). */
  get source(): string | undefined {
    if (this.deindented === undefined && this.raw !== undefined) {
      this.deindented = deindent(this.raw, this.indent);
    }
    return this.deindented ?? this.printedText;
  }

  /** A written resource's text, once `settle` printed it. */
  get printed(): string | undefined {
    return this.printedText;
  }

  /**
   * A written resource is final: it is printed now and its document let go, so that a large
   * input holds text rather than documents until the output is written. Read again, it is
   * parsed from that text.
   */
  settle(): void {
    if (this.raw !== undefined || this.printedText !== undefined || !this.parsed) return;
    this.printedText = printResource(this.parsed);
    this.parsed = undefined;
  }

  /**
   * Lets go of what was read off every item's text since the last call (documents, outlines):
   * it is read again if asked for. See Edit.settle.
   */
  static releaseAll(): void {
    for (const item of holding) item.release();
    holding = [];
  }

  /** Lets go of what was read off an input item's text; it is read again if asked for. */
  release(): void {
    if (this.raw === undefined) return;
    if (this.parsed !== undefined) this.wasParsed = true;
    this.parsed = undefined;
    this.deindented = undefined;
    this.outlined = undefined;
  }

  /** The parsed document. Never modify it: edits go to a clone (see Edit). */
  get doc(): Doc {
    if (this.parsed === undefined) {
      // Built off the outline when the text is in its subset (most rendered manifests are):
      // the same document, without yaml's parser.
      if (this.raw !== undefined) holding.push(this);
      const o = this.raw !== undefined ? this.outline : undefined;
      const composed = o && composeOutline(o);
      if (composed) {
        setOrigin(composed, o);
        this.parsed = composed;
        return composed;
      }
      const doc = parseYaml(this.source ?? '');
      const error = doc.errors[0];
      if (error) {
        if (isUnresolvedAlias(error) && this.indent > 0) throw new NeedsFullParse();
        throw new InputError(`${this.position}: not valid YAML: ${firstLine(error.message)}`);
      }
      this.parsed = doc;
    }
    return this.parsed;
  }

  get isParsed(): boolean {
    return this.parsed !== undefined || this.wasParsed;
  }

  /**
   * The outline of the item's text (see outline.ts): its paths and where their scalars are,
   * without a parse. Undefined for an item without text, or with text the outline cannot read.
   */
  get outline(): Outline | undefined {
    if (this.outlined === undefined) {
      this.outlined = (this.raw !== undefined ? outline(this.raw, this.indent) : undefined) ?? null;
      if (this.raw !== undefined) holding.push(this);
    }
    return this.outlined ?? undefined;
  }

  /** The plain value at a path, read off the text when the outline can, else parsed. */
  plainAt(path: Path): unknown {
    const o = this.parsed === undefined ? this.outline : undefined;
    if (o) {
      const value = plainValueAt(o, path);
      if (value !== UNREAD) return value;
    }
    return plainAt(this.doc, path);
  }

  /** The same resource with other text in the same layout (an edit spliced into the text). */
  withText(raw: string): Item {
    return new Item(raw, this.indent, this.position, false, undefined);
  }

  private get head(): Header {
    if (this.header === undefined) {
      this.header =
        (this.parsed === undefined && this.raw !== undefined
          ? scanHeader(this.raw, this.indent)
          : undefined) ?? headerOf(this.doc, this.position);
    }
    return this.header;
  }

  get apiVersion(): string {
    return this.head.apiVersion;
  }
  get kind(): string {
    return this.head.kind;
  }
  get name(): string {
    return this.head.name;
  }
  /** The namespace as written; '' when the item has none. */
  get namespace(): string {
    return this.head.namespace;
  }

  get ref(): ResourceRef {
    const ref: ResourceRef = { apiVersion: this.apiVersion, kind: this.kind, name: this.name };
    if (this.namespace) ref.namespace = this.namespace;
    return ref;
  }

  /** `Kind namespace/name`, as messages name a resource. */
  get label(): string {
    return `${this.kind} ${this.namespace ? `${this.namespace}/` : ''}${this.name}`;
  }

  /** A cheap test before parsing: can this item contain `text` at all? */
  mentions(text: string): boolean {
    // An input item's text is what it holds, parsed or not (edits go to working copies).
    return this.raw === undefined || this.raw.includes(text);
  }

  annotation(key: string): string | undefined {
    if (!this.mentions(key)) return undefined;
    if (this.parsed === undefined && this.raw !== undefined) {
      // kpt's and Kustomize's bookkeeping is read off every item: without parsing, if the
      // annotations are plain block-style scalars.
      this.annotations ??= scanAnnotations(this.raw, this.indent) ?? null;
      const scanned = this.annotations?.get(key);
      if (this.annotations && scanned !== UNREADABLE) return scanned;
    }
    const value = this.doc.getIn(['metadata', 'annotations', key]);
    return typeof value === 'string' ? value : undefined;
  }

  /** Marked local-config: not part of what gets deployed (kpt's Kptfile, function configs). */
  get isLocalConfig(): boolean {
    return this.annotation('config.kubernetes.io/local-config') === 'true';
  }
}

interface Header {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
}

function headerOf(doc: Doc, position: string): Header {
  if (!isMap(doc.contents))
    throw new InputError(`${position}: not a mapping (a resource is a map)`);
  const get = (path: string[]): string => {
    const v = doc.getIn(path);
    return typeof v === 'string' ? v : '';
  };
  return {
    apiVersion: get(['apiVersion']),
    kind: get(['kind']),
    name: get(['metadata', 'name']),
    namespace: get(['metadata', 'namespace']),
  };
}

// Reads apiVersion, kind, metadata.name and metadata.namespace off block-style YAML without
// parsing it. Anything unusual returns undefined, and the item is parsed instead.
const TOP = /^(apiVersion|kind|metadata):(?: +(.*))?$/;
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** `indent`: columns at the start of each line that belong to the container. */
export function scanHeader(source: string, container = 0): Header | undefined {
  const header: Header = { apiVersion: '', kind: '', name: '', namespace: '' };
  const seen = new Set<string>();
  let inMetadata = false;
  let metaIndent = -1;
  let start = 0;
  // Line by line without cutting out lines that cannot matter: most of a resource is deeper
  // than its top-level keys and outside metadata.
  while (start < source.length) {
    let end = source.indexOf('\n', start);
    if (end < 0) end = source.length;
    const from = Math.min(start + container, end);
    start = end + 1;
    const first = source.charCodeAt(from);
    if (from === end || first === 35 /* # */) continue;
    if (first !== 32 /* space */) {
      inMetadata = false;
      const line = source.slice(from, end);
      const m = TOP.exec(line);
      if (!m) {
        // Any other top-level key is fine; anything else (flow style, anchors, tags,
        // document markers) is left to the parser.
        if (!/^[A-Za-z_][\w.-]*:(?: |$)/.test(line)) return undefined;
        continue;
      }
      const key = m[1] as 'apiVersion' | 'kind' | 'metadata';
      if (seen.has(key)) return undefined;
      seen.add(key);
      if (key === 'metadata') {
        if (m[2] !== undefined && m[2] !== '') return undefined;
        inMetadata = true;
        continue;
      }
      const value = scalar(m[2]);
      if (value === undefined) return undefined;
      header[key] = value;
      continue;
    }
    if (!inMetadata) continue;
    let indent = 1;
    while (source.charCodeAt(from + indent) === 32) indent++;
    if (from + indent >= end || source.charCodeAt(from + indent) === 35) continue;
    if (metaIndent < 0) metaIndent = indent;
    if (indent !== metaIndent) continue;
    const line = source.slice(from + indent, end);
    const m = /^(name|namespace):(?: +(.*))?$/.exec(line);
    if (!m) {
      if (!/^[A-Za-z_][\w./-]*:(?: |$)/.test(line)) return undefined;
      continue;
    }
    const key = m[1] as 'name' | 'namespace';
    if (seen.has(key)) return undefined;
    seen.add(key);
    const value = scalar(m[2]);
    if (value === undefined) return undefined;
    header[key] = value;
  }
  return seen.has('apiVersion') && seen.has('kind') && seen.has('metadata') ? header : undefined;
}

/** An annotation whose value the scan cannot read (a block scalar, escapes): parse instead. */
const UNREADABLE = Symbol('unreadable');

/**
 * metadata.annotations off block-style YAML without parsing: plain and simply quoted values;
 * others are UNREADABLE. Undefined when the layout is not the simple block one.
 */
export function scanAnnotations(
  source: string,
  container = 0,
): Map<string, string | typeof UNREADABLE> | undefined {
  const found = new Map<string, string | typeof UNREADABLE>();
  // 0: before metadata, 1: in metadata, 2: in its annotations, 3: after them.
  let state = 0;
  let metaIndent = -1;
  let annotationIndent = -1;
  let last: string | undefined;
  for (const full of source.split('\n')) {
    const line = full.slice(Math.min(container, full.length));
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    if (indent === 0) {
      if (state === 1 || state === 2) state = 3;
      if (/^metadata:\s*$/.test(line)) {
        if (state !== 0) return undefined;
        state = 1;
      } else if (/^metadata:/.test(line)) return undefined;
      continue;
    }
    if (state === 1 || state === 2) {
      if (metaIndent < 0) metaIndent = indent;
      if (indent < metaIndent) return undefined;
      if (indent === metaIndent) {
        state = 1;
        const key = /^([\w.-]+):(.*)$/.exec(line.slice(indent));
        if (!key) return undefined;
        if (key[1] === 'annotations') {
          if ((key[2] ?? '').trim() !== '') return undefined;
          state = 2;
          annotationIndent = -1;
        }
        continue;
      }
      if (state !== 2) continue;
      if (annotationIndent < 0) annotationIndent = indent;
      if (indent > annotationIndent) {
        // A value that goes on over more lines (block scalar, folded plain scalar).
        if (last !== undefined) found.set(last, UNREADABLE);
        continue;
      }
      if (indent < annotationIndent) return undefined;
      const entry = /^([A-Za-z0-9][\w./-]*):(?: +(.*))?$/.exec(line.slice(indent));
      if (!entry) return undefined;
      last = entry[1] as string;
      if (found.has(last)) return undefined;
      found.set(last, scalar(entry[2]) ?? UNREADABLE);
    }
  }
  return found;
}

function scalar(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  // A comment after the value (`name: lms-worker # the stock worker`).
  const hash = raw.search(/\s#/);
  const text = (hash < 0 ? raw : raw.slice(0, hash)).trimEnd();
  if (PLAIN.test(text)) return NOT_A_STRING.test(text) ? undefined : text;
  if (/^'[^']*'$/.test(text)) return text.slice(1, -1);
  if (/^"[^"\\]*"$/.test(text)) return text.slice(1, -1);
  return undefined;
}

/** A ResourceList entry as a document of its own: its `- ` and indentation taken off. */
export function deindent(raw: string, indent: number): string {
  if (indent === 0) return raw;
  // Blank lines may be shorter than the indentation; inside a block scalar they stay blank.
  return raw.slice(indent).replace(new RegExp(`\\n {0,${indent}}`, 'g'), '\n');
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
