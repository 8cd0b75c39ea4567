// What every input item must be before the transform looks at any of them: a Kubernetes
// resource (a mapping with an apiVersion, a kind and a name), and only once.
import { InputError, type Item } from './item.js';
import type { Results } from './results.js';

/** More errors than this about the items are summed up in one line. */
const MAX_REPORTED = 20;

export function checkItems(items: readonly Item[], results: Results): void {
  let reported = 0;
  let more = 0;
  const report = (message: string, item?: Item) => {
    if (reported++ < MAX_REPORTED) results.error(message, item ? { item } : {});
    else more++;
  };
  const seen = new Map<string, Item>();
  for (const item of items) {
    let problem: string | undefined;
    try {
      if (!item.apiVersion) problem = 'apiVersion is missing or not a string';
      else if (!item.kind) problem = 'kind is missing or not a string';
      else if (!item.name && !hasGenerateName(item)) {
        problem = 'metadata.name is missing or not a string';
      }
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      report(e.message); // not YAML, or not a mapping: the message names the item
      continue;
    }
    if (problem) {
      report(`${item.position}${item.kind ? ` (${item.kind})` : ''}: ${problem}`);
      continue;
    }
    if (!item.name) continue;
    const key = `${item.kind}\u0000${item.namespace}\u0000${item.name}`;
    const first = seen.get(key);
    if (first) {
      report(
        `${first.position} and ${item.position} are the same resource; a render holds each resource once`,
        item,
      );
    } else seen.set(key, item);
  }
  if (more > 0) results.error(`and ${more} more problems with the input's items`);
}

function hasGenerateName(item: Item): boolean {
  return typeof item.doc.getIn(['metadata', 'generateName']) === 'string';
}
