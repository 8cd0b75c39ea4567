// The stock worker as Tutor rendered it, across runs. A second run (kpt, a re-render of the
// function's own output) sees the stock worker with the first run's changes: narrowed queues,
// the default variant's resources, node selector... The clones must still start from Tutor's
// values, and a setting removed from the config must take its change away again. So the function
// records on the stock worker the original value of every field it changed (STOCK_FIELDS), and
// every run starts from the stock worker with those values put back.
//
// The record is kept per field of the Deployment, its pod template and each container (the
// levels below), each field whole: `containers/0/resources` rather than single quantities, so
// putting a value back never reorders what Tutor wrote.
import { isMap, isSeq, type YAMLMap } from 'yaml';
import type { Edit } from '../krm/edit.js';
import type { Item } from '../krm/item.js';
import { type Doc, deepEqual, toPlain } from '../krm/yaml.js';
import { STOCK_FIELDS } from '../names.js';
import type { TutorInstance } from './instances.js';

type Path = (string | number)[];

/** Where the record looks inside a field instead of keeping it whole. */
const DESCEND: readonly (readonly string[])[] = [
  [],
  ['metadata'],
  ['metadata', 'labels'],
  ['metadata', 'annotations'],
  ['spec'],
  ['spec', 'template'],
  ['spec', 'template', 'metadata'],
  ['spec', 'template', 'metadata', 'labels'],
  ['spec', 'template', 'metadata', 'annotations'],
  ['spec', 'template', 'spec'],
  ['spec', 'template', 'spec', 'containers'],
  ['spec', 'template', 'spec', 'containers', '*'],
];

function descends(path: Path): boolean {
  return DESCEND.some(
    (pattern) =>
      pattern.length === path.length && pattern.every((p, i) => p === '*' || p === String(path[i])),
  );
}

/** Field path -> original value (null: the field was absent). */
export type StockFields = Map<string, unknown>;

/** JSON Pointer (RFC 6901) of a path, as the record's keys. */
function pointer(path: Path): string {
  return path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function unpointer(text: string): string[] | undefined {
  if (!text.startsWith('/')) return undefined;
  return text
    .slice(1)
    .split('/')
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The record on an input stock worker; undefined if it has none, a message if it is broken. */
export function readStockFields(item: Item): StockFields | string | undefined {
  const text = item.annotation(STOCK_FIELDS);
  if (text === undefined) return undefined;
  const broken = `annotation ${STOCK_FIELDS} is not a JSON object of field path -> original value; restore the stock worker as Tutor renders it`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return broken;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return broken;
  const fields: StockFields = new Map();
  for (const [key, original] of Object.entries(value)) {
    if (!unpointer(key)) return broken;
    fields.set(key, original);
  }
  return fields;
}

/**
 * Puts the recorded values back into `doc` (in place) and drops the record: `doc` becomes the
 * stock worker as Tutor rendered it. A message if the record does not fit the document.
 */
export function restoreStockFields(doc: Doc, fields: StockFields): string | undefined {
  for (const [key, original] of fields) {
    const path: Path = [];
    for (const part of unpointer(key) as string[]) {
      const parent = path.length === 0 ? doc.contents : doc.getIn(path, true);
      const index = Number(part);
      if (isMap(parent)) path.push(part);
      else if (
        isSeq(parent) &&
        Number.isInteger(index) &&
        index >= 0 &&
        index < parent.items.length
      )
        path.push(index);
      else return `annotation ${STOCK_FIELDS} names ${key}, which the stock worker does not have`;
    }
    if (original === null) doc.deleteIn(path);
    else doc.setIn(path, doc.createNode(original));
  }
  dropRecord(doc);
  return undefined;
}

/** Writes (or drops) the record of how `doc` differs from the stock worker as Tutor rendered it. */
export function recordStockFields(stock: Doc, doc: Doc): void {
  dropRecord(doc);
  const fields: [string, unknown][] = [];
  diff(toPlain(stock), toPlain(doc), [], fields);
  if (fields.length === 0) return;
  fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  doc.setIn(['metadata', 'annotations', STOCK_FIELDS], JSON.stringify(Object.fromEntries(fields)));
}

function diff(before: unknown, after: unknown, path: Path, out: [string, unknown][]): void {
  if (deepEqual(before, after)) return;
  if (descends(path)) {
    if (isPlainObject(before) && isPlainObject(after)) {
      for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
        diff(before[key], after[key], [...path, key], out);
      }
      return;
    }
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
      for (const [i, b] of before.entries()) diff(b, after[i], [...path, i], out);
      return;
    }
  }
  out.push([pointer(path), before === undefined ? null : before]);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dropRecord(doc: Doc): void {
  const annotations = doc.getIn(['metadata', 'annotations'], true);
  if (!isMap(annotations)) return;
  (annotations as YAMLMap).delete(STOCK_FIELDS);
  if ((annotations as YAMLMap).items.length === 0) doc.deleteIn(['metadata', 'annotations']);
}

/**
 * Before the output families run: a stock worker that carries a record is staged as Tutor
 * rendered it, so that whatever the config no longer sets goes back to the stock value.
 */
export function resetStockWorkers(instance: TutorInstance, edit: Edit): void {
  for (const stock of Object.values(instance.workers)) {
    if (stock.recorded) restoreStockFields(edit.modify(stock.item), stock.recorded);
  }
}

/** After the output families ran: each stock worker records what they changed on it. */
export function recordStockWorkers(instance: TutorInstance, edit: Edit): void {
  for (const stock of Object.values(instance.workers)) {
    const doc = edit.current(stock.item);
    if (doc !== stock.item.doc) recordStockFields(stock.pristine, doc);
  }
}
