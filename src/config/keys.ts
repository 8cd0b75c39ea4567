// Every mapping key of a config is a name: a task, a variant, a label, a field. YAML reads some
// plain keys as something else (`1.10` as the number 1.1, `0x1F` as 31, `true`, `~`, `? [a, b]`),
// and once the config is plain data such a key is a string of another text: a route keyed `1.10`
// would route the task `1.1`. So a key that is not a string is refused, as the user wrote it.
import { isAlias, isMap, isPair, isScalar, isSeq } from 'yaml';

export interface NonStringKey {
  /** The path of the mapping that holds the key. */
  path: (string | number)[];
  message: string;
}

/** The first mapping key under `node` that YAML did not read as a string, if any. */
export function nonStringKey(
  node: unknown,
  path: (string | number)[] = [],
): NonStringKey | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = pair.key;
      if (!(isScalar(key) && typeof key.value === 'string')) {
        return { path, message: describe(key) };
      }
      const inner = nonStringKey(pair.value, [...path, key.value]);
      if (inner) return inner;
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) {
      const inner = nonStringKey(item, [...path, i]);
      if (inner) return inner;
    }
  }
  return undefined;
}

function describe(key: unknown): string {
  const written = (isScalar(key) && key.source) || String(key ?? '');
  if (isAlias(key)) return `the key *${key.source} is an alias, not a name: write the name itself`;
  if (!isScalar(key)) {
    return `the key ${written} is a ${isSeq(key) ? 'list' : 'mapping'}, not a name`;
  }
  if (key.value === null || key.value === undefined) return 'an empty key is null, not a name';
  const what = typeof key.value === 'boolean' ? 'a boolean' : 'a number';
  return `the key ${written} is ${what} to YAML (${String(key.value)}), not a name: quote it, "${written}"`;
}
