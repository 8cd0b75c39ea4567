// What the settings tests check on any output: every ConfigMap a workload names exists, written
// here without the function's own code (src/krm/refs.ts) so that one bug cannot hide another.

type Resource = Record<string, any>;

const POD_SPEC: Record<string, string[]> = {
  Pod: ['spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
};

/** The ConfigMap names a workload's pod spec refers to. */
export function configMapNamesIn(r: Resource): string[] {
  const path = POD_SPEC[r.kind];
  if (!path) return [];
  let pod: any = r;
  for (const p of path) pod = pod?.[p];
  if (!pod) return [];
  const names: string[] = [];
  for (const v of pod.volumes ?? []) {
    if (v.configMap?.name) names.push(v.configMap.name);
    for (const s of v.projected?.sources ?? []) if (s.configMap?.name) names.push(s.configMap.name);
  }
  for (const c of [
    ...(pod.initContainers ?? []),
    ...(pod.containers ?? []),
    ...(pod.ephemeralContainers ?? []),
  ]) {
    for (const e of c.envFrom ?? []) if (e.configMapRef?.name) names.push(e.configMapRef.name);
    for (const e of c.env ?? []) {
      if (e.valueFrom?.configMapKeyRef?.name) names.push(e.valueFrom.configMapKeyRef.name);
    }
  }
  return names;
}

/** `Kind namespace/name -> ConfigMap` for every reference that finds no ConfigMap. */
export function danglingRefs(list: Resource[]): string[] {
  const configMaps = new Set(
    list
      .filter((r) => r.kind === 'ConfigMap')
      .map((r) => `${r.metadata.namespace}/${r.metadata.name}`),
  );
  return list.flatMap((r) =>
    configMapNamesIn(r)
      .filter((name) => !configMaps.has(`${r.metadata.namespace}/${name}`))
      .map((name) => `${r.kind} ${r.metadata.namespace}/${r.metadata.name} -> ${name}`),
  );
}
