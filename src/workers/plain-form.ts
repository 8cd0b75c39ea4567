// A stock worker whose text is yaml's own layout (every Tutor render Kustomize or kpt prints)
// is cloned, and narrowed or turned off, as plain data printed by printPlain: the same bytes as a copy of its document
// printed as an edit of its text, without the document (src/krm/plain-text.ts). Anything else
// (comments, other quoting or sequence styles, a layout the outline cannot read, a record to
// undo, a string a clone changes that needs its quotes) takes the document.
import { plainBody } from '../krm/body.js';
import { isObject } from '../krm/json.js';
import { isBookkeepingAnnotation } from '../krm/k8s.js';
import { plainTextValue, type TextForm, textForm } from '../krm/plain-text.js';
import type { PlainResource } from '../krm/print.js';
import { configMapRefs } from '../krm/refs.js';
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

/**
 * The stock worker as plain data to narrow or turn off, when printPlain prints it as its text
 * (the bookkeeping annotations Kustomize and kpt add kept as their text: see TextForm); a form
 * of its own, read anew for each call.
 */
export function plainStockText(stock: StockWorker): TextForm | undefined {
  if (stock.recorded) return undefined;
  const form = textForm(stock.item, isBookkeepingAnnotation);
  return form && keepsStyles(stock, form.value) ? form : undefined;
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
