// A stock worker whose text is yaml's own layout (every Tutor render Kustomize or kpt prints)
// is cloned as plain data and printed by printPlain: the same bytes as a copy of its document
// printed as an edit of its text, without the document. Anything else (comments, other quoting
// or sequence styles, a layout the outline cannot read, a record to undo) takes the document.
import { plainBody } from '../krm/body.js';
import { isObject } from '../krm/json.js';
import { type PlainResource, plainCopy, printPlain } from '../krm/print.js';
import { configMapRefs } from '../krm/refs.js';
import type { MapNode, Outline } from '../krm/text/outline.js';
import { canBePlain } from '../krm/text/strings.js';
import type { StockWorker } from '../tutor/instances.js';

const forms = new WeakMap<StockWorker, PlainResource | null>();

/**
 * The stock worker as plain data without the annotations a clone drops (`drop`), when its text
 * without them is what printPlain prints of that; undefined otherwise. Read once per stock worker.
 */
export function plainStock(
  stock: StockWorker,
  drop: (key: string) => boolean,
): PlainResource | undefined {
  let form = forms.get(stock);
  if (form === undefined) {
    form = readPlain(stock, drop) ?? null;
    forms.set(stock, form);
  }
  return form ?? undefined;
}

function readPlain(stock: StockWorker, drop: (key: string) => boolean): PlainResource | undefined {
  // A recorded stock worker's pristine form is its text with an earlier run undone: no text.
  if (stock.recorded) return undefined;
  const o = stock.item.outline;
  const value = o?.simple ? stock.item.plainAt([]) : undefined;
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
  if (printed === undefined || !keepsStyles(stock, copy)) return undefined;
  return withoutAnnotations(o, dropped) === inContainer(o, printed) ? copy : undefined;
}

/**
 * A document keeps the quotes of a scalar whose value it changes; printPlain quotes only what
 * needs it. So every string a clone may change in place (its command line, its labels (the
 * instance's, src/krm/edit.ts), its pod template's labels and annotations, the ConfigMaps it
 * names, renamed by src/rollout.ts) must be one written plain, as it then is in both.
 */
function keepsStyles(stock: StockWorker, value: PlainResource): boolean {
  const body = plainBody(value);
  const strings: unknown[] = [...stock.stockArgs];
  for (const path of [
    ['metadata', 'labels'],
    ['spec', 'template', 'metadata', 'labels'],
    ['spec', 'template', 'metadata', 'annotations'],
  ]) {
    const map = body.get(path);
    if (isObject(map)) strings.push(...Object.values(map));
  }
  strings.push(...configMapRefs(body.tree(), 'Deployment').map((r) => r.name));
  return strings.every((s) => typeof s !== 'string' || canBePlain(s));
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
