// The components the function adds to an instance next to Tutor's (Flower, celery-exporter,
// the alerts): which stock worker they go with, and labels like its.
import { NAME_LABEL } from '../names.js';
import { oncePer } from '../once.js';
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
 * Labels like the stock worker's (Tutor's instance and part-of), named `name`, managed by
 * celery-queues; the selector of its pods is the stock worker's with the name swapped, so it
 * selects that component's pods only (kept as it has always been written: a Deployment's
 * selector cannot change), and the selector of its Service is the same keys read off the labels.
 */
export function componentLabels(
  instance: TutorInstance,
  stock: StockWorker,
  name: string,
): {
  labels: Record<string, string>;
  selector: Record<string, string>;
  serviceSelector: Record<string, string>;
} {
  const stockLabels = labelsOf(stock);
  const selector: Record<string, string> = { ...stockLabels.selector, [NAME_LABEL]: name };
  const labels: Record<string, string> = {
    ...stockLabels.labels,
    [NAME_LABEL]: name,
    ...instance.labels,
  };
  const serviceSelector = Object.fromEntries(
    Object.keys(selector).map((key) => [key, labels[key] ?? (selector[key] as string)]),
  );
  return { labels, selector, serviceSelector };
}

/**
 * The stock worker's labels and pod selector as Tutor rendered them (its string values): read
 * once for the components that copy them (Flower, celery-exporter, the alerts).
 */
const labelsOf = oncePer((stock: StockWorker): StockLabels => {
  const strings = (value: unknown): Record<string, string> =>
    Object.fromEntries(
      Object.entries(value && typeof value === 'object' ? value : {}).filter(
        (e): e is [string, string] => typeof e[1] === 'string',
      ),
    );
  return {
    labels: strings(stock.read(['metadata', 'labels'])),
    selector: strings(stock.read(['spec', 'selector', 'matchLabels'])),
  };
});

interface StockLabels {
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
}
