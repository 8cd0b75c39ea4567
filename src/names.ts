import { FUNCTION_VERSION } from './version.js';

// Every name the function writes, in one place (the output table of README.md).

export const SERVICES = ['lms', 'cms'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Kubernetes' limit for label values and DNS labels (Service names, KEDA's labels). */
export const MAX_NAME_LENGTH = 63;

export const DEFAULT_VARIANT = 'default';

/** `high_mem` -> `high-mem`: the variant as it appears in Kubernetes names. */
export function variantSlug(variant: string): string {
  return variant.replaceAll('_', '-');
}

/** The queue Celery and Redis use: `edx.lms.core.high_mem`. */
export function queueName(service: ServiceName, variant: string): string {
  return `edx.${service}.core.${variant}`;
}

/** The stock worker Deployment Tutor renders: `lms-worker`. */
export function stockWorkerName(service: ServiceName): string {
  return `${service}-worker`;
}

/**
 * The worker Deployment (and its container) of a variant, or of a group (`lms-worker-bulk`: a
 * group is named as a variant of its name would be, and the config refuses the two together);
 * `default` is the stock worker. The names derived from a worker's (its ScaledObject, HPA and
 * PodDisruptionBudget) follow from this one, so they take a variant or a group alike.
 */
export function workerName(service: ServiceName, variant: string): string {
  return variant === DEFAULT_VARIANT
    ? stockWorkerName(service)
    : `${stockWorkerName(service)}-${variantSlug(variant)}`;
}

/** The Celery node name pattern of a variant's workers; celery expands `%h` to the host. */
export function workerHostname(service: ServiceName, variant: string): string {
  return `${queueName(service, variant)}.%h`;
}

/**
 * The node name pattern of a group's workers: `edx.lms.group.bulk.%h`, apart from every
 * variant's (`edx.lms.core.<variant>`), so no queue seems to be consumed that is not.
 */
export function groupHostname(service: ServiceName, group: string): string {
  return `edx.${service}.group.${group}.%h`;
}

/**
 * The one queue of a stock worker the config turns off: no task is ever sent to it, so the
 * worker consumes nothing that another worker consumes, even when someone scales it up.
 */
export function stockOffQueue(service: ServiceName): string {
  return `celery-queues.${stockWorkerName(service)}-off`;
}

export function scaledObjectName(service: ServiceName, variant: string): string {
  return `${workerName(service, variant)}-scaledobject`;
}

/**
 * The HPA KEDA makes for a variant's ScaledObject. KEDA names it `keda-hpa-<ScaledObject>`
 * unless advanced.horizontalPodAutoscalerConfig.name says otherwise, and KEDA 2.20's webhook
 * refuses a ScaledObject whose HPA name is over 63 characters
 * (apis/keda/v1alpha1/scaledobject_webhook.go, verifyName): a variant whose default would be
 * longer gets `<worker>-hpa`, which never is. Undefined: KEDA's default.
 */
export function hpaName(service: ServiceName, variant: string): string | undefined {
  const kedaDefault = `keda-hpa-${scaledObjectName(service, variant)}`;
  return kedaDefault.length <= MAX_NAME_LENGTH ? undefined : `${workerName(service, variant)}-hpa`;
}

/** The KEDA TriggerAuthentication through which every ScaledObject of an instance reads the broker's credentials. */
export const BROKER_TRIGGER_AUTHENTICATION = 'celery-queues-broker';

/** The PodDisruptionBudget of a variant's worker: `lms-worker-high-mem-pdb`. */
export function disruptionBudgetName(service: ServiceName, variant: string): string {
  return `${workerName(service, variant)}-pdb`;
}

/**
 * Every name and label value derived from a variant or a group, each limited to MAX_NAME_LENGTH.
 * Output families that derive a new name add it here, so the config check covers it.
 */
export function derivedNames(service: ServiceName, variant: string): string[] {
  const hpa = hpaName(service, variant);
  return [
    workerName(service, variant),
    scaledObjectName(service, variant),
    ...(hpa ? [hpa] : []),
    disruptionBudgetName(service, variant),
  ];
}

/** Flower's Deployment, Service and ServiceMonitor, one per instance (docs/flower.md). */
export const FLOWER_NAME = 'flower';
/** The Service port Flower's UI and /metrics listen on, and its pinned name. */
export const FLOWER_PORT = 5555;
export const FLOWER_PORT_NAME = 'metrics';
/** The ConfigMap with the Grafana dashboard. */
export const FLOWER_DASHBOARD_NAME = 'flower-dashboard';

/** The dashboard's file name in that ConfigMap: the Grafana sidecar writes it under this name. */
export function flowerDashboardKey(namespace: string): string {
  return `${namespace ? `${namespace}-` : ''}celery-flower.json`;
}

export const ANNOTATION_PREFIX = 'celery-queues.tutor-krm.dev';
/**
 * On every resource the function writes: the function's version, and which stock worker or
 * instance the resource derives from (`generatedBy`).
 */
export const GENERATED_BY = `${ANNOTATION_PREFIX}/generated-by`;

/** GENERATED_BY's value: `celery-queues 0.1.0 from lms-worker`. */
export function generatedBy(from: string): string {
  return `celery-queues ${FUNCTION_VERSION} from ${from}`;
}

/** What a GENERATED_BY value says the resource derives from, whichever version wrote it. */
export function generatedFrom(value: string): string {
  return /^celery-queues \S+ from (.+)$/.exec(value)?.[1] ?? value;
}
/**
 * On a stock worker the function changed: the original value of every field it changed (JSON:
 * field path -> value as Tutor rendered it, null where the field was absent).
 */
export const STOCK_FIELDS = `${ANNOTATION_PREFIX}/stock-fields`;

/** The label that tells the workers apart: in each worker's labels, selector and pod labels. */
export const NAME_LABEL = 'app.kubernetes.io/name';
/** Tutor's labels of an instance (`openedx-<id>`), the application (`openedx`) and its manager. */
export const INSTANCE_LABEL = 'app.kubernetes.io/instance';
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** MANAGED_BY_LABEL's value on every resource the function writes (`-l` selects them all). */
export const MANAGED_BY = 'celery-queues';

/**
 * On the pod template of a workload that mounts a settings ConfigMap whose name carries no
 * content hash: the hash of that content, so that a change rolls the pods.
 */
export function settingsHashAnnotation(service: ServiceName): string {
  return `${ANNOTATION_PREFIX}/${service}-settings-hash`;
}
/** The same for Tutor's Caddyfile, which Flower's site goes into. */
export const CADDYFILE_HASH = `${ANNOTATION_PREFIX}/caddyfile-hash`;
/** celery-exporter's Deployment, Service and ServiceMonitor, one per instance. */
export const EXPORTER_NAME = 'celery-exporter';
/** celery-exporter's default port, named like Flower's metrics port. */
export const EXPORTER_PORT = 9808;
export const EXPORTER_PORT_NAME = 'metrics';
/** The PrometheusRule with the celery-mixin's alerts. */
export const ALERTS_NAME = 'celery-alerts';
