// A stock worker whose text is yaml's own layout (every Tutor render Kustomize or kpt prints)
// is cloned, and narrowed or turned off, as plain data printed by printPlain: the same bytes as
// its document (a copy of it for a clone) printed as an edit of its text, without the document
// (src/krm/plain-text.ts). Anything else (comments, other quoting or sequence styles, a layout
// the outline cannot read, a record to undo, a string a clone changes that needs its quotes)
// takes the document.
import { plainBody } from '../krm/body.js';
import { isObject } from '../krm/json.js';
import { dropAnnotations, plainTextValue, type TextForm } from '../krm/plain-text.js';
import { type PlainResource, plainCopy } from '../krm/print.js';
import { configMapRefs } from '../krm/refs.js';
import { canBePlain } from '../krm/text/strings.js';
import type { StockWorker } from '../tutor/instances.js';

/** What the workers make of a stock worker's text form (StockWorker.text), once per run. */
interface Forms {
  /** The text form, for the narrowed stock worker, until it takes it (see plainStockText). */
  text: TextForm | undefined;
  /** Does the text form's value fit (see keepsStyles)? */
  fits: boolean;
  /** The clones' form (null: none), once made. */
  clone?: PlainResource | null;
}

const forms = new WeakMap<StockWorker, Forms>();

function formsOf(stock: StockWorker): Forms {
  let read = forms.get(stock);
  if (!read) {
    const { text } = stock;
    const fits = text !== undefined && keepsStyles(stock, text.value);
    read = { text: fits ? text : undefined, fits };
    forms.set(stock, read);
  }
  return read;
}

/**
 * The stock worker as plain data without the annotations a clone drops (`drop`), shared (never
 * change it), when its text without them is what printPlain prints of that value; undefined
 * otherwise. Made once per stock worker.
 */
export function plainStock(
  stock: StockWorker,
  drop: (key: string) => boolean,
): PlainResource | undefined {
  const read = formsOf(stock);
  if (read.clone === undefined) {
    const { text } = stock;
    // The text form's value: printed as its text whole, it prints so without any annotations
    // too (each is its lines). The same strings in both forms: neither keeps its styles.
    const value = !text ? readPlain(stock, drop) : read.fits ? plainCopy(text.value) : undefined;
    if (text && value) dropAnnotations(value, drop);
    read.clone = value ?? null;
  }
  return read.clone ?? undefined;
}

/**
 * The stock worker as plain data to narrow or turn off, when printPlain prints it as its text
 * (the bookkeeping annotations Kustomize and kpt add kept as their text: see TextForm). A copy
 * of its own to change: given once a run, undefined after.
 */
export function plainStockText(stock: StockWorker): TextForm | undefined {
  const read = formsOf(stock);
  const { text } = read;
  read.text = undefined;
  const value = text && plainCopy(text.value);
  return value && { ...text, value };
}

function readPlain(stock: StockWorker, drop: (key: string) => boolean): PlainResource | undefined {
  // A recorded stock worker's pristine form is its text with an earlier run undone: no text.
  if (stock.recorded) return undefined;
  const value = plainTextValue(stock.item, drop);
  return value && keepsStyles(stock, value) ? value : undefined;
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
