// Small Kubernetes facts the transform relies on.

// Annotations by which orchestrators track a resource (kpt's file and index, Kustomize's ids).
// A regenerated resource keeps its predecessor's; a clone must not inherit them.
export function isBookkeepingAnnotation(key: string): boolean {
  return (
    key === 'config.kubernetes.io/path' ||
    key === 'config.kubernetes.io/index' ||
    key === 'config.k8s.io/id' ||
    key.startsWith('internal.config.kubernetes.io/') ||
    key.startsWith('kustomize.config.k8s.io/')
  );
}

/** kpt's record of a file's sequence style (`wide` or `compact`), used when it writes the file back. */
export const SEQ_INDENT = 'internal.config.kubernetes.io/seqindent';

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/**
 * `text` as it must be written into a container's command, args or an env value for the program
 * to get `text` itself. Kubernetes expands `$(VAR)` there and reads `$$` as `$`
 * (k8s.io/kubernetes third_party/forked/golang/expansion/expand.go: Expand, tryReadVariableName),
 * so every `$` is doubled: `$(VAR)` then reaches the program as written, never as VAR's value.
 */
export function noExpansion(text: string): string {
  return text.replaceAll('$', () => '$$');
}

/** Does a label selector (Deployment, Service, PDB style) select these labels? */
export function selectorMatches(
  selector: LabelSelector | undefined,
  labels: Record<string, string>,
): boolean {
  if (!selector) return false;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, e.key);
    const value = labels[e.key];
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(value as string)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(value as string)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

/** Where a workload kind keeps its pod spec. */
export function podSpecPath(kind: string): string[] | undefined {
  switch (kind) {
    case 'Pod':
      return ['spec'];
    case 'CronJob':
      return ['spec', 'jobTemplate', 'spec', 'template', 'spec'];
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return ['spec', 'template', 'spec'];
    default:
      return undefined;
  }
}

/**
 * An HTTP probe of a component's port. Readiness answers early and often; liveness waits for
 * a slow start and tolerates a few misses before the kubelet restarts the container.
 */
export function httpProbes(path: string, port: string) {
  const probe = (initialDelaySeconds: number, periodSeconds: number, failureThreshold: number) => ({
    httpGet: { path, port },
    ...(initialDelaySeconds ? { initialDelaySeconds } : {}),
    periodSeconds,
    timeoutSeconds: 5,
    failureThreshold,
  });
  return { readinessProbe: probe(0, 10, 3), livenessProbe: probe(30, 20, 6) };
}

export interface ComponentDeployment {
  metadata: Record<string, unknown>;
  selector: Record<string, string>;
  /** The image's own non-root user, as numbers: with a named USER, Kubernetes cannot verify runAsNonRoot. */
  uid: number;
  /** The one container: name, image, ports, env, volumeMounts, probes, resources. */
  container: Record<string, unknown>;
  volumes?: Record<string, unknown>[];
}

/**
 * A monitoring component (Flower, celery-exporter) as a locked-down one-replica Deployment.
 * One replica: each keeps what it learnt from Celery's events in memory, so two would show two
 * pictures (Flower) or count every event twice (the exporter).
 */
export function componentDeployment(c: ComponentDeployment): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: c.metadata,
    spec: {
      replicas: 1,
      selector: { matchLabels: c.selector },
      template: {
        // A copy (the same object twice would print as a YAML alias), that the selector selects.
        metadata: { labels: { ...(c.metadata.labels as Record<string, string>), ...c.selector } },
        spec: {
          // Service links inject <SERVICE>_PORT=tcp://... variables: a Service named flower
          // gives FLOWER_PORT, which Flower reads as its port option and dies on.
          enableServiceLinks: false,
          automountServiceAccountToken: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: c.uid,
            runAsGroup: c.uid,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          containers: [
            {
              ...c.container,
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
          ...(c.volumes?.length ? { volumes: c.volumes } : {}),
        },
      },
    },
  };
}
