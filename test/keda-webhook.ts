// KEDA's admission webhook for ScaledObjects, the rules that apply to what the function writes,
// restated from apis/keda/v1alpha1/scaledobject_webhook.go, scaledobject_types.go and
// scaletriggers_types.go at v2.17.3 and v2.20.2 (validateWorkload): names, triggers, replica
// bounds, fallback, scalingModifiers, and the other ScaledObjects and HPAs of the namespace.
// Errors refuse the ScaledObject; warnings (2.20) are printed by kubectl apply.
// verifyCPUMemoryScalers reads the Deployment from the cluster: it applies to cpu and memory
// triggers only, which the function never writes (refused here, so that it is noticed).

export type KedaVersion = '2.17.3' | '2.20.2';
export const KEDA_VERSIONS: KedaVersion[] = ['2.17.3', '2.20.2'];

type Resource = Record<string, any>;

export interface Verdict {
  errors: string[];
  warnings: string[];
}

// maxK8sLabelValueLength (2.20): the name is the label scaledobject.keda.sh/name on the HPA.
const MAX_LABEL_VALUE = 63;
// defaultHPAMinReplicas, defaultHPAMaxReplicas (scaledobject_types.go)
const DEFAULT_HPA_MIN = 1;
const DEFAULT_HPA_MAX = 100;

/** getHpaName: advanced.horizontalPodAutoscalerConfig.name, else keda-hpa-<name>. */
export function hpaNameOf(so: Resource): string {
  return so.spec?.advanced?.horizontalPodAutoscalerConfig?.name || `keda-hpa-${so.metadata.name}`;
}

/** apiVersion/kind of a scale target, as ParseGVKR defaults them (apps/v1 Deployment). */
function target(ref: Resource | undefined): string {
  return `${ref?.apiVersion || 'apps/v1'}.${ref?.kind || 'Deployment'}/${ref?.name}`;
}

const isResourceTrigger = (t: Resource) => t.type === 'cpu' || t.type === 'memory';

/**
 * What KEDA `version`'s webhook says to `so` when it is applied into a namespace that holds
 * `others` (ScaledObjects and HorizontalPodAutoscalers, as in the same output).
 */
export function kedaWebhook(version: KedaVersion, so: Resource, others: Resource[]): Verdict {
  const errors: string[] = [];
  const warnings: string[] = [];
  const v20 = version === '2.20.2';
  const spec = so.spec ?? {};
  const triggers: Resource[] = spec.triggers ?? [];
  const modifiers = spec.advanced?.scalingModifiers;
  const usingModifiers = modifiers !== undefined && Object.keys(modifiers).length > 0;
  const sameNamespace = others.filter(
    (o) => o !== so && (o.metadata?.namespace ?? '') === (so.metadata?.namespace ?? ''),
  );

  // verifyScaledObjects
  const min = spec.minReplicaCount ?? 0;
  const idleNotZero = spec.idleReplicaCount === undefined || spec.idleReplicaCount !== 0;
  const cached = triggers.some((t) => t.useCachedMetrics);
  if (v20 && spec.pollingInterval !== undefined && min > 0 && idleNotZero && !cached) {
    warnings.push(
      'PollingInterval is configured but is not relevant. PollingInterval is only relevant when minReplicaCount = 0 or idleReplicaCount = 0 or useCachedMetrics is enabled',
    );
  }
  if (v20 && spec.cooldownPeriod !== undefined && min > 0 && idleNotZero) {
    warnings.push(
      'CooldownPeriod is configured but is not relevant. CooldownPeriod is only relevant when minReplicaCount = 0 or idleReplicaCount = 0',
    );
  }
  for (const other of sameNamespace.filter((o) => o.kind === 'ScaledObject')) {
    if (other.metadata.name === so.metadata.name) continue;
    if (target(other.spec?.scaleTargetRef) === target(spec.scaleTargetRef)) {
      errors.push(`the workload is already managed by the ScaledObject '${other.metadata.name}'`);
    }
    if (hpaNameOf(other) === hpaNameOf(so)) {
      errors.push(
        `the HPA '${hpaNameOf(so)}' is already managed by the ScaledObject '${other.metadata.name}'`,
      );
    }
  }
  if (usingModifiers) errors.push(...scalingModifierErrors(modifiers, triggers));
  if (
    v20 &&
    spec.fallback?.behavior === 'scalingModifiers' &&
    !(usingModifiers && modifiers.formula)
  ) {
    errors.push(
      'scalingModifiers fallback behavior requires scalingModifiers.formula to be defined',
    );
  }

  // verifyCPUMemoryScalers
  if (triggers.some(isResourceTrigger)) errors.push('cpu/memory triggers are not checked here');

  // verifyHpas
  for (const hpa of sameNamespace.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    if (hpa.metadata?.annotations?.['validations.keda.sh/hpa-ownership'] === 'false') continue;
    if (target(hpa.spec?.scaleTargetRef) !== target(spec.scaleTargetRef)) continue;
    const transfer =
      so.metadata?.annotations?.['scaledobject.keda.sh/transfer-hpa-ownership'] === 'true';
    const named = spec.advanced?.horizontalPodAutoscalerConfig?.name === hpa.metadata.name;
    if (!(transfer && named)) {
      errors.push(`the workload is already managed by the hpa '${hpa.metadata.name}'`);
    }
  }

  // verifyReplicaCount: an error from 2.20 on (2.17.3 logs it and lets it pass)
  if (v20) {
    const hpaMin =
      spec.minReplicaCount === undefined
        ? 0
        : spec.minReplicaCount > 0
          ? spec.minReplicaCount
          : DEFAULT_HPA_MIN;
    const hpaMax = spec.maxReplicaCount ?? DEFAULT_HPA_MAX;
    if (hpaMin > hpaMax)
      errors.push(`MinReplicaCount=${hpaMin} must be less than MaxReplicaCount=${hpaMax}`);
    if (spec.idleReplicaCount !== undefined && spec.idleReplicaCount >= hpaMin) {
      errors.push(
        `IdleReplicaCount=${spec.idleReplicaCount} must be less than MinReplicaCount=${hpaMin}`,
      );
    }
  }

  // verifyFallback
  if (spec.fallback) {
    if (spec.fallback.failureThreshold < 0 || spec.fallback.replicas < 0) {
      errors.push('FailureThreshold & Replicas must both be greater than or equal to 0');
    }
    if (!usingModifiers) {
      // 2.17.3: the trigger's metricType must be AverageValue (its default) too.
      const fits = (t: Resource) =>
        !isResourceTrigger(t) && (v20 || (t.metricType ?? 'AverageValue') === 'AverageValue');
      if (!triggers.some(fits)) {
        errors.push(
          'at least one trigger (that is not cpu or memory) has to have the `AverageValue` type for the fallback to be enabled',
        );
      }
    } else if (!v20 && modifiers.metricType === 'Value') {
      errors.push(
        'when using ScalingModifiers, metricType must be AverageValue to have fallback enabled',
      );
    }
  }

  // verifyName (2.20)
  if (v20 && so.metadata.name.length > MAX_LABEL_VALUE) {
    errors.push(
      `scaledobject name "${so.metadata.name}" is ${so.metadata.name.length} characters long`,
    );
  }
  if (v20 && hpaNameOf(so).length > MAX_LABEL_VALUE) {
    errors.push(
      `HPA name "${hpaNameOf(so)}" derived from scaledobject is ${hpaNameOf(so).length} characters long`,
    );
  }

  // verifyTriggers (ValidateTriggers)
  if (triggers.length === 0) errors.push('no triggers defined in the ScaledObject/ScaledJob');
  const names = new Set<string>();
  for (const t of triggers) {
    if (t.useCachedMetrics && ['cpu', 'memory', 'cron'].includes(t.type)) {
      errors.push(`property "useCachedMetrics" is not supported for "${t.type}" scaler`);
    }
    if (!t.name) continue;
    if (names.has(t.name)) errors.push(`triggerName "${t.name}" is defined multiple times`);
    names.add(t.name);
  }
  return { errors, warnings };
}

/**
 * ValidateAndCompileScalingModifiers: a formula over the named triggers (compiled by expr with
 * each name bound), a target above 0, a metricType that is not Utilization. The formulas checked
 * here are arithmetic over names and numbers; anything else is reported, not guessed at.
 */
function scalingModifierErrors(m: Resource, triggers: Resource[]): string[] {
  if (!m.formula) return ['error ScalingModifiers.Formula is mandatory'];
  const errors: string[] = [];
  if (!m.target) errors.push('formula is given but target is empty');
  const bound = new Set(triggers.filter((t) => !isResourceTrigger(t) && t.name).map((t) => t.name));
  const tokens =
    String(m.formula).match(/\s+|[A-Za-z_][A-Za-z0-9_]*|[0-9]+(\.[0-9]+)?|[-+*/()]|./g) ?? [];
  for (const token of tokens.filter((t) => t.trim())) {
    if (/^[A-Za-z_]/.test(token) && !bound.has(token))
      errors.push(`unknown name ${token} in formula`);
    else if (!/^([A-Za-z_][A-Za-z0-9_]*|[0-9]+(\.[0-9]+)?|[-+*/()])$/.test(token)) {
      errors.push(`formula token ${JSON.stringify(token)} is not checked here`);
    }
  }
  const target = Number.parseFloat(m.target);
  if (m.target && !(target > 0)) errors.push('error converting target for scalingModifiers');
  if (m.metricType === 'Utilization') {
    errors.push('error trigger type is Utilization, but it needs to be AverageValue or Value');
  }
  return errors;
}
