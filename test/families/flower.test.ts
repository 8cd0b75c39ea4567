// The flower family: Flower's Deployment, Service and ServiceMonitor, and its site in Tutor's
// Caddy (the dashboard, and Caddy on the real renders: test/dashboard.test.ts, test/flower.test.ts).
// Table tests on literal YAML (runFamily, test/family.ts).
import { describe } from 'vitest';
import { flower } from '../../src/flower/flower.js';
import { familyTable, LMS_SETTINGS, LMS_WORKER, REDIS } from '../family.js';
import { VERSION } from '../helpers.js';

// Tutor's web proxy, cut down: its Deployment and the Caddyfile it mounts.
const CADDY = `---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: caddy
  namespace: openedx
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: caddy
  template:
    metadata:
      labels:
        app.kubernetes.io/name: caddy
    spec:
      containers:
      - image: docker.io/caddy:2.7.4
        name: caddy
        volumeMounts:
        - mountPath: /etc/caddy/
          name: config
      volumes:
      - configMap:
          name: caddy-config
        name: config
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: caddy-config
  namespace: openedx
data:
  Caddyfile: |
    learn.example.com{$default_site_port} {
        reverse_proxy lms:8000
    }
`;

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
    'a site in Tutor’s Caddyfile for the host it is exposed on, and Caddy’s pods roll': {
      input: LMS_WORKER + LMS_SETTINGS + CADDY,
      spec: `lms: {}
flower: {enabled: true, basicAuthSecret: {name: flower-auth}, expose: {host: flower.learn.example.com}}
${REDIS}`,
      diff: `@@ -32,3 +32,102 @@
 ---
+apiVersion: apps/v1
+kind: Deployment
+metadata:
+  name: flower
+  namespace: openedx
+  labels:
+    app.kubernetes.io/name: flower
+    app.kubernetes.io/managed-by: celery-queues
+    app.kubernetes.io/part-of: openedx
+  annotations:
+    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
+spec:
+  replicas: 1
+  selector:
+    matchLabels:
+      app.kubernetes.io/name: flower
+  template:
+    metadata:
+      labels:
+        app.kubernetes.io/name: flower
+        app.kubernetes.io/managed-by: celery-queues
+        app.kubernetes.io/part-of: openedx
+    spec:
+      enableServiceLinks: false
+      automountServiceAccountToken: false
+      securityContext:
+        runAsNonRoot: true
+        runAsUser: 1000
+        runAsGroup: 1000
+        seccompProfile:
+          type: RuntimeDefault
+      containers:
+      - name: flower
+        image: docker.io/mher/flower:2.0.1
+        ports:
+        - name: metrics
+          containerPort: 5555
+          protocol: TCP
+        env:
+        - name: CELERY_BROKER_URL
+          valueFrom:
+            secretKeyRef:
+              name: redis-auth
+              key: url
+        - name: FLOWER_PORT
+          value: "5555"
+        - name: FLOWER_BASIC_AUTH
+          valueFrom:
+            secretKeyRef:
+              name: flower-auth
+              key: auth
+        readinessProbe:
+          httpGet:
+            path: /healthcheck
+            port: metrics
+          periodSeconds: 10
+          timeoutSeconds: 5
+          failureThreshold: 3
+        livenessProbe:
+          httpGet:
+            path: /healthcheck
+            port: metrics
+          initialDelaySeconds: 30
+          periodSeconds: 20
+          timeoutSeconds: 5
+          failureThreshold: 6
+        resources:
+          requests:
+            cpu: 50m
+            memory: 256Mi
+          limits:
+            memory: 1Gi
+        securityContext:
+          allowPrivilegeEscalation: false
+          capabilities:
+            drop:
+            - ALL
+---
 apiVersion: v1
+kind: Service
+metadata:
+  name: flower
+  namespace: openedx
+  labels:
+    app.kubernetes.io/name: flower
+    app.kubernetes.io/managed-by: celery-queues
+    app.kubernetes.io/part-of: openedx
+  annotations:
+    celery-queues.tutor-krm.dev/generated-by: celery-queues ${VERSION} from lms-worker
+spec:
+  type: ClusterIP
+  selector:
+    app.kubernetes.io/name: flower
+  ports:
+  - name: metrics
+    port: 5555
+    targetPort: metrics
+    protocol: TCP
+---
+apiVersion: v1
 kind: ConfigMap
@@ -55,2 +154,4 @@
         app.kubernetes.io/name: caddy
+      annotations:
+        celery-queues.tutor-krm.dev/caddyfile-hash: gkm7gdmf9t
     spec:
@@ -77,1 +178,8 @@
     }
+    # BEGIN celery-queues.tutor-krm.dev/flower: written by celery-queues, replaced on every run
+    flower.learn.example.com{$default_site_port} {
+        @flower_metrics path /metrics /metrics/*
+        respond @flower_metrics 404
+        reverse_proxy flower:5555
+    }
+    # END celery-queues.tutor-krm.dev/flower
`,
      results: [
        'info: ConfigMap openedx/caddy-config data.Caddyfile: changed the Flower site in Caddyfile; Caddy reads it when it starts (Deployment caddy)',
        'info: ConfigMap openedx/caddy-config data.Caddyfile: the Caddyfile changed; the pod templates of 1 workload carry celery-queues.tutor-krm.dev/caddyfile-hash, so their pods roll',
      ],
    },
    'a host Tutor’s Caddy serves already: refused': {
      input: LMS_WORKER + LMS_SETTINGS + CADDY,
      spec: `lms: {}
flower: {enabled: true, basicAuthSecret: {name: flower-auth}, expose: {host: learn.example.com}}
${REDIS}`,
      output: ``,
      results: [
        'error: CeleryQueues celery-queues spec.flower.expose.host: learn.example.com is a host Tutor\'s Caddy already serves (the site learn.example.com{$default_site_port} in ConfigMap openedx/caddy-config data.Caddyfile): a second site for it makes Caddy refuse the whole Caddyfile ("ambiguous site definition"), so no caddy pod would start, and the LMS and Studio are served through it; give Flower a host of its own, such as flower.learn.example.com',
      ],
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
