// `celery-queues migrate config.yml`: Tutor's own config.yml (a real one, saved by Tutor v20 for
// the custom render, with tutor-contrib-celery's settings as `tutor config save --set` writes
// them) becomes the CeleryQueues that means the same; its output is a config the function takes,
// and no password of config.yml reaches it.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { SCHEMA_URL } from '../src/config/schema.js';
import { celeryQueuesConfig, fixture, RENDERS, runCli, runWithConfig } from './helpers.js';

const TUTOR = fixture('tutor/stock-v20-custom.config.yml');
const PLUGIN = `CELERY_LMS_EXPLICIT_QUEUES:
  lms.djangoapps.grades.tasks.compute_all_grades_for_course:
    queue: edx.lms.core.high_mem
CELERY_CMS_EXPLICIT_QUEUES: {}
CELERY_FLOWER: true
CELERY_FLOWER_SERVICE_MONITOR: true
CELERY_FLOWER_EXPOSE_SERVICE: true
CELERY_FLOWER_BASIC_AUTH: flower:Zx8kQpL2vN5wR7tY
CELERY_VERSION: 20.0.0
`;

function migrate(text: string) {
  return runCli(['migrate', '/config.yml'], '', { '/config.yml': text });
}

describe('celery-queues migrate', () => {
  it("prints the CeleryQueues for the plugin's settings, filling in the Flower host from LMS_HOST", () => {
    const out = migrate(`${TUTOR}${PLUGIN}`);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout.split('\n')[0]).toBe(`# yaml-language-server: $schema=${SCHEMA_URL}`);
    expect(parse(out.stdout)).toEqual({
      apiVersion: 'tutor-krm.dev/v1alpha1',
      kind: 'CeleryQueues',
      metadata: { name: 'celery-queues' },
      spec: {
        explicitQueues: {
          lms: {
            'lms.djangoapps.grades.tasks.compute_all_grades_for_course': {
              queue: 'edx.lms.core.high_mem',
            },
          },
        },
        flower: {
          enabled: true,
          basicAuthSecret: { name: 'flower-basic-auth' },
          serviceMonitor: { enabled: true },
          expose: { host: 'flower.learn.example.com' },
        },
      },
    });
    // The notes: disable the plugin first, the workers, and the Secret from the plugin's login.
    expect(out.stdout).toContain('tutor plugins disable celery');
    expect(out.stdout).toContain(
      'kubectl create secret generic flower-basic-auth --namespace openedx-prod',
    );
    expect(out.stdout).toContain('"$(tutor config printvalue CELERY_FLOWER_BASIC_AUTH)"');
    // No password of config.yml.
    for (const secret of ['Zx8kQpL2vN5wR7tY', 's3cret', 'OLaB1s4K', 'bu6wVNkziSyGOFO4eFQwO8VA']) {
      expect(out.stdout).not.toContain(secret);
    }
  });

  it('its output is a config the function takes, on the render of the same config.yml', () => {
    const config = migrate(`${TUTOR}${PLUGIN}`).stdout;
    const out = runWithConfig(fixture(RENDERS.custom), config);
    expect(out.status).toBe(0);
    expect(out.stderr).not.toMatch(/: error: /);
    expect(out.stdout).toContain('flower.learn.example.com');
  });

  it("the plugin's own host template, and its own image, as Tutor would fill them", () => {
    const out = migrate(
      `LMS_HOST: www.example.org\nCELERY_FLOWER: true\nCELERY_FLOWER_EXPOSE_SERVICE: true\nCELERY_FLOWER_HOST: "monitor.{{ LMS_HOST }}"\nCELERY_FLOWER_DOCKER_IMAGE: docker.io/mher/flower:2.0.1\n`,
    );
    expect(out.status).toBe(0);
    expect(parse(out.stdout).spec.flower).toEqual({
      enabled: true,
      basicAuthSecret: { name: 'flower-basic-auth' },
      expose: { host: 'monitor.www.example.org' },
    });
  });

  it("Tutor's default LMS_HOST when config.yml has none, and another Flower image kept", () => {
    const out = migrate(
      'CELERY_FLOWER: true\nCELERY_FLOWER_EXPOSE_SERVICE: true\nCELERY_FLOWER_DOCKER_IMAGE: registry.example.org/flower:2.0.1\n',
    );
    expect(parse(out.stdout).spec.flower).toMatchObject({
      image: 'registry.example.org/flower:2.0.1',
      expose: { host: 'flower.www.myopenedx.com' },
    });
  });

  it('a config.yml without the plugin: an empty CeleryQueues and a warning', () => {
    const out = migrate(TUTOR);
    expect(out.status).toBe(0);
    expect(parse(out.stdout).spec).toEqual({});
    expect(out.stderr).toBe(
      'celery-queues: warning: /config.yml holds no tutor-contrib-celery setting (CELERY_*): the CeleryQueues is empty\n',
    );
  });

  it.each([
    [
      'a CeleryQueues',
      celeryQueuesConfig({}),
      "/config.yml is a CeleryQueues, not Tutor's config.yml: it needs no migration",
    ],
    [
      'a list',
      '- a\n',
      "/config.yml is not Tutor's config.yml: that is a mapping of settings (LMS_HOST: ...)",
    ],
    ['not YAML', 'a: [', '/config.yml: not valid YAML:'],
    [
      'a setting the plugin has not',
      'CELERY_FLOWR: true\n',
      '/config.yml CELERY_FLOWR: unknown key "CELERY_FLOWR"',
    ],
  ])('%s: one error naming config.yml', (_, text, message) => {
    const out = migrate(text);
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(`celery-queues: error: ${message}`);
  });

  it('a directory, a missing file: said in words', () => {
    expect(runCli(['migrate', '/nonexistent/config.yml']).stderr).toBe(
      'celery-queues: error: /nonexistent/config.yml: no such file\n',
    );
    expect(runCli(['migrate', '/tmp']).stderr).toBe(
      'celery-queues: error: /tmp is a directory, not a file: give the file itself, "$(tutor config printroot)/config.yml"\n',
    );
  });
});

describe('the ConfigMap form and the exposure of Flower', () => {
  const configMap = (data: Record<string, string>) =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tutor-celery}\ndata:\n${Object.entries(data)
      .map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`)
      .join('\n')}\n`;

  it('CELERY_FLOWER_EXPOSE_SERVICE serves Flower on CELERY_FLOWER_HOST, as spec.flower.expose does', () => {
    const render = fixture(RENDERS.custom);
    const legacy = runWithConfig(
      render,
      configMap({
        CELERY_FLOWER: 'true',
        CELERY_FLOWER_BASIC_AUTH_SECRET: 'flower-basic-auth',
        CELERY_FLOWER_EXPOSE_SERVICE: 'true',
        CELERY_FLOWER_HOST: 'flower.learn.example.com',
      }),
    );
    const native = runWithConfig(
      render,
      celeryQueuesConfig({
        flower: {
          enabled: true,
          basicAuthSecret: { name: 'flower-basic-auth' },
          expose: { host: 'flower.learn.example.com' },
        },
      }),
    );
    expect(legacy.status).toBe(0);
    expect(legacy.stdout).toBe(native.stdout);
  });

  it("without the host, or with Tutor's template in it: an error that says what to write", () => {
    for (const host of [undefined, 'flower.{{LMS_HOST}}']) {
      const out = runWithConfig(
        fixture(RENDERS.custom),
        configMap({
          CELERY_FLOWER: 'true',
          CELERY_FLOWER_BASIC_AUTH_SECRET: 'flower-basic-auth',
          CELERY_FLOWER_EXPOSE_SERVICE: 'true',
          ...(host ? { CELERY_FLOWER_HOST: host } : {}),
        }),
      );
      expect(out.status).toBe(1);
      expect(out.stderr).toMatch(
        /^celery-queues: error: ConfigMap tutor-celery data\.CELERY_FLOWER_HOST: .*write the host out, e\.g\. flower\.learn\.example\.com \(celery-queues migrate config\.yml fills it in from LMS_HOST\)\n/,
      );
    }
  });
});

describe('a render made with tutor-contrib-celery still enabled', () => {
  // What the plugin's patches add (v21.0.0: patches/k8s-deployments, its LMS_WORKER_COMMAND
  // filter): a worker per variant with node names ending in %%h, a second --queues on the stock one.
  const render = `${fixture(RENDERS.v20).replace(
    '        - --without-mingle\n        env:\n        - name: SERVICE_VARIANT\n          value: lms',
    '        - --without-mingle\n        - --queues=edx.lms.core.default\n        env:\n        - name: SERVICE_VARIANT\n          value: lms',
  )}---
apiVersion: apps/v1
kind: Deployment
metadata: {name: lms-worker-high, namespace: openedx, labels: {app.kubernetes.io/name: lms-worker-high}}
spec:
  selector: {matchLabels: {app.kubernetes.io/name: lms-worker-high}}
  template:
    metadata: {labels: {app.kubernetes.io/name: lms-worker-high}}
    spec:
      containers:
      - name: lms-worker-high
        image: docker.io/overhangio/openedx:20.0.5
        args: [celery, --app=lms.celery, worker, --loglevel=info, --hostname=edx.lms.core.high.%%h, --max-tasks-per-child=100, --queues=edx.lms.core.high]
`;

  it('one error that says to disable the plugin first, whatever the config', () => {
    expect(render).toContain('- --queues=edx.lms.core.default\n');
    const out = runWithConfig(render, celeryQueuesConfig({ lms: { queues: { high: {} } } }));
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    const [line] = out.stderr.split('\n');
    expect(line).toBe(
      'celery-queues: error: Deployment openedx/lms-worker-high: the input was rendered with tutor-contrib-celery enabled (lms-worker-high: its per-queue workers); celery-queues writes the per-queue workers itself, and both together would drain a queue twice. Disable the plugin first, tutor plugins disable celery && tutor config save, render again, and keep its settings in the config (celery-queues migrate config.yml)',
    );
  });

  it('the stock worker with the second --queues alone says so too', () => {
    const stockOnly = render.slice(
      0,
      render.lastIndexOf(
        '---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: lms-worker-high',
      ),
    );
    const out = runWithConfig(stockOnly, celeryQueuesConfig({ lms: { queues: { high: {} } } }));
    expect(out.status).toBe(1);
    expect(out.stderr).toContain('(lms-worker: a second --queues)');
  });
});
