// The autoscaling family: KEDA's ScaledObjects and TriggerAuthentication, no fixed replicas on
// what KEDA scales, HPAs in the way resolved as the config says.
// Table tests on literal YAML (runFamily, test/family.ts).
import { describe } from 'vitest';
import { autoscaling } from '../../src/autoscaling/autoscaling.js';
import { familyTable, LMS_SETTINGS, LMS_WORKER, REDIS } from '../family.js';
import { VERSION } from '../helpers.js';

// The stock worker with a replica count of its own, which its clones take.
const WITH_REPLICAS = LMS_WORKER.replace('spec:\n  selector', 'spec:\n  replicas: 1\n  selector');

const HPA = `---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: lms-worker-high
  namespace: openedx
spec:
  maxReplicas: 4
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: lms-worker-high
`;

describe('autoscaling family', () => {
  familyTable(autoscaling, {
    'a ScaledObject with its TriggerAuthentication, and no fixed replicas on the worker': {
      input: WITH_REPLICAS + LMS_SETTINGS,
      spec: `lms: {queues: {high: {autoscaling: {enabled: true}}}}
${REDIS}`,
      output: `apiVersion: apps/v1
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
---
apiVersion: keda.sh/v1alpha1
kind: TriggerAuthentication
metadata:
  name: celery-queues-broker
  namespace: openedx
  labels:
    app.kubernetes.io/managed-by: celery-queues
    app.kubernetes.io/name: celery-queues-broker
    app.kubernetes.io/part-of: openedx
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from redis-auth
spec:
  secretTargetRef:
  - parameter: password
    name: redis-auth
    key: password
---
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: lms-worker-high-scaledobject
  namespace: openedx
  labels:
    app.kubernetes.io/managed-by: celery-queues
    app.kubernetes.io/name: lms-worker-high-scaledobject
    app.kubernetes.io/part-of: openedx
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker-high
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: lms-worker-high
  minReplicaCount: 0
  maxReplicaCount: 30
  triggers:
  - type: redis
    metadata:
      address: redis.openedx.svc:6379
      databaseIndex: "0"
      listName: edx.lms.core.high
      listLength: "40"
    authenticationRef:
      name: celery-queues-broker
`,
      results: [
        'info: Deployment openedx/lms-worker-high spec.replicas: spec.replicas (1) left out: KEDA sets the replica count of an autoscaled worker, and a fixed one would undo its scaling on every apply',
      ],
    },
    'an HPA that scales the worker is left out when the config says drop': {
      input: LMS_WORKER + LMS_SETTINGS + HPA,
      spec: `lms: {queues: {high: {autoscaling: {enabled: true, existingHPA: drop}}}}
${REDIS}`,
      removed: ['HorizontalPodAutoscaler openedx/lms-worker-high'],
      results: [
        "warning: HorizontalPodAutoscaler openedx/lms-worker-high: left out of the output: KEDA's ScaledObject lms-worker-high-scaledobject scales Deployment lms-worker-high instead (existingHPA: drop). Unless your deployment prunes, delete it from the cluster, or KEDA refuses lms-worker-high-scaledobject",
      ],
    },
    'an HPA that scales the worker, and no word on it: refused': {
      input: LMS_WORKER + LMS_SETTINGS + HPA,
      spec: `lms: {queues: {high: {autoscaling: {enabled: true}}}}
${REDIS}`,
      output: ``,
      results: [
        'error: HorizontalPodAutoscaler openedx/lms-worker-high spec.scaleTargetRef: already scales Deployment lms-worker-high, which spec.lms.queues.high.autoscaling gives the KEDA ScaledObject lms-worker-high-scaledobject, and KEDA refuses to scale a workload an HPA scales; set spec.lms.queues.high.autoscaling.existingHPA to "drop" (the HPA is left out of the output) or to "transfer" (KEDA takes the HPA over)',
      ],
    },
  });
});
