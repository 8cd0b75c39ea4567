// TLS to the broker, run for real: a redis-server with a certificate from a CA of its own (not
// one the system trusts), and the broker URL the function gives Flower and celery-exporter, read
// by Debian's kombu and redis-py as theirs read it. KEDA checks the certificate and its host
// name unless unsafeSsl (pkg/util/tls_config.go, go-redis dials with crypto/tls); with the
// function's options kombu does the same, where `rediss://` alone connects to anyone.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  celeryQueuesConfig,
  find,
  fixture,
  RENDERS,
  resources,
  runWithConfig,
} from '../helpers.js';
import { PYTHON, type RedisServer, startRedis } from './processes.js';

let dir = '';
let port = 0;
let redis: RedisServer | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'celery-queues-tls-'));
  const openssl = (...args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=celery-queues test CA',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
  );
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-subj',
    '/CN=localhost',
    '-keyout',
    'server.key',
    '-out',
    'server.csr',
  );
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    'san.ext',
    '-out',
    'server.crt',
  );
  redis = await startRedis(undefined, {
    cert: join(dir, 'server.crt'),
    key: join(dir, 'server.key'),
    ca: join(dir, 'ca.crt'),
  });
  port = redis.port;
  expect(redis.cli('PING')).toBe('PONG');
});

afterAll(async () => {
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** What the function writes for a TLS broker at `host` with these spec.redis.tls settings. */
function written(host: string, tls?: Record<string, unknown>) {
  const out = runWithConfig(
    fixture(RENDERS.v20),
    celeryQueuesConfig({
      lms: { queues: { high: { autoscaling: { enabled: true } } } },
      flower: { enabled: true },
      redis: { address: `${host}:${port}`, enableTLS: true, ...(tls ? { tls } : {}) },
    }),
  );
  expect(out.status).toBe(0);
  const list = resources(out.stdout);
  const flower = find(list, 'Deployment', 'flower')?.spec.template.spec;
  const url = flower.containers[0].env.find((e: any) => e.name === 'CELERY_BROKER_URL').value;
  const trigger = find(list, 'ScaledObject', 'lms-worker-high-scaledobject')?.spec.triggers[0];
  const auth = find(list, 'TriggerAuthentication', 'celery-queues-broker')?.spec;
  // The CA file as the container has it, here.
  return {
    url: url.replace('/etc/celery-queues/broker-ca/ca.crt', join(dir, 'ca.crt')),
    flower,
    trigger,
    auth,
  };
}

/** Connects and pings the way Flower and celery-exporter reach the broker (kombu, redis-py). */
function kombuPing(url: string): string {
  const script = `
import sys
from kombu import Connection
try:
    with Connection(sys.argv[1], connect_timeout=5) as c:
        c.connect()
        c.default_channel.client.ping()
    print('ok')
except Exception as e:
    print(type(e).__name__, e)
`;
  return execFileSync(PYTHON, ['-c', script, url], { encoding: 'utf8' }).trim();
}

describe('TLS to a broker with a private CA', () => {
  it('checked against the public CAs (no tls settings): refused by kombu, as by KEDA', () => {
    const { url, trigger, auth } = written('localhost');
    expect(url).toBe(`rediss://localhost:${port}/0?ssl_cert_reqs=required&ssl_check_hostname=true`);
    expect(trigger.metadata).toMatchObject({ enableTLS: 'true' });
    expect(trigger.metadata).not.toHaveProperty('unsafeSsl');
    expect(auth).toBeUndefined();
    expect(kombuPing(url)).toMatch(/CERTIFICATE_VERIFY_FAILED/);
  });

  it('the CA from a Secret: KEDA’s `ca` and kombu’s ssl_ca_certs, the host name checked', () => {
    const ca = { caSecret: { name: 'redis-ca' } };
    const { url, flower, trigger, auth } = written('localhost', ca);
    expect(auth).toEqual({
      secretTargetRef: [{ parameter: 'ca', name: 'redis-ca', key: 'ca.crt' }],
    });
    expect(trigger.authenticationRef).toEqual({ name: 'celery-queues-broker' });
    expect(flower.volumes).toEqual([
      {
        name: 'broker-ca',
        secret: { secretName: 'redis-ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
      },
    ]);
    expect(kombuPing(url)).toBe('ok');
    // The certificate names localhost, not 127.0.0.1: refused, as Go's crypto/tls refuses it.
    expect(kombuPing(written('127.0.0.1', ca).url)).toMatch(
      /CERTIFICATE_VERIFY_FAILED.*(Hostname|IP address) mismatch/,
    );
  });

  it('unsafeSsl: encrypted, unchecked, by all three', () => {
    const { url, trigger, auth } = written('127.0.0.1', { unsafeSsl: true });
    expect(url).toBe(`rediss://127.0.0.1:${port}/0?ssl_cert_reqs=none`);
    expect(trigger.metadata).toMatchObject({ enableTLS: 'true', unsafeSsl: 'true' });
    expect(auth).toBeUndefined();
    expect(kombuPing(url)).toBe('ok');
  });

  // What the function wrote before: kombu/connection.py takes `rediss://` without ssl_ options as
  // ssl_cert_reqs=CERT_NONE ("defaulting to insecure SSL behaviour").
  it('`rediss://` without options would connect to a certificate nobody checked', () => {
    expect(kombuPing(`rediss://127.0.0.1:${port}/0`)).toBe('ok');
  });
});
