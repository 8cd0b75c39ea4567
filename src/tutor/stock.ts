// The stock worker as Tutor rendered it, across runs. A second run (kpt, a re-render of the
// function's own output) sees the stock worker with the first run's changes: narrowed queues,
// the default variant's resources, node selector... The clones must still start from Tutor's
// values, and a setting removed from the config must take its change away again. So the function
// records on the stock worker the original value of every field it changed (STOCK_FIELDS), and
// every run starts from the stock worker with those values put back.
//
// The record is kept per field of the Deployment, its pod template and each container (the
// levels below), each field whole: `containers/0/resources` rather than single quantities, so
// putting a value back never reorders what Tutor wrote. A container's env is the exception: no
// value of it ever goes into an annotation (it holds passwords). The function only adds
// variables after the stock ones (the workers family refuses to change one of the stock
// worker's), so the record says which entries to take away, by position, and holds no value.
//
// The record is input like any other: putting it back sets only the fields the function
// changes (RESTORABLE), and a record naming any other field is refused.
import { isMap, isSeq } from 'yaml';
import { type Body, docBody, dropAnnotations } from '../krm/body.js';
import type { Item } from '../krm/item.js';
import { isObject } from '../krm/json.js';
import { type Doc, deepEqual } from '../krm/yaml.js';
import { STOCK_FIELDS } from '../names.js';

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

/**
 * DESCEND as a tree, walked along with the values: a path has a node when the record looks
 * inside it (each pattern's parents are patterns too), so no path is matched against the list.
 */
type Descend = ReadonlyMap<string, Descend>;

const DESCEND_TREE: Descend = (() => {
  type Node = Map<string, Node>;
  const root: Node = new Map();
  for (const pattern of DESCEND) {
    let node = root;
    for (const part of pattern) {
      const child: Node = node.get(part) ?? new Map();
      node.set(part, child);
      node = child;
    }
  }
  return root;
})();

function childOf(node: Descend, key: string | number): Descend | undefined {
  return node.get(String(key)) ?? node.get('*');
}

/** Field path -> original value (null: the field was absent). */
export type StockFields = Map<string, unknown>;

/**
 * The fields of a stock worker the output families change, as record paths (`*`: any key or
 * index), and whether the record may hold a value for them or only their absence (null). The
 * workers family sets args and sizing (workers/sizing.ts, the rollout strategy included) and
 * turns a stock worker off (replicas 0), autoscaling drops replicas.
 */
const RESTORABLE: readonly { path: readonly string[]; valued: boolean }[] = [
  { path: ['spec', 'replicas'], valued: true },
  { path: ['spec', 'strategy'], valued: true },
  ...[
    'nodeSelector',
    'tolerations',
    'affinity',
    'priorityClassName',
    'terminationGracePeriodSeconds',
    'topologySpreadConstraints',
  ].map((field) => ({ path: ['spec', 'template', 'spec', field], valued: true })),
  ...['labels', 'annotations'].flatMap((field) => [
    { path: ['spec', 'template', 'metadata', field], valued: false },
    { path: ['spec', 'template', 'metadata', field, '*'], valued: true },
  ]),
  ...['args', 'command', 'resources'].map((field) => ({
    path: ['spec', 'template', 'spec', 'containers', '*', field],
    valued: true,
  })),
  { path: ['spec', 'template', 'spec', 'containers', '*', 'env'], valued: false },
  { path: ['spec', 'template', 'spec', 'containers', '*', 'env', '*'], valued: false },
];

function matches(pattern: readonly string[], path: readonly string[]): boolean {
  return pattern.length === path.length && pattern.every((p, i) => p === '*' || p === path[i]);
}

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
  const restore = 'restore the stock worker as Tutor renders it';
  const broken = `annotation ${STOCK_FIELDS} is not a JSON object of field path -> original value; ${restore}`;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return broken;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return broken;
  const selector = item.plainAt(['spec', 'selector']) as
    | { matchLabels?: Record<string, unknown>; matchExpressions?: { key?: unknown }[] }
    | undefined;
  const selectorKeys = new Set<unknown>([
    ...Object.keys(selector?.matchLabels ?? {}),
    ...(selector?.matchExpressions ?? []).map((e) => e?.key),
  ]);
  const fields: StockFields = new Map();
  for (const [key, original] of Object.entries(value)) {
    const path = unpointer(key);
    if (!path) return broken;
    const rule = RESTORABLE.find((r) => matches(r.path, path));
    const podLabel = matches(['spec', 'template', 'metadata', 'labels', '*'], path);
    if (!rule || (podLabel && selectorKeys.has(path[4]))) {
      return `annotation ${STOCK_FIELDS} names ${key}, a field celery-queues never changes on a stock worker; ${restore}`;
    }
    if (!rule.valued && original !== null) {
      return `annotation ${STOCK_FIELDS} holds a value for ${key}, where celery-queues records none; ${restore}`;
    }
    fields.set(key, original);
  }
  return fields;
}

/**
 * A message if the record names a container field other than the celery container's own
 * (`container`, its command line in `argsField`), which the function never changes.
 */
export function checkRecordedContainer(
  fields: StockFields,
  container: number,
  argsField: 'args' | 'command',
): string | undefined {
  for (const key of fields.keys()) {
    const path = unpointer(key) as string[];
    if (path[3] !== 'containers') continue;
    const field = path[5] as string;
    if (
      path[4] !== String(container) ||
      (field !== argsField && (field === 'args' || field === 'command'))
    ) {
      return `annotation ${STOCK_FIELDS} names ${key}, a field celery-queues never changes on a stock worker (its celery container is containers/${container}, its command line ${argsField}); restore the stock worker as Tutor renders it`;
    }
  }
  return undefined;
}

/**
 * Puts the recorded values back into `doc` (in place) and drops the record: `doc` becomes the
 * stock worker as Tutor rendered it. A message if the record does not fit the document.
 */
export function restoreStockFields(doc: Doc, fields: StockFields): string | undefined {
  const tail = addedEnvTail(doc, fields);
  if (tail) return tail;
  // Entries taken out of a list go from the last one back, so that each index holds.
  const ordered = [...fields].sort(([a], [b]) => lastIndex(b) - lastIndex(a));
  for (const [key, original] of ordered) {
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
  dropRecord(docBody(doc));
  return undefined;
}

/** A message if the record takes away env entries other than the last ones, which it adds. */
function addedEnvTail(doc: Doc, fields: StockFields): string | undefined {
  const byList = new Map<string, number[]>();
  for (const key of fields.keys()) {
    const m = /^(.*\/env)\/(\d+)$/.exec(key);
    if (m) byList.set(m[1] as string, [...(byList.get(m[1] as string) ?? []), Number(m[2])]);
  }
  for (const [list, indices] of byList) {
    const node = doc.getIn(unpointer(list) as string[], true);
    const length = isSeq(node) ? node.items.length : 0;
    const sorted = [...indices].sort((a, b) => a - b);
    if (!sorted.every((index, n) => index === length - sorted.length + n)) {
      return `annotation ${STOCK_FIELDS} takes entries out of ${list} that are not the last ones, which are all celery-queues adds; restore the stock worker as Tutor renders it`;
    }
  }
  return undefined;
}

/** The index a record path ends in (`/env/3`: 3), or -1. */
function lastIndex(key: string): number {
  const m = /\/(\d+)$/.exec(key);
  return m ? Number(m[1]) : -1;
}

/**
 * Writes (or drops) the record of how `doc` differs from the stock worker as Tutor rendered it.
 * `always`: an empty record rather than none, for a stock worker with clones (whose record
 * must be there for a later run to tell it from one stripped of its record).
 */
export function recordStockFields(stock: unknown, body: Body, always = false): void {
  dropRecord(body);
  const fields: [string, unknown][] = [];
  diff(stock, body.get([]), [], DESCEND_TREE, fields);
  if (fields.length === 0 && !always) return;
  fields.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  body.set(['metadata', 'annotations', STOCK_FIELDS], JSON.stringify(Object.fromEntries(fields)));
}

/** `descend`: the node of DESCEND_TREE at `path`, if it has one. */
function diff(
  before: unknown,
  after: unknown,
  path: Path,
  descend: Descend | undefined,
  out: [string, unknown][],
): void {
  if (before === after) return;
  // Where the record looks inside, the fields below decide: the whole is not compared first (a
  // stock worker's text is compared once, not once for each level above each field).
  if (descend) {
    if (isObject(before) && isObject(after)) {
      for (const key of Object.keys(before)) {
        diff(before[key], after[key], [...path, key], childOf(descend, key), out);
      }
      for (const key of Object.keys(after)) {
        if (Object.hasOwn(before, key)) continue;
        diff(before[key], after[key], [...path, key], childOf(descend, key), out);
      }
      return;
    }
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
      for (const [i, b] of before.entries()) {
        diff(b, after[i], [...path, i], childOf(descend, i), out);
      }
      return;
    }
  }
  if (deepEqual(before, after)) return;
  if (matches(['spec', 'template', 'spec', 'containers', '*', 'env'], path.map(String))) {
    recordEnv(before, after, path, out);
    return;
  }
  out.push([pointer(path), before === undefined ? null : before]);
}

// Variables added after the stock ones: their positions, no value of any variable.
function recordEnv(before: unknown, after: unknown, path: Path, out: [string, unknown][]): void {
  if (before === undefined) {
    out.push([pointer(path), null]);
    return;
  }
  const stock = Array.isArray(before) ? before : [];
  const now = Array.isArray(after) ? after : [];
  if (!Array.isArray(before) || !stock.every((v, i) => deepEqual(v, now[i]))) {
    // The workers family never changes a stock variable; recording one would copy its value.
    throw new Error(`${pointer(path)} of a stock worker changed in place`);
  }
  for (let i = stock.length; i < now.length; i++) out.push([pointer([...path, i]), null]);
}

function dropRecord(body: Body): void {
  dropAnnotations(body, (key) => key === STOCK_FIELDS);
}
