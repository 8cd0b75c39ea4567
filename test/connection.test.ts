// The broker connection the outputs use: address (IPv6 in brackets, as Go and kombu read it),
// the name KEDA dials from its own namespace, TLS, credentials only via Secret.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  BROKER_SECRET,
  type BrokerConnection,
  brokerAccess,
  resolveBroker,
  writeBrokerSecret,
} from '../src/broker/connection.js';
import { loadConfig } from '../src/config/load.js';
import { readStream } from '../src/krm/io.js';
import { Resources } from '../src/krm/resources.js';
import { Results } from '../src/krm/results.js';
import { type Doc, toPlain } from '../src/krm/yaml.js';
import type { ServiceName } from '../src/names.js';
import { findInstances } from '../src/tutor/instances.js';
import { goSplitHostPort, kombuParse } from './consumers.js';
import { fixture, RENDERS, VERSION } from './helpers.js';

function planFor(render: string, redis = '', input = fixture(render)) {
  const { items } = readStream(input);
  const results = new Results();
  const config = loadConfig(
    parse(
      `apiVersion: tutor-krm.dev/v1alpha1\nkind: CeleryQueues\nspec:\n  lms: {}\n${redis ? `  redis: ${redis}\n` : ''}`,
    ),
    results,
  );
  if (!config) throw new Error(JSON.stringify(results.list));
  const edit = new Resources(items, results);
  const [instance] = findInstances(items, config.spec, results);
  // Resolved up front for the services asked for, then the explicit step that stages the Secret
  // and reports, as the transform runs them.
  const connect = (...services: ServiceName[]) => {
    const broker = resolveBroker(
      instance!,
      config.spec,
      (kind, namespace, name) => edit.find(kind, namespace, name),
      services,
    );
    writeBrokerSecret({ broker, instance: instance!, resources: edit, results });
    return broker.connections;
  };
  return { connect, edit, results, instance: instance!, spec: config.spec };
}

/** The v20 render with another CELERY_BROKER_HOSTNAME (and, optionally, no namespaces). */
function withHostname(hostname: string, namespaces = true): string {
  let text = fixture(RENDERS.v20).replaceAll(
    '\\"redis:6379\\"',
    JSON.stringify(JSON.stringify(hostname)).slice(1, -1),
  );
  if (!namespaces) text = text.replace(/^ {2}namespace: openedx\n/gm, '');
  return text;
}

describe('resolveBroker', () => {
  it('qualifies Tutor’s in-cluster Redis for other namespaces; no password, no Secret', () => {
    const { connect, edit, results } = planFor(RENDERS.v20);
    expect(connect('lms').lms).toEqual({
      host: 'redis',
      port: 6379,
      db: 0,
      tls: undefined,
      scheme: 'redis',
      clusterAddress: 'redis.openedx.svc:6379',
      publicUrl: 'redis://redis:6379/0',
    });
    expect(edit.output()).toHaveLength(edit.items.length);
    expect(results.list).toEqual([]);
  });

  it('resolving writes and says nothing: the Secret and the messages wait for the explicit step', () => {
    const { edit, results, instance, spec } = planFor(RENDERS.custom);
    const broker = resolveBroker(
      instance,
      spec,
      (kind, namespace, name) => edit.find(kind, namespace, name),
      ['lms', 'cms'],
    );
    expect(broker.connections.lms?.credentials?.secretName).toBe(BROKER_SECRET);
    expect((broker.secret?.doc.metadata as { name?: string } | undefined)?.name).toBe(
      BROKER_SECRET,
    );
    expect(edit.output().some((i) => i.kind === 'Secret')).toBe(false);
    expect(results.list).toEqual([]);
    writeBrokerSecret({ broker, instance, resources: edit, results });
    expect(
      edit
        .output()
        .filter((i) => i.kind === 'Secret')
        .map((i) => i.name),
    ).toEqual([BROKER_SECRET]);
    expect(results.list.map((r) => r.severity)).toEqual(['info']);
  });

  it('writes one Secret for a password from the input, and says so', () => {
    const { connect, edit, results } = planFor(RENDERS.custom);
    const { lms, cms } = connect('lms', 'cms');
    expect(lms?.clusterAddress).toBe('redis.example.internal:6379');
    expect(lms?.credentials).toEqual({
      secretName: BROKER_SECRET,
      passwordKey: 'password',
      urlKey: 'url',
    });
    expect(cms?.credentials).toEqual(lms?.credentials);
    const secrets = edit.output().filter((i) => i.kind === 'Secret');
    expect(secrets.map((s) => toPlain(s.doc))).toEqual([
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: BROKER_SECRET,
          namespace: 'openedx-prod',
          labels: {
            'app.kubernetes.io/name': BROKER_SECRET,
            'app.kubernetes.io/part-of': 'openedx',
          },
          annotations: {
            'celery-queues.tutor-krm.dev/generated-by': `celery-queues ${VERSION} from openedx-config`,
          },
        },
        type: 'Opaque',
        stringData: { password: 's3cret', url: 'redis://:s3cret@redis.example.internal:6379/0' },
      },
    ]);
    expect(results.list.map((r) => r.severity)).toEqual(['info']);
  });

  it('references a Secret the config names, and writes none', () => {
    const { connect, edit } = planFor(
      RENDERS.custom,
      '{address: "redis-tls.example:6380", databaseIndex: 2, enableTLS: true, credentialsSecret: {name: my-redis, urlKey: url}}',
    );
    const c = connect('lms').lms;
    expect(c).toMatchObject({
      clusterAddress: 'redis-tls.example:6380',
      publicUrl: 'rediss://redis-tls.example:6380/2',
      tls: { unsafe: false },
      credentials: { secretName: 'my-redis', passwordKey: 'password', urlKey: 'url' },
    });
    expect(edit.output().some((i) => i.kind === 'Secret')).toBe(false);
  });

  // Go's net.SplitHostPort and kombu want an IPv6 host in brackets; both get them.
  it.each([
    ['CELERY_BROKER_HOSTNAME', '', withHostname('[fd00::10]:6380')],
    ['spec.redis.address', '{address: "[fd00::10]:6380"}', fixture(RENDERS.v20)],
  ])('keeps an IPv6 broker’s brackets, from %s', (_from, redis, input) => {
    const { connect, results } = planFor(RENDERS.v20, redis, input);
    expect(connect('lms').lms).toMatchObject({
      host: 'fd00::10',
      port: 6380,
      clusterAddress: '[fd00::10]:6380',
      publicUrl: 'redis://[fd00::10]:6380/0',
    });
    expect(results.list).toEqual([]);
  });

  it('has no address for KEDA when a bare Service name has no namespace to go with it', () => {
    const bare = planFor(RENDERS.v20, '', withHostname('redis:6379', false));
    expect(bare.instance.namespace).toBe('');
    expect(bare.connect('lms').lms?.clusterAddress).toBeUndefined();
    const named = planFor(RENDERS.v20, '', withHostname('redis.openedx.svc:6379', false));
    expect(named.connect('lms').lms?.clusterAddress).toBe('redis.openedx.svc:6379');
  });

  // Tutor builds the broker URL as <transport>://<user>:<password>@<CELERY_BROKER_HOSTNAME>/<vhost>;
  // a hostname that holds more would put a password into a ScaledObject's address.
  it.each([
    ['redis://:pw-in-url@redis:6379/0', 'holds more than host:port'],
    ['admin:pw-in-url@redis:6379', 'holds more than host:port'],
    ['fd00::10:6380', 'write an IPv6 address in brackets'],
    ['redis:99999', 'port that is not a number'],
    ['[redis]:6379', 'brackets around something other than an IPv6 address'],
  ])('refuses CELERY_BROKER_HOSTNAME %j without repeating it', (hostname, words) => {
    const { connect, results } = planFor(RENDERS.v20, '', withHostname(hostname));
    expect(connect('lms').lms).toBeUndefined();
    expect(results.list).toHaveLength(1);
    expect(results.list[0]?.message).toMatch(/^CELERY_BROKER_HOSTNAME /);
    expect(results.list[0]?.message).toContain(words);
    expect(results.list[0]?.message).not.toContain(hostname);
    expect(results.list[0]?.message).not.toContain('pw-in-url');
  });
});

describe('brokerAccess: the broker URL of Flower and celery-exporter', () => {
  const base: BrokerConnection = {
    host: 'r',
    port: 6379,
    db: 1,
    tls: undefined,
    scheme: 'redis',
    clusterAddress: 'r.ns.svc:6379',
    publicUrl: 'redis://r:6379/1',
  };
  const tls = { ...base, scheme: 'rediss', publicUrl: 'rediss://r:6379/1' };
  const secret = { secretName: 's', passwordKey: 'password', urlKey: 'url' };
  const fromSecret = (name: string) => ({
    name,
    valueFrom: { secretKeyRef: { name: 's', key: 'url' } },
  });
  const ca = { secretName: 'redis-ca', key: 'ca.pem' };
  it.each<[string, BrokerConnection, ReturnType<typeof brokerAccess>]>([
    [
      'no password',
      base,
      { env: [{ name: 'U', value: 'redis://r:6379/1' }], volumes: [], volumeMounts: [] },
    ],
    [
      'a URL in a Secret',
      { ...base, credentials: secret },
      { env: [fromSecret('U')], volumes: [], volumeMounts: [] },
    ],
    [
      'TLS checked against the public CAs',
      { ...tls, tls: { unsafe: false } },
      {
        env: [
          { name: 'U', value: 'rediss://r:6379/1?ssl_cert_reqs=required&ssl_check_hostname=true' },
        ],
        volumes: [],
        volumeMounts: [],
      },
    ],
    [
      'TLS without checks, a URL in a Secret',
      { ...tls, tls: { unsafe: true }, credentials: secret },
      {
        env: [fromSecret('U_BASE'), { name: 'U', value: '$(U_BASE)?ssl_cert_reqs=none' }],
        volumes: [],
        volumeMounts: [],
      },
    ],
    [
      'TLS checked against a CA from a Secret',
      { ...tls, tls: { unsafe: false, ca }, credentials: secret },
      {
        env: [
          fromSecret('U_BASE'),
          {
            name: 'U',
            value:
              '$(U_BASE)?ssl_cert_reqs=required&ssl_ca_certs=/etc/celery-queues/broker-ca/ca.crt&ssl_check_hostname=true',
          },
        ],
        volumes: [
          {
            name: 'broker-ca',
            secret: { secretName: 'redis-ca', items: [{ key: 'ca.pem', path: 'ca.crt' }] },
          },
        ],
        volumeMounts: [
          { name: 'broker-ca', mountPath: '/etc/celery-queues/broker-ca', readOnly: true },
        ],
      },
    ],
  ])('%s', (_what, connection, access) => {
    expect(brokerAccess(connection, 'U')).toEqual(access);
  });
});

// Every address and URL the function writes, read by the programs that read them.
describe('what KEDA’s Go dialer and kombu make of them', () => {
  const HOSTS = [
    'redis:6379',
    'redis.example.internal:6380',
    '10.0.0.7:6379',
    '[fd00::10]:6380',
    '[::1]:6379',
  ];
  const PASSWORDS = ['s3cret', 'p/a#s?s%w@o:r d;x', "%41'()*!~"];

  it.each(HOSTS)('%s: the address KEDA dials and the URLs kombu reads', (hostname) => {
    const expected = goSplitHostPort(hostname) as [string, string];
    const urls: string[] = [];
    for (const password of PASSWORDS) {
      const input = withHostname(hostname).replace(
        /CELERY_BROKER_PASSWORD: \\"\\"/g,
        `CELERY_BROKER_PASSWORD: ${JSON.stringify(JSON.stringify(password)).slice(1, -1)}`,
      );
      const { connect, edit } = planFor(RENDERS.v20, '', input);
      const c = connect('lms').lms as BrokerConnection;
      expect(goSplitHostPort(c.clusterAddress as string)).toEqual([
        expected[0].includes('.') || expected[0].includes(':')
          ? expected[0]
          : `${expected[0]}.openedx.svc`,
        expected[1],
      ]);
      const secret = toPlain(edit.output().find((i) => i.kind === 'Secret')?.doc as Doc) as {
        stringData: { url: string; password: string };
      };
      expect(secret.stringData.password).toBe(password);
      urls.push(secret.stringData.url, c.publicUrl);
    }
    const parsed = kombuParse(urls);
    PASSWORDS.forEach((password, i) => {
      for (const url of [parsed[2 * i], parsed[2 * i + 1]]) {
        expect(url).toMatchObject({
          transport: 'redis',
          hostname: expected[0],
          port: Number(expected[1]),
          virtual_host: '0',
        });
      }
      expect(parsed[2 * i]?.password).toBe(password);
    });
  });

  it('the TLS options kombu reads from the query', () => {
    const query = (tls: BrokerConnection['tls']) => {
      const c: BrokerConnection = {
        host: 'r',
        port: 1,
        db: 0,
        tls,
        scheme: 'rediss',
        clusterAddress: '',
        publicUrl: 'rediss://r:1/0',
      };
      return (brokerAccess(c, 'U').env[0] as { value: string }).value;
    };
    const [checked, withCa, unsafe] = kombuParse([
      query({ unsafe: false }),
      query({ unsafe: false, ca: { secretName: 's', key: 'k' } }),
      query({ unsafe: true }),
    ]);
    // 2: ssl.CERT_REQUIRED, 0: ssl.CERT_NONE
    expect(checked?.ssl).toEqual({ ssl_cert_reqs: 2, ssl_check_hostname: 'true' });
    expect(withCa?.ssl).toEqual({
      ssl_cert_reqs: 2,
      ssl_ca_certs: '/etc/celery-queues/broker-ca/ca.crt',
      ssl_check_hostname: 'true',
    });
    expect(unsafe?.ssl).toEqual({ ssl_cert_reqs: 0 });
  });

  it('the rules restated are Go’s and kombu’s: an IPv6 host without brackets fails in both', () => {
    expect(goSplitHostPort('fd00::10:6380')).toEqual({ error: 'too many colons in address' });
    expect(kombuParse(['redis://fd00::10:6380/0'])[0]?.error).toMatch(
      /^ValueError: Port could not be cast/,
    );
  });
});
