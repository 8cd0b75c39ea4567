// Warnings about settings of the config that defeat each other, whatever the input: each says
// what the setting will not do and how to have it. (Settings that cannot work at all are
// refused by the schema; warnings about a setting and the input are the families'.)
import { CONFIG_REF, type Results } from '../krm/results.js';
import { SERVICES } from '../names.js';
import { fieldPath } from './field-path.js';
import type { Spec } from './schema.js';
import { configuredWorkers } from './workers.js';

export function lintConfig(spec: Spec, results: Results): void {
  for (const service of SERVICES) {
    for (const { path, config } of configuredWorkers(service, spec[service])) {
      const a = config.autoscaling;
      if (!a?.enabled) continue;
      const field = fieldPath(['spec', ...path, 'autoscaling']);
      // KEDA 2.20's webhook warns the same (scaledobject_webhook.go, verifyScaledObjects): with
      // a replica always running the HPA reads the metrics itself, and KEDA's own loop only
      // decides between 0 and 1 replica.
      for (const timing of ['cooldownPeriod', 'pollingInterval'] as const) {
        if (a[timing] === undefined || a.minReplicas === 0) continue;
        results.warning(
          `${timing} has no effect with minReplicas ${a.minReplicas}: it times KEDA's step between 0 and 1 replica, which a worker that keeps a replica never takes (KEDA 2.20 warns the same at apply). Drop ${timing}${timing === 'cooldownPeriod' ? ', and slow the scale-down above 1 replica with behavior.scaleDown' : ''}, or set minReplicas to 0`,
          { ref: CONFIG_REF, field: `${field}.${timing}` },
        );
      }
      // pkg/scaling/executor/scale_scaledobjects.go: on a scaler error KEDA leaves the target
      // as it is and the HPA applies the fallback, but an HPA at 0 replicas is inactive.
      if (a.fallback && a.minReplicas === 0 && a.fallback.replicas > 0) {
        results.warning(
          `fallback cannot start this worker from 0 replicas: the HPA that applies it is inactive at 0, so while KEDA cannot read the queue a worker scaled to zero stays there. Set minReplicas to 1 to have the fallback apply always, or drop fallback`,
          { ref: CONFIG_REF, field: `${field}.fallback` },
        );
      }
    }
  }
  const dashboard = spec.flower?.grafanaDashboard;
  if (dashboard?.enabled && dashboard.folder !== undefined) {
    results.warning(
      `the folder reaches Grafana only if its dashboard provider makes folders of the sidecar's directories (foldersFromFilesStructure: true; kube-prometheus-stack: grafana.sidecar.dashboards.provider.foldersFromFilesStructure), else the dashboard lands in the General folder. Set that, or drop folder`,
      { ref: CONFIG_REF, field: 'spec.flower.grafanaDashboard.folder' },
    );
  }
}
