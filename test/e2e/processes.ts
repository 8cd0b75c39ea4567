// Real servers for the end-to-end tests: a redis-server on a free loopback port, Debian's
// python3 (which has celery and redis-py), and stopping what was started by its process id.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Debian's interpreter: python3-celery and python3-redis are installed for it (.ci/run). */
export const PYTHON = '/usr/bin/python3';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Stops a child by its pid: SIGTERM, then SIGKILL after a grace period. */
export function stopByPid(child: ChildProcess | undefined, graceMs = 10_000): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    process.kill(child.pid as number, 'SIGTERM');
  });
}

export interface RedisServer {
  port: number;
  /** redis-cli against it; trimmed output. */
  cli: (...args: string[]) => string;
  stop: () => Promise<void>;
}

/** A server certificate, its key and the CA that signed it (files). */
export interface ServerTls {
  cert: string;
  key: string;
  ca: string;
}

/**
 * A throw-away redis-server on 127.0.0.1, nothing persisted, optionally with a password, or
 * reached only by TLS with this certificate.
 */
export async function startRedis(password?: string, tls?: ServerTls): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'celery-queues-redis-'));
  const args = tls
    ? ['--port', '0', '--tls-port', String(port), '--tls-cert-file', tls.cert]
    : ['--port', String(port)];
  if (tls)
    args.push('--tls-key-file', tls.key, '--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'no');
  args.push('--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir);
  if (password) args.push('--requirepass', password);
  const server = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let log = '';
    server.once('error', reject);
    server.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${log}`)));
    server.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Ready to accept connections')) resolve();
    });
  });
  const auth = password ? ['--no-auth-warning', '-a', password] : [];
  const cliTls = tls ? ['--tls', '--cacert', tls.ca] : [];
  return {
    port,
    cli: (...a) =>
      execFileSync('redis-cli', ['-p', String(port), ...cliTls, ...auth, ...a], {
        encoding: 'utf8',
      }).trim(),
    stop: async () => {
      await stopByPid(server);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `check` holds, or fails naming what it waited for. */
export async function until(what: string, check: () => boolean, seconds = 60): Promise<void> {
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}
