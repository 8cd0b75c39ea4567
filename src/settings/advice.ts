// What to do about a task routed to a queue nobody consumes: the queue the route most likely
// meant, a variant that would consume it, or the queues that do have a consumer. A task runs on
// the workers of its own service (its Celery app), so only that service's queues are offered.
import {
  DEFAULT_VARIANT,
  derivedNames,
  MAX_NAME_LENGTH,
  queueName,
  type ServiceName,
  workerName,
} from '../names.js';

export interface UnconsumedRoute {
  /** The service whose settings route the task. */
  service: ServiceName;
  queue: string;
  /** Every queue a worker of the instance consumes. */
  consumed: ReadonlySet<string>;
  /** Whether a Deployment of this name is in the instance already (a variant's or anyone's). */
  taken: (deployment: string) => boolean;
}

export interface Advice {
  /** A consumed queue of the service whose name is close to the route's (a typo, a bare variant). */
  nearest?: string;
  /** The variant whose worker would consume the queue, when adding it is safe. */
  variant?: { service: ServiceName; variant: string };
  /** Why no variant is offered, when the queue looks like a variant's. */
  noVariant?: string;
  /** The consumed queues of the service. */
  consumedHere: string[];
}

const VARIANT_QUEUE = /^edx\.(lms|cms)\.core\.([a-z0-9](?:[a-z0-9_-]*[a-z0-9])?)$/;

export function routingAdvice(route: UnconsumedRoute): Advice {
  const prefix = `edx.${route.service}.`;
  const consumedHere = [...route.consumed].filter((q) => q.startsWith(prefix)).sort();
  const advice: Advice = { consumedHere };
  const nearest = nearestQueue(route.queue, route.service, consumedHere);
  if (nearest) advice.nearest = nearest;
  const m = VARIANT_QUEUE.exec(route.queue);
  if (!m || m[2] === DEFAULT_VARIANT) return advice;
  const service = m[1] as ServiceName;
  const variant = m[2] as string;
  if (service !== route.service) {
    advice.noVariant = `${route.queue} would be consumed by ${service.toUpperCase()} workers, which run the ${service.toUpperCase()}'s tasks`;
    return advice;
  }
  const worker = workerName(service, variant);
  const tooLong = derivedNames(service, variant).find((n) => n.length > MAX_NAME_LENGTH);
  if (tooLong) {
    advice.noVariant = `a variant ${variant} would name ${tooLong}, over Kubernetes' ${MAX_NAME_LENGTH} characters`;
  } else if (route.taken(worker)) {
    // Another variant with the same slug (high_mem and high-mem) or someone's Deployment.
    advice.noVariant = `a variant ${variant} would write the worker ${worker}, a name the instance has already`;
  } else {
    advice.variant = { service, variant };
  }
  return advice;
}

/** The advice as sentences for a message about the route of one task, or of several. */
export function adviceText(
  advice: Advice,
  options: { several: boolean; routesField?: string } = { several: false },
): string {
  const task = options.several ? 'them' : 'the task';
  const via = options.routesField ? ` with ${options.routesField}` : '';
  const service = advice.consumedHere[0]?.split('.')[1]?.toUpperCase();
  const others = advice.consumedHere.filter((q) => q !== advice.nearest);
  const reroute =
    others.length > 0
      ? `route ${task}${via} to ${advice.nearest ? 'another' : 'a'} consumed ${service} queue (${others.join(', ')})`
      : undefined;
  const v = advice.variant;
  const add =
    v && `add the variant ${v.variant} to spec.${v.service}.queues (a worker for that queue)`;
  const sentences: string[] = [];
  if (advice.nearest) sentences.push(`Did you mean ${advice.nearest}?`);
  if (add) {
    const text = `${advice.nearest ? 'Or ' : ''}${add}${reroute ? `, or ${reroute}` : ''}.`;
    sentences.push(advice.nearest ? text : capital(text));
    return sentences.join(' ');
  }
  if (advice.noVariant) sentences.push(`No variant to add: ${advice.noVariant}.`);
  else if (!advice.nearest) {
    sentences.push(
      'No variant makes a worker for it (variants give queues edx.<service>.core.<variant>).',
    );
  }
  if (reroute) sentences.push(`${capital(reroute)}.`);
  return sentences.join(' ');
}

function capital(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The consumed queue the route most likely meant: the same variant written otherwise (`high_mem`
 * for edx.lms.core.high_mem, `-` for `_`, other case), else the one a typo or two away.
 */
function nearestQueue(queue: string, service: ServiceName, consumed: string[]): string | undefined {
  const key = (q: string) =>
    q
      .toLowerCase()
      .replace(/^edx\.(lms|cms)\.core\./, '')
      .replaceAll('-', '_');
  const wanted = key(queue);
  if (!wanted) return undefined;
  const same = consumed.filter((q) => q !== queue && key(q) === wanted);
  if (same.length > 0) return same[0];
  // A short name has little room for typos: one in four characters, at most two.
  const allowed = Math.min(2, Math.floor(wanted.length / 4));
  let best: { queue: string; distance: number } | undefined;
  for (const q of consumed) {
    if (q === queue) continue;
    const distance = editDistance(wanted, key(q));
    if (distance <= allowed && (!best || distance < best.distance)) best = { queue: q, distance };
  }
  // The service's own default queue is never a typo's target of a longer name.
  return best?.queue === queueName(service, DEFAULT_VARIANT) && wanted !== 'default'
    ? undefined
    : best?.queue;
}

/** Levenshtein's distance: the fewest insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(
        (previous[j] as number) + 1,
        (current[j - 1] as number) + 1,
        (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[b.length] as number;
}
