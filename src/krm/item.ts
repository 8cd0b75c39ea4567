// One resource of the input or output. Input items keep the exact text they came in, and are
// parsed only when the transform reads them: most of a Tutor render is never touched, so most
// of it is never parsed and goes out byte for byte.
import { isMap, isScalar, type Node } from 'yaml';
import { heldBytes } from './held-bytes.js';
import { blockText, isObject, type JsonObject, jsonAt, looksLikeJson } from './json.js';
import { isBookkeepingAnnotation } from './k8s.js';
import { linesIn, type PlainResource, printPlain, printPlainPieces } from './print.js';
import { composeOutline } from './text/compose.js';
import {
  type Outline,
  outline,
  type Path,
  plainValueAt,
  UNREADABLE as UNREAD,
} from './text/outline.js';
import { isNotAString } from './text/plain-scalars.js';
import {
  cloneDoc,
  type Doc,
  docFrom,
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
  /** The text the engine reads (see `text`), once made. */
  private readable: string | undefined;
  /** A JSON item's value, once parsed (null: not JSON after all). */
  private parsedJson: unknown;
  /** metadata.annotations read off the text (null: not in a form the scan reads). */
  private annotations: Map<string, string | typeof UNREADABLE> | null | undefined;
  /** The text's outline (null: the outline cannot read it). */
  private outlined: Outline | null | undefined;
  /** A written resource's text, once printed as a document of its own (see `settle`). */
  private printedText: string | undefined;
  /**
   * Its text once printed from plain data, as UTF-8 bytes (see held-bytes.ts): a ResourceList
   * entry whose lines are `printedIn` columns in, or (`printedIn` 0) a document of a stream.
   * `printedText` is then made only if asked for.
   */
  private printedBytes: Buffer | undefined;
  private printedIn = 0;
  /** Parsed once, and the document since let go (see `release`). */
  private wasParsed = false;
  /** A written resource as plain data (see `generated`), until `settle` prints it. */
  private plainValue: PlainResource | undefined;
  /** The text (given, or raw) is what the engine reads as it is: no line end or comment to mend. */
  private ready = false;
  /** Where the metadata's lines are in `raw` (see scanHeader), once the header is read off it. */
  private metadataLines: [number, number] | undefined;
  /** See `pieces`. */
  private rawPieces: readonly string[] | undefined;

  private constructor(
    /** The item's exact text in the input's own layout, written back when it is unchanged. */
    readonly raw: string | undefined,
    /** Columns of `raw` that belong to the container: a ResourceList entry's `- ` and indent. */
    private readonly indent: number,
    /** Where the item sits in the input, for messages: `items[3]`, `document 4`. */
    readonly position: string,
    readonly fromInput: boolean,
    doc: Doc | undefined,
    /**
     * Comment and blank lines in front of a ResourceList entry, outside any resource: written
     * in front of whatever goes out in the entry's place.
     */
    readonly lead = '',
    /** What the engine reads, when it is not `raw` itself (see `text`). */
    private readonly given?: string,
  ) {
    this.parsed = doc;
  }

  /**
   * An input item kept as text, parsed on first use. `indent` columns of every line are the
   * container's (the splitter checked that each line has them, or is blank or a comment).
   * `text`: what the readers read of it, when that is not `raw` (see src/krm/io.ts, readable).
   */
  static lazy(
    raw: string,
    indent: number,
    position: string,
    options: { lead?: string; text?: string; ready?: boolean } = {},
  ): Item {
    const item = new Item(raw, indent, position, true, undefined, options.lead, options.text);
    item.ready = options.ready === true;
    return item;
  }

  /** An input item that only the whole input's parse could read (an alias into another item). */
  static parsedInput(doc: Doc, position: string, lead = ''): Item {
    return new Item(undefined, 0, position, true, doc, lead);
  }

  /** A resource the function writes. */
  static created(doc: Doc): Item {
    return new Item(undefined, 0, 'new', false, doc);
  }

  /**
   * A resource the function writes, as plain data from `plainCopy` (src/krm/print.ts): printed
   * without a yaml Document when settled, and made a Document only if one is asked for.
   */
  static generated(value: PlainResource): Item {
    const item = new Item(undefined, 0, 'new', false, undefined);
    item.plainValue = value;
    return item;
  }

  /** A written resource's plain data, until it is printed. */
  get plain(): PlainResource | undefined {
    return this.plainValue;
  }

  /** A resource the function writes, as text in the input's layout (`container` columns in). */
  static written(raw: string, container: number): Item {
    return new Item(raw, container, 'new', false, undefined);
  }

  /** This input resource as another document: what goes out in its place, after its lead. */
  rewritten(doc: Doc): Item {
    return new Item(undefined, 0, this.position, false, doc, this.lead);
  }

  /**
   * The text the engine reads: `raw` with LF line ends (or as src/krm/io.ts made it readable),
   * and a comment line less indented than the container moved to the container's column, which
   * changes nothing YAML says. A JSON item reads as the same resource in block style.
   */
  private get text(): string {
    if (this.readable === undefined) {
      const json = this.json;
      const text = this.given ?? this.raw ?? '';
      this.readable =
        json !== undefined
          ? inContainer(blockText(json), this.indent)
          : this.ready
            ? text
            : readingText(text, this.indent);
    }
    return this.readable as string;
  }

  /** The item's YAML as a document of its own (a ResourceList entry de-indented). */
  get source(): string | undefined {
    if (this.deindented === undefined && this.raw !== undefined) {
      this.deindented = deindent(this.text, this.indent);
    }
    return this.deindented ?? this.printed;
  }

  /** A JSON item's value (undefined for YAML): JSON.parse reads it as YAML does, faster. */
  private get json(): JsonObject | undefined {
    if (this.parsedJson === undefined) {
      this.parsedJson = null;
      const raw = this.raw;
      if (raw !== undefined && this.fromInput && looksLikeJson(raw, this.indent)) {
        holding.push(this);
        try {
          // (The container's columns are white space to JSON: only the entry's `- ` goes.)
          const value: unknown = JSON.parse((this.given ?? raw).slice(this.indent));
          if (isObject(value)) this.parsedJson = value;
        } catch {
          // YAML in flow style: the parser reads it.
        }
      }
    }
    return (this.parsedJson as JsonObject | null) ?? undefined;
  }

  /** A written resource's text, once `settle` printed it: a document of its own. */
  get printed(): string | undefined {
    if (this.printedBytes) this.printedText ??= this.printedBytes.toString('utf8');
    const text = this.printedText;
    return text === undefined || this.printedIn === 0 ? text : deindent(text, this.printedIn);
  }

  /**
   * A written resource's text as a document of its own, as UTF-8 bytes, when `settle` printed it
   * so from plain data: it then starts with a key, not a directive or a marker, and ends in a
   * line break and no document end marker.
   */
  get documentBytes(): Buffer | undefined {
    return this.printedIn === 0 ? this.printedBytes : undefined;
  }

  /**
   * A written resource's text as a ResourceList entry `indent` spaces in, when `settle` printed
   * it so; undefined otherwise (it is then moved in as it goes out).
   */
  entryAt(indent: number): Buffer | undefined {
    return this.printedIn === indent + 2 ? this.printedBytes : undefined;
  }

  /**
   * A written resource is final: it is printed now and its document let go, so that a large
   * input holds text (as an entry, its UTF-8 bytes) rather than documents until the output is
   * written. Read again, it is parsed from that text. `container`: the columns of a ResourceList
   * entry it goes out in (0: a document of its own); plain data is printed straight into them
   * (see printPlainIn).
   */
  settle(container = 0): void {
    if (this.raw !== undefined || this.printedText !== undefined || this.printedBytes) return;
    if (!this.plainValue && !this.parsed) return;
    // Kind and name are read again (what a run changed, the output's order): kept, so that the
    // printed text is not parsed for them.
    this.header ??= this.head;
    if (this.plainValue) {
      this.settlePlain(this.plainValue, container);
      this.plainValue = undefined;
      this.parsed = undefined;
      return;
    }
    this.printedText = printResource(this.parsed as Doc);
    this.parsed = undefined;
  }

  /** Prints plain data: as bytes when it can (an entry, or a stream's document), else as text. */
  private settlePlain(value: PlainResource, container: number): void {
    if (container >= 2) {
      const entry = printPlainPieces(value, { start: `${' '.repeat(container - 2)}- `, container });
      // (An entry ends in one line break: a text that ends in more, entryChunks trims.)
      if (entry !== undefined && !endsInBlankLine(entry)) {
        this.printedBytes = heldBytes(entry);
        this.printedIn = container;
        return;
      }
    }
    const text = printPlain(value);
    // A document of a stream: held as bytes too (see `documentBytes`).
    if (text !== undefined && container === 0) this.printedBytes = heldBytes([text]);
    else this.printedText = text ?? printResource(docFrom(value));
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
    this.readable = undefined;
    this.parsedJson = undefined;
  }

  /** The parsed document. Never modify it: edits go to a clone (see Edit). */
  get doc(): Doc {
    if (this.parsed === undefined && this.plainValue) this.parsed = docFrom(this.plainValue);
    if (this.parsed === undefined) {
      // Built off the outline when the text is in its subset (most rendered manifests are):
      // the same document, without yaml's parser.
      if (this.raw !== undefined) holding.push(this);
      const composed = this.composed();
      if (composed) {
        this.parsed = composed;
        return composed;
      }
      const source = this.source ?? '';
      let doc = parseYaml(source, { copied: withoutBookkeeping });
      // A closing quote that go-yaml writes at column 0 (see src/krm/io.ts, readable), put past
      // its key: only a document that the parser refuses can hold one.
      if (doc.errors.length > 0 && hasColumn0Quote(source)) {
        doc = parseYaml(indentClosingQuotes(source), { copied: withoutBookkeeping });
      }
      const error = doc.errors[0];
      if (error) {
        if (isUnresolvedAlias(error) && this.indent > 0) throw new NeedsFullParse();
        throw new InputError(`${this.position}: not valid YAML: ${firstLine(error.message)}`);
      }
      this.parsed = doc;
    }
    return this.parsed;
  }

  /**
   * A document of the item's own, to change: composed anew off its outline while the item is
   * not parsed, which costs less than a copy of its document; else that copy.
   */
  copyDoc(): Doc {
    return (this.isParsed ? undefined : this.composed()) ?? cloneDoc(this.doc);
  }

  /** A new document of the item's text built off its outline, when the text is in its subset. */
  private composed(): Doc | undefined {
    const o = this.raw !== undefined ? this.outline : undefined;
    const composed = o && composeOutline(o);
    if (composed) setOrigin(composed, o);
    return composed;
  }

  get isParsed(): boolean {
    return this.parsed !== undefined || this.wasParsed;
  }

  /**
   * The outline of the item's text (see text/outline.ts): its paths and where their scalars are,
   * without a parse. Undefined for an item without text, or with text the outline cannot read.
   */
  get outline(): Outline | undefined {
    if (this.outlined === undefined) {
      this.outlined =
        (this.raw !== undefined ? outline(this.text, this.indent) : undefined) ?? null;
      if (this.raw !== undefined) holding.push(this);
    }
    return this.outlined ?? undefined;
  }

  /** The plain value at a path, read off the text when the outline can, else parsed. */
  plainAt(path: Path): unknown {
    if (this.parsed === undefined) {
      const json = this.json;
      if (json !== undefined) return jsonAt(json, path);
      const o = this.outline;
      if (o) {
        const value = plainValueAt(o, path);
        if (value !== UNREAD) return value;
      }
    }
    return plainAt(this.doc, path);
  }

  /**
   * The same resource with other text in the same layout (an edit spliced into the text).
   * `sameHeader`: the edit left apiVersion, kind, name and namespace alone, so they are known
   * without reading the new text (a settings ConfigMap is tens of kilobytes). `pieces`: the
   * strings `raw` is made of, in order (see `pieces`).
   */
  withText(raw: string, sameHeader = false, pieces?: readonly string[]): Item {
    const item = new Item(raw, this.indent, this.position, false, undefined, this.lead);
    if (sameHeader) item.header = this.header;
    item.rawPieces = pieces;
    return item;
  }

  /**
   * `raw` as the strings it was spliced from, when it was (slices of the input's text and the
   * new values' texts), for the writer: writing `raw` itself copies them into one string first.
   */
  get pieces(): readonly string[] | undefined {
    return this.rawPieces;
  }

  private get head(): Header {
    if (this.header === undefined) {
      const json = this.parsed === undefined ? this.json : undefined;
      const scanned =
        json === undefined && this.parsed === undefined && this.raw !== undefined
          ? scanHeader(this.text, this.indent)
          : undefined;
      if (scanned) {
        // (Lines of `raw` when the text read is `raw` itself.)
        if (this.ready && this.given === undefined) this.metadataLines = scanned.metadata;
        this.header = scanned;
      } else {
        this.header =
          json !== undefined
            ? jsonHeader(json)
            : this.plainValue
              ? plainHeader(this.plainValue)
              : headerOf(this.doc, this.position);
      }
    }
    return this.header as Header;
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
    // An input item's text is what it holds, parsed or not (edits go to working copies). (The
    // names and keys looked for are printable ASCII, which no producer escapes, in YAML or JSON.)
    return this.raw === undefined || this.raw.includes(text);
  }

  annotation(key: string): string | undefined {
    // Looked for in the metadata's lines when the header's scan found where they are: most of
    // a resource is not its metadata, and every item is asked for the function's own annotation.
    const lines = this.metadataLines;
    const metadata = lines && this.raw?.slice(lines[0], lines[1]);
    if (!(metadata === undefined ? this.mentions(key) : metadata.includes(key))) return undefined;
    const json = this.parsed === undefined ? this.json : undefined;
    if (json !== undefined) {
      const value = jsonAt(json, ['metadata', 'annotations', key]);
      return typeof value === 'string' ? value : undefined;
    }
    if (this.parsed === undefined && this.raw !== undefined) {
      // kpt's and Kustomize's bookkeeping is read off every item: without parsing, if the
      // annotations are plain block-style scalars.
      // (Only the metadata's lines, when they are known: the rest cannot change what it finds.)
      this.annotations ??= scanAnnotations(metadata ?? this.text, this.indent) ?? null;
      const scanned = this.annotations?.get(key);
      if (this.annotations && scanned !== UNREADABLE) return scanned;
    }
    const value = this.plainValue
      ? plainAnnotations(this.plainValue)?.[key]
      : this.doc.getIn(['metadata', 'annotations', key]);
    return typeof value === 'string' ? value : undefined;
  }

  /** Marked local-config: not part of what gets deployed (kpt's Kptfile, function configs). */
  get isLocalConfig(): boolean {
    return this.annotation('config.kubernetes.io/local-config') === 'true';
  }
}

/** Do the pieces of a text end in two line breaks (a piece may be one line break)? */
function endsInBlankLine(pieces: readonly string[]): boolean {
  const last = pieces[pieces.length - 1] as string;
  if (last.length >= 2 || pieces.length === 1) return last.endsWith('\n\n');
  return last === '\n' && (pieces[pieces.length - 2] as string).endsWith('\n');
}

/** Does a change at this path change the header (apiVersion, kind, name or namespace)? */
export function inHeader(path: Path): boolean {
  const [first, second] = path.map(String);
  if (first === 'apiVersion' || first === 'kind') return true;
  return (
    first === 'metadata' && (second === undefined || second === 'name' || second === 'namespace')
  );
}

interface Header {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
}

interface ScannedHeader extends Header {
  /** Where the metadata's lines are in the text scanned: [start, end) (of that text only). */
  readonly metadata: [number, number];
}

/**
 * An alias's copy of a resource's annotations leaves out kpt's and Kustomize's bookkeeping
 * (its file, index, ids): they add it to the resource's own metadata, which an alias in the
 * pod template shares in their memory, not in the file that Kubernetes reads (and they take it
 * off the metadata alone when they write the file).
 */
export function withoutBookkeeping(copy: Node): void {
  if (!isMap(copy)) return;
  copy.items = copy.items.filter(
    (p) =>
      !(isScalar(p.key) && typeof p.key.value === 'string' && isBookkeepingAnnotation(p.key.value)),
  );
}

function jsonHeader(json: JsonObject): Header {
  return headerFrom((path) => jsonAt(json, path));
}

function headerOf(doc: Doc, position: string): Header {
  if (!isMap(doc.contents))
    throw new InputError(`${position}: not a mapping (a resource is a map)`);
  return headerFrom((path) => doc.getIn(path));
}

/** The header of a resource, each field read at its path (and '' when it is not a string). */
function headerFrom(at: (path: string[]) => unknown): Header {
  const get = (path: string[]): string => {
    const v = at(path);
    return typeof v === 'string' ? v : '';
  };
  return {
    apiVersion: get(['apiVersion']),
    kind: get(['kind']),
    name: get(['metadata', 'name']),
    namespace: get(['metadata', 'namespace']),
  };
}

function plainAnnotations(value: PlainResource): Record<string, unknown> | undefined {
  const metadata = value.metadata as Record<string, unknown> | undefined;
  return metadata?.annotations as Record<string, unknown> | undefined;
}

function plainHeader(value: PlainResource): Header {
  const metadata = (value.metadata ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : '');
  return {
    apiVersion: str(value.apiVersion),
    kind: str(value.kind),
    name: str(metadata.name),
    namespace: str(metadata.namespace),
  };
}

// Reads apiVersion, kind, metadata.name and metadata.namespace off block-style YAML without
// parsing it. Anything unusual returns undefined, and the item is parsed instead.
// (`[\s\S]`, not `.`: a value may hold U+2028 and U+2029, which YAML reads as text.)
const PLAIN = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** `indent`: columns at the start of each line that belong to the container. */
export function scanHeader(source: string, container = 0): ScannedHeader | undefined {
  const header: ScannedHeader = {
    apiVersion: '',
    kind: '',
    name: '',
    namespace: '',
    metadata: [0, source.length],
  };
  const seen = new Set<string>();
  let inMetadata = false;
  let metaIndent = -1;
  // After a value on its key's line: the column a line must not pass (a plain scalar going on).
  let valueOwner = -1;
  let start = 0;
  // Line by line without cutting out lines that cannot matter: most of a resource is deeper
  // than its top-level keys and outside metadata.
  while (start < source.length) {
    const lineStart = start;
    let end = source.indexOf('\n', start);
    if (end < 0) end = source.length;
    const from = Math.min(start + container, end);
    start = end + 1;
    const first = source.charCodeAt(from);
    if (from === end || first === 35 /* # */) continue;
    if (first !== 32 /* space */) {
      valueOwner = -1;
      if (inMetadata) header.metadata[1] = lineStart;
      inMetadata = false;
      // Any top-level key is fine; anything else (flow style, anchors, tags, document markers)
      // is left to the parser.
      const colon = keyEnd(source, from, end, false);
      if (colon < 0) return undefined;
      const key = headerKey(source, from, colon, TOP_KEYS);
      if (key === undefined) continue;
      if (seen.has(key)) return undefined;
      seen.add(key);
      const raw = valueAfter(source, colon, end);
      if (key === 'metadata') {
        if (raw !== undefined && raw !== '') return undefined;
        inMetadata = true;
        header.metadata[0] = lineStart;
        continue;
      }
      const value = scalar(raw);
      if (value === undefined) return undefined;
      header[key] = value;
      valueOwner = 0;
      continue;
    }
    if (!inMetadata && valueOwner < 0) continue;
    let indent = 1;
    while (source.charCodeAt(from + indent) === 32) indent++;
    if (from + indent >= end || source.charCodeAt(from + indent) === 35) continue;
    if (valueOwner >= 0 && indent > valueOwner) return undefined; // the value goes on
    valueOwner = -1;
    if (!inMetadata) continue;
    if (metaIndent < 0) metaIndent = indent;
    if (indent !== metaIndent) continue;
    const colon = keyEnd(source, from + indent, end, true);
    if (colon < 0) return undefined;
    const key = headerKey(source, from + indent, colon, METADATA_KEYS);
    if (key === undefined) continue;
    if (seen.has(key)) return undefined;
    seen.add(key);
    const value = scalar(valueAfter(source, colon, end));
    if (value === undefined) return undefined;
    header[key] = value;
    valueOwner = indent;
  }
  return seen.has('apiVersion') && seen.has('kind') && seen.has('metadata') ? header : undefined;
}

const TOP_KEYS = ['apiVersion', 'kind', 'metadata'] as const;
const METADATA_KEYS = ['name', 'namespace'] as const;

/**
 * Where the `:` of a plain key at `at` is (`[A-Za-z_][\w.-]*`, and `/` in metadata's keys), when
 * a space or the line's `end` follows it; -1 when the line is no such `key:`. (Read in place:
 * every line at the top of every resource is read.)
 */
function keyEnd(source: string, at: number, end: number, slash: boolean): number {
  const first = source.charCodeAt(at);
  if (!(isAsciiLetter(first) || first === 95) /* _ */) return -1;
  let i = at + 1;
  for (; i < end; i++) {
    const c = source.charCodeAt(i);
    if (!(isAsciiLetter(c) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45)) {
      if (!(slash && c === 47)) break;
    }
  }
  if (i === end || source.charCodeAt(i) !== 58 /* : */) return -1;
  return i + 1 === end || source.charCodeAt(i + 1) === 32 ? i : -1;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Which of `keys` the key from `at` to its colon is, if any. */
function headerKey<K extends string>(
  source: string,
  at: number,
  colon: number,
  keys: readonly K[],
): K | undefined {
  return keys.find((k) => k.length === colon - at && source.startsWith(k, at));
}

/** The text after a key's `:` and the spaces after it; undefined when the line ends there. */
function valueAfter(source: string, colon: number, end: number): string | undefined {
  if (colon + 1 === end) return undefined;
  let v = colon + 1;
  while (v < end && source.charCodeAt(v) === 32) v++;
  return source.slice(v, end);
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
  // Most values are plain as they stand (no comment, no white space to take off): one test.
  if (PLAIN.test(raw)) return isNotAString(raw) ? undefined : raw;
  // A comment after the value (`name: lms-worker # the stock worker`).
  // (YAML's white space is spaces and tabs only: a no-break space is text.)
  const hash = raw.search(/[ \t]#/);
  const text = (hash < 0 ? raw : raw.slice(0, hash)).replace(/[ \t]+$/, '');
  if (PLAIN.test(text)) return isNotAString(text) ? undefined : text;
  if (/^'[^']*'$/.test(text)) return text.slice(1, -1);
  if (/^"[^"\\]*"$/.test(text)) return text.slice(1, -1);
  return undefined;
}

const CLOSING_QUOTE_LINE = /^['"][ \t]*(?:#[^\n]*)?(?:\r?\n|$)/;

/** Is there a line that is only a quote at column 0? (Native searches: inputs run to megabytes.) */
export function hasColumn0Quote(text: string): boolean {
  for (const quote of ["'", '"']) {
    if (text.startsWith(quote) && CLOSING_QUOTE_LINE.test(text)) return true;
    for (let at = text.indexOf(`\n${quote}`); at >= 0; at = text.indexOf(`\n${quote}`, at + 1)) {
      if (CLOSING_QUOTE_LINE.test(text.slice(at + 1, at + 200))) return true;
    }
  }
  return false;
}

/**
 * The text with each line that is only a closing quote at column 0 indented one column past
 * the line before it (past its dashes): where the key or dash that owns the value ends, or
 * further. The spaces put in are recorded in `shifts`.
 */
export function indentClosingQuotes(
  text: string,
  shifts: { at: number; shift: number }[] = [],
): string {
  const lines = text.split('\n');
  let at = 0;
  let depth = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (i > 0 && /^['"][ \t]*(?:#.*)?$/.test(line)) {
      const pad = ' '.repeat(depth + 1);
      shifts.push({ at, shift: pad.length });
      lines[i] = pad + line;
    } else if (/\S/.test(line)) depth = /^ *(?:- +)*/.exec(line)?.[0].length ?? 0;
    at += (lines[i] as string).length + 1;
  }
  return lines.join('\n');
}

/** See Item.text. */
export function readingText(raw: string, container: number): string {
  const text = raw.includes('\r') ? raw.replace(/\r\n?/g, '\n') : raw;
  if (container === 0 || !underIndented(container).test(text)) return text;
  return text
    .split('\n')
    .map((line) => {
      let spaces = 0;
      while (line.charCodeAt(spaces) === 32) spaces++;
      return spaces < container && line.charCodeAt(spaces) === 35 /* # */
        ? ' '.repeat(container) + line.slice(spaces)
        : line;
    })
    .join('\n');
}

const underIndentedLines = new Map<number, RegExp>();

/** A comment line with fewer than `container` spaces in front. */
function underIndented(container: number): RegExp {
  let re = underIndentedLines.get(container);
  if (!re) {
    re = new RegExp(`\\n {0,${container - 1}}#`);
    underIndentedLines.set(container, re);
  }
  return re;
}

/** A document as a ResourceList entry, `container` columns in (its `- ` two before). */
export function inContainer(text: string, container: number): string {
  if (container === 0) return text;
  return `${' '.repeat(container - 2)}- ${linesInContainer(text, container)}`;
}

/** `text`'s lines after the first, moved `container` columns in (what follows an entry's `- `). */
export function linesInContainer(text: string, container: number): string {
  return linesIn(text, ' '.repeat(container));
}

/** A ResourceList entry as a document of its own: its `- ` and indentation taken off. */
export function deindent(raw: string, indent: number): string {
  if (indent === 0) return raw;
  // Blank lines may be shorter than the indentation; inside a block scalar they stay blank.
  return raw.slice(indent).replace(new RegExp(`\\n {0,${indent}}`, 'g'), '\n');
}

/** The first line of a parser's message (the rest is its picture of the source). */
export function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}
