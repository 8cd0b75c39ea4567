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

/** A site of the Caddyfile: its address as written, and the host Caddy serves it for. */
export interface CaddySite {
  address: string;
  host: string;
}

/**
 * The sites a Caddyfile serves, read the way Caddy 2.6 reads it (Debian's caddy 2.6.2,
 * caddyconfig/caddyfile/lexer.go and parse.go): tokens split at white space, `"..."` and
 * `` `...` `` quoted, `#` starting a comment at the start of a token; a block's keys are the
 * tokens before its `{`, separated by commas and white space (a line ending in a comma goes
 * on); a block with no keys is the global options, one key `(name)` a snippet. `{$VAR}`
 * placeholders (Tutor's `{$default_site_port}`) count as their default, or nothing.
 */
export function caddySites(caddyfile: string): CaddySite[] {
  const tokens = caddyTokens(caddyfile);
  const sites: CaddySite[] = [];
  let i = 0;
  while (i < tokens.length) {
    let line = (tokens[i] as CaddyToken).line;
    if (tokens[i]?.text === 'import') {
      // What an import at the top brings in (a file, a snippet) cannot be read here.
      while (tokens[i]?.line === line) i++;
      continue;
    }
    const keys: string[] = [];
    let more = false;
    // A block's keys: up to its `{`, or to the end of their line.
    while (i < tokens.length) {
      const token = tokens[i] as CaddyToken;
      if (token.text === '{' || (!more && keys.length > 0 && token.line !== line)) break;
      more = token.text.endsWith(',');
      const key = more ? token.text.slice(0, -1) : token.text;
      if (key !== '') keys.push(key);
      line = token.line;
      i++;
    }
    // Its body, to the matching `}`; without braces, the rest of the file (a file of one site).
    if (tokens[i]?.text === '{') {
      let depth = 0;
      for (; i < tokens.length; i++) {
        const text = (tokens[i] as CaddyToken).text;
        if (text === '{') depth++;
        else if (text === '}' && --depth === 0) break;
      }
      i++;
    } else i = tokens.length;
    // A snippet is no site.
    if (keys.length === 1 && /^\(.*\)$/.test(keys[0] as string)) continue;
    for (const address of keys) {
      const host = siteHost(address.replace(PLACEHOLDER, (_m, _name, fallback) => fallback ?? ''));
      if (host !== '') sites.push({ address, host });
    }
  }
  return sites;
}

// An environment placeholder, `{$NAME}` or `{$NAME:default}`, which Caddy fills in as it reads.
const PLACEHOLDER = /\{\$([^}:]*)(?::([^}]*))?\}/g;

interface CaddyToken {
  text: string;
  line: number;
}

function caddyTokens(text: string): CaddyToken[] {
  const tokens: CaddyToken[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\n') line++;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
      continue;
    }
    const start = line;
    let value = '';
    if (c === '"' || c === '`') {
      // Quoted: to the closing quote. In "...", a backslash takes the next character with it,
      // and only \" loses its backslash; in `...`, a backslash is a backslash.
      for (i++; i < text.length && text[i] !== c; i++) {
        if (text[i] === '\n') line++;
        if (c === '"' && text[i] === '\\' && i + 1 < text.length) {
          if (text[i + 1] !== '"') value += '\\';
          i++;
          if (text[i] === '\n') line++;
        }
        value += text[i];
      }
      i++;
    } else {
      // A backslash keeps the next character in the token, but ends it before white space,
      // and before a line end it joins the next line to this one.
      for (; i < text.length && !/\s/.test(text[i] as string); i++) {
        if (text[i] === '\\' && /\s/.test(text[i + 1] ?? ' ')) {
          i += text[i + 1] === '\n' ? 2 : 1;
          break;
        }
        if (text[i] === '\\') value += text[i++];
        value += text[i];
      }
    }
    tokens.push({ text: value, line: start });
  }
  return tokens;
}

/**
 * The host of a site address as Caddy compares it (caddyconfig/httpcaddyfile/addresses.go,
 * ParseAddress and Normalize): no scheme, path or port, lower case.
 */
export function siteHost(address: string): string {
  let rest = address.trim();
  const scheme = rest.indexOf('://');
  if (scheme >= 0) rest = rest.slice(scheme + 3);
  rest = rest.split('/')[0] as string;
  const bracketed = /^\[([^\]]*)\](?::\d*)?$/.exec(rest);
  if (bracketed) return (bracketed[1] as string).toLowerCase();
  // host:port; a bare IPv6 address has more than one colon and no port.
  if ((rest.match(/:/g) ?? []).length === 1) rest = rest.slice(0, rest.indexOf(':'));
  return rest.toLowerCase();
}
