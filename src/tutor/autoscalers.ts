// Autoscalers already in the input: HorizontalPodAutoscalers (tutor-contrib-pod-autoscaling
// renders lms-worker-hpa and cms-worker-hpa) and KEDA ScaledObjects someone else wrote. KEDA
// refuses to scale a workload that either of them already scales.
import type { Item } from '../krm/item.js';
import { plainAt } from '../krm/yaml.js';
import { GENERATED_BY } from '../names.js';

export interface ExistingAutoscaler {
  item: Item;
  /** The Deployment it scales (its scaleTargetRef names a Deployment of the apps group). */
  deployment: string;
}

export interface ExistingAutoscalers {
  hpas: ExistingAutoscaler[];
  /** ScaledObjects the function did not write. */
  scaledObjects: ExistingAutoscaler[];
}

/** The HPAs and foreign ScaledObjects in a namespace that scale a Deployment. */
export function existingAutoscalers(
  items: readonly Item[],
  namespace: string,
): ExistingAutoscalers {
  const found: ExistingAutoscalers = { hpas: [], scaledObjects: [] };
  for (const item of items) {
    if (item.namespace !== namespace) continue;
    const hpa =
      item.kind === 'HorizontalPodAutoscaler' && item.apiVersion.startsWith('autoscaling/');
    const scaledObject = item.kind === 'ScaledObject' && item.apiVersion.startsWith('keda.sh/');
    if (!hpa && !scaledObject) continue;
    if (item.isLocalConfig) continue;
    if (scaledObject && item.annotation(GENERATED_BY) !== undefined) continue;
    const deployment = scaledDeployment(item, scaledObject);
    if (deployment === undefined) continue;
    (hpa ? found.hpas : found.scaledObjects).push({ item, deployment });
  }
  return found;
}

// By the target reference, never by name: a renamed HPA scales the worker all the same.
function scaledDeployment(item: Item, scaledObject: boolean): string | undefined {
  const ref = plainAt(item.doc, ['spec', 'scaleTargetRef']) as
    | { apiVersion?: unknown; kind?: unknown; name?: unknown }
    | undefined;
  if (!ref || typeof ref.name !== 'string') return undefined;
  // KEDA defaults both to apps/v1 Deployment; an HPA's apiVersion is optional.
  const kind = ref.kind ?? (scaledObject ? 'Deployment' : undefined);
  const apiVersion = ref.apiVersion ?? 'apps/v1';
  if (kind !== 'Deployment') return undefined;
  if (typeof apiVersion !== 'string' || !/^(apps|extensions)\/[^/]+$/.test(apiVersion)) {
    return undefined;
  }
  return ref.name;
}
