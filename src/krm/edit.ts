// A staged change to the item list. Nothing touches the input until `output()`: on error the
// transform returns the input as it came, and an item whose edit changes nothing goes out
// exactly as it came in.
import { isDocument, isMap, isScalar, type Pair, type YAMLMap } from 'yaml';
import { GENERATED_BY, generatedBy as stamp } from '../names.js';
import { type Body, docBody, plainBody, plainTree } from './body.js';
import { Item, inHeader, linesInContainer } from './item.js';
import { isObject } from './json.js';
import { isBookkeepingAnnotation, SEQ_INDENT } from './k8s.js';
import { printTextForm, type TextForm } from './plain-text.js';
import { isIndexKey, type PlainResource, plainCopy } from './print.js';
import { docTree, outlineTree, type Tree } from './refs.js';
import type { Results } from './results.js';
import {
  concat,
  nodeAt,
  type Outline,
  type Path,
  type ScalarEdit,
  splicePieces,
} from './text/outline.js';
import { printEdited } from './text/patch.js';
import { type Doc, deepEqual, docFrom, plainAt, printResource, toPlain } from './yaml.js';

type Key = string;

function keyOf(kind: string, namespace: string, name: string): Key {
  return `${kind}\u0000${namespace}\u0000${name}`;
}

// Where kpt keeps a resource: its file and its position in the file, in the current
// (internal.) and the legacy spelling; kpt writes both and reads either.
const FILE_ANNOTATIONS = [
  ['internal.config.kubernetes.io/path', 'internal.config.kubernetes.io/index'],
  ['config.kubernetes.io/path', 'config.kubernetes.io/index'],
] as const;

export class Edit {
  private readonly byKey = new Map<Key, Item>();
  /** (Made anew at each settle, never cleared: see there.) */
  private working = new Map<Item, Doc>();
  /** Input item -> its working copy as plain data (see `modifyPlain`), instead of a document. */
  private workingPlain = new Map<Item, TextForm>();
  /** Input item -> the item as edited in its text (see `setStrings`), while it has no working copy. */
  private readonly spliced = new Map<Item, Item>();
  /**
   * Input item -> every scalar spliced into its text so far (by canonical path), while each
   * splice was of other scalars than the ones before: the edited text is then the input's text
   * with these values, so it is read and spliced again off the input's outline (read already),
   * never outlined and decoded anew. A settings ConfigMap is tens of kilobytes of quoted text.
   * Kept until `settle`: the values (whole settings files) need not outlive their instance.
   */
  private splices = new Map<Item, Map<string, Splice>>();
  /** Input item -> what goes out for it (itself, or its changes printed), once `settle`d. */
  private readonly settled = new Map<Item, Item>();
  private readonly after = new Map<Item, Item[]>();
  /** Input item written again -> its new version. */
  private readonly replaced = new Map<Item, Item>();
  /** New version -> the input item it replaces. */
  private readonly previous = new Map<Item, Item>();
  /** Written resources not yet settled, with the list (after their anchor) that holds them. */
  private unsettled: { created: Item; list: Item[] }[] = [];
  private readonly removed = new Set<Item>();
  private readonly createdKeys = new Set<Key>();
  /** Where each anchor's file annotations put the resources written after it (see `place`). */
  private readonly placements = new Map<Item, Placement>();
  /** The highest index used so far in each file of a kpt package (see `place`). */
  private fileEnds: Map<string, number> | undefined;
  /** Labels every resource written from now on carries (its instance's: see transform.ts). */
  labels: Readonly<Record<string, string>> = {};

  constructor(
    readonly items: readonly Item[],
    private readonly results: Results,
    /** The columns of a ResourceList entry the output writes (0: a document of a stream). */
    private readonly container = 0,
  ) {
    for (const item of items) {
      this.byKey.set(keyOf(item.kind, item.namespace, item.name), item);
    }
  }

  private byNamespace: Map<string, Item[]> | undefined;

  /** The input items of a namespace, in input order (an instance's resources, say). */
  itemsIn(namespace: string): readonly Item[] {
    if (!this.byNamespace) {
      this.byNamespace = new Map();
      for (const item of this.items) {
        const list = this.byNamespace.get(item.namespace);
        if (list) list.push(item);
        else this.byNamespace.set(item.namespace, [item]);
      }
    }
    return this.byNamespace.get(namespace) ?? [];
  }

  find(kind: string, namespace: string, name: string): Item | undefined {
    return this.byKey.get(keyOf(kind, namespace, name));
  }

  /** The working copy of an input item: edit it in place, with the yaml Document API. */
  modify(item: Item): Doc {
    if (item.isLocalConfig) throw new Error(`bug: ${item.label} is local-config`);
    if (this.workingPlain.has(item)) throw new Error(`bug: ${item.label} is plain data`);
    let doc = this.working.get(item);
    if (!doc) {
      // An item edited (as text, or settled) so far goes on from its edited version, which is
      // a document of its own.
      const edited = this.edited(item);
      doc = edited ? edited.doc : item.copyDoc();
      this.spliced.delete(item);
      this.splices.delete(item);
      this.settled.delete(item);
      this.working.set(item, doc);
    }
    return doc;
  }

  /**
   * Makes the form's value the working copy of an input item not changed so far, as plain
   * data (src/krm/plain-text.ts); the caller knows that every string it changes in place is one
   * printPlain writes as the text has it. Undefined when the item was changed already (then
   * `modify`). Settled, it is printed by printPlain, in the item's layout and place.
   */
  modifyPlain(item: Item, form: TextForm): PlainResource | undefined {
    if (item.isLocalConfig) throw new Error(`bug: ${item.label} is local-config`);
    if (this.working.has(item) || this.workingPlain.has(item) || this.edited(item)) {
      return undefined;
    }
    this.workingPlain.set(item, form);
    return form.value;
  }

  /** An input item's working copy, to read and change by path; undefined when it has none. */
  workingBody(item: Item): Body | undefined {
    const plain = this.workingPlain.get(item);
    if (plain) return plainBody(plain.value);
    const doc = this.working.get(item);
    return doc && docBody(doc);
  }

  /** An input item as it stands, to read by path (its working copy when it has one). */
  body(item: Item): Body {
    return this.workingBody(item) ?? docBody(this.current(item));
  }

  /** An input item's edited version when it has no working copy (a splice, or settled changes). */
  private edited(item: Item): Item | undefined {
    const edited = this.spliced.get(item) ?? this.settled.get(item);
    return edited === item ? undefined : edited;
  }

  /** The current state of an item: its working copy if it has one. */
  current(item: Item): Doc {
    return this.working.get(item) ?? (this.edited(item) ?? item).doc;
  }

  /** The item as it stands, as text: undefined once it has a working copy. */
  private text(item: Item): Item | undefined {
    if (this.working.has(item) || this.workingPlain.has(item)) return undefined;
    const text = this.edited(item) ?? item;
    return text.raw !== undefined ? text : undefined;
  }

  /** The plain value at a path of an item as it stands, read off its text when it can be. */
  plainAt(item: Item, path: Path): unknown {
    const text = this.text(item);
    const plain = this.workingPlain.get(item);
    // A copy, as a document's toJS gives: what the caller does with it is its own.
    if (plain) return structuredClone(plainBody(plain.value).get(path));
    if (!text) return plainAt(this.current(item), path);
    const spliced = this.splicedOutline(item, text);
    return spliced
      ? withSplices(item.plainAt(path), spliced.outline, spliced.splices, path)
      : text.plainAt(path);
  }

  /** The item as it stands, for the reference search (src/krm/refs.ts). */
  tree(item: Item): Tree {
    const text = this.text(item);
    const spliced = text && this.splicedOutline(item, text);
    if (spliced) return splicedTree(spliced.outline, spliced.splices);
    const outline = text?.outline;
    const plain = this.workingPlain.get(item);
    if (plain) return plainTree(plain.value);
    return outline ? outlineTree(outline) : docTree(this.current(item));
  }

  /** The input's outline and what was spliced into it, when that is what `text` is. */
  private splicedOutline(
    item: Item,
    text: Item,
  ): { outline: Outline; splices: Map<string, Splice> } | undefined {
    const splices = text === item ? undefined : this.splices.get(item);
    const outline = splices && item.outline;
    return outline ? { outline, splices } : undefined;
  }

  /** Can the item as it stands contain `text`? (A cheap test before reading it.) */
  mentions(item: Item, text: string): boolean {
    if (this.working.has(item) || this.workingPlain.has(item)) return true;
    return (this.edited(item) ?? item).mentions(text);
  }

  /**
   * Sets string scalars of an input item. When the item is still text in a layout the outline
   * reads, the new values are spliced into the text, each in its scalar's own style, and the
   * item is never parsed; otherwise they are set on its working copy.
   */
  setStrings(item: Item, edits: readonly ScalarEdit[]): void {
    if (item.isLocalConfig) throw new Error(`bug: ${item.label} is local-config`);
    const text = this.text(item);
    const sameHeader = !edits.some((e) => inHeader(e.path));
    // Other scalars than those spliced before: all of them spliced into the input's text at
    // once, the same bytes as one splice after the other.
    const prior = text === item ? new Map<string, Splice>() : text && this.splices.get(item);
    const base = prior && item.outline;
    const all = base && prior && withEdits(base, prior, edits);
    if (text && base && all) {
      const pieces = splicePieces(base, [...all.values()]);
      const spliced = pieces && concat(pieces);
      if (pieces && spliced !== undefined) {
        this.settled.delete(item);
        if (spliced === item.raw) {
          this.spliced.delete(item);
          this.splices.delete(item);
        } else {
          if (spliced !== text.raw) {
            this.spliced.set(item, text.withText(spliced, sameHeader, pieces));
          }
          this.splices.set(item, all);
        }
        return;
      }
    }
    const outline = text?.outline;
    if (text && outline) {
      const pieces = splicePieces(outline, edits);
      const spliced = pieces && concat(pieces);
      if (pieces && spliced !== undefined) {
        this.settled.delete(item);
        // The same scalar again: its edited text is what the next edit starts from.
        this.splices.delete(item);
        if (spliced === item.raw) this.spliced.delete(item);
        else if (spliced !== text.raw) {
          this.spliced.set(item, text.withText(spliced, sameHeader, pieces));
        }
        return;
      }
    }
    const plain = this.workingPlain.get(item);
    if (plain) {
      // In place, as below: printPlain writes the new value as a document keeps its scalar.
      const body = plainBody(plain.value);
      for (const edit of edits) body.set(edit.path, edit.value);
      return;
    }
    const doc = this.modify(item);
    for (const edit of edits) {
      const node = doc.getIn(edit.path, true);
      // The scalar itself: its quoting style and comments stay.
      if (isScalar(node)) node.value = edit.value;
      else doc.setIn(edit.path, edit.value);
    }
  }

  /**
   * Adds a resource the function writes, after `anchor` in the output, in the order of the calls.
   * If the input already has it from an earlier run, it takes that one's place in this order (and
   * keeps its bookkeeping), so the output is the same whatever an earlier run wrote; if the input
   * has a resource of that name that the function did not write, that is an error.
   */
  create(resource: Doc | PlainResource, anchor: Item, generatedBy: string): boolean {
    return this.write(resource, anchor, generatedBy) !== undefined;
  }

  /**
   * As `create`, and gives the resource as it will go out (undefined when it will not): a
   * document, or plain data (a copy of `resource`), to go on changing until it is settled.
   */
  write(
    resource: Doc | PlainResource,
    anchor: Item,
    generatedBy: string,
  ): Doc | PlainResource | undefined {
    // Plain data is printed without yaml (src/krm/print.ts) when it is in the printer's subset.
    const plain = isDocument(resource) ? undefined : plainCopy(resource);
    let r: Doc | PlainResource =
      plain && labelsFit(plain, this.labels)
        ? plain
        : isDocument(resource)
          ? resource
          : docFrom(resource);
    setAnnotation(r, GENERATED_BY, stamp(generatedBy));
    for (const key in this.labels) setLabel(r, key, this.labels[key] as string);
    const kind = String(getIn(r, KIND));
    const name = String(getIn(r, NAME));
    const namespace = String(getIn(r, NAMESPACE) ?? '');
    const key = keyOf(kind, namespace, name);
    // For messages only: made when one is.
    const label = () => `${kind} ${namespace ? `${namespace}/` : ''}${name}`;
    if (this.createdKeys.has(key)) {
      this.results.error(`${label()} would be written twice (two settings derive the same name)`);
      return undefined;
    }
    this.createdKeys.add(key);
    const existing = this.byKey.get(key);
    if (existing) {
      if (existing.annotation(GENERATED_BY) === undefined) {
        this.results.error(
          `the input already has ${label()}, which celery-queues did not write; it would be duplicated. Remove or rename it, or drop the setting that derives this name`,
          { item: existing },
        );
        return undefined;
      }
      const bookkeeping = bookkeepingOf(existing.doc);
      // Values that are no strings (edited by hand) go on as yaml carries them.
      if (!isDocument(r) && bookkeeping.some(([, v]) => typeof v !== 'string')) r = docFrom(r);
      for (const [k, v] of bookkeeping) {
        if (isDocument(r)) r.setIn(['metadata', 'annotations', k], v);
        else setAnnotation(r, k, v as string);
      }
    }
    // A regenerated resource keeps its file and index; a new one joins its anchor's file.
    if (!existing) this.place(r, anchor);
    const created = isDocument(r) ? Item.created(r) : Item.generated(r);
    if (existing) {
      this.replaced.set(existing, created);
      this.previous.set(created, existing);
    }
    const list = this.after.get(anchor) ?? [];
    list.push(created);
    this.after.set(anchor, list);
    this.unsettled.push({ created, list });
    return r;
  }

  /**
   * Which file of a kpt package a new resource is written to: the file of the resource it
   * derives from, after everything already in that file. kpt would otherwise write it to
   * `<namespace>/<kind>_<name>.yaml`; it sorts a file's resources by index and refuses two
   * with the same one, so the new resource takes the file's next free index. Orchestrators
   * that track no files (Kustomize, a pipe) set no path, and get none back.
   */
  private place(doc: Doc | PlainResource, anchor: Item): void {
    const { files, seqIndent } = this.fileOf(anchor);
    let index: string | undefined;
    for (const { pathKey, path, indexKey } of files) {
      setAnnotation(doc, pathKey, path);
      if (indexKey === undefined) continue;
      // Both spellings must agree, or kpt refuses the output.
      index ??= String(this.nextIndex(path));
      setAnnotation(doc, indexKey, index);
    }
    // The file's sequence style, so that the whole file reads alike.
    if (files.length > 0 && seqIndent !== undefined) setAnnotation(doc, SEQ_INDENT, seqIndent);
  }

  /** Where an anchor sits (see `place`): read once, as an instance's resources share anchors. */
  private fileOf(anchor: Item): Placement {
    let placement = this.placements.get(anchor);
    if (!placement) {
      const files: Placement['files'] = [];
      for (const [pathKey, indexKey] of FILE_ANNOTATIONS) {
        const path = anchor.annotation(pathKey);
        if (path === undefined) continue;
        const indexed = anchor.annotation(indexKey) !== undefined;
        files.push({ pathKey, path, indexKey: indexed ? indexKey : undefined });
      }
      placement = { files, seqIndent: anchor.annotation(SEQ_INDENT) };
      this.placements.set(anchor, placement);
    }
    return placement;
  }

  private nextIndex(path: string): number {
    if (!this.fileEnds) {
      this.fileEnds = new Map();
      for (const item of this.items) {
        for (const [pathKey, indexKey] of FILE_ANNOTATIONS) {
          const file = item.annotation(pathKey);
          const index = Number(item.annotation(indexKey));
          if (file === undefined || !Number.isInteger(index)) continue;
          this.fileEnds.set(file, Math.max(this.fileEnds.get(file) ?? -1, index));
        }
      }
    }
    const next = (this.fileEnds.get(path) ?? -1) + 1;
    this.fileEnds.set(path, next);
    return next;
  }

  /** Was this input item written again in this run? */
  wasRecreated(item: Item): boolean {
    return this.replaced.has(item);
  }

  remove(item: Item): void {
    this.removed.add(item);
  }

  /**
   * Everything staged so far is final (an Open edX instance is done): each changed resource is
   * printed now, and every document let go, input ones included. A large input then holds
   * text, not documents, until the output is written; what is asked for again is parsed again.
   */
  settle(): void {
    for (const [item, doc] of this.working) {
      // As an edit of its text when it can be: same text, same resource.
      const edited = printEdited(doc);
      let out: Item;
      if (edited) out = edited.text === item.raw ? item : item.withText(edited.text);
      else {
        out = sameResource(item, doc) ? item : Item.created(doc);
        out.settle();
      }
      this.settled.set(item, out);
    }
    // A new map rather than clear(): V8 leaves a cleared map's old table as it was, and while
    // that table (long-lived, in the old generation) holds them, the minor GCs keep every
    // document in it and promote them, to be freed only by a full GC.
    this.working = new Map();
    for (const [item, plain] of this.workingPlain) {
      this.settled.set(item, printedPlain(item, plain));
    }
    this.workingPlain = new Map();
    // A spliced item is read from its own text from now on (outlined again if asked).
    this.splices = new Map();
    for (const { created, list } of this.unsettled) {
      let out = this.decide(created);
      if (out === created && created.plain) out.settle(this.container);
      else if (out === created) {
        const edited = printEdited(created.doc);
        if (edited) out = Item.written(edited.text, edited.container);
        else out.settle();
      }
      // What goes out takes the written resource's place (and its document goes).
      list[list.indexOf(created)] = out;
      const old = this.previous.get(created);
      if (old) {
        this.previous.delete(created);
        this.replaced.set(old, out);
      }
    }
    this.unsettled = [];
    // What is kept is text: documents, outlines and decoded values are made again if asked for.
    Item.releaseAll();
  }

  /** A written resource, or the input one it replaces when that is the same resource. */
  private decide(created: Item): Item {
    const old = this.previous.get(created);
    if (!old) return created;
    const same = created.plain
      ? deepEqual(toPlain(old.doc), created.plain)
      : sameResource(old, created.doc);
    return same ? old : created;
  }

  output(): Item[] {
    const out: Item[] = [];
    for (const item of this.items) {
      // A resource written again goes where this run writes it (after its anchor), not where
      // the input had it.
      if (!this.removed.has(item) && !this.replaced.has(item)) {
        const doc = this.working.get(item);
        const plain = this.workingPlain.get(item);
        out.push(
          plain
            ? printedPlain(item, plain)
            : doc && !sameResource(item, doc)
              ? Item.created(doc)
              : (this.spliced.get(item) ?? this.settled.get(item) ?? item),
        );
      }
      // Written resources not settled yet, or what settling them gave.
      for (const created of this.after.get(item) ?? []) out.push(this.decide(created));
    }
    return out;
  }
}

/**
 * An input item's plain working copy printed by printPlain in the item's layout, as printEdited
 * prints its document would be (src/krm/plain-text.ts).
 */
function printedPlain(item: Item, form: TextForm): Item {
  const text =
    printTextForm(form, form.value) ??
    form.start + linesInContainer(printResource(docFrom(form.value)), form.container);
  return text === item.raw ? item : item.withText(text);
}

/** An anchor's file annotations, in both spellings, and its file's sequence style. */
interface Placement {
  files: { pathKey: string; path: string; indexKey: string | undefined }[];
  seqIndent: string | undefined;
}

/** A string scalar spliced into an item's text, at its path as the input's outline spells it. */
interface Splice {
  path: (string | number)[];
  value: string;
}

/** A path as the outline resolves it (map keys as strings, list indexes as numbers). */
function canonicalPath(o: Outline, path: Path): (string | number)[] | undefined {
  const out: (string | number)[] = [];
  let node = nodeAt(o, []);
  for (const part of path) {
    if (node?.kind === 'map') {
      const key = String(part);
      node = node.values[node.keys.indexOf(key)];
      out.push(key);
    } else if (node?.kind === 'seq') {
      const index = Number(part);
      node = node.items[index];
      out.push(index);
    } else return undefined;
  }
  return node ? out : undefined;
}

/** `prior` and `edits` together; undefined when an edit is of a scalar spliced already (or none). */
function withEdits(
  o: Outline,
  prior: Map<string, Splice>,
  edits: readonly ScalarEdit[],
): Map<string, Splice> | undefined {
  const all = new Map(prior);
  for (const edit of edits) {
    const path = canonicalPath(o, edit.path);
    if (!path) return undefined;
    const key = JSON.stringify(path);
    if (all.has(key)) return undefined;
    all.set(key, { path, value: edit.value });
  }
  return all;
}

/** The plain value at `path` of the input's text (`base`) with the spliced values in it. */
function withSplices(base: unknown, o: Outline, splices: Map<string, Splice>, path: Path): unknown {
  const at = canonicalPath(o, path);
  // No such path in the input: nor in its edited text (a splice changes no structure).
  if (!at) return base;
  let value = base;
  for (const splice of splices.values()) {
    if (splice.path.length < at.length || at.some((part, i) => splice.path[i] !== part)) continue;
    value = setPlain(value, splice.path.slice(at.length), splice.value);
  }
  return value;
}

/** `value` with `to` at `path`: a copy of each collection on the way, never a change to it. */
function setPlain(value: unknown, path: (string | number)[], to: string): unknown {
  const [part, ...rest] = path;
  if (part === undefined) return to;
  if (typeof value !== 'object' || value === null) return value;
  const copy = (Array.isArray(value) ? [...value] : { ...value }) as Record<string, unknown>;
  copy[part] = setPlain(copy[part], rest, to);
  return copy;
}

/** The reference search over the input's outline, with the spliced values read instead. */
function splicedTree(o: Outline, splices: Map<string, Splice>): Tree {
  const tree = outlineTree(o);
  const values = new Map<unknown, string>();
  for (const splice of splices.values()) values.set(nodeAt(o, splice.path), splice.value);
  return { ...tree, string: (node) => values.get(node) ?? tree.string(node) };
}

function setAnnotation(r: Doc | PlainResource, key: string, value: string): void {
  if (isDocument(r)) {
    r.setIn(['metadata', 'annotations', key], value);
    return;
  }
  // As setIn does: an entry already there keeps its place, a new one goes last.
  r.metadata ??= {};
  const metadata = r.metadata as Record<string, unknown>;
  metadata.annotations ??= {};
  (metadata.annotations as Record<string, unknown>)[key] = value;
}

const KIND = ['kind'];
const NAME = ['metadata', 'name'];
const NAMESPACE = ['metadata', 'namespace'];

function getIn(r: Doc | PlainResource, path: readonly string[]): unknown {
  if (isDocument(r)) return r.getIn(path);
  let v: unknown = r;
  for (const part of path) v = (v as Record<string, unknown> | undefined)?.[part];
  return v;
}

/**
 * A label in a resource's metadata: its value replaced where the key is, else the key put among
 * the others (and a new labels map among metadata's keys) in sorted order when they are sorted,
 * as Kustomize prints them, or at the end.
 */
function setLabel(r: Doc | PlainResource, key: string, value: string): void {
  if (!isDocument(r)) {
    const metadata = r.metadata as Record<string, unknown>;
    const labels = metadata.labels as Record<string, unknown> | undefined;
    if (labels && Object.hasOwn(labels, key)) labels[key] = value;
    else if (labels) metadata.labels = withSorted(labels, key, value);
    else r.metadata = withSorted(metadata, 'labels', { [key]: value });
    return;
  }
  const doc = r;
  const labels = doc.getIn(['metadata', 'labels'], true);
  if (isMap(labels)) {
    const pair = labels.items.find((p) => keyString(p.key) === key);
    // A label the resource has already (a worker cloned from the stock one has the instance's):
    // nothing to do, and no node made to say so.
    if (pair && isScalar(pair.value) && pair.value.value === value) return;
    if (pair) labels.set(key, value);
    else insertSorted(labels, doc.createPair(key, value));
    return;
  }
  const metadata = doc.get('metadata', true);
  if (isMap(metadata)) insertSorted(metadata, doc.createPair('labels', { [key]: value }));
}

function insertSorted(map: YAMLMap, pair: Pair): void {
  const keys = map.items.map((p) => keyString(p.key));
  const at = sortedPlace(keys, keyString(pair.key));
  if (at < 0) map.items.push(pair);
  else map.items.splice(at, 0, pair);
}

/** Where `key` goes among `keys`: before the first greater one when they are sorted; -1: last. */
function sortedPlace(keys: readonly string[], key: string): number {
  const sorted = keys.every((k, i) => i === 0 || (keys[i - 1] as string) <= k);
  return sorted ? keys.findIndex((k) => k > key) : -1;
}

/** A plain map with `key` put in as insertSorted puts it (see labelsFit for its keys). */
function withSorted(
  map: Record<string, unknown>,
  key: string,
  value: unknown,
): Record<string, unknown> {
  const entries = Object.entries(map);
  const at = sortedPlace(
    entries.map(([k]) => k),
    key,
  );
  entries.splice(at < 0 ? entries.length : at, 0, [key, value]);
  return Object.fromEntries(entries);
}

/**
 * Can the config's labels go into a plain resource as setLabel puts them into a document?
 * Metadata and its labels and annotations are maps or absent, and no key of them reads as an
 * array index (a plain object puts those first, whatever the order they are set in).
 */
function labelsFit(r: PlainResource, labels: Readonly<Record<string, string>>): boolean {
  if (hasIndexKey(labels)) return false;
  const metadata = r.metadata;
  if (metadata === undefined) return true;
  if (!isObject(metadata)) return false;
  const { labels: own, annotations } = metadata;
  if (annotations !== undefined && !isObject(annotations)) return false;
  if (own !== undefined && (!isObject(own) || hasIndexKey(own))) return false;
  return !hasIndexKey(metadata);
}

/**
 * Does a key of a plain map (a copy from plainCopy: own keys only) read as an array index?
 * (Every resource written is asked: no array of its keys made.)
 */
function hasIndexKey(map: Readonly<Record<string, unknown>>): boolean {
  for (const key in map) if (isIndexKey(key)) return true;
  return false;
}

function keyString(key: unknown): string {
  return String(isScalar(key) ? key.value : key);
}

function sameResource(item: Item, doc: Doc): boolean {
  return deepEqual(toPlain(item.doc), toPlain(doc));
}

/** The bookkeeping annotations of a resource (see isBookkeepingAnnotation), in its order. */
function bookkeepingOf(from: Doc): [string, unknown][] {
  const annotations = from.getIn(['metadata', 'annotations'], true);
  if (!isMap(annotations)) return [];
  const out: [string, unknown][] = [];
  for (const pair of (annotations as YAMLMap).items) {
    const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
    if (isBookkeepingAnnotation(key)) out.push([key, from.getIn(['metadata', 'annotations', key])]);
  }
  return out;
}
