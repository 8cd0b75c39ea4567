// Whether an input resource's text is exactly what printPlain (print.ts) prints of its value: a
// copy of it made as plain data then prints as its document, copied and printed as an edit of
// that text (text/patch.ts), would. Tutor's renders, as Kustomize and kpt print them, are.
import type { Item } from './item.js';
import { isObject } from './json.js';
import { SEQ_INDENT } from './k8s.js';
import { type PlainResource, plainCopy, printPlainIn } from './print.js';
import type { MapNode, Outline } from './text/outline.js';
import { deepEqual } from './yaml.js';

/**
 * The item's value as plain data (a copy of its own) without the annotations `drop` names, when
 * its text without them is what printPlain prints of that; undefined otherwise (comments, other
 * quoting or sequence styles, a layout the outline cannot read, values printPlain leaves to yaml).
 */
export function plainTextValue(
  item: Item,
  drop: (key: string) => boolean,
): PlainResource | undefined {
  const o = item.outline;
  const value = o?.simple ? item.plainAt([]) : undefined;
  const copy = o && isObject(value) ? plainCopy(value) : undefined;
  if (!o || !copy) return undefined;
  const dropped = dropAnnotations(copy, drop);
  const printed = printPlainIn(copy, { container: o.container });
  if (printed === undefined) return undefined;
  return withoutAnnotations(o, dropped) === printed ? copy : undefined;
}

/**
 * Takes the annotations `drop` names out of plain data (and the annotations, when none is
 * left), and gives their keys.
 */
export function dropAnnotations(value: PlainResource, drop: (key: string) => boolean): string[] {
  const metadata = value.metadata;
  const annotations = isObject(metadata) ? metadata.annotations : undefined;
  const dropped = isObject(annotations) ? Object.keys(annotations).filter(drop) : [];
  for (const key of dropped) delete (annotations as Record<string, unknown>)[key];
  if (dropped.length > 0 && Object.keys(annotations as object).length === 0) {
    delete (metadata as Record<string, unknown>).annotations;
  }
  return dropped;
}

/**
 * An input item as plain data to change and print again as printPlain prints it, in the item's
 * layout: `value` is the item's whole value (a copy of its own). printPlain may write some
 * annotations otherwise than their text has them (Kustomize's `index: '5'`, quoted as Go's yaml
 * quotes): those stay their text (`kept`) while their value is the same.
 */
export interface TextForm {
  value: PlainResource;
  /** The text in front of the first key (a ResourceList entry's `- `). */
  start: string;
  /** Columns of each line that belong to the container. */
  container: number;
  /** Annotation -> its entry's text and its value, for the annotations `keep` named. */
  kept: Map<string, { text: string; value: unknown }>;
}

/**
 * The item as a TextForm keeping the annotations `keep` names as their text, when printing its
 * value so gives its text byte for byte; undefined otherwise.
 */
export function textForm(item: Item, keep: (key: string) => boolean): TextForm | undefined {
  const o = item.outline;
  const value = o?.simple ? item.plainAt([]) : undefined;
  const copy = o && isObject(value) ? plainCopy(value) : undefined;
  if (!o || !copy) return undefined;
  const kept: TextForm['kept'] = new Map();
  const metadata = child(o.root, 'metadata');
  const annotations = isMapNode(metadata) ? child(metadata, 'annotations') : undefined;
  if (isMapNode(annotations)) {
    const values = (copy.metadata as Record<string, Record<string, unknown>>).annotations ?? {};
    annotations.keys.forEach((key, i) => {
      if (!keep(key)) return;
      // (Its text up to its line end, as the printer writes it.)
      const text = o.source.slice(annotations.starts[i], annotations.ends[i]).replace(/\n$/, '');
      kept.set(key, { text, value: values[key] });
    });
  }
  const form: TextForm = {
    value: copy,
    start: o.source.slice(0, o.root.starts[0]),
    container: o.container,
    kept,
  };
  return printTextForm(form, copy) === o.source ? form : undefined;
}

/** `value` (the form's, changed) printed as the form's text would be: see TextForm. */
export function printTextForm(form: TextForm, value: PlainResource): string | undefined {
  const metadata = isObject(value.metadata) ? value.metadata : undefined;
  const annotations = metadata?.annotations;
  // Each kept annotation whose value is the same goes out as its text, in its entry's place.
  const entries = new Map<string, string>();
  if (form.kept.size > 0 && isObject(annotations)) {
    for (const [key, { text, value: was }] of form.kept) {
      if (Object.hasOwn(annotations, key) && deepEqual(annotations[key], was)) {
        entries.set(key, text);
      }
    }
  }
  // (The sequence style read off a kept annotation is its text's, not its value's.)
  const wide =
    !entries.has(SEQ_INDENT) && isObject(annotations) && annotations[SEQ_INDENT] === 'wide';
  return printPlainIn(value, {
    start: form.start,
    container: form.container,
    wide,
    kept: entries.size > 0 ? { in: annotations as object, entries } : undefined,
  });
}

function isMapNode(node: unknown): node is MapNode {
  return typeof node === 'object' && node !== null && (node as MapNode).kind === 'map';
}

/** The outlined text from its first key on, without the annotations `dropped`. */
function withoutAnnotations(o: Outline, dropped: readonly string[]): string {
  const { source, root } = o;
  const start = root.starts[0] as number;
  if (dropped.length === 0) return source.slice(start);
  const metadata = child(root, 'metadata') as MapNode;
  const annotations = child(metadata, 'annotations') as MapNode;
  const kept = annotations.keys.flatMap((k, i) => (dropped.includes(k) ? [] : [i]));
  // None left: the annotations entry goes from metadata.
  const [map, keep] =
    kept.length > 0
      ? [annotations, kept]
      : [metadata, metadata.keys.flatMap((k, i) => (k === 'annotations' ? [] : [i]))];
  const entries = keep.map((i) => source.slice(map.starts[i], map.ends[i]));
  const pad = ' '.repeat(o.container + map.col);
  return (
    source.slice(start, map.starts[0]) +
    entries.join(pad) +
    source.slice(map.ends[map.keys.length - 1])
  );
}

function child(map: MapNode, key: string): unknown {
  return map.values[map.keys.indexOf(key)];
}
