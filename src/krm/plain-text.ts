// Whether an input resource's text is exactly what printPlain (print.ts) prints of its value: a
// copy of it made as plain data then prints as its document, copied and printed as an edit of
// that text (text/patch.ts), would. Tutor's renders, as Kustomize and kpt print them, are.
import type { Item } from './item.js';
import { isObject } from './json.js';
import { type PlainResource, plainCopy, printPlain } from './print.js';
import type { MapNode, Outline } from './text/outline.js';

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
  const metadata = copy.metadata;
  const annotations = isObject(metadata) ? metadata.annotations : undefined;
  const dropped = isObject(annotations) ? Object.keys(annotations).filter(drop) : [];
  for (const key of dropped) delete (annotations as Record<string, unknown>)[key];
  if (dropped.length > 0 && Object.keys(annotations as object).length === 0) {
    delete (metadata as Record<string, unknown>).annotations;
  }
  const printed = printPlain(copy);
  if (printed === undefined) return undefined;
  return withoutAnnotations(o, dropped) === inContainer(o, printed) ? copy : undefined;
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

/** printPlain's text in the outline's layout: each line after the first in the container. */
function inContainer(o: Outline, text: string): string {
  if (o.container === 0) return text;
  return text.replace(/\n(?=[^\n])/g, `\n${' '.repeat(o.container)}`);
}
