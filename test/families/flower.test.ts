// The flower family: Flower's Deployment, Service, ServiceMonitor (dashboard and Caddy site:
// test/flower.test.ts, test/dashboard.test.ts).
// Table tests on literal YAML (runFamily, test/family.ts).
import { describe } from 'vitest';
import { flower } from '../../src/flower/flower.js';
import { familyTable, LMS_SETTINGS, LMS_WORKER, REDIS } from '../family.js';
import { VERSION } from '../helpers.js';

describe('flower family', () => {
  familyTable(flower, {
    'Flower’s Deployment, Service and ServiceMonitor, the broker URL from its Secret': {
      input: LMS_WORKER + LMS_SETTINGS,
      spec: `lms: {}
flower: {enabled: true, serviceMonitor: {enabled: true}}
${REDIS}`,
      output: `apiVersion: apps/v1
kind: Deployment
metadata:
  name: flower
  namespace: openedx
  labels:
    app.kubernetes.io/name: flower
    app.kubernetes.io/managed-by: celery-queues
    app.kubernetes.io/part-of: openedx
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
spec:
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: flower
  template:
    metadata:
      labels:
        app.kubernetes.io/name: flower
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
      - name: flower
        image: docker.io/mher/flower:2.0.1
        ports:
        - name: metrics
          containerPort: 5555
          protocol: TCP
        env:
        - name: CELERY_BROKER_URL
          valueFrom:
            secretKeyRef:
              name: redis-auth
              key: url
        - name: FLOWER_PORT
          value: "5555"
        readinessProbe:
          httpGet:
            path: /healthcheck
            port: metrics
          periodSeconds: 10
          timeoutSeconds: 5
          failureThreshold: 3
        livenessProbe:
          httpGet:
            path: /healthcheck
            port: metrics
          initialDelaySeconds: 30
          periodSeconds: 20
          timeoutSeconds: 5
          failureThreshold: 6
        resources:
          requests:
            cpu: 50m
            memory: 256Mi
          limits:
            memory: 1Gi
        securityContext:
          allowPrivilegeEscalation: false
          capabilities:
            drop:
            - ALL
---
apiVersion: v1
kind: Service
metadata:
  name: flower
  namespace: openedx
  labels:
    app.kubernetes.io/name: flower
    app.kubernetes.io/managed-by: celery-queues
    app.kubernetes.io/part-of: openedx
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: flower
  ports:
  - name: metrics
    port: 5555
    targetPort: metrics
    protocol: TCP
---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: flower
  namespace: openedx
  labels:
    app.kubernetes.io/name: flower
    app.kubernetes.io/managed-by: celery-queues
    app.kubernetes.io/part-of: openedx
    release: prometheus
  annotations:
    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: flower
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
    'nothing when it is off': {
      input: LMS_WORKER + LMS_SETTINGS,
      spec: `lms: {}
flower: {enabled: false}
${REDIS}`,
      output: ``,
      results: [],
    },
  });
});
