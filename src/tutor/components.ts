// The components the function adds to an instance next to Tutor's (Flower, celery-exporter,
// the alerts): which stock worker they go with, and labels like its.
import { plainAt } from '../krm/yaml.js';
import { NAME_LABEL } from '../names.js';
import type { StockWorker, TutorInstance } from './instances.js';

/**
 * The stock worker whose broker Flower and celery-exporter watch, and after which their
 * resources are written: Tutor gives the LMS and CMS workers the same broker, so the LMS's,
 * else the CMS's.
 */
export function monitoredStock(instance: TutorInstance): StockWorker | undefined {
  return instance.workers.lms ?? instance.workers.cms;
}

/**
 * Labels like the stock worker's (Tutor's instance, part-of, managed-by), named `name`; the
 * selector is the stock worker's with the name swapped, so it selects that component's pods only.
 */
export function componentLabels(
  stock: StockWorker,
  name: string,
): {
  labels: Record<string, string>;
  selector: Record<string, string>;
} {
  const strings = (value: unknown): Record<string, string> =>
    Object.fromEntries(
      Object.entries(value && typeof value === 'object' ? value : {}).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      ),
    );
  const labels = strings(plainAt(stock.item.doc, ['metadata', 'labels']));
  const selector = strings(plainAt(stock.item.doc, ['spec', 'selector', 'matchLabels']));
  return {
    labels: { ...labels, [NAME_LABEL]: name },
    selector: { ...selector, [NAME_LABEL]: name },
  };
}
