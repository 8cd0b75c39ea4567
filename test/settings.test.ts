// The settings family on real Tutor renders and literal inputs: the block in production.py, the
// rollout (Kustomize's new hash and every reference renamed; or the hash annotation), the routing
// lint, and the properties: idempotent, deterministic, no reference left dangling.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { configMapHash } from '../src/krm/hash.js';
import { blockOf, settingsBlock } from '../src/settings/block.js';
import { settings } from '../src/settings/settings.js';
import { runFamily } from './family.js';
import { expectGolden, expectGoldenDiff } from './golden.js';
import {
  celeryQueuesConfig,
  configPath,
  find,
  fixture,
  RENDERS,
  resources,
  runCli,
  runStream,
  runWithConfig,
  twoInstances,
} from './helpers.js';
import { configMapNamesIn, danglingRefs } from './settings-helpers.js';

type Resource = Record<string, any>;

const ROUTES = configPath('routes');
const SETTINGS = /^(openedx-settings-(lms|cms))-\w{10}$/;

function settingsMaps(list: Resource[]): Resource[] {
  return list.filter((r) => r.kind === 'ConfigMap' && SETTINGS.test(r.metadata.name));
}

function run(input: string, spec: Record<string, unknown>) {
  return runWithConfig(input, celeryQueuesConfig(spec));
}

function lines(stderr: string, severity: string): string[] {
  return stderr.split('\n').filter((l) => l.startsWith(`celery-queues: ${severity}: `));
}

const INPUTS: Record<string, () => string> = {
  v19: () => fixture(RENDERS.v19),
  v20: () => fixture(RENDERS.v20),
  v21: () => fixture(RENDERS.v21),
  custom: () => fixture(RENDERS.custom),
  podautoscaling: () => fixture(RENDERS.podautoscaling),
  'two-instances': twoInstances,
};

describe.each(['v20', 'custom'])('golden: the %s render with task routes', (render) => {
  const input = (INPUTS[render] as () => string)();
  const out = runStream(input, ROUTES);

  it('matches the golden output, and a second run changes nothing', () => {
    expect(out.status).toBe(0);
    expect(lines(out.stderr, 'error')).toEqual([]);
    expect(lines(out.stderr, 'warning')).toEqual([]);
    expectGoldenDiff(`settings/${render}.routes.diff`, input, out.stdout);
    expectGolden(`settings/${render}.routes.stderr`, out.stderr);
    const again = runStream(out.stdout, ROUTES);
    expect(again.stdout).toBe(out.stdout);
    expect(again.status).toBe(0);
  });

  it('writes the block at the end of production.py, and nothing else changes', () => {
    const before = settingsMaps(resources(input));
    const after = settingsMaps(resources(out.stdout));
    expect(after).toHaveLength(2);
    for (const cm of after) {
      const service = SETTINGS.exec(cm.metadata.name)?.[2] as 'lms' | 'cms';
      const original = before.find((b) =>
        b.metadata.name.startsWith(`openedx-settings-${service}-`),
      );
      const routes = Object.entries(
        (parse(fixture('../configs/routes.yaml')).spec.explicitQueues[service] ?? {}) as Record<
          string,
          { queue: string }
        >,
      )
        .map(([task, r]) => ({ task, queue: r.queue }))
        .sort((a, b) => (a.task < b.task ? -1 : 1));
      const block = settingsBlock(routes, true);
      expect(cm.data['production.py']).toBe(original?.data['production.py'] + block);
      expect({ ...cm.data, 'production.py': '' }).toEqual({
        ...original?.data,
        'production.py': '',
      });
      expect(cm.metadata.labels).toEqual(original?.metadata.labels);
    }
  });
});

describe('the block, written once per config and service', () => {
  // Each run of one process, each with its own config, over two instances: every instance's
  // block is the one its run's config gives, written anew (not one an earlier config left).
  it('is, for every instance of every run, settingsBlock of that config', () => {
    const configs = [
      {
        explicitQueues: {
          lms: {
            'b.task': { queue: 'edx.lms.core.high' },
            'a.task': { queue: 'edx.lms.core.default' },
          },
        },
      },
      { acksLate: false, explicitQueues: { cms: { 'c.task': { queue: 'edx.cms.core.default' } } } },
      { explicitQueues: { lms: { 'd.task': { queue: 'edx.lms.core.high_mem' } } } },
    ];
    for (const spec of [...configs, ...configs]) {
      const out = runFamily(settings, { input: twoInstances(), spec });
      const maps = settingsMaps(resources(out.output));
      expect(maps).toHaveLength(4);
      for (const cm of maps) {
        const service = SETTINGS.exec(cm.metadata.name)?.[2] as 'lms' | 'cms';
        const routes = Object.entries(
          (spec.explicitQueues as Partial<Record<string, Record<string, { queue: string }>>>)[
            service
          ] ?? {},
        )
          .map(([task, r]) => ({ task, queue: r.queue }))
          .sort((a, b) => (a.task < b.task ? -1 : 1));
        expect(blockOf(cm.data['production.py'])).toBe(
          settingsBlock(routes, spec.acksLate ?? true),
        );
      }
    }
  });
});

describe.each(Object.keys(INPUTS))('rendered stream %s', (render) => {
  const input = (INPUTS[render] as () => string)();
  const out = runStream(input, ROUTES);
  const list = resources(out.stdout);

  it('names each changed settings ConfigMap with Kustomize’s hash of its new content', () => {
    const maps = settingsMaps(list);
    expect(maps.length).toBeGreaterThanOrEqual(2);
    for (const cm of maps) {
      expect(cm.metadata.name).toBe(`${SETTINGS.exec(cm.metadata.name)?.[1]}-${configMapHash(cm)}`);
      expect(blockOf(cm.data['production.py'])).toBeDefined();
    }
    for (const old of settingsMaps(resources(input))) {
      expect(out.stdout).not.toContain(old.metadata.name);
    }
  });

  it('leaves no reference dangling, and every pod that mounted the settings mounts the new ones', () => {
    expect(danglingRefs(resources(input))).toEqual([]);
    expect(danglingRefs(list)).toEqual([]);
    const mounting = list.filter((r) =>
      configMapNamesIn(r).some((n) => n.startsWith('openedx-settings-')),
    );
    // lms, cms, the two stock workers, the three new workers, the two init Jobs (per instance).
    expect(mounting.length).toBe(render === 'two-instances' ? 18 : 9);
  });
});

describe('rollout inside a kustomization (Kustomize’s generator annotations)', () => {
  const config = fixture('../configs/routes.yaml');
  const kustomizeInput = () => {
    const text = fixture('krm/kustomize-4.5.4-exec-input.yaml');
    return `${text.slice(0, text.indexOf('functionConfig:'))}functionConfig:\n${config.replace(/^(?!#)/gm, '  ').replace(/^ +$/gm, '')}`;
  };

  it('keeps names, annotations and references: Kustomize rehashes and renames after', () => {
    const input = kustomizeInput();
    const out = runCli([], input);
    expect(out.status).toBe(0);
    expect(out.messages).toBe('');
    const before = parse(input).items as Resource[];
    const after = parse(out.stdout).items as Resource[];
    for (const name of ['openedx-settings-lms', 'openedx-settings-cms']) {
      const a = find(after, 'ConfigMap', name) as Resource;
      const b = find(before, 'ConfigMap', name) as Resource;
      expect(a.metadata).toEqual(b.metadata);
      expect(a.data['production.py']).toBe(
        b.data['production.py'] + blockOf(a.data['production.py']),
      );
    }
    for (const r of before.filter((x) => x.kind !== 'ConfigMap')) {
      const a = find(after, r.kind, r.metadata.name) as Resource;
      expect(configMapNamesIn(a)).toEqual(configMapNamesIn(r));
    }
    expect(runCli([], out.stdout.replace(/^results:[\s\S]*$/m, '')).stdout).toBe(out.stdout);
  });
});

describe('rollout under kpt (a rendered package: no generator annotations)', () => {
  it('renames, keeps kpt’s file annotations, and fixes the references', () => {
    const text = fixture('krm/kpt-1.0.0-beta.56-eval-input.yaml');
    const config = fixture('../configs/routes.yaml');
    const input = `${text.slice(0, text.indexOf('functionConfig:'))}functionConfig:\n${config.replace(/^(?!#)/gm, '  ').replace(/^ +$/gm, '')}`;
    const out = runCli([], input);
    expect(out.status).toBe(0);
    const before = parse(input).items as Resource[];
    const after = parse(out.stdout).items as Resource[];
    const maps = settingsMaps(after);
    expect(maps).toHaveLength(2);
    for (const cm of maps) {
      expect(cm.metadata.name).toBe(`${SETTINGS.exec(cm.metadata.name)?.[1]}-${configMapHash(cm)}`);
      const old = settingsMaps(before).find(
        (b) =>
          b.data['__init__.py'] !== undefined &&
          SETTINGS.exec(b.metadata.name)?.[2] === SETTINGS.exec(cm.metadata.name)?.[2],
      ) as Resource;
      expect(cm.metadata.annotations).toEqual(old.metadata.annotations);
    }
    expect(danglingRefs(after)).toEqual([]);
  });
});

describe('rollout of another family’s ConfigMap: Flower’s site in Tutor’s Caddyfile', () => {
  it('the Caddyfile takes Kustomize’s hash of its new content, and the caddy Deployment follows', () => {
    const out = runStream(fixture(RENDERS.v20), configPath('flower'));
    expect(out.status).toBe(0);
    const list = resources(out.stdout);
    const caddy = list.find(
      (r) => r.kind === 'ConfigMap' && r.metadata.name.startsWith('caddy-config-'),
    ) as Resource;
    expect(caddy.data.Caddyfile).toContain('flower');
    expect(caddy.metadata.name).toBe(`caddy-config-${configMapHash(caddy)}`);
    expect(caddy.metadata.name).not.toBe('caddy-config-c27d59d9tf');
    expect(configMapNamesIn(find(list, 'Deployment', 'caddy') as Resource)).toEqual([
      caddy.metadata.name,
    ]);
    expect(danglingRefs(list)).toEqual([]);
    expect(runStream(out.stdout, configPath('flower')).stdout).toBe(out.stdout);
  });
});

describe('rollout when the name carries no hash of the content', () => {
  // Settings ConfigMaps named by hand (or with disableNameSuffixHash): the names stay.
  const input = fixture(RENDERS.v20)
    .replaceAll('openedx-settings-lms-5b87f2c2k4', 'openedx-settings-lms')
    .replaceAll('openedx-settings-cms-b8tm5dd5k6', 'openedx-settings-cms-edited1234');
  const out = runStream(input, ROUTES);
  const list = resources(out.stdout);

  it('keeps the names, and the pod templates that mount them carry the hash of the content', () => {
    expect(out.status).toBe(0);
    const lms = find(list, 'ConfigMap', 'openedx-settings-lms') as Resource;
    const cms = find(list, 'ConfigMap', 'openedx-settings-cms-edited1234') as Resource;
    expect(blockOf(lms.data['production.py'])).toBeDefined();
    expect(danglingRefs(list)).toEqual([]);
    const mounting = list.filter((r) => configMapNamesIn(r).includes('openedx-settings-lms'));
    expect(mounting.map((r) => r.metadata.name).sort()).toEqual([
      'cms',
      'cms-job',
      'cms-worker',
      'cms-worker-low',
      'lms',
      'lms-job',
      'lms-worker',
      'lms-worker-high',
      'lms-worker-high-mem',
    ]);
    for (const r of mounting) {
      expect(r.spec.template.metadata.annotations).toMatchObject({
        'celery-queues.tutor-krm.dev/lms-settings-hash': configMapHash(lms),
        'celery-queues.tutor-krm.dev/cms-settings-hash': configMapHash(cms),
      });
    }
    expect(
      lines(out.stderr, 'info').filter((l) =>
        /settings changed; the pod templates of \d+ workloads carry celery-queues\.tutor-krm\.dev\/(lms|cms)-settings-hash, so their pods roll$/.test(
          l,
        ),
      ),
    ).toHaveLength(2);
  });

  it('a second run changes nothing; a changed route changes the hash', () => {
    expect(runStream(out.stdout, ROUTES).stdout).toBe(out.stdout);
    const changed = run(out.stdout, {
      explicitQueues: { lms: { t: { queue: 'edx.lms.core.high' } } },
    });
    const lms = find(resources(changed.stdout), 'ConfigMap', 'openedx-settings-lms') as Resource;
    const worker = find(resources(changed.stdout), 'Deployment', 'lms-worker') as Resource;
    expect(
      worker.spec.template.metadata.annotations['celery-queues.tutor-krm.dev/lms-settings-hash'],
    ).toBe(configMapHash(lms));
    expect(configMapHash(lms)).not.toBe(
      find(list, 'Deployment', 'lms-worker')?.spec.template.metadata.annotations[
        'celery-queues.tutor-krm.dev/lms-settings-hash'
      ],
    );
  });

  it('warns that an immutable ConfigMap that keeps its name cannot take new data', () => {
    const immutable = input.replace(
      /^( {2}name: openedx-settings-lms\n {2}namespace: openedx\n)/m,
      '$1immutable: true\n',
    );
    expect(immutable).not.toBe(input);
    const warned = runStream(immutable, ROUTES);
    expect(warned.status).toBe(0);
    expect(lines(warned.stderr, 'warning')).toEqual([
      'celery-queues: warning: ConfigMap openedx/openedx-settings-lms immutable: the ConfigMap is immutable and keeps its name, so the API server will refuse its new data: delete it before applying, or let Kustomize give it a hashed name',
    ]);
  });

  it('rolls nothing when the settings do not change', () => {
    const already = runStream(input, ROUTES).stdout;
    // Take the annotations away: the settings already hold the block, so nothing must roll.
    const bare = already.replace(
      /^ +celery-queues\.tutor-krm\.dev\/(lms|cms)-settings-hash: .*\n/gm,
      '',
    );
    expect(runStream(bare, ROUTES).stdout).toBe(bare);
  });
});

describe('every workload kind and every kind of reference', () => {
  const data = { 'production.py': 'A = 1\n', '__init__.py': '' };
  const name = `openedx-settings-lms-${configMapHash({ data })}`;
  const podWith = (extra: object) => ({
    containers: [{ name: 'c', image: 'i', ...extra }],
  });
  const volume = { volumes: [{ name: 'v', configMap: { name } }] };
  const stockWorker = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'lms-worker', namespace: 'ns', annotations: { note: 'stock' } },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'lms-worker' } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': 'lms-worker' } },
        spec: {
          containers: [
            {
              name: 'lms-worker',
              args: ['celery', '--app=lms.celery', 'worker', '--queues=edx.lms.core.default'],
              volumeMounts: [
                { name: 'settings-lms', mountPath: '/openedx/edx-platform/lms/envs/tutor/' },
              ],
            },
          ],
          volumes: [{ name: 'settings-lms', configMap: { name } }],
        },
      },
    },
  };
  const others: Resource[] = [
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'projected', namespace: 'ns' },
      spec: {
        template: {
          spec: {
            ...podWith({}),
            volumes: [
              {
                name: 'p',
                projected: { sources: [{ secret: { name: 's' } }, { configMap: { name } }] },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'envfrom', namespace: 'ns' },
      spec: { template: { spec: podWith({ envFrom: [{ configMapRef: { name } }] }) } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'keyref', namespace: 'ns' },
      spec: {
        template: {
          spec: {
            ...podWith({}),
            initContainers: [
              {
                name: 'init',
                image: 'i',
                env: [{ name: 'X', valueFrom: { configMapKeyRef: { name, key: '__init__.py' } } }],
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: { name: 'cron', namespace: 'ns' },
      spec: {
        schedule: '* * * * *',
        jobTemplate: { spec: { template: { spec: { ...podWith({}), ...volume } } } },
      },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs', namespace: 'ns' },
      spec: { template: { spec: { ...podWith({}), ...volume } } },
    },
    {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pod', namespace: 'ns' },
      spec: { ...podWith({}), ...volume },
    },
    // Same name, other namespace: a different ConfigMap, left alone.
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'elsewhere', namespace: 'other' },
      spec: { template: { spec: { ...podWith({}), ...volume } } },
    },
    // Never changed.
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: 'local',
        namespace: 'ns',
        annotations: { 'config.kubernetes.io/local-config': 'true' },
      },
      spec: { template: { spec: { ...podWith({}), ...volume } } },
    },
  ];
  const configMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name, namespace: 'ns' },
    data,
  };
  const input = [configMap, stockWorker, ...others].map((r) => stringify(r)).join('---\n');

  it('renames the reference in each of them, in the namespace, and nowhere else', () => {
    const out = run(input, { lms: { queues: { high: {} } } });
    expect(out.status).toBe(0);
    const list = resources(out.stdout);
    const cm = list.find((r) => r.kind === 'ConfigMap') as Resource;
    const to = `openedx-settings-lms-${configMapHash(cm)}`;
    expect(cm.metadata.name).toBe(to);
    expect(cm.data['production.py']).toBe(`A = 1\n${settingsBlock([], true)}`);
    for (const n of [
      'lms-worker',
      'lms-worker-high',
      'projected',
      'envfrom',
      'keyref',
      'cron',
      'rs',
      'pod',
    ]) {
      const r = list.find((x) => x.metadata.name === n) as Resource;
      expect([n, configMapNamesIn(r)]).toEqual([n, [to]]);
    }
    for (const n of ['elsewhere', 'local']) {
      const r = list.find((x) => x.metadata.name === n) as Resource;
      expect(configMapNamesIn(r)).toEqual([name]);
    }
    expect(run(out.stdout, { lms: { queues: { high: {} } } }).stdout).toBe(out.stdout);
  });
  it('without a hash in the name: the pod template of each kind carries the hash instead', () => {
    const unhashed = input.replaceAll(name, 'openedx-settings-lms');
    const out = run(unhashed, { lms: { queues: { high: {} } } });
    expect(out.status).toBe(0);
    const list = resources(out.stdout);
    const cm = list.find((r) => r.kind === 'ConfigMap') as Resource;
    expect(cm.metadata.name).toBe('openedx-settings-lms');
    const key = 'celery-queues.tutor-krm.dev/lms-settings-hash';
    const template: Record<string, (r: Resource) => Resource | undefined> = {
      'lms-worker': (r) => r.spec.template,
      'lms-worker-high': (r) => r.spec.template,
      projected: (r) => r.spec.template,
      envfrom: (r) => r.spec.template,
      keyref: (r) => r.spec.template,
      cron: (r) => r.spec.jobTemplate.spec.template,
      rs: (r) => r.spec.template,
    };
    for (const [n, at] of Object.entries(template)) {
      const r = list.find((x) => x.metadata.name === n) as Resource;
      expect([n, at(r)?.metadata?.annotations?.[key]]).toEqual([n, configMapHash(cm)]);
    }
    // A bare Pod never rolls; other namespaces and local-config are not touched.
    for (const n of ['pod', 'elsewhere', 'local']) {
      expect(out.stdout.split('---\n').find((d) => d.includes(`name: ${n}\n`))).not.toContain(key);
    }
    expect(run(out.stdout, { lms: { queues: { high: {} } } }).stdout).toBe(out.stdout);
  });
});

describe('what the function cannot do, it says', () => {
  const workerOnly = fixture('tutor/stock-v20.lms-worker.yaml');

  it('settings ConfigMaps missing from the input: a warning per ConfigMap, no failure', () => {
    const out = run(workerOnly, { lms: { queues: { high: {} } } });
    expect(out.status).toBe(0);
    expect(lines(out.stderr, 'warning')).toEqual([
      'celery-queues: warning: Deployment openedx/lms-worker spec.template.spec.volumes: it mounts ConfigMap openedx-settings-lms-5b87f2c2k4 as the LMS settings, and the input lacks it: LMS settings (CELERY_ACKS_LATE) not written',
      'celery-queues: warning: Deployment openedx/lms-worker spec.template.spec.volumes: it mounts ConfigMap openedx-settings-cms-b8tm5dd5k6 as the CMS settings, and the input lacks it: CMS settings (CELERY_ACKS_LATE) not written',
    ]);
  });

  it('… and an error when routes would be lost, with nothing written', () => {
    const out = run(workerOnly, {
      explicitQueues: { cms: { t: { queue: 'edx.cms.core.default' } } },
    });
    expect(out.status).toBe(1);
    expect(lines(out.stderr, 'error')).toEqual([
      'celery-queues: error: Deployment openedx/lms-worker spec.template.spec.volumes: it mounts ConfigMap openedx-settings-cms-b8tm5dd5k6 as the CMS settings, and the input lacks it: CMS settings (spec.explicitQueues and CELERY_ACKS_LATE) not written',
    ]);
    expect(lines(out.stderr, 'info')).toEqual([]);
    expect(out.stdout).toBe('');
  });

  it('a block opened and never closed is an error naming the ConfigMap and the line', () => {
    const input = fixture(RENDERS.v20).replace(
      '\n    = True\\n\\n"\n',
      '\n    = True\\n# BEGIN celery-queues: by hand\\nX = 1\\n"\n',
    );
    expect(input).not.toBe(fixture(RENDERS.v20));
    const out = runStream(input, ROUTES);
    expect(out.status).toBe(1);
    expect(lines(out.stderr, 'error')).toEqual([
      expect.stringMatching(
        /^celery-queues: error: ConfigMap openedx\/openedx-settings-lms-5b87f2c2k4 data\["production.py"\]: line \d+ opens a celery-queues block/,
      ),
    ]);
    expect(out.stdout).toBe('');
  });
});

describe('routing lint', () => {
  const input = fixture(RENDERS.v20);

  it('warns of a route to a queue nobody consumes, naming task and queue, with the way out', () => {
    const out = run(input, {
      lms: { queues: { high: {} } },
      explicitQueues: {
        lms: {
          'lms.djangoapps.instructor_task.tasks.export_ora2_data': {
            queue: 'edx.lms.core.reports',
          },
        },
        cms: { "evil'); import os#": { queue: 'custom-queue' } },
      },
    });
    expect(out.status).toBe(0);
    expect(lines(out.stderr, 'warning')).toEqual([
      'celery-queues: warning: CeleryQueues celery-queues spec.explicitQueues.lms["lms.djangoapps.instructor_task.tasks.export_ora2_data"].queue: task "lms.djangoapps.instructor_task.tasks.export_ora2_data" is routed to queue "edx.lms.core.reports", which no worker in namespace openedx consumes: such tasks would wait forever. Add the variant reports to spec.lms.queues (a worker for that queue), or route the task to a consumed LMS queue (edx.lms.core.default, edx.lms.core.high, edx.lms.core.high_mem).',
      'celery-queues: warning: CeleryQueues celery-queues spec.explicitQueues.cms["evil\'); import os#"].queue: task "evil\'); import os#" is routed to queue "custom-queue", which no worker in namespace openedx consumes: such tasks would wait forever. No variant makes a worker for it (variants give queues edx.<service>.core.<variant>). Route the task to a consumed CMS queue (edx.cms.core.default, edx.cms.core.high, edx.cms.core.low).',
    ]);
  });

  it('shows its warnings in ResourceList mode too (Kustomize shows only stderr)', () => {
    const text = fixture('krm/kustomize-4.5.4-exec-input.yaml');
    const config = celeryQueuesConfig({
      explicitQueues: { lms: { t: { queue: 'edx.lms.core.reports' } } },
    });
    const out = runCli(
      [],
      `${text.slice(0, text.indexOf('functionConfig:'))}functionConfig:\n${config.replace(/^/gm, '  ')}`,
    );
    expect(out.status).toBe(0);
    expect(lines(out.stderr, 'warning')).toHaveLength(1);
    expect(parse(out.stdout).results).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        field: { path: 'spec.explicitQueues.lms.t.queue' },
      }),
    );
  });

  it('tells, as info, that stock edx-platform routes the ORA workflow tasks to a queue nobody consumes', () => {
    const out = run(input, { lms: { queues: { high: {} } } });
    expect(lines(out.stderr, 'info').filter((l) => l.includes('ora_workflow_update'))).toEqual([
      'celery-queues: info: Deployment openedx/lms-worker: edx-platform routes 4 LMS tasks to edx.lms.core.ora_workflow_update, which no worker consumes (nor in stock Tutor): add the variant ora_workflow_update',
    ]);
    expect(out.status).toBe(0);
  });

  it('is quiet once the ORA queue has a worker, or its tasks are routed elsewhere', () => {
    const consumed = run(input, { lms: { queues: { ora_workflow_update: {} } } });
    expect(consumed.stderr).not.toContain('ora_workflow_update by default');
    const ora = 'openassessment.workflow.tasks';
    const rerouted = run(input, {
      explicitQueues: {
        lms: Object.fromEntries(
          [
            'update_workflows_for_all_blocked_submissions_task',
            'update_workflows_for_course_task',
            'update_workflows_for_ora_block_task',
            'update_workflow_for_submission_task',
          ].map((t) => [`${ora}.${t}`, { queue: 'edx.lms.core.default' }]),
        ),
      },
    });
    expect(rerouted.stderr).not.toContain('ora_workflow_update');
    expect(lines(rerouted.stderr, 'warning')).toEqual([]);
  });

  it('counts every worker of the instance: the other service’s, and ones the function did not write', () => {
    const own = `${input}---\n${fixture('tutor/stock-v20.lms-worker.yaml')
      .replaceAll('lms-worker', 'reports-worker')
      .replace(
        '--queues=edx.lms.core.default,edx.lms.core.high,edx.lms.core.high_mem',
        '--queues=edx.lms.core.reports',
      )}`;
    const out = run(own, {
      explicitQueues: {
        lms: { t: { queue: 'edx.lms.core.reports' } },
        cms: { u: { queue: 'edx.lms.core.default' } },
      },
    });
    expect(lines(out.stderr, 'warning')).toEqual([]);
    // In another namespace that worker does not count.
    const elsewhere = run(
      own.replace(/namespace: openedx\n(?![\s\S]*namespace: openedx\n)/, 'namespace: x\n'),
      {
        explicitQueues: { lms: { t: { queue: 'edx.lms.core.reports' } } },
      },
    );
    expect(lines(elsewhere.stderr, 'warning')).toHaveLength(1);
  });
});

describe('properties', () => {
  const renderArb = fc.constantFrom(RENDERS.v19, RENDERS.v20, RENDERS.v21, RENDERS.custom);
  const name = fc.string({ unit: 'binary', maxLength: 20 });
  const queue = fc.oneof(
    fc.constantFrom('edx.lms.core.default', 'edx.lms.core.high', 'edx.cms.core.low'),
    name,
  );
  const routes = fc.dictionary(
    name.filter((s) => s.length > 0),
    // (A queue name takes no comma, white space or control character: see test/names.test.ts.)
    fc.record({ queue: queue.filter((s) => /^[^\s,\p{Cc}]+$/u.test(s)) }),
    { maxKeys: 3 },
  );
  const specArb = fc.record(
    {
      lms: fc.constantFrom(
        { queues: {} },
        { queues: { high: {} } },
        { queues: { high_mem: {}, x: {} } },
      ),
      explicitQueues: fc.record({ lms: routes, cms: routes }, { requiredKeys: [] }),
      acksLate: fc.boolean(),
    },
    { requiredKeys: [] },
  );

  it('no dangling reference, Kustomize’s names, the routes in python’s reach, idempotent', () => {
    fc.assert(
      fc.property(renderArb, specArb, (render, spec) => {
        const input = fixture(render);
        const out = run(input, spec);
        expect(out.status).toBe(0);
        const list = resources(out.stdout);
        expect(danglingRefs(list)).toEqual([]);
        for (const cm of settingsMaps(list)) {
          expect(cm.metadata.name.endsWith(`-${configMapHash(cm)}`)).toBe(true);
          expect(blockOf(cm.data['production.py'])).toContain(
            `CELERY_ACKS_LATE = ${spec.acksLate === false ? 'False' : 'True'}`,
          );
        }
        expect(run(out.stdout, spec).stdout).toBe(out.stdout);
        expect(run(input, spec)).toEqual(out);
      }),
      { seed: 20261128, numRuns: Number(process.env.PROPERTY_RUNS ?? 25) },
    );
  });
});
