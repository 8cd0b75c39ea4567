// The Flower site block in Tutor's Caddyfile: one marked block at the end, replaced on every
// run and taken out again when the config no longer exposes Flower. The rest of the file is
// never touched.
import { FLOWER_NAME, FLOWER_PORT } from '../names.js';

/** Found in a Caddyfile only where celery-queues wrote a block (no spaces: YAML folds at spaces). */
export const SITE_MARK = 'celery-queues.tutor-krm.dev/flower';
const BEGIN = `# BEGIN ${SITE_MARK}: written by celery-queues, replaced on every run`;
const END = `# END ${SITE_MARK}`;

export interface SiteOptions {
  /** Use Tutor's `(proxy)` snippet (logging, compression, forwarded headers) if it has one. */
  proxySnippet: boolean;
  /** Tutor's site addresses end in `{$default_site_port}`: ":80", or "" when Caddy does HTTPS. */
  defaultSitePort: boolean;
}

/** The site block that serves Flower at `host`, in Tutor's style. */
export function flowerSite(host: string, options: SiteOptions): string {
  const upstream = `${FLOWER_NAME}:${FLOWER_PORT}`;
  return [
    `${host}${options.defaultSitePort ? '{$default_site_port}' : ''} {`,
    // Flower asks no login for /metrics; only Prometheus, inside the cluster, needs it.
    '    @flower_metrics path /metrics /metrics/*',
    '    respond @flower_metrics 404',
    options.proxySnippet ? `    import proxy "${upstream}"` : `    reverse_proxy ${upstream}`,
    '}',
    '',
  ].join('\n');
}

/**
 * The Caddyfile with `site` as the one celery-queues block at its end (or with no block when
 * `site` is undefined). Without a block to add or remove, the text comes back as it was.
 */
export function withFlowerSite(
  caddyfile: string,
  site: string | undefined,
): { text: string } | { error: string } {
  let text = caddyfile;
  const begin = text.indexOf(BEGIN);
  if (begin >= 0) {
    const end = text.indexOf(END, begin);
    if (end < 0 || text.indexOf(BEGIN, begin + 1) >= 0) {
      return {
        error: `the block celery-queues wrote (between "${BEGIN}" and "${END}") has been edited by hand; remove it and run again`,
      };
    }
    let after = end + END.length;
    if (text[after] === '\n') after++;
    text = text.slice(0, begin) + text.slice(after);
  } else if (text.includes(END)) {
    return {
      error: `"${END}" without "${BEGIN}": the block celery-queues wrote was edited by hand`,
    };
  }
  if (site === undefined) return { text };
  const sep = text === '' || text.endsWith('\n') ? '' : '\n';
  return { text: `${text}${sep}${BEGIN}\n${site}${END}\n` };
}
