// Routing advice that is right: a task routed to a queue nobody consumes is told the queue it
// most likely meant, a variant only where adding it is safe, and only queues its own service's
// workers consume (a task runs in its own service's Celery app).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adviceText, routingAdvice } from '../src/settings/advice.js';
import { celeryQueuesConfig, ROOT, runWithConfig } from './helpers.js';

const RENDER = readFileSync(join(ROOT, 'examples', 'tutor-v20.yaml'), 'utf8');

/** The warning about the route of task `t`, run on the example render. */
function warningFor(spec: Record<string, unknown>, render = RENDER): string {
  const out = runWithConfig(render, celeryQueuesConfig(spec));
  expect(out.status).toBe(0);
  const line = out.stderr.split('\n').find((l) => l.includes('task "t" is routed'));
  expect(line, out.stderr).toBeDefined();
  return (line as string).replace(/^.*such tasks would wait forever\. /, '');
}

const CONSUMED_LMS = 'edx.lms.core.default, edx.lms.core.high, edx.lms.core.high_mem';

describe('the way out of a route to a queue nobody consumes', () => {
  it('a bare variant name: did you mean the queue of that name', () => {
    expect(
      warningFor({ lms: { queues: {} }, explicitQueues: { lms: { t: { queue: 'high_mem' } } } }),
    ).toBe(
      'Did you mean edx.lms.core.high_mem? Route the task to another consumed LMS queue (edx.lms.core.default, edx.lms.core.high).',
    );
  });

  it('a variant written with "-": the queue, never a variant whose worker would collide', () => {
    const advice = warningFor({
      lms: { queues: { high_mem: {} } },
      explicitQueues: { lms: { t: { queue: 'edx.lms.core.high-mem' } } },
    });
    expect(advice).toBe(
      'Did you mean edx.lms.core.high_mem? No variant to add: a variant high-mem would write the worker lms-worker-high-mem, a name the instance has already. Route the task to another consumed LMS queue (edx.lms.core.default, edx.lms.core.high).',
    );
    expect(advice).not.toContain('Add the variant');
  });

  it('a typo: the nearest queue, and a variant to add as the other way', () => {
    expect(
      warningFor({
        lms: { queues: {} },
        explicitQueues: { lms: { t: { queue: 'edx.lms.core.hihg_mem' } } },
      }),
    ).toBe(
      `Did you mean edx.lms.core.high_mem? Or add the variant hihg_mem to spec.lms.queues (a worker for that queue), or route the task to another consumed LMS queue (edx.lms.core.default, edx.lms.core.high).`,
    );
  });

  it('a new queue: the variant, and only the queues of the task’s own service', () => {
    const advice = warningFor({
      lms: { queues: {} },
      explicitQueues: { lms: { t: { queue: 'edx.lms.core.reports' } } },
    });
    expect(advice).toBe(
      `Add the variant reports to spec.lms.queues (a worker for that queue), or route the task to a consumed LMS queue (${CONSUMED_LMS}).`,
    );
    expect(advice).not.toContain('edx.cms.');
  });

  it("another service's queue: no variant of that service offered to an LMS task", () => {
    const advice = warningFor({
      lms: { queues: {} },
      explicitQueues: { lms: { t: { queue: 'edx.cms.core.reports' } } },
    });
    expect(advice).toBe(
      `No variant to add: edx.cms.core.reports would be consumed by CMS workers, which run the CMS's tasks. Route the task to a consumed LMS queue (${CONSUMED_LMS}).`,
    );
  });

  it("a Deployment of the variant's worker name that someone else runs: no variant offered", () => {
    const render = `${RENDER}---
apiVersion: apps/v1
kind: Deployment
metadata: {name: lms-worker-reports, namespace: openedx}
spec:
  selector: {matchLabels: {app: x}}
  template:
    metadata: {labels: {app: x}}
    spec: {containers: [{name: x, image: nginx}]}
`;
    const advice = warningFor(
      { lms: { queues: {} }, explicitQueues: { lms: { t: { queue: 'edx.lms.core.reports' } } } },
      render,
    );
    expect(advice).toMatch(
      /^No variant to add: a variant reports would write the worker lms-worker-reports, a name the instance has already\./,
    );
  });

  it("a group's worker name: no variant that would collide with it, written either way", () => {
    for (const queue of ['edx.lms.core.bulk_jobs', 'edx.lms.core.bulk-jobs']) {
      const advice = warningFor({
        lms: { groups: { bulk_jobs: { queues: ['high_mem'] } } },
        explicitQueues: { lms: { t: { queue } } },
      });
      expect(advice).toBe(
        `No variant to add: a variant ${queue.split('.').pop()} would write the worker lms-worker-bulk-jobs, a name the instance has already. Route the task to a consumed LMS queue (${CONSUMED_LMS}).`,
      );
    }
  });

  it('a name no variant can give, too long for Kubernetes', () => {
    const long = `edx.lms.core.${'r'.repeat(45)}`;
    const advice = warningFor({
      lms: { queues: {} },
      explicitQueues: { lms: { t: { queue: long } } },
    });
    expect(advice).toMatch(
      /^No variant to add: a variant r{45} would name lms-worker-r{45}-scaledobject, over Kubernetes' 63 characters\./,
    );
  });
});

describe('routingAdvice, the class', () => {
  const consumed = new Set([
    'edx.lms.core.default',
    'edx.lms.core.high',
    'edx.lms.core.high_mem',
    'edx.cms.core.default',
  ]);
  const base = {
    service: 'lms' as const,
    consumed,
    taken: (n: string) => n === 'lms-worker-high-mem',
  };

  it.each([
    ['high_mem', 'edx.lms.core.high_mem'],
    ['HIGH_MEM', 'edx.lms.core.high_mem'],
    ['edx.lms.core.high-mem', 'edx.lms.core.high_mem'],
    ['edx.lms.core.higg', 'edx.lms.core.high'],
    ['edx.lms.core.hgh', undefined],
    ['edx.lms.core.default ', undefined],
    ['default', 'edx.lms.core.default'],
    ['edx.lms.core.reports', undefined],
    ['edx.cms.core.high_mem', 'edx.lms.core.high_mem'],
  ])('%s: nearest %s, never a queue of the other service', (queue, nearest) => {
    const advice = routingAdvice({ ...base, queue });
    expect(advice.nearest).toBe(nearest);
    expect(advice.consumedHere.every((q) => q.startsWith('edx.lms.'))).toBe(true);
    expect(adviceText(advice)).not.toMatch(/spec\.cms|consumed CMS/);
  });

  it('never offers a variant whose worker name the instance has', () => {
    for (const queue of ['edx.lms.core.high-mem', 'edx.lms.core.high_mem']) {
      const advice = routingAdvice({ ...base, consumed: new Set(), queue });
      expect(advice.variant).toBeUndefined();
    }
    expect(
      routingAdvice({ ...base, consumed: new Set(), queue: 'edx.lms.core.x' }).variant,
    ).toEqual({
      service: 'lms',
      variant: 'x',
    });
  });
});
