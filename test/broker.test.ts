// Reading the Celery broker out of a Tutor render.
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { readStream } from '../src/krm/io.js';
import { Results } from '../src/krm/results.js';
import { readBroker } from '../src/tutor/broker.js';
import { findInstances } from '../src/tutor/instances.js';
import { fixture, RENDERS } from './helpers.js';

function brokerOf(text: string, service: 'lms' | 'cms' = 'lms') {
  const { items } = readStream(text);
  const results = new Results();
  const [instance] = findInstances(
    items,
    { acksLate: true, lms: { queues: {}, groups: {} } },
    results,
  );
  const find = (kind: string, ns: string, name: string) =>
    items.find((i) => i.kind === kind && i.namespace === ns && i.name === name);
  const broker = instance && readBroker(instance, service, find, results);
  return { broker, errors: results.list.map((r) => r.message) };
}

/** The render with one setting of lms.env.yml changed. */
function withEnv(text: string, key: string, value: string): string {
  return parseAllDocuments(text)
    .map((doc) => {
      const env = doc.getIn(['data', 'lms.env.yml']);
      if (typeof env === 'string') {
        doc.setIn(
          ['data', 'lms.env.yml'],
          env.replace(new RegExp(`^${key}: .*$`, 'm'), `${key}: "${value}"`),
        );
      }
      return doc.toString();
    })
    .join('---\n');
}

describe('readBroker', () => {
  it('reads Tutor’s in-cluster Redis from openedx-config', () => {
    const { broker, errors } = brokerOf(fixture(RENDERS.v20));
    expect(errors).toEqual([]);
    expect(broker).toMatchObject({
      transport: 'redis',
      host: 'redis',
      port: 6379,
      db: 0,
      user: '',
      password: '',
      tls: false,
      from: { key: 'lms.env.yml' },
    });
    expect(broker?.from.item.name).toBe('openedx-config-7t4875bmct');
  });

  it('reads an external Redis with a password (the custom render)', () => {
    const { broker } = brokerOf(fixture(RENDERS.custom), 'cms');
    expect(broker).toMatchObject({
      host: 'redis.example.internal',
      port: 6379,
      password: 's3cret',
    });
  });

  it.each([
    ['CELERY_BROKER_TRANSPORT', 'rediss', { transport: 'rediss', tls: true }],
    ['CELERY_BROKER_HOSTNAME', 'redis-a:6380', { host: 'redis-a', port: 6380 }],
    ['CELERY_BROKER_VHOST', '3', { db: 3 }],
  ])('reads %s: %s', (key, value, want) => {
    expect(brokerOf(withEnv(fixture(RENDERS.v20), key, value)).broker).toMatchObject(want);
  });

  it('says so when the input lacks openedx-config', () => {
    const text = fixture(RENDERS.v20).replace(
      /name: openedx-config-7t4875bmct\n {2}namespace/,
      'name: elsewhere\n  namespace',
    );
    expect(brokerOf(text).errors[0]).toMatch(
      /openedx-config ConfigMap, which lms-worker mounts but the input lacks/,
    );
  });
});
