// Flower and what hangs off it: its ServiceMonitor, the Grafana dashboard, and a site in
// Tutor's Caddy.

import * as z from 'zod/mini';
import {
  labelMap,
  metadataKey,
  resources,
  secretKeySelector,
  serviceMonitor,
} from './kubernetes.js';
import { deferred, describe, flag, once, strictObject, string } from './zod.js';

const flowerDashboard = once(() =>
  describe(
    strictObject({
      enabled: describe(flag(false), 'Write the ConfigMap flower-dashboard.'),
      labels: describe(
        z._default(labelMap, { grafana_dashboard: '1' }),
        'Labels by which the Grafana sidecar picks dashboard ConfigMaps up (kube-prometheus-stack: grafana_dashboard: "1"). Replaces the default.',
      ),
      folder: describe(
        z.optional(string(z.minLength(1))),
        'The Grafana folder to put the dashboard in, through folderAnnotation.',
      ),
      folderAnnotation: describe(
        z._default(metadataKey('folderAnnotation'), 'k8s-sidecar-target-directory'),
        "The annotation the Grafana sidecar reads the folder from (the sidecar's FOLDER_ANNOTATION; kube-prometheus-stack: grafana.sidecar.dashboards.folderAnnotation).",
      ),
    }),
    'A Grafana dashboard of the Celery workers, in the ConfigMap flower-dashboard.',
  ),
);

const HOSTNAME =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

export const flower = deferred(() =>
  describe(
    strictObject(
      {
        enabled: describe(flag(false), 'Deploy Flower next to the workers.'),
        image: describe(
          z._default(string(z.minLength(1)), 'docker.io/mher/flower:2.0.1'),
          'The Flower image (as tutor-contrib-celery).',
        ),
        resources: resources(
          "The Flower container's resources (replaces the default). Flower keeps the last tasks (10000 by default) in memory.",
          { requests: { cpu: '50m', memory: '256Mi' }, limits: { memory: '1Gi' } },
        ),
        basicAuthSecret: describe(
          z.optional(
            secretKeySelector('the value: user:password, several separated by commas', 'auth'),
          ),
          'A Secret you manage with Flower’s basic auth (FLOWER_BASIC_AUTH); the function never writes the credentials. Needed to expose Flower.',
        ),
        serviceMonitor: z.optional(
          deferred(() =>
            serviceMonitor('Flower', { byDefault: false, why: 'Write the ServiceMonitor flower.' }),
          ),
        ),
        grafanaDashboard: z.optional(flowerDashboard()),
        expose: describe(
          z.optional(
            deferred(() =>
              strictObject({
                host: describe(
                  string(
                    z.regex(HOSTNAME, 'must be a DNS host name such as flower.learn.example.com'),
                  ),
                  'The public host name, e.g. flower.<your LMS host>.',
                ),
              }),
            ),
          ),
          'Serve Flower through Tutor’s Caddy: a site block for host in the Caddyfile. Needs basicAuthSecret; Flower’s /metrics stays internal.',
        ),
      },
      z.superRefine((f, ctx) => {
        const needsFlower: [string, boolean][] = [
          ['serviceMonitor', f.serviceMonitor?.enabled === true],
          ['grafanaDashboard', f.grafanaDashboard?.enabled === true],
          ['expose', f.expose !== undefined],
        ];
        for (const [field, on] of needsFlower) {
          if (on && !f.enabled) {
            ctx.addIssue({
              code: 'custom',
              path: [field],
              message: `needs Flower: set flower.enabled: true, or drop flower.${field}`,
            });
          }
        }
        if (f.expose && !f.basicAuthSecret) {
          ctx.addIssue({
            code: 'custom',
            path: ['expose'],
            message:
              'Flower would be public without a login: name a Secret with its basic auth in flower.basicAuthSecret',
          });
        }
      }),
    ),
    'Flower, the Celery monitoring UI, and its Prometheus metrics.',
  ),
);
