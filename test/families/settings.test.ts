// The settings family: task routing and CELERY_ACKS_LATE at the end of production.py, and the
// pods that mount it rolled.
// Table tests on literal YAML (runFamily, test/family.ts).
import { describe } from 'vitest';
import { settings } from '../../src/settings/settings.js';
import { familyTable, LMS_SETTINGS, LMS_WORKER } from '../family.js';

// As Tutor's render names it: the Kustomize hash of its content after the name.
const HASHED = (LMS_WORKER + LMS_SETTINGS).replaceAll(
  'openedx-settings-lms',
  'openedx-settings-lms-h5ttt8t5mc',
);

describe('settings family', () => {
  familyTable(settings, {
    'routes go at the end of production.py, and the pods that mount it roll': {
      input: LMS_WORKER + LMS_SETTINGS,
      spec: `lms: {}
explicitQueues: {lms: {"lms.djangoapps.grades.tasks.compute_grades_for_course": {queue: edx.lms.core.high}}}`,
      diff: `@@ -15,2 +15,4 @@
         app.kubernetes.io/name: lms-worker
+      annotations:
+        celery-queues.tutor-krm.dev/lms-settings-hash: h26c24hdmk
     spec:
@@ -41,1 +43,11 @@
     SECRET_KEY = "x"
+    # BEGIN celery-queues: written by the celery-queues KRM function, replaced on every run; do not edit
+    try:
+        EXPLICIT_QUEUES
+    except NameError:
+        EXPLICIT_QUEUES = {}
+    EXPLICIT_QUEUES.update({
+        'lms.djangoapps.grades.tasks.compute_grades_for_course': {'queue': 'edx.lms.core.high'},
+    })
+    CELERY_ACKS_LATE = True
+    # END celery-queues
`,
      results: [
        'info: ConfigMap openedx/openedx-settings-lms data["production.py"]: LMS settings changed; the pod templates of 1 workload carry celery-queues.tutor-krm.dev/lms-settings-hash, so their pods roll',
        'info: Deployment openedx/lms-worker: edx-platform routes 4 LMS tasks to edx.lms.core.ora_workflow_update, which no worker consumes (nor in stock Tutor): add the variant ora_workflow_update',
      ],
    },
    'a ConfigMap named after its content’s hash takes the hash of the new content, and its references follow':
      {
        input: HASHED,
        spec: `lms: {}
explicitQueues: {lms: {"lms.djangoapps.grades.tasks.compute_grades_for_course": {queue: edx.lms.core.high}}}`,
        diff: `@@ -29,3 +29,3 @@
       - configMap:
-          name: openedx-settings-lms-h5ttt8t5mc
+          name: openedx-settings-lms-h26c24hdmk
         name: settings-lms
@@ -35,3 +35,3 @@
 metadata:
-  name: openedx-settings-lms-h5ttt8t5mc
+  name: openedx-settings-lms-h26c24hdmk
   namespace: openedx
@@ -41,1 +41,11 @@
     SECRET_KEY = "x"
+    # BEGIN celery-queues: written by the celery-queues KRM function, replaced on every run; do not edit
+    try:
+        EXPLICIT_QUEUES
+    except NameError:
+        EXPLICIT_QUEUES = {}
+    EXPLICIT_QUEUES.update({
+        'lms.djangoapps.grades.tasks.compute_grades_for_course': {'queue': 'edx.lms.core.high'},
+    })
+    CELERY_ACKS_LATE = True
+    # END celery-queues
`,
        results: [
          'info: ConfigMap openedx/openedx-settings-lms-h5ttt8t5mc metadata.name: LMS settings changed: renamed to openedx-settings-lms-h26c24hdmk; 1 workload follows, so its pods roll',
          'info: Deployment openedx/lms-worker: edx-platform routes 4 LMS tasks to edx.lms.core.ora_workflow_update, which no worker consumes (nor in stock Tutor): add the variant ora_workflow_update',
        ],
      },
    'a settings ConfigMap the input lacks: an error when there are routes to write': {
      input: LMS_WORKER,
      spec: `lms: {}
explicitQueues: {lms: {"lms.djangoapps.grades.tasks.compute_grades_for_course": {queue: edx.lms.core.high}}}`,
      output: ``,
      results: [
        'error: Deployment openedx/lms-worker spec.template.spec.volumes: it mounts ConfigMap openedx-settings-lms as the LMS settings, and the input lacks it: LMS settings (spec.explicitQueues and CELERY_ACKS_LATE) not written',
      ],
    },
    'a settings ConfigMap the input lacks: a warning when only CELERY_ACKS_LATE is at stake': {
      input: LMS_WORKER,
      spec: `lms: {}`,
      output: ``,
      results: [
        'warning: Deployment openedx/lms-worker spec.template.spec.volumes: it mounts ConfigMap openedx-settings-lms as the LMS settings, and the input lacks it: LMS settings (CELERY_ACKS_LATE) not written',
        'info: Deployment openedx/lms-worker: edx-platform routes 4 LMS tasks to edx.lms.core.ora_workflow_update, which no worker consumes (nor in stock Tutor): add the variant ora_workflow_update',
      ],
    },
  });
});
