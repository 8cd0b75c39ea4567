// The workers stage: a Deployment per variant and group, cloned from the stock worker, and the
// stock worker narrowed to the queues left to it.
// Table tests on literal YAML (runFamily, test/family.ts).
import { describe, expect, it } from 'vitest';
import { workers } from '../../src/workers/workers.js';
import { familyTable, LMS_WORKER, viewFor } from '../family.js';
import { VERSION } from '../helpers.js';

// A stock worker whose selector is a label its clones keep.
const APP_SELECTOR = LMS_WORKER.replace(
  '    matchLabels:\n      app.kubernetes.io/name: lms-worker\n',
  '    matchLabels:\n      app: lms\n',
).replace(
  '      labels:\n        app.kubernetes.io/name: lms-worker\n',
  '      labels:\n        app: lms\n        app.kubernetes.io/name: lms-worker\n',
);

describe('workers family', () => {
  familyTable(workers, {
    'a variant: its own Deployment, cloned from the stock worker, which keeps the other queues': {
      input: LMS_WORKER,
      spec: `lms: {queues: {high: {}}}`,
      output: `apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app.kubernetes.io/name: lms-worker
  name: lms-worker
  namespace: openedx
  annotations:
    celery-queues.tutor-krm.dev/stock-fields: '{"/spec/template/spec/containers/0/args":["celery","--app=lms.celery","worker","--queues=edx.lms.core.default,edx.lms.core.high"]}'
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: lms-worker
  template:
    metadata:
      labels:
        app.kubernetes.io/name: lms-worker
    spec:
      containers:
      - args:
        - celery
        - --app=lms.celery
        - worker
        - --queues=edx.lms.core.default
        image: docker.io/overhangio/openedx:20.0.5
        name: lms-worker
        volumeMounts:
        - mountPath: /openedx/edx-platform/lms/envs/tutor/
          name: settings-lms
      volumes:
      - configMap:
          name: openedx-settings-lms
        name: settings-lms
---
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app.kubernetes.io/managed-by: celery-queues
    app.kubernetes.io/name: lms-worker-high
    app.kubernetes.io/part-of: openedx
  name: lms-worker-high
  namespace: openedx
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: lms-worker-high
  template:
    metadata:
      labels:
        app.kubernetes.io/name: lms-worker-high
    spec:
      containers:
      - args:
        - celery
        - --app=lms.celery
        - worker
        - --hostname=edx.lms.core.high.%h
        - --queues=edx.lms.core.high
        image: docker.io/overhangio/openedx:20.0.5
        name: lms-worker-high
        volumeMounts:
        - mountPath: /openedx/edx-platform/lms/envs/tutor/
          name: settings-lms
      volumes:
      - configMap:
          name: openedx-settings-lms
        name: settings-lms
`,
      results: [],
    },
    'a group: one Deployment for several queues, and the stock worker keeps the default one': {
      input: LMS_WORKER,
      spec: `lms: {groups: {busy: {queues: [high, low]}}}`,
      output: `apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app.kubernetes.io/name: lms-worker
  name: lms-worker
  namespace: openedx
  annotations:
    celery-queues.tutor-krm.dev/stock-fields: '{"/spec/template/spec/containers/0/args":["celery","--app=lms.celery","worker","--queues=edx.lms.core.default,edx.lms.core.high"]}'
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: lms-worker
  template:
    metadata:
      labels:
        app.kubernetes.io/name: lms-worker
    spec:
      containers:
      - args:
        - celery
        - --app=lms.celery
        - worker
        - --queues=edx.lms.core.default
        image: docker.io/overhangio/openedx:20.0.5
        name: lms-worker
        volumeMounts:
        - mountPath: /openedx/edx-platform/lms/envs/tutor/
          name: settings-lms
      volumes:
      - configMap:
          name: openedx-settings-lms
        name: settings-lms
---
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app.kubernetes.io/managed-by: celery-queues
    app.kubernetes.io/name: lms-worker-busy
    app.kubernetes.io/part-of: openedx
  name: lms-worker-busy
  namespace: openedx
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: lms-worker-busy
  template:
    metadata:
      labels:
        app.kubernetes.io/name: lms-worker-busy
    spec:
      containers:
      - args:
        - celery
        - --app=lms.celery
        - worker
        - --hostname=edx.lms.group.busy.%h
        - --queues=edx.lms.core.high,edx.lms.core.low
        image: docker.io/overhangio/openedx:20.0.5
        name: lms-worker-busy
        volumeMounts:
        - mountPath: /openedx/edx-platform/lms/envs/tutor/
          name: settings-lms
      volumes:
      - configMap:
          name: openedx-settings-lms
        name: settings-lms
`,
      results: [],
    },
    'replicas 0: written, and said': {
      input: LMS_WORKER,
      spec: `lms: {queues: {high: {replicas: 0}}}`,
      results: [
        'warning: CeleryQueues celery-queues spec.lms.queues.high.replicas: replicas 0: nothing consumes edx.lms.core.high until the worker is scaled up',
      ],
    },
    'refuses a clone the stock worker’s selector would also select': {
      input: APP_SELECTOR,
      spec: `lms: {queues: {high: {}}}`,
      output: ``,
      results: [
        'error: Deployment openedx/lms-worker spec.selector: its selector would also select the pods of lms-worker-high: add app.kubernetes.io/name to its spec.selector.matchLabels',
      ],
    },
  });
});

describe('the view the workers stage gives the families', () => {
  it('each worker with its queues, command line as written, and sizing with where it is set', () => {
    const view = viewFor(
      LMS_WORKER,
      'lms: {workerDefaults: {replicas: 2}, queues: {high: {concurrency: 4}}}',
    );
    expect(
      view.workers.map((w) => ({ name: w.name, queues: w.queues, args: w.args, sizing: w.sizing })),
    ).toEqual([
      {
        name: 'lms-worker',
        queues: ['edx.lms.core.default'],
        args: ['celery', '--app=lms.celery', 'worker', '--queues=edx.lms.core.default'],
        sizing: { sizing: { replicas: 2 }, from: { replicas: ['spec', 'lms', 'workerDefaults'] } },
      },
      {
        name: 'lms-worker-high',
        queues: ['edx.lms.core.high'],
        args: [
          'celery',
          '--app=lms.celery',
          'worker',
          '--hostname=edx.lms.core.high.%h',
          '--queues=edx.lms.core.high',
          '--concurrency=4',
        ],
        sizing: {
          sizing: { replicas: 2, concurrency: 4 },
          from: {
            replicas: ['spec', 'lms', 'workerDefaults'],
            concurrency: ['spec', 'lms', 'queues', 'high'],
          },
        },
      },
    ]);
    // What is written is what the view says.
    expect(
      view.workers.map((w) => w.body.get(['spec', 'template', 'spec', 'containers', 0, 'args'])),
    ).toEqual(view.workers.map((w) => w.args));
    expect(Object.isFrozen(view) && Object.isFrozen(view.workers)).toBe(true);
  });
});
