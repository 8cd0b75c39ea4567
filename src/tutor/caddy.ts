// Tutor's web proxy: the caddy Deployment and the ConfigMap with its Caddyfile, which it mounts
// at /etc/caddy/ (named caddy-config, with Kustomize's hash suffix in a built render).
import type { Item } from '../krm/item.js';
import type { Results } from '../krm/results.js';
import { plainAt } from '../krm/yaml.js';
import { isDeployment, type TutorInstance } from './instances.js';

export const CADDY_DEPLOYMENT = 'caddy';
export const CADDYFILE_KEY = 'Caddyfile';

export interface CaddyConfig {
  deployment: Item;
  /** The ConfigMap holding the Caddyfile, as the Deployment references it. */
  configMap: Item;
  key: string;
}

interface PodSpec {
  containers?: { volumeMounts?: { name?: unknown; mountPath?: unknown }[] }[];
  volumes?: { name?: unknown; configMap?: { name?: unknown } }[];
}

type Find = (kind: string, namespace: string, name: string) => Item | undefined;

/** The caddy Deployment of an instance, if the input has one. */
export function caddyDeployment(instance: TutorInstance, find: Find): Item | undefined {
  const item = find('Deployment', instance.namespace, CADDY_DEPLOYMENT);
  return item && isDeployment(item) ? item : undefined;
}

/**
 * The Caddyfile the instance's Caddy reads. With `results`, says why when it cannot be found;
 * without, just returns undefined.
 */
export function caddyConfig(
  instance: TutorInstance,
  find: Find,
  results?: Results,
): CaddyConfig | undefined {
  const deployment = caddyDeployment(instance, find);
  if (!deployment) {
    results?.error(
      `namespace ${instance.namespace || '(none)'} has no Deployment ${CADDY_DEPLOYMENT} (Tutor's web proxy) to serve Flower through; add it to the input, or drop flower.expose`,
    );
    return undefined;
  }
  const pod = (plainAt(deployment.doc, ['spec', 'template', 'spec']) ?? {}) as PodSpec;
  const mountedAt = (volume: string) =>
    (pod.containers ?? []).flatMap((c) =>
      (c?.volumeMounts ?? []).flatMap((m) =>
        m?.name === volume && typeof m.mountPath === 'string' ? [m.mountPath] : [],
      ),
    );
  const candidates: Item[] = [];
  for (const volume of pod.volumes ?? []) {
    const name = volume?.configMap?.name;
    if (typeof volume?.name !== 'string' || typeof name !== 'string') continue;
    const configMap = find('ConfigMap', instance.namespace, name);
    if (!configMap) continue;
    // Caddy reads /etc/caddy/Caddyfile; a ConfigMap mounted elsewhere is something else.
    const atEtcCaddy = mountedAt(volume.name).some((p) => p.replace(/\/+$/, '') === '/etc/caddy');
    if (atEtcCaddy && typeof plainAt(configMap.doc, ['data', CADDYFILE_KEY]) === 'string') {
      candidates.push(configMap);
    }
  }
  const configMap = candidates[0];
  if (!configMap || configMap.isLocalConfig) {
    results?.error(
      `no ConfigMap with a ${CADDYFILE_KEY} mounted at /etc/caddy/ in the input${configMap ? ' (it is marked local-config)' : ''}: cannot serve Flower through Caddy`,
      { item: deployment, field: 'spec.template.spec.volumes' },
    );
    return undefined;
  }
  return { deployment, configMap, key: CADDYFILE_KEY };
}

/** Does the Caddyfile define Tutor's `(proxy)` snippet (logging, compression, headers)? */
export function hasProxySnippet(caddyfile: string): boolean {
  return /^\(proxy\)\s*\{/m.test(caddyfile);
}

/** Tutor's site addresses end in `{$default_site_port}` (":80", or "" with HTTPS). */
export function usesDefaultSitePort(caddyfile: string): boolean {
  return caddyfile.includes('{$default_site_port}');
}
