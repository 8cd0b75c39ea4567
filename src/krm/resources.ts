// The resources as the pipeline and the families see them: found, read, and changed through one
// narrow set of calls. Whether a value is read off the text or off a parsed document, and
// whether a string is spliced into the text or set on a document, is decided here (by the
// staging behind it, edit.ts), never by the caller. Nothing touches the input until `output()`.
import { isDocument } from 'yaml';
import { type Body, docBody, plainBody } from './body.js';
import { Edit } from './edit.js';
import type { Item } from './item.js';
import type { TextForm } from './plain-text.js';
import type { PlainResource } from './print.js';
import type { Tree } from './refs.js';
import type { Results } from './results.js';
import type { Path, ScalarEdit } from './text/outline.js';
import type { Doc } from './yaml.js';

export type { ResourceRef } from './item.js';
export type { Path, ScalarEdit };

/**
 * A resource as the families hold it: what it is, and its annotations. Its text and document
 * are read and changed through `Resources`, which knows which of them is current.
 */
export type Resource = Pick<
  Item,
  | 'apiVersion'
  | 'kind'
  | 'name'
  | 'namespace'
  | 'ref'
  | 'label'
  | 'annotation'
  | 'mentions'
  | 'isLocalConfig'
>;

// Every Resource handed out is one of the input's items, or one written.
const item = (ref: Resource): Item => ref as Item;

export class Resources {
  private readonly edit: Edit;

  /** `container`: the columns of a ResourceList entry the output writes (0: a stream's). */
  constructor(items: readonly Item[], results: Results, container = 0) {
    this.edit = new Edit(items, results, container);
  }

  /** Labels every resource created from now on carries (its instance's: see transform.ts). */
  setLabels(labels: Readonly<Record<string, string>>): void {
    this.edit.labels = labels;
  }

  /** The input's resources, in input order. */
  get items(): readonly Item[] {
    return this.edit.items;
  }

  find(kind: string, namespace: string, name: string): Item | undefined {
    return this.edit.find(kind, namespace, name);
  }

  /** The input's resources in a namespace (an instance's), in input order. */
  inNamespace(namespace: string): readonly Item[] {
    return this.edit.itemsIn(namespace);
  }

  /** The plain value at `path` of a resource as it stands (its text read when it can be). */
  read(ref: Resource, path: Path): unknown {
    return this.edit.plainAt(item(ref), path);
  }

  /** The plain value at `path` of a resource as it came in. */
  original(ref: Resource, path: Path): unknown {
    return item(ref).plainAt(path);
  }

  /** A resource as it stands, to read by path (to change it: `update`, `updatePlain`). */
  body(ref: Resource): Body {
    return this.edit.body(item(ref));
  }

  /** The working copy of a resource changed by `update` or `updatePlain`; undefined: none. */
  working(ref: Resource): Body | undefined {
    return this.edit.workingBody(item(ref));
  }

  /** Can the resource as it stands contain `text`? (A cheap test before reading it.) */
  mentions(ref: Resource, text: string): boolean {
    return this.edit.mentions(item(ref), text);
  }

  /** A resource as it stands, for the reference search (refs.ts). */
  tree(ref: Resource): Tree {
    return this.edit.tree(item(ref));
  }

  /** Sets a string scalar: spliced into the text in its own style when it can be. */
  setString(ref: Resource, path: Path, value: string): void {
    this.edit.setStrings(item(ref), [{ path, value }]);
  }

  /** Sets several string scalars of one resource at once. */
  setStrings(ref: Resource, edits: readonly ScalarEdit[]): void {
    this.edit.setStrings(item(ref), edits);
  }

  /**
   * Changes a resource as a document (yaml's Document API), and gives that document: it stays
   * the resource's working copy until the instance is settled, so later changes to it count.
   */
  update(ref: Resource, change: (doc: Doc) => void = () => {}): Doc {
    const doc = this.edit.modify(item(ref));
    change(doc);
    return doc;
  }

  /**
   * Changes a resource not changed so far as plain data: the value of its text form (see
   * plain-text.ts), which it gives (undefined when the resource was changed already: then
   * `update`). Every string changed in place must be one printPlain writes as the text has it.
   * It goes out printed by printPlain, where the resource was.
   */
  updatePlain(ref: Resource, form: TextForm): Body | undefined {
    const plain = this.edit.modifyPlain(item(ref), form);
    return plain && plainBody(plain);
  }

  /**
   * Adds a resource the function writes, after `after` in the output, in the order of the calls,
   * marked as generated from `generatedBy`. False (with an error) when the input has a resource
   * of that name that the function did not write, or one was written already. Plain data is
   * printed directly (see print.ts), a document through yaml.
   */
  create(doc: Doc | PlainResource, after: Resource, generatedBy: string): boolean {
    return this.edit.create(doc, item(after), generatedBy);
  }

  /**
   * As `create`, and gives the resource as it will go out (undefined when it will not): a
   * document, or a copy of the plain data, that later changes reach until the instance settles.
   */
  write(doc: Doc | PlainResource, after: Resource, generatedBy: string): Body | undefined {
    const written = this.edit.write(doc, item(after), generatedBy);
    if (written === undefined) return undefined;
    return isDocument(written) ? docBody(written) : plainBody(written);
  }

  remove(ref: Resource): void {
    this.edit.remove(item(ref));
  }

  /** Was this input resource written again in this run? */
  wasRecreated(ref: Resource): boolean {
    return this.edit.wasRecreated(item(ref));
  }

  /** An instance is done: its changes are printed, its documents let go (see edit.ts). */
  settle(): void {
    this.edit.settle();
  }

  output(): Item[] {
    return this.edit.output();
  }
}
