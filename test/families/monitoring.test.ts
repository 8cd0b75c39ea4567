// The monitoring family: celery-exporter (Deployment, Service, ServiceMonitor), the alerts, and
// warnings about settings that work against each other.
// Table tests on literal YAML (runFamily, test/family.ts).
import { describe } from 'vitest';
import { monitoring } from '../../src/monitoring/monitoring.js';
import { CMS_WORKER, familyTable, LMS_SETTINGS, LMS_WORKER, REDIS } from '../family.js';
import { VERSION } from '../helpers.js';

// The stock worker with a grace period of ten minutes, which its clones take.
const LONG_GRACE = LMS_WORKER.replace(
  '    spec:\n      containers',
  '    spec:\n      terminationGracePeriodSeconds: 600\n      containers',
);

describe('monitoring family', () => {
  familyTable(monitoring, {
    'celery-exporter, told every queue: the workers’ (a stock worker the config leaves alone included), then the routes’':
      {
        input: LMS_WORKER + CMS_WORKER + LMS_SETTINGS,
        spec: `lms: {queues: {high: {}}}
explicitQueues: {lms: {"lms.djangoapps.grades.tasks.compute_grades_for_course": {queue: edx.lms.core.other}}}
monitoring: {exporter: {enabled: true}}
${REDIS}`,
        output: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: celery-exporter
  namespace: openedx
  labels:
    app.kubernetes.io/name: celery-exporter
    app.kubernetes.io/managed-by: celery-queues
    app.kubernetes.io/part-of: openedx
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: celery-exporter
  template:
    metadata:
      labels:
        app.kubernetes.io/name: celery-exporter
        app.kubernetes.io/managed-by: celery-queues
        app.kubernetes.io/part-of: openedx
    spec:
      enableServiceLinks: false
      automountServiceAccountToken: false
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        seccompProfile:
          type: RuntimeDefault
      containers:
      - name: celery-exporter
        image: docker.io/danihodovic/celery-exporter:0.12.0
        args:
        - --queues=edx.lms.core.default,edx.lms.core.high,edx.lms.core.other,edx.cms.core.default,edx.cms.core.high,edx.cms.core.low
        - --port=9808
        - --retry-interval=5
        env:
        - name: CE_BROKER_URL
          valueFrom:
            secretKeyRef:
              name: redis-auth
              key: url
        ports:
        - name: metrics
          containerPort: 9808
          protocol: TCP
        readinessProbe:
          httpGet:
            path: /health
            port: metrics
          periodSeconds: 10
          timeoutSeconds: 5
          failureThreshold: 3
        livenessProbe:
          httpGet:
            path: /health
            port: metrics
          initialDelaySeconds: 30
          periodSeconds: 20
          timeoutSeconds: 5
          failureThreshold: 6
        resources:
          requests:
            cpu: 50m
            memory: 128Mi
          limits:
            memory: 512Mi
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            drop:
            - ALL
---
apiVersion: v1
kind: Service
metadata:
  name: celery-exporter
  namespace: openedx
  labels:
    app.kubernetes.io/name: celery-exporter
    app.kubernetes.io/managed-by: celery-queues
    app.kubernetes.io/part-of: openedx
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: celery-exporter
  ports:
  - name: metrics
    port: 9808
    targetPort: metrics
    protocol: TCP
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: celery-exporter
  namespace: openedx
  labels:
    app.kubernetes.io/name: celery-exporter
    app.kubernetes.io/managed-by: celery-queues
    app.kubernetes.io/part-of: openedx
    release: prometheus
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: celery-exporter
  namespaceSelector:
    matchNames:
    - openedx
  endpoints:
  - port: metrics
    path: /metrics
    interval: 30s
`,
        results: [],
      },
    'a cooldown shorter than the grace period: KEDA may stop a worker mid-task': {
      input: LONG_GRACE,
      spec: `lms: {queues: {high: {autoscaling: {enabled: true, minReplicas: 0}}}}
${REDIS}`,
      output: ``,
      results: [
        'warning: CeleryQueues celery-queues spec.lms.queues.high.autoscaling: cooldownPeriod (300 s, KEDA’s default) is shorter than the termination grace period of lms-worker-high in openedx (600 s): the queue reads empty while a worker runs the tasks it took, so KEDA may scale it to zero in the middle of a task. Set cooldownPeriod to at least 600, minReplicas to 1, or load.enabled (which counts running tasks)',
      ],
    },
  });
});
