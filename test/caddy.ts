// The real Caddy (Debian's caddy 2.6.2; .ci/run installs it) reading Caddyfiles: every Caddyfile
// the function writes in a test goes through `caddy adapt` (helpers.ts calls checkWritten on
// each run's output), and the tests of Caddy's own rules compare with what it makes of a file.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

/** Whether caddy is on this machine; CI has it, so there a missing caddy fails. */
export const HAS_CADDY =
  spawnSync('caddy', ['version'], { encoding: 'utf8' }).status === 0 || !!process.env.CI;

/** Found in a Caddyfile where celery-queues wrote its Flower site. */
const SITE_MARK = 'celery-queues.tutor-krm.dev/flower';

const dir = mkdtempSync(join(tmpdir(), 'celery-queues-caddy-'));

export interface Adapted {
  ok: boolean;
  /** The JSON config Caddy made of it. */
  config?: any;
  /** Caddy's error, when it refused the file. */
  error?: string;
}

const adapted = new Map<string, Adapted>();

/**
 * `caddy adapt` on a Caddyfile, with Tutor's `{$default_site_port}` as Tutor sets it without
 * HTTPS (":80") or, with `https`, as it sets it with HTTPS (unset).
 */
export function caddyAdapt(caddyfile: string, https = false): Adapted {
  const key = `${https}\u0000${caddyfile}`;
  const known = adapted.get(key);
  if (known) return known;
  const file = join(dir, 'Caddyfile');
  writeFileSync(file, caddyfile);
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir };
  if (!https) env.default_site_port = ':80';
  const r = spawnSync('caddy', ['adapt', '--config', file, '--adapter', 'caddyfile'], {
    encoding: 'utf8',
    env,
  });
  const result: Adapted =
    r.status === 0
      ? { ok: true, config: JSON.parse(r.stdout) }
      : { ok: false, error: (r.stderr || r.stdout || String(r.error)).trim() };
  adapted.set(key, result);
  return result;
}

/** Every host a site of the adapted config matches on, in all its servers. */
export function adaptedHosts(config: any): string[] {
  const hosts: string[] = [];
  for (const server of Object.values(config?.apps?.http?.servers ?? {}) as any[]) {
    for (const route of server.routes ?? []) {
      for (const match of route.match ?? []) hosts.push(...(match.host ?? []));
    }
  }
  return hosts;
}

/** The Caddyfiles in a run's output (a stream or a ResourceList) that carry a Flower site. */
export function writtenCaddyfiles(stdout: string): string[] {
  if (!stdout.includes(SITE_MARK)) return [];
  let resources: any[];
  try {
    const docs = parseAllDocuments(stdout).map((d) => d.toJS());
    resources = docs.length === 1 && docs[0]?.kind === 'ResourceList' ? docs[0].items : docs;
  } catch {
    resources = parse(stdout)?.items ?? [];
  }
  return (resources ?? []).flatMap((r: any) => {
    const text = r?.kind === 'ConfigMap' ? r.data?.Caddyfile : undefined;
    return typeof text === 'string' && text.includes(SITE_MARK) ? [text] : [];
  });
}

/**
 * Throws when Caddy refuses a Caddyfile the function wrote in `stdout`: the function must never
 * write one that takes Caddy, and the sites behind it, down.
 */
export function checkWritten(stdout: string): void {
  if (!HAS_CADDY) return;
  for (const caddyfile of writtenCaddyfiles(stdout)) {
    for (const https of [false, true]) {
      const r = caddyAdapt(caddyfile, https);
      if (!r.ok) {
        throw new Error(`caddy adapt refused a Caddyfile the function wrote: ${r.error}`);
      }
    }
  }
}
