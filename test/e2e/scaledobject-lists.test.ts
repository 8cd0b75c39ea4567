// With a real redis-server and a real Celery client (Debian's python3-celery): the tasks sent to a
// queue wait in exactly the Redis lists the ScaledObject counts, in the database it reads, with
// the password its TriggerAuthentication finds. The broker is the custom render's (an external
// Redis with a password), moved to database 2 and to a local port.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { find, fixture, RENDERS, resources, runWithConfig } from '../helpers.js';
import { PYTHON, type RedisServer, startRedis } from './processes.js';

const CONFIG = `apiVersion: tutor-krm.dev/v1alpha1
kind: CeleryQueues
metadata:
  name: celery-queues
spec:
  lms:
    queues:
      high:
        autoscaling: {enabled: true}
      high_mem:
        autoscaling: {enabled: true, priorityLists: {enabled: true}}
`;

// The custom render with its broker in database 2, so a wrong databaseIndex shows.
const INPUT = fixture(RENDERS.custom).replace(
  /CELERY_BROKER_VHOST:(\s+)\\"0\\"/g,
  'CELERY_BROKER_VHOST:$1\\"2\\"',
);

type Resource = Record<string, any>;

function python(script: string, input: unknown): any {
  const r = spawnSync(PYTHON, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// Sends tasks by name, as edx-platform's code does through its routers: nothing needs importing.
const SEND = `
import json, sys
from celery import Celery
job = json.load(sys.stdin)
app = Celery(broker=job["broker"])
for send in job["sends"]:
    options = {} if send["priority"] is None else {"priority": send["priority"]}
    for i in range(send["count"]):
        app.send_task("lms.djangoapps.instructor_task.tasks.export_ora2_data", args=[i], queue=send["queue"], **options)
print(json.dumps("sent"))
`;

// Reads the broker as KEDA's redis scaler does: LLEN of each list, in the given database.
const MEASURE = `
import json, sys
import redis
job = json.load(sys.stdin)
client = redis.Redis(host=job["host"], port=job["port"], db=job["db"], password=job["password"])
print(json.dumps({
    "lengths": [client.llen(name) for name in job["lists"]],
    "keys": sorted(k.decode() for k in client.keys("*")),
}))
`;

describe('tasks land where the ScaledObject looks (redis-server, celery)', () => {
  let redis: RedisServer;
  let port = 0;
  const out = runWithConfig(INPUT, CONFIG);
  const list = resources(out.stdout);

  /** The password KEDA would read: the Secret and key the TriggerAuthentication names. */
  function kedaPassword(so: Resource): string {
    const auth = find(list, 'TriggerAuthentication', so.spec.triggers[0].authenticationRef.name);
    const ref = auth?.spec.secretTargetRef.find((r: Resource) => r.parameter === 'password');
    return find(list, 'Secret', ref.name)?.stringData[ref.key];
  }

  /** The broker URL edx-platform composes from lms.env.yml, pointed at the local redis-server. */
  function brokerUrl(): string {
    const config = list.find((r) => r.kind === 'ConfigMap' && r.data?.['lms.env.yml']);
    const env = parse(config?.data['lms.env.yml']);
    return `${env.CELERY_BROKER_TRANSPORT}://${env.CELERY_BROKER_USER}:${env.CELERY_BROKER_PASSWORD}@127.0.0.1:${port}/${env.CELERY_BROKER_VHOST}`;
  }

  beforeAll(async () => {
    expect(out.status).toBe(0);
    const so = find(list, 'ScaledObject', 'lms-worker-high-scaledobject') ?? {};
    redis = await startRedis(kedaPassword(so));
    port = redis.port;
  });

  afterAll(() => redis?.stop());

  function measure(so: Resource) {
    const trigger = so.spec.triggers[0].metadata;
    return python(MEASURE, {
      host: '127.0.0.1',
      port,
      db: Number(trigger.databaseIndex),
      password: kedaPassword(so),
      lists: so.spec.triggers.map((t: Resource) => t.metadata.listName),
    }) as { lengths: number[]; keys: string[] };
  }

  it('LLEN of listName equals the number of tasks sent to the queue', () => {
    const so = find(list, 'ScaledObject', 'lms-worker-high-scaledobject') as Resource;
    expect(so.spec.triggers[0].metadata).toMatchObject({
      databaseIndex: '2',
      listName: 'edx.lms.core.high',
    });
    expect(measure(so).lengths).toEqual([0]);
    python(SEND, {
      broker: brokerUrl(),
      sends: [{ queue: 'edx.lms.core.high', priority: null, count: 7 }],
    });
    const { lengths, keys } = measure(so);
    expect(lengths).toEqual([7]);
    expect(keys.filter((k) => k.startsWith('edx.lms.core.high'))).toEqual(['edx.lms.core.high']);
  });

  it('with priority lists counted, the lists hold every task, each in the one kombu picks', () => {
    const so = find(list, 'ScaledObject', 'lms-worker-high-mem-scaledobject') as Resource;
    const queue = 'edx.lms.core.high_mem';
    const sends = [
      { queue, priority: null, count: 5 },
      { queue, priority: 0, count: 1 },
      { queue, priority: 4, count: 3 },
      { queue, priority: 7, count: 2 },
      { queue, priority: 9, count: 4 },
    ];
    python(SEND, { broker: brokerUrl(), sends });
    const { lengths, keys } = measure(so);
    // kombu's default priority steps 0, 3, 6, 9: a priority goes to the step at or below it.
    expect(lengths).toEqual([6, 3, 2, 4]);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(15);
    // No list of the queue that the ScaledObject does not count.
    const counted = so.spec.triggers.map((t: Resource) => t.metadata.listName);
    expect(keys.filter((k) => k.startsWith(queue))).toEqual([...counted].sort());
    // Without the priority lists, KEDA would have seen 6 of the 15.
    expect(so.spec.advanced.scalingModifiers.formula).toBe(
      'priority_0 + priority_3 + priority_6 + priority_9',
    );
  });
});
