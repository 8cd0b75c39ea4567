// Moving from the Python plugin: the ConfigMap form with tutor-contrib-celery's Tutor settings
// must mean exactly what the native CeleryQueues says (same config, same output bytes), and
// every setting it cannot honour must say so.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { loadConfig } from '../src/config/load.js';
import type { CeleryQueues } from '../src/config/schema.js';
import { Results } from '../src/krm/results.js';
import { fixture, RENDERS, ROOT, runCli, twoInstances } from './helpers.js';

const NATIVE_HEAD =
  'apiVersion: tutor-krm.dev/v1alpha1\nkind: CeleryQueues\nmetadata: {name: celery-queues}\n';

function configMap(data: Record<string, unknown>, name = 'celery-queues') {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
}

function load(value: unknown) {
  const results = new Results();
  const config = loadConfig(value, results);
  return {
    config,
    messages: results.list.map(
      (r) =>
        `${r.severity}: ${r.resourceRef ? `${r.resourceRef.kind} ${r.resourceRef.name} ` : ''}${r.field?.path}: ${r.message}`,
    ),
  };
}

/** The native config a ConfigMap maps onto, checked to load with no message at all. */
function native(yamlSpec: string): CeleryQueues {
  const { config, messages } = load(parse(`${NATIVE_HEAD}${yamlSpec}`));
  expect(messages).toEqual([]);
  return config as CeleryQueues;
}

describe('the ConfigMap form maps onto the native config', () => {
  it.each([
    [
      'CELERY_WORKERS_CONFIG: variants, extra_params, and KEDA settings',
      {
        CELERY_WORKERS_CONFIG:
          'lms:\n  high: {}\n  high_mem:\n    extra_params: ["--pool=gevent", "--concurrency=100"]\n    enable_keda: true\n    min_replicas: 1\n    max_replicas: 5\n    list_length: 20\ncms:\n  low: {enable_keda: true}\n',
      },
      'spec:\n  lms:\n    queues:\n      high: {}\n      high_mem:\n        extraArgs: ["--pool=gevent", "--concurrency=100"]\n        autoscaling: {enabled: true, minReplicas: 1, maxReplicas: 5, listLength: 20}\n  cms:\n    queues:\n      low: {autoscaling: {enabled: true}}\n',
    ],
    [
      'CELERY_WORKERS_CONFIG as JSON text',
      {
        CELERY_WORKERS_CONFIG:
          '{"lms": {"high": {}, "high_mem": {"extra_params": ["--concurrency=2"]}}}',
      },
      'spec:\n  lms:\n    queues:\n      high: {}\n      high_mem: {extraArgs: ["--concurrency=2"]}\n',
    ],
    [
      'the stock worker (default) keeps the plugin’s own max_replicas of 10',
      { CELERY_WORKERS_CONFIG: 'lms:\n  default: {enable_keda: true}\n' },
      'spec:\n  lms:\n    queues:\n      default: {autoscaling: {enabled: true, maxReplicas: 10}}\n',
    ],
    [
      'the stock worker with its own max_replicas',
      { CELERY_WORKERS_CONFIG: 'lms:\n  default: {enable_keda: true, max_replicas: 3}\n' },
      'spec:\n  lms:\n    queues:\n      default: {autoscaling: {enabled: true, maxReplicas: 3}}\n',
    ],
    [
      'v18.0 to v18.2: CELERY_MULTIQUEUE_ENABLED with the plugin’s default variants',
      { CELERY_MULTIQUEUE_ENABLED: 'true' },
      'spec:\n  lms:\n    queues: {high: {}, high_mem: {}}\n  cms:\n    queues: {high: {}, low: {}}\n',
    ],
    [
      'v18.0 to v18.2: CELERY_MULTIQUEUE_ENABLED with CELERY_WORKER_VARIANTS',
      {
        CELERY_MULTIQUEUE_ENABLED: true,
        CELERY_WORKER_VARIANTS: 'lms: [high, lms_custom_queue]\n',
      },
      'spec:\n  lms:\n    queues: {high: {}, lms_custom_queue: {}}\n',
    ],
    [
      'task routes',
      {
        CELERY_LMS_EXPLICIT_QUEUES:
          'lms.djangoapps.grades.tasks.compute_all_grades_for_course:\n  queue: edx.lms.core.high_mem\n',
        CELERY_CMS_EXPLICIT_QUEUES:
          '{"cms.djangoapps.contentstore.tasks.import_olx": {"queue": "edx.cms.core.high"}}',
      },
      'spec:\n  explicitQueues:\n    lms:\n      lms.djangoapps.grades.tasks.compute_all_grades_for_course: {queue: edx.lms.core.high_mem}\n    cms:\n      cms.djangoapps.contentstore.tasks.import_olx: {queue: edx.cms.core.high}\n',
    ],
    [
      'the plugin’s defaults ({} routes, no Flower) are no settings at all',
      {
        CELERY_LMS_EXPLICIT_QUEUES: '{}',
        CELERY_CMS_EXPLICIT_QUEUES: '{}',
        CELERY_FLOWER: 'false',
        CELERY_FLOWER_SERVICE_MONITOR: 'false',
        CELERY_FLOWER_EXPOSE_SERVICE: 'false',
        CELERY_FLOWER_HOST: 'flower.learn.example.com',
        CELERY_FLOWER_DOCKER_IMAGE: 'docker.io/mher/flower:2.0.1',
        CELERY_VERSION: '20.0.0',
      },
      'spec: {}\n',
    ],
    [
      'Flower with its login and ServiceMonitor ("True" as Tutor prints a Python boolean, or a YAML boolean)',
      {
        CELERY_FLOWER: 'True',
        CELERY_FLOWER_BASIC_AUTH_SECRET: 'flower-basic-auth',
        CELERY_FLOWER_SERVICE_MONITOR: true,
      },
      'spec:\n  flower: {enabled: true, basicAuthSecret: {name: flower-basic-auth}, serviceMonitor: {enabled: true}}\n',
    ],
    [
      'a structure written as YAML rather than as text',
      { CELERY_WORKERS_CONFIG: { cms: { high: {}, low: null } } },
      'spec:\n  cms:\n    queues: {high: {}, low: {}}\n',
    ],
  ])('%s', (_title, data, spec) => {
    const { config, messages } = load(configMap(data));
    expect(messages).toEqual([]);
    expect(config).toEqual(native(spec));
  });
});

describe('settings the function reads differently or not at all', () => {
  it.each([
    [
      { CELERY_FLOWER_BASIC_AUTH: 'flower:s3cret' },
      'warning: ConfigMap celery-queues data.CELERY_FLOWER_BASIC_AUTH: ignored: keep credentials out of this config (Flower reads its basic-auth credentials from a Secret, named in CELERY_FLOWER_BASIC_AUTH_SECRET); remove the key',
    ],
    [
      { CELERY_FLOWER_EXPOSE_SERVICE: 'true', CELERY_FLOWER_HOST: 'flower.learn.example.com' },
      'warning: ConfigMap celery-queues data.CELERY_FLOWER_EXPOSE_SERVICE: has no effect without CELERY_FLOWER: "true"',
    ],
    [
      { CELERY_FLOWER_SERVICE_MONITOR: 'true' },
      'warning: ConfigMap celery-queues data.CELERY_FLOWER_SERVICE_MONITOR: has no effect without CELERY_FLOWER: "true" (the plugin renders the ServiceMonitor only with Flower)',
    ],
    [
      { CELERY_FLOWER_BASIC_AUTH_SECRET: 'flower-basic-auth' },
      'warning: ConfigMap celery-queues data.CELERY_FLOWER_BASIC_AUTH_SECRET: has no effect without CELERY_FLOWER: "true"',
    ],
    [
      { CELERY_WORKER_VARIANTS: 'lms: [high]' },
      'warning: ConfigMap celery-queues data.CELERY_WORKER_VARIANTS: has no effect without CELERY_MULTIQUEUE_ENABLED: "true" (as in tutor-contrib-celery before v18.3)',
    ],
  ])('%j: a warning, and the run goes on', (data, warning) => {
    const { config, messages } = load(configMap(data));
    expect(messages).toEqual([warning]);
    expect(config).toBeDefined();
  });

  it('another Flower image is spec.flower.image while Flower is on (ignored while it is off)', () => {
    const image = { CELERY_FLOWER_DOCKER_IMAGE: 'registry.example.com/flower:2.0.1' };
    expect(load(configMap(image)).messages).toEqual([]);
    const { config, messages } = load(
      configMap({ ...image, CELERY_FLOWER: 'true', CELERY_FLOWER_BASIC_AUTH_SECRET: 'a' }),
    );
    expect(messages).toEqual([]);
    expect(config?.spec.flower?.image).toBe('registry.example.com/flower:2.0.1');
  });

  it('CELERY_FLOWER_EXPOSE_SERVICE with CELERY_FLOWER_HOST is spec.flower.expose.host', () => {
    const flower = { CELERY_FLOWER: 'true', CELERY_FLOWER_BASIC_AUTH_SECRET: 'a' };
    const { config, messages } = load(
      configMap({
        ...flower,
        CELERY_FLOWER_EXPOSE_SERVICE: 'true',
        CELERY_FLOWER_HOST: 'flower.learn.example.com',
      }),
    );
    expect(messages).toEqual([]);
    expect(config?.spec.flower?.expose).toEqual({ host: 'flower.learn.example.com' });
    expect(load(configMap({ ...flower, CELERY_FLOWER_EXPOSE_SERVICE: 'true' })).messages).toEqual([
      "error: ConfigMap celery-queues data.CELERY_FLOWER_HOST: is missing: CELERY_FLOWER_EXPOSE_SERVICE serves Flower on a site of Tutor's Caddy, and the plugin's default host flower.{{LMS_HOST}} is a Tutor template: write the host out, e.g. flower.learn.example.com (celery-queues migrate config.yml fills it in from LMS_HOST)",
    ]);
  });
});

describe('mistakes in the ConfigMap form name the setting as the user wrote it', () => {
  it.each([
    [
      { CELERY_FLOWR: 'true' },
      'data.CELERY_FLOWR: unknown key "CELERY_FLOWR": the ConfigMap form takes',
    ],
    [{ CELERY_FLOWER: 'yes' }, 'data.CELERY_FLOWER: must be "true" or "false", not "yes"'],
    [
      { CELERY_FLOWER: 'true' },
      "data.CELERY_FLOWER_BASIC_AUTH_SECRET: is missing: tutor-contrib-celery's Flower always asks for a login (CELERY_FLOWER_BASIC_AUTH), and so must this one; put user:password in a Secret (kubectl create secret generic flower-basic-auth --from-literal=auth=USER:PASSWORD) and name it here",
    ],
    [
      { CELERY_FLOWER: 'true', CELERY_FLOWER_BASIC_AUTH_SECRET: 'Flower_Auth' },
      'data.CELERY_FLOWER_BASIC_AUTH_SECRET: the Secret name must be lowercase letters, digits, "-" and "."',
    ],
    [
      { CELERY_WORKERS_CONFIG: 'lms: [high' },
      'data.CELERY_WORKERS_CONFIG: is not valid YAML or JSON:',
    ],
    [
      { CELERY_WORKERS_CONFIG: 'forum: {}' },
      'data.CELERY_WORKERS_CONFIG.forum: unknown service "forum": lms or cms',
    ],
    [
      { CELERY_WORKERS_CONFIG: 'lms: {high: {replicas: 2}}' },
      'data.CELERY_WORKERS_CONFIG.lms.high.replicas: unknown key "replicas": extra_params, enable_keda, min_replicas, max_replicas, list_length',
    ],
    [
      {
        CELERY_WORKERS_CONFIG: 'lms: {default: {extra_params: {pool: gevent, concurrency: "100"}}}',
      },
      'data.CELERY_WORKERS_CONFIG.lms.default.extra_params: must be a list of celery worker flags, e.g. ["--pool=gevent","--concurrency=100"]',
    ],
    [
      { CELERY_WORKERS_CONFIG: 'lms: {high: {extra_params: ["--queues=x"]}}' },
      'data.CELERY_WORKERS_CONFIG.lms.high.extra_params[0]: "--queues=x" sets --queues, which celery-queues sets itself',
    ],
    [
      { CELERY_WORKERS_CONFIG: 'cms: {low: {min_replicas: 4, max_replicas: 2}}' },
      'data.CELERY_WORKERS_CONFIG.cms.low.min_replicas: minReplicas (4) is above maxReplicas (2)',
    ],
    [
      { CELERY_WORKERS_CONFIG: 'cms: {low: {list_length: "40"}}' },
      'data.CELERY_WORKERS_CONFIG.cms.low.list_length: Invalid input: expected number, received string',
    ],
    [
      { CELERY_WORKERS_CONFIG: 'lms: {High: {}}' },
      'data.CELERY_WORKERS_CONFIG.lms.High: variant name "High" must be lowercase',
    ],
    [
      { CELERY_MULTIQUEUE_ENABLED: 'true', CELERY_WORKER_VARIANTS: 'lms: [high, High]' },
      'data.CELERY_WORKER_VARIANTS.lms[1]: variant name "High" must be lowercase',
    ],
    [
      { CELERY_LMS_EXPLICIT_QUEUES: 'a.task: {queue: edx.lms.core.high, routing_key: x}' },
      'data.CELERY_LMS_EXPLICIT_QUEUES["a.task"].routing_key: unknown field "routing_key" in data.CELERY_LMS_EXPLICIT_QUEUES["a.task"]',
    ],
    [
      { CELERY_CMS_EXPLICIT_QUEUES: '[a, b]' },
      'data.CELERY_CMS_EXPLICIT_QUEUES: must be a mapping of task names to routes',
    ],
    [
      { CELERY_WORKERS_CONFIG: 'lms: {high: {}}', CELERY_MULTIQUEUE_ENABLED: 'true' },
      'data.CELERY_MULTIQUEUE_ENABLED: comes from tutor-contrib-celery before v18.3, CELERY_WORKERS_CONFIG from v18.3 on: keep only CELERY_WORKERS_CONFIG',
    ],
  ])('%j', (data, error) => {
    const { config, messages } = load(configMap(data, 'tutor-celery'));
    expect(config).toBeUndefined();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toContain(`error: ConfigMap tutor-celery ${error}`);
  });
});

describe('both forms give the same output, byte for byte', () => {
  const pipe = readFileSync(join(ROOT, 'examples/pipe/celery-queues.yaml'), 'utf8');
  const pipeSettings = readFileSync(join(ROOT, 'examples/pipe/tutor-settings.yaml'), 'utf8');
  const PAIRS: [string, string, string][] = [
    ['examples/pipe', pipeSettings, pipe],
    [
      'the plugin before v18.3',
      stringify(configMap({ CELERY_MULTIQUEUE_ENABLED: 'true' })),
      `${NATIVE_HEAD}spec:\n  lms: {queues: {high: {}, high_mem: {}}}\n  cms: {queues: {high: {}, low: {}}}\n`,
    ],
    [
      'the stock workers scaled by KEDA',
      stringify(
        configMap({
          CELERY_WORKERS_CONFIG:
            'lms: {default: {enable_keda: true}, high: {}}\ncms: {default: {extra_params: ["--concurrency=2"]}}\n',
        }),
      ),
      `${NATIVE_HEAD}spec:\n  lms:\n    queues:\n      default: {autoscaling: {enabled: true, maxReplicas: 10}}\n      high: {}\n  cms:\n    queues:\n      default: {extraArgs: ["--concurrency=2"]}\n`,
    ],
  ];
  const INPUTS: Record<string, () => string> = {
    v19: () => fixture(RENDERS.v19),
    v20: () => fixture(RENDERS.v20),
    v21: () => fixture(RENDERS.v21),
    'two instances': twoInstances,
  };

  describe.each(PAIRS)('%s', (_name, settings, nativeText) => {
    it.each(Object.keys(INPUTS))('stream mode, render %s', (render) => {
      const input = (INPUTS[render] as () => string)();
      const files = { '/cfg/settings.yaml': settings, '/cfg/native.yaml': nativeText };
      const a = runCli(['--config', '/cfg/settings.yaml'], input, files);
      const b = runCli(['--config', '/cfg/native.yaml'], input, files);
      expect(a.status).toBe(0);
      expect(b.status).toBe(0);
      expect(a.stdout).toBe(b.stdout);
      expect(a.stdout).not.toBe(input);
    });

    it('ResourceList mode (Kustomize’s input): the same items and results', () => {
      const head = fixture('krm/kustomize-4.5.4-exec-input.yaml').replace(
        /functionConfig:[\s\S]*$/,
        '',
      );
      const wrap = (config: string) =>
        `${head}functionConfig:\n${config.replace(/^(?!#)/gm, '  ').replace(/^ +$/gm, '')}`;
      const a = parse(runCli([], wrap(settings)).stdout);
      const b = parse(runCli([], wrap(nativeText)).stdout);
      expect(a.items).toEqual(b.items);
      expect(a.results).toEqual(b.results);
    });
  });
});

describe('property: a native config written in the plugin’s names means the same', () => {
  const variant = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}[a-z0-9]$/);
  const autoscaling = fc.record({
    enabled: fc.boolean(),
    minReplicas: fc.integer({ min: 0, max: 5 }),
    maxReplicas: fc.integer({ min: 5, max: 40 }),
    listLength: fc.integer({ min: 1, max: 100 }),
  });
  const queue = fc.record(
    {
      extraArgs: fc.subarray(['--concurrency=2', '--pool=gevent', '--prefetch-multiplier=4']),
      autoscaling,
    },
    { requiredKeys: ['extraArgs'] },
  );
  const service = fc.record({ queues: fc.dictionary(variant, queue, { maxKeys: 4 }) });
  const routes = fc.dictionary(
    fc.stringMatching(/^[a-z]+(\.[a-z_]+){1,3}$/),
    fc.record({ queue: fc.stringMatching(/^edx\.(lms|cms)\.core\.[a-z_]+$/) }),
    { minKeys: 1, maxKeys: 3 },
  );
  const spec = fc.record(
    {
      lms: service,
      cms: service,
      // At least one service: an empty explicitQueues has no spelling in the plugin's settings.
      explicitQueues: fc.oneof(
        fc.record({ lms: routes }),
        fc.record({ cms: routes }),
        fc.record({ lms: routes, cms: routes }),
      ),
      flower: fc.oneof(
        fc.constant({
          enabled: true,
          basicAuthSecret: { name: 'flower-basic-auth' },
          serviceMonitor: { enabled: true },
        }),
        fc.constant({ enabled: true, basicAuthSecret: { name: 'flower-basic-auth' } }),
      ),
    },
    { requiredKeys: [] },
  );

  /** The plugin's settings for a (defaults-filled) native spec: the inverse of the mapping. */
  function toTutorSettings(s: CeleryQueues['spec'], json: boolean): Record<string, string> {
    const text = (value: unknown) => (json ? JSON.stringify(value) : stringify(value));
    const data: Record<string, string> = {};
    const workers: Record<string, unknown> = {};
    for (const svc of ['lms', 'cms'] as const) {
      const queues = s[svc]?.queues;
      if (!queues) continue;
      workers[svc] = Object.fromEntries(
        Object.entries(queues).map(([v, q]) => {
          const attrs: Record<string, unknown> = {};
          if (q.extraArgs.length > 0) attrs.extra_params = q.extraArgs;
          if (q.autoscaling) {
            attrs.enable_keda = q.autoscaling.enabled;
            attrs.min_replicas = q.autoscaling.minReplicas;
            attrs.max_replicas = q.autoscaling.maxReplicas;
            attrs.list_length = q.autoscaling.listLength;
          }
          return [v, attrs];
        }),
      );
    }
    if (Object.keys(workers).length > 0) data.CELERY_WORKERS_CONFIG = text(workers);
    if (s.explicitQueues?.lms) data.CELERY_LMS_EXPLICIT_QUEUES = text(s.explicitQueues.lms);
    if (s.explicitQueues?.cms) data.CELERY_CMS_EXPLICIT_QUEUES = text(s.explicitQueues.cms);
    if (s.flower) {
      data.CELERY_FLOWER = String(s.flower.enabled);
      if (s.flower.basicAuthSecret) {
        data.CELERY_FLOWER_BASIC_AUTH_SECRET = s.flower.basicAuthSecret.name;
      }
      if (s.flower.serviceMonitor) {
        data.CELERY_FLOWER_SERVICE_MONITOR = String(s.flower.serviceMonitor.enabled);
      }
    }
    return data;
  }

  it('holds for YAML and JSON text alike', () => {
    fc.assert(
      fc.property(spec, fc.boolean(), (s, json) => {
        const nativeConfig = load({
          apiVersion: 'tutor-krm.dev/v1alpha1',
          kind: 'CeleryQueues',
          metadata: { name: 'celery-queues' },
          spec: s,
        });
        expect(nativeConfig.messages).toEqual([]);
        const settings = toTutorSettings((nativeConfig.config as CeleryQueues).spec, json);
        const legacy = load(configMap(settings));
        expect(legacy.messages).toEqual([]);
        expect(legacy.config).toEqual(nativeConfig.config);
      }),
      { numRuns: 200 },
    );
  });
});

describe('docs/migrating-from-tutor-contrib-celery.md', () => {
  const page = readFileSync(join(ROOT, 'docs', 'migrating-from-tutor-contrib-celery.md'), 'utf8');
  /** The yaml block after a marker comment. */
  function block(marker: string): string {
    const at = page.indexOf(`<!-- ${marker} -->`);
    expect(at, marker).toBeGreaterThan(0);
    const m = /```yaml\n([\s\S]*?)```/.exec(page.slice(at));
    return (m?.[1] ?? '') as string;
  }

  it('the ConfigMap and the CeleryQueues shown side by side are the same config', () => {
    const a = load(parse(block('migration:configmap')));
    const b = load(parse(block('migration:native')));
    expect(a.messages).toEqual([]);
    expect(b.messages).toEqual([]);
    expect(a.config).toEqual(b.config);
  });

  it('the config.yml settings shown are those of the ConfigMap, with the same values', () => {
    const tutor = parse(block('migration:tutor-config')) as Record<string, unknown>;
    const data = (parse(block('migration:configmap')) as { data: Record<string, string> }).data;
    for (const [key, value] of Object.entries(tutor)) {
      expect(data[key], key).toBeDefined();
      if (typeof value === 'boolean') expect(data[key], key).toBe(String(value));
      else expect(parse(data[key] as string), key).toEqual(value);
    }
  });
});
