// The broker connection the outputs use: address, cluster-wide name, credentials via Secret.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BROKER_SECRET, brokerConnection, brokerUrlEnv } from '../src/broker/connection.js';
import { loadConfig } from '../src/config/load.js';
import { Edit } from '../src/krm/edit.js';
import { readStream } from '../src/krm/io.js';
import { Results } from '../src/krm/results.js';
import { toPlain } from '../src/krm/yaml.js';
import type { InstancePlan } from '../src/plan.js';
import { findInstances } from '../src/tutor/instances.js';
import { fixture, RENDERS } from './helpers.js';

function planFor(render: string, redis = '') {
  const { items } = readStream(fixture(render));
  const results = new Results();
  const config = loadConfig(
    parse(
      `apiVersion: tutor-krm.dev/v1alpha1\nkind: CeleryQueues\nspec:\n  lms: {}\n${redis ? `  redis: ${redis}\n` : ''}`,
    ),
    results,
  );
  if (!config) throw new Error(JSON.stringify(results.list));
  const edit = new Edit(items, results);
  const [instance] = findInstances(items, config.spec, results);
  const plan: InstancePlan = { instance: instance!, spec: config.spec, edit, results, workers: [] };
  return { plan, edit, results };
}

describe('brokerConnection', () => {
  it('qualifies Tutor’s in-cluster Redis for other namespaces; no password, no Secret', () => {
    const { plan, edit, results } = planFor(RENDERS.v20);
    expect(brokerConnection(plan, 'lms')).toEqual({
      host: 'redis',
      port: 6379,
      db: 0,
      tls: false,
      scheme: 'redis',
      clusterAddress: 'redis.openedx.svc:6379',
      publicUrl: 'redis://redis:6379/0',
    });
    expect(edit.output()).toHaveLength(edit.items.length);
    expect(results.list).toEqual([]);
  });

  it('writes one Secret for a password from the input, and says so', () => {
    const { plan, edit, results } = planFor(RENDERS.custom);
    const lms = brokerConnection(plan, 'lms');
    const cms = brokerConnection(plan, 'cms');
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
          annotations: { 'celery-queues.tutor-krm.dev/generated-by': 'openedx-config' },
        },
        type: 'Opaque',
        stringData: { password: 's3cret', url: 'redis://:s3cret@redis.example.internal:6379/0' },
      },
    ]);
    expect(results.list.map((r) => r.severity)).toEqual(['info']);
  });

  it('references a Secret the config names, and writes none', () => {
    const { plan, edit } = planFor(
      RENDERS.custom,
      '{address: "redis-tls.example:6380", databaseIndex: 2, enableTLS: true, credentialsSecret: {name: my-redis}}',
    );
    const c = brokerConnection(plan, 'lms');
    expect(c).toMatchObject({
      clusterAddress: 'redis-tls.example:6380',
      publicUrl: 'rediss://redis-tls.example:6380/2',
      credentials: { secretName: 'my-redis', passwordKey: 'password' },
    });
    expect(edit.output().some((i) => i.kind === 'Secret')).toBe(false);
  });
});

describe('brokerUrlEnv', () => {
  const base = {
    host: 'r',
    port: 6379,
    db: 1,
    tls: false,
    scheme: 'redis',
    clusterAddress: 'r.ns.svc:6379',
    publicUrl: 'redis://r:6379/1',
  };
  it.each([
    [undefined, [{ name: 'U', value: 'redis://r:6379/1' }]],
    [
      { secretName: 's', passwordKey: 'password', urlKey: 'url' },
      [{ name: 'U', valueFrom: { secretKeyRef: { name: 's', key: 'url' } } }],
    ],
    [
      { secretName: 's', passwordKey: 'pw', usernameKey: 'user' },
      [
        { name: 'U_USERNAME', valueFrom: { secretKeyRef: { name: 's', key: 'user' } } },
        { name: 'U_PASSWORD', valueFrom: { secretKeyRef: { name: 's', key: 'pw' } } },
        { name: 'U', value: 'redis://$(U_USERNAME):$(U_PASSWORD)@r:6379/1' },
      ],
    ],
  ])('credentials %j', (credentials, env) => {
    expect(brokerUrlEnv({ ...base, ...(credentials ? { credentials } : {}) }, 'U')).toEqual(env);
  });
});
