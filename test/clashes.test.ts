// Settings that defeat each other, or that the programs reading the output would take otherwise
// than the config means: each a warning that names the fix (the run goes on), or an error where
// the output could not work (nothing is written).
import { describe, expect, it } from 'vitest';
import {
  celeryQueuesConfig,
  fixture,
  otherThanSettings,
  RENDERS,
  runWithConfig,
} from './helpers.js';

const V20 = fixture(RENDERS.v20);

/** The warnings and errors of a run on the v20 render with this spec. */
function said(spec: Record<string, unknown>, input = V20) {
  const out = runWithConfig(input, celeryQueuesConfig(spec));
  const lines = otherThanSettings(out.stderr)
    .split('\n')
    .filter((l) => / (warning|error): /.test(l));
  return { status: out.status, lines };
}

const high = (autoscaling: Record<string, unknown>) => ({
  lms: { queues: { high: { autoscaling: { enabled: true, ...autoscaling } } } },
});
const FIELD = 'CeleryQueues celery-queues spec.lms.queues.high.autoscaling';

describe('autoscaling settings that KEDA would ignore', () => {
  // KEDA 2.20.2 apis/keda/v1alpha1/scaledobject_webhook.go, verifyScaledObjects: the same warnings.
  it.each(['cooldownPeriod', 'pollingInterval'])('%s with minReplicas 1: a warning', (timing) => {
    expect(said(high({ minReplicas: 1, [timing]: 600 }))).toEqual({
      status: 0,
      lines: [
        `celery-queues: warning: ${FIELD}.${timing}: ${timing} has no effect with minReplicas 1: it times KEDA's step between 0 and 1 replica, which a worker that keeps a replica never takes (KEDA 2.20 warns the same at apply). Drop ${timing}${timing === 'cooldownPeriod' ? ', and slow the scale-down above 1 replica with behavior.scaleDown' : ''}, or set minReplicas to 0`,
      ],
    });
    expect(said(high({ minReplicas: 0, [timing]: 600 }))).toEqual({ status: 0, lines: [] });
  });

  // KEDA 2.17.3 and 2.20.2 pkg/scaling/executor/scale_scaledobjects.go: on a scaler error KEDA
  // leaves the replicas to the HPA, which is inactive at 0.
  it('fallback on a worker that scales to zero: a warning', () => {
    const fallback = { failureThreshold: 3, replicas: 1 };
    expect(said(high({ fallback }))).toEqual({
      status: 0,
      lines: [
        `celery-queues: warning: ${FIELD}.fallback: fallback cannot start this worker from 0 replicas: the HPA that applies it is inactive at 0, so while KEDA cannot read the queue a worker scaled to zero stays there. Set minReplicas to 1 to have the fallback apply always, or drop fallback`,
      ],
    });
    expect(said(high({ fallback, minReplicas: 1 }))).toEqual({ status: 0, lines: [] });
  });
});

describe('a render without namespaces', () => {
  const bare = V20.replace(/^ {2}namespace: openedx\n/gm, '');

  it('has no namespace left', () => {
    expect(bare).not.toMatch(/namespace: openedx/);
  });

  // KEDA's operator dials the trigger's address from its own namespace.
  it('refuses KEDA a bare Service name, asking for spec.redis.address', () => {
    expect(said(high({}), bare)).toEqual({
      status: 1,
      lines: [
        `celery-queues: error: CeleryQueues celery-queues spec.redis.address: the input has no namespaces, so the broker host "redis" is a bare Service name that KEDA's operator would look up in its own namespace (its ScaledObjects could not read the queues, and workers scaled to zero would never wake); set spec.redis.address to a name that resolves from there, e.g. redis.<namespace>.svc:6379`,
      ],
    });
  });

  it('takes a full name, and needs none without KEDA', () => {
    const named = { ...high({}), redis: { address: 'redis.openedx.svc.cluster.local:6379' } };
    expect(said(named, bare)).toEqual({ status: 0, lines: [] });
    const out = runWithConfig(bare, celeryQueuesConfig(named));
    expect(out.stdout).toContain('address: redis.openedx.svc.cluster.local:6379\n');
    expect(said({ lms: { queues: { high: {} } }, flower: { enabled: true } }, bare).status).toBe(0);
  });
});

describe('workers that cannot do what the rest of the config counts on', () => {
  const exporter = { exporter: { enabled: true } };

  // celery-exporter 0.12 src/exporter.py: celery_worker_up and celery_worker_tasks_active come
  // from worker-heartbeat events.
  it('--without-heartbeat with celery-exporter: a warning naming what goes dark', () => {
    const spec = {
      lms: { queues: { high: { extraArgs: ['--without-heartbeat'] } } },
      monitoring: { ...exporter, alerts: { enabled: true } },
    };
    expect(said(spec)).toEqual({
      status: 0,
      lines: [
        'celery-queues: warning: CeleryQueues celery-queues spec.lms.queues.high.extraArgs: lms-worker-high runs with --without-heartbeat: celery-exporter never sees it online (celery_worker_up), CeleryWorkerDown fires for it. Remove --without-heartbeat',
      ],
    });
    const load = {
      lms: {
        queues: {
          high: {
            extraArgs: ['--without-heartbeat'],
            autoscaling: { enabled: true, minReplicas: 1, load: { enabled: true } },
          },
        },
      },
      monitoring: { ...exporter, prometheus: { serverAddress: 'http://prometheus:9090' } },
    };
    expect(said(load).lines).toEqual([
      'celery-queues: warning: CeleryQueues celery-queues spec.lms.queues.high.extraArgs: lms-worker-high runs with --without-heartbeat: celery-exporter never sees it online (celery_worker_up), load scaling counts none of its running tasks. Remove --without-heartbeat',
    ]);
    // Without the exporter nothing reads the heartbeats.
    expect(said({ lms: spec.lms }).lines).toEqual([]);
  });

  // Celery 5.3+ celery/concurrency/__init__.py: the "custom" pool is CELERY_CUSTOM_WORKER_POOL.
  it('pool custom without CELERY_CUSTOM_WORKER_POOL: a warning', () => {
    const message =
      "runs --pool=custom, which needs Celery 5.3 or later and the pool's class in the environment variable CELERY_CUSTOM_WORKER_POOL (module:Class); without it the worker does not start. Add it to env";
    expect(said({ lms: { queues: { high: { pool: 'custom' } } } }).lines).toEqual([
      `celery-queues: warning: CeleryQueues celery-queues spec.lms.queues.high.pool: lms-worker-high ${message}`,
    ]);
    expect(said({ lms: { queues: { high: { extraArgs: ['-P', 'custom'] } } } }).lines).toEqual([
      `celery-queues: warning: CeleryQueues celery-queues spec.lms.queues.high.extraArgs: lms-worker-high ${message}`,
    ]);
    const env = [{ name: 'CELERY_CUSTOM_WORKER_POOL', value: 'celery_aio_pool.pool:AsyncIOPool' }];
    expect(said({ lms: { queues: { high: { pool: 'custom', env } } } }).lines).toEqual([]);
  });
});

describe('TLS settings for a broker without TLS', () => {
  it('are a warning, once per instance', () => {
    const spec = {
      lms: { queues: { high: { autoscaling: { enabled: true } } } },
      cms: { queues: { high: { autoscaling: { enabled: true } } } },
      redis: { tls: { unsafeSsl: true } },
    };
    expect(said(spec).lines).toEqual([
      'celery-queues: warning: CeleryQueues celery-queues spec.redis.tls: spec.redis.tls has no effect: the broker of openedx is not reached with TLS (set spec.redis.enableTLS, or drop spec.redis.tls)',
    ]);
    expect(said({ ...spec, redis: { ...spec.redis, enableTLS: true } }).lines).toEqual([]);
  });
});
