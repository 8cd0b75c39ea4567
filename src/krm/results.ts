// KRM results: what the function says about its run. Errors also go to stderr (Kustomize
// ignores `results`), one line each.
import type { Item, ResourceRef } from './item.js';
import { printableLine } from './text/strings.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Result {
  severity: Severity;
  message: string;
  resourceRef?: ResourceRef;
  field?: { path: string };
  tags?: Record<string, string>;
  /** The message in short, for stderr; `message` has the details (not written to `results`). */
  brief?: string;
}

export interface Where {
  /** The resource the message is about. */
  item?: Pick<Item, 'ref'>;
  ref?: ResourceRef;
  /** A field path within that resource (or within the functionConfig). */
  field?: string;
  /** The message in short, for stderr, when the message lists details (an info's rollout). */
  brief?: string;
}

/** The functionConfig as a resource, for messages about the config. */
export const CONFIG_REF: ResourceRef = {
  apiVersion: 'tutor-krm.dev/v1alpha1',
  kind: 'CeleryQueues',
  name: 'celery-queues',
};

export class Results {
  readonly list: Result[] = [];

  error(message: string, where: Where = {}): void {
    this.add('error', message, where);
  }
  warning(message: string, where: Where = {}): void {
    this.add('warning', message, where);
  }
  info(message: string, where: Where = {}): void {
    this.add('info', message, where);
  }

  get hasErrors(): boolean {
    return this.list.some((r) => r.severity === 'error');
  }

  private add(severity: Severity, message: string, where: Where): void {
    const result: Result = { severity, message: oneLine(message) };
    const ref = where.ref ?? where.item?.ref;
    if (ref) result.resourceRef = ref;
    if (where.field) result.field = { path: where.field };
    if (where.brief) result.brief = oneLine(where.brief);
    this.list.push(result);
  }
}

/** A message on one line for every reader: line breaks joined, NEL, LS, PS and controls escaped. */
export function oneLine(text: string): string {
  return printableLine(text.replace(/\s*\n\s*/g, ' ').trim());
}

/** How a result reads on stderr: one line, the resource and field first, in brief. */
export function formatResult(r: Result): string {
  const ref = r.resourceRef;
  const where = [
    ref ? `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`.trim() : '',
    r.field?.path ?? '',
  ]
    .filter(Boolean)
    .join(' ');
  return printableLine(
    `celery-queues: ${r.severity}: ${where ? `${where}: ` : ''}${r.brief ?? r.message}`,
  );
}

/** `1 warning`, `2 warnings`, `3 Ingresses`: a count and its noun. */
export function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : what.endsWith('s') ? 'es' : 's'}`;
}
