// KEDA autoscaling on queue length: a ScaledObject per autoscaled worker, a TriggerAuthentication
// for the broker's credentials, no fixed replica count on the Deployments KEDA scales, and the
// HPAs that already scale one of them resolved as the config says (or refused).
import type { BrokerConnection } from '../broker/connection.js';
import { concurrencyOf } from '../celery/args.js';
import type { Worker } from '../celery/worker.js';
import { fieldPath } from '../config/field-path.js';
import type { ResourceRef } from '../krm/resources.js';
import { CONFIG_REF } from '../krm/results.js';
import { deepEqual } from '../krm/yaml.js';
import {
  BROKER_TRIGGER_AUTHENTICATION,
  DEFAULT_VARIANT,
  GENERATED_BY,
  hpaName,
  queueName,
  SERVICES,
  scaledObjectName,
} from '../names.js';
import type { Family, InstanceView } from '../plan.js';
import { loadQuery, workerNodes } from '../promql/celery-exporter.js';
import { type ExistingAutoscalers, existingAutoscalers } from '../tutor/autoscalers.js';
import {
  type Autoscaling,
  type BrokerSecrets,
  type LoadTrigger,
  scaledObject,
  TRANSFER_HPA_OWNERSHIP,
  triggerAuthentication,
} from './scaledobject.js';

export const autoscaling: Family = (view) => {
  const existing = existingAutoscalers(
    view.resources.inNamespace(view.instance.namespace),
    view.instance.namespace,
  );
  refuseFixedReplicas(view, existing);
  const scaled = view.workers.filter((w) => w.config?.autoscaling?.enabled);
  let auth: { secrets: BrokerSecrets; written: boolean } | undefined;
  let unqualified = false;
  for (const worker of scaled) {
    const settings = worker.config?.autoscaling as Autoscaling;
    const connection = view.broker.connections[worker.service];
    if (!connection) continue;
    if (connection.clusterAddress === undefined) {
      if (!unqualified) reportUnqualified(view, connection);
      unqualified = true;
      continue;
    }
    const resolved = resolveExisting(view, worker, settings, existing);
    if (!resolved) continue;

    const load = loadTrigger(view, worker, settings);
    let authentication: string | undefined;
    const secrets: BrokerSecrets = { credentials: connection.credentials, ca: connection.tls?.ca };
    if ((secrets.credentials || secrets.ca) && (!load || load.listTrigger)) {
      if (!auth) {
        const doc = triggerAuthentication(
          BROKER_TRIGGER_AUTHENTICATION,
          view.instance.namespace,
          secrets,
        );
        const from = (secrets.credentials?.secretName ?? secrets.ca?.secretName) as string;
        auth = {
          secrets,
          written: doc !== undefined && view.resources.create(doc, view.instance.anchor, from),
        };
      } else if (!deepEqual(auth.secrets, secrets)) {
        view.results.error(
          `the LMS and CMS brokers need different credentials, and one TriggerAuthentication ${BROKER_TRIGGER_AUTHENTICATION} serves both; name the Secret in spec.redis.credentialsSecret`,
          { ref: CONFIG_REF, field: 'spec.redis' },
        );
        continue;
      }
      if (auth.written) authentication = BROKER_TRIGGER_AUTHENTICATION;
    }

    const hpa = resolved.transferHpa ?? hpaName(worker.service, worker.key);
    const doc = scaledObject({
      name: scaledObjectName(worker.service, worker.key),
      namespace: view.instance.namespace,
      deployment: worker.name,
      // The stock worker's lists: the default queue's, as the contract pins it (it keeps
      // the queues nobody else takes, whose lengths it leaves to their own workers' scaling).
      queues:
        worker.kind === 'stock' ? [queueName(worker.service, DEFAULT_VARIANT)] : worker.queues,
      autoscaling: settings,
      broker: { address: connection.clusterAddress, db: connection.db, tls: connection.tls },
      ...(authentication ? { authentication } : {}),
      ...(hpa ? { hpaName: hpa } : {}),
      ...(resolved.transferHpa ? { transferHpa: true } : {}),
      ...(load ? { load } : {}),
    });
    if (!view.resources.create(doc, worker.stock.item, worker.name)) continue;
    dropReplicas(view, worker);
  }
};

// KEDA's operator dials the address from its own namespace, where Tutor's bare `redis` is not
// the instance's Redis: the ScaledObject would never read the queue, and a worker scaled to
// zero would never wake.
function reportUnqualified(view: InstanceView, connection: BrokerConnection): void {
  view.results.error(
    `the input has no namespaces, so the broker host "${connection.host}" is a bare Service name that KEDA's operator would look up in its own namespace (its ScaledObjects could not read the queues, and workers scaled to zero would never wake); set spec.redis.address to a name that resolves from there, e.g. ${connection.host}.<namespace>.svc:${connection.port}`,
    { ref: CONFIG_REF, field: 'spec.redis.address' },
  );
}

/**
 * A replica count the config fixes on a worker that an HPA (or a ScaledObject it did not write)
 * in the input scales: every apply resets what the autoscaler scaled, and the autoscaler undoes
 * it right after. As with KEDA's own ScaledObjects, one of the two has to go.
 */
function refuseFixedReplicas(view: InstanceView, existing: ExistingAutoscalers): void {
  const fixed: { deployment: string; replicas: number; field: string; ways: string }[] = [];
  for (const worker of view.workers) {
    if (worker.config?.autoscaling?.enabled) continue; // KEDA's, resolved below
    const { sizing, from } = worker.sizing;
    if (sizing.replicas === undefined) continue;
    const field = `${fieldPath(from.replicas ?? [])}.replicas`;
    fixed.push({
      deployment: worker.name,
      replicas: sizing.replicas,
      field,
      ways: `drop ${field}, or let KEDA scale the worker (${fieldPath([...worker.path, 'autoscaling', 'enabled'])}, with existingHPA drop or transfer), or take the`,
    });
  }
  // A stock worker the config turns off keeps 0 replicas.
  for (const service of SERVICES) {
    const stock = view.instance.workers[service];
    if (!stock || view.spec[service]?.stockWorker?.enabled !== false) continue;
    const field = `spec.${service}.stockWorker.enabled`;
    fixed.push({ deployment: stock.item.name, replicas: 0, field, ways: 'take the' });
  }
  for (const f of fixed) {
    const scalers = [...existing.hpas, ...existing.scaledObjects].filter(
      (s) => s.deployment === f.deployment,
    );
    for (const scaler of scalers) {
      view.results.error(
        `${scaler.item.kind} ${scaler.item.name} in the input scales Deployment ${f.deployment}, and the fixed replica count ${f.replicas} from ${f.field} would undo its scaling on every apply (and it would undo the count right after): ${f.ways} ${scaler.item.kind} out of the input`,
        { ref: CONFIG_REF, field: f.field },
      );
    }
  }
}

// Load scaling: KEDA asks Prometheus for the worker's waiting plus running tasks, as
// celery-exporter reports them (the config check makes sure the exporter and the server are set).
function loadTrigger(
  view: InstanceView,
  worker: Worker,
  settings: Autoscaling,
): LoadTrigger | undefined {
  const server = view.spec.monitoring?.prometheus?.serverAddress;
  if (!settings.load?.enabled || server === undefined) return undefined;
  const { args } = worker;
  return {
    serverAddress: server,
    query: loadQuery({
      namespace: view.instance.namespace,
      queues: worker.queues,
      nodes: workerNodes(worker),
    }),
    threshold: settings.load.tasksPerReplica ?? concurrencyOf(args) ?? settings.listLength,
    listTrigger: settings.load.listTrigger,
  };
}

// A fixed count would fight KEDA: every apply (or GitOps sync) resets what KEDA scaled.
function dropReplicas(view: InstanceView, worker: Worker): void {
  const replicas = worker.body.get(['spec', 'replicas']);
  if (replicas === undefined) return;
  worker.body.delete(['spec', 'replicas']);
  view.results.info(
    `spec.replicas (${String(replicas)}) left out: KEDA sets the replica count of an autoscaled worker, and a fixed one would undo its scaling on every apply`,
    { ref: deploymentRef(view, worker.name), field: 'spec.replicas' },
  );
}

function deploymentRef(view: InstanceView, name: string): ResourceRef {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name,
    ...(view.instance.namespace ? { namespace: view.instance.namespace } : {}),
  };
}

/**
 * KEDA refuses a ScaledObject for a Deployment that an HPA or another ScaledObject already
 * scales. Undefined (with errors) when that stays unresolved.
 */
function resolveExisting(
  view: InstanceView,
  worker: Worker,
  settings: Autoscaling,
  existing: ExistingAutoscalers,
): { transferHpa?: string } | undefined {
  const hpas = existing.hpas.filter((h) => h.deployment === worker.name);
  const others = existing.scaledObjects.filter((s) => s.deployment === worker.name);
  const mode = settings.existingHPA;
  // Most workers are scaled by nothing else yet: nothing to resolve, nor to name in a message.
  if (hpas.length === 0 && others.length === 0 && mode !== 'transfer') return {};
  const variantField = fieldPath([...worker.path, 'autoscaling']);
  const soName = scaledObjectName(worker.service, worker.key);
  let ok = true;
  for (const other of others) {
    view.results.error(
      `already scales Deployment ${worker.name}, and KEDA allows one ScaledObject per workload: remove it from the input, or set ${variantField}.enabled to false`,
      { item: other.item, field: 'spec.scaleTargetRef' },
    );
    ok = false;
  }
  if (hpas.length > 0 && mode === undefined) {
    for (const hpa of hpas) {
      view.results.error(
        `already scales Deployment ${worker.name}, which ${variantField} gives the KEDA ScaledObject ${soName}, and KEDA refuses to scale a workload an HPA scales; set ${variantField}.existingHPA to "drop" (the HPA is left out of the output) or to "transfer" (KEDA takes the HPA over)`,
        { item: hpa.item, field: 'spec.scaleTargetRef' },
      );
    }
    return undefined;
  }
  if (hpas.length > 1 && mode === 'transfer') {
    view.results.error(
      `KEDA can take over one HPA, and ${hpas.map((h) => h.item.name).join(', ')} all scale Deployment ${worker.name}; set existingHPA to "drop", or remove all but one from the input`,
      { ref: CONFIG_REF, field: `${variantField}.existingHPA` },
    );
    return undefined;
  }
  if (!ok) return undefined;
  for (const hpa of hpas) {
    // Also for a transfer: KEDA rewrites the HPA it takes over, and the HPA as rendered would
    // undo that on every apply.
    view.resources.remove(hpa.item);
    if (mode === 'drop') {
      view.results.warning(
        `left out of the output: KEDA's ScaledObject ${soName} scales Deployment ${worker.name} instead (existingHPA: drop). Unless your deployment prunes, delete it from the cluster, or KEDA refuses ${soName}`,
        { item: hpa.item },
      );
    } else {
      view.results.info(
        `left out of the output: KEDA's ScaledObject ${soName} takes it over in the cluster (existingHPA: transfer) and manages it from now on`,
        { item: hpa.item },
      );
    }
  }
  if (mode !== 'transfer') return {};
  const hpa = hpas[0]?.item.name ?? transferredBefore(view, soName);
  return hpa ? { transferHpa: hpa } : {};
}

// The HPA an earlier run handed over to KEDA is gone from its output; its ScaledObject still
// names it, so that running on that output again changes nothing.
function transferredBefore(view: InstanceView, soName: string): string | undefined {
  const previous = view.resources.find('ScaledObject', view.instance.namespace, soName);
  if (!previous || previous.annotation(GENERATED_BY) === undefined) return undefined;
  if (previous.annotation(TRANSFER_HPA_OWNERSHIP) !== 'true') return undefined;
  const name = view.resources.read(previous, [
    'spec',
    'advanced',
    'horizontalPodAutoscalerConfig',
    'name',
  ]);
  return typeof name === 'string' && name ? name : undefined;
}
