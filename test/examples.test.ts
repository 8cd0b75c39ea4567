// The examples under examples/, run the way the README says, with the real Kustomize, kubectl
// and kpt, and the built function on PATH. (The container image and the examples that need it
// are in container.test.ts.)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { FIXTURES, otherThanSettings, resources, runBundle } from './helpers.js';
import { PYTHON } from './producers.js';
import {
  copyTree,
  EXAMPLES,
  expectExample,
  expectKptResult,
  KPT_PACKAGE,
  ok,
  pathWith,
  readTree,
  remove,
  run,
  scratch,
  toolPath,
} from './tools.js';

const TUTOR_ENV = join(FIXTURES, 'tutor', 'env', 'stock-v20');
const EXEC_ENV = join(EXAMPLES, 'kustomize-exec', 'env');

let bin: string;
let env: NodeJS.ProcessEnv;
const scratches: string[] = [];
function tmp(prefix: string): string {
  const dir = scratch(prefix);
  scratches.push(dir);
  return dir;
}

beforeAll(() => {
  bin = toolPath();
  env = pathWith(bin);
});
afterAll(() => remove(bin, ...scratches));

/** A manifest stream as a list of `Kind namespace/name`. */
function names(stream: string): string[] {
  return resources(stream).map((r) => `${r.kind} ${r.metadata.namespace ?? ''}/${r.metadata.name}`);
}

describe('Tutor’s env/ copies in examples/', () => {
  it('examples/tutor-env is Tutor v20.0.5’s env/ as rendered (the fixture), unchanged', () => {
    expect(readTree(join(EXAMPLES, 'tutor-env'))).toEqual(readTree(TUTOR_ENV));
  });

  it('examples/kustomize-exec/env is the same with the Tutor plugin’s kustomization patch', () => {
    // What Tutor v20.0.5 renders for {{ patch("kustomization") }} at the end of the file: the
    // patch, its final newline dropped by Jinja.
    const plugin = parse(
      readFileSync(join(EXAMPLES, 'kustomize-exec', 'tutor-plugin.yml'), 'utf8'),
    );
    const stock = readTree(TUTOR_ENV);
    const rendered = readTree(EXEC_ENV);
    expect(Object.keys(rendered).sort()).toEqual(Object.keys(stock).sort());
    for (const [file, text] of Object.entries(stock)) {
      if (file === 'kustomization.yml') {
        expect(rendered[file]).toBe(`${text}${plugin.patches.kustomization.replace(/\n$/, '')}`);
      } else expect(rendered[file], file).toBe(text);
    }
  });
});

describe('Kustomize, exec function (examples/kustomize-exec)', () => {
  it('kustomize build --enable-alpha-plugins --enable-exec env/ gives the expected output', () => {
    const out = run('kustomize', ['build', '--enable-alpha-plugins', '--enable-exec', EXEC_ENV], {
      env,
    });
    expect(out.stderr).not.toMatch(/error/i);
    expect(out.status).toBe(0);
    expectExample('kustomize-exec/expected.yaml', out.stdout);
    expect(names(out.stdout)).toEqual(
      expect.arrayContaining([
        'Deployment openedx/lms-worker-high',
        'Deployment openedx/lms-worker-high-mem',
        'Deployment openedx/cms-worker-high',
        'Deployment openedx/cms-worker-low',
      ]),
    );
  });

  it('a function error fails the build, with the one-line error on stderr', () => {
    const dir = copyTree(EXEC_ENV, join(tmp('exec-error'), 'env'));
    const file = join(dir, 'kustomization.yml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('high_mem: {}', 'High: {}'));
    const out = run('kustomize', ['build', '--enable-alpha-plugins', '--enable-exec', dir], {
      env,
    });
    expect(out.status).not.toBe(0);
    expect(out.stdout).toBe('');
    expect(out.stderr).toContain(
      'celery-queues: error: CeleryQueues celery-queues spec.lms.queues.High: variant name "High" must be lowercase',
    );
  });

  it('without --enable-exec Kustomize refuses it (so `tutor k8s start` fails loudly)', () => {
    const standalone = run('kustomize', ['build', EXEC_ENV], { env });
    expect(standalone.status).not.toBe(0);
    expect(standalone.stderr).toContain('external plugins disabled');
    const kubectl = run('kubectl', ['kustomize', EXEC_ENV], { env });
    expect(kubectl.status).not.toBe(0);
    expect(kubectl.stderr).toContain('external plugins disabled');
  });

  it('kubectl kustomize --enable-alpha-plugins skips exec functions without a word', () => {
    // The README's warning: kubectl's Kustomize cannot run exec functions and says nothing.
    const out = run('kubectl', ['kustomize', '--enable-alpha-plugins', EXEC_ENV], { env });
    expect(out.status).toBe(0);
    expect(names(out.stdout)).toEqual(
      names(readFileSync(join(FIXTURES, 'tutor/stock-v20.yaml'), 'utf8')),
    );
  });
});

describe('Kustomize, exec function in an overlay outside env/', () => {
  it('gives the same output as in Tutor’s env/ (Kustomize hashes generated names at the top)', () => {
    const dir = tmp('exec-overlay');
    copyTree(join(EXAMPLES, 'tutor-env'), join(dir, 'env'));
    copyTree(join(EXAMPLES, 'kustomize-container'), join(dir, 'overlay'));
    const config = join(dir, 'overlay', 'celery-queues.yaml');
    const text = readFileSync(config, 'utf8');
    const exec = text.replace(/container:\n +image: \S+/, 'exec:\n        path: celery-queues');
    expect(exec).not.toBe(text);
    writeFileSync(config, exec);
    const kustomization = join(dir, 'overlay', 'kustomization.yaml');
    writeFileSync(
      kustomization,
      readFileSync(kustomization, 'utf8').replace('- ../tutor-env', '- ../env'),
    );
    const out = run(
      'kustomize',
      ['build', '--enable-alpha-plugins', '--enable-exec', join(dir, 'overlay')],
      { env },
    );
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(
      readFileSync(join(EXAMPLES, 'kustomize-exec', 'expected.yaml'), 'utf8'),
    );
  });
});

describe('a plain pipe (examples/pipe)', () => {
  const pipe = (config: string) =>
    run(
      'sh',
      ['-c', `kustomize build examples/tutor-env | celery-queues --config examples/pipe/${config}`],
      { env },
    );

  it('kustomize build env/ | celery-queues --config celery-queues.yaml gives the expected output', () => {
    const out = pipe('celery-queues.yaml');
    expect(out.status).toBe(0);
    expectExample('pipe/expected.yaml', out.stdout);
    for (const doc of parseAllDocuments(out.stdout)) expect(doc.errors).toEqual([]);
  });

  it('the ConfigMap form with tutor-contrib-celery’s settings gives the same bytes', () => {
    const out = pipe('tutor-settings.yaml');
    expect(otherThanSettings(out.stderr)).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(readFileSync(join(EXAMPLES, 'pipe', 'expected.yaml'), 'utf8'));
  });

  it('kubectl kustomize env/ works as the first half as well', () => {
    const out = run(
      'sh',
      [
        '-c',
        'kubectl kustomize examples/tutor-env 2>/dev/null | celery-queues --config examples/pipe/celery-queues.yaml',
      ],
      { env },
    );
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(readFileSync(join(EXAMPLES, 'pipe', 'expected.yaml'), 'utf8'));
  });
});

describe('kpt, exec function (examples/kpt)', () => {
  const config = join(KPT_PACKAGE, 'celery-queues.yaml');

  it('kpt fn eval --exec celery-queues --fn-config: the expected package', () => {
    const out = join(tmp('kpt-eval'), 'out');
    ok(
      'kpt',
      ['fn', 'eval', KPT_PACKAGE, '--exec', 'celery-queues', '--fn-config', config, '-o', out],
      {
        env,
      },
    );
    expectKptResult(out);
  });

  it('the documented kpt commands that write in place run on a copy, never on examples/', () => {
    // kpt fn eval and render rewrite their package; run on the checked-in example, they would
    // change it (and the next run's expected output).
    const pages = [
      'README.md',
      'examples/kpt/README.md',
      'docs/day-2-with-tutor.md',
      'docs/task-routing.md',
      'docs/migrating-from-tutor-contrib-celery.md',
    ];
    let seen = 0;
    for (const page of pages) {
      const text = readFileSync(join(EXAMPLES, '..', page), 'utf8');
      for (const block of text.matchAll(/```(?:bash|sh)\n([\s\S]*?)```/g)) {
        for (const m of (block[1] as string).matchAll(/\bkpt fn (?:eval|render) (\S+)([^\n]*)/g)) {
          seen++;
          const [, pkg, rest] = m as unknown as [string, string, string];
          if (/(^|\s)-o\s/.test(rest)) continue;
          expect(pkg, `${page}: ${m[0]}`).not.toMatch(/^(\.\/)?examples\//);
        }
      }
    }
    expect(seen).toBeGreaterThan(3);
  });

  it('kpt fn render with the Kptfile pipeline: the same package', () => {
    const out = join(tmp('kpt-render'), 'out');
    ok('kpt', ['fn', 'render', KPT_PACKAGE, '--allow-exec', '-o', out], { env });
    expectKptResult(out);
  });

  it('in place: the users’ comments, quoting and flow style survive, and a second run changes nothing', () => {
    const pkg = copyTree(KPT_PACKAGE, join(tmp('kpt-inplace'), 'openedx'));
    ok('kpt', ['fn', 'render', pkg, '--allow-exec'], { env });
    const first = readTree(pkg);
    const deployments = first['deployments.yaml'] as string;
    for (const kept of [
      '# Open edX on Kubernetes, as Tutor v20.0.5 rendered it; kept in git and edited by hand.\napiVersion',
      'image: "docker.io/caddy:2.7.4" # pinned: see the upgrade notes',
      '- {name: SERVICE_VARIANT, value: "cms"}',
      'value: "4" # raised for the spring courses',
      'name: lms-worker # the stock LMS worker: celery-queues narrows its queues\n',
      "- '--loglevel=info'",
      '- --max-tasks-per-child=100 # recycle leaky workers',
      'resources: {requests: {cpu: 500m, memory: 1Gi}, limits: {memory: 2Gi}}',
      '# Tutor runs Open edX as uid 1000.\n      securityContext: {runAsGroup: 1000, runAsUser: 1000}',
    ]) {
      expect(deployments).toContain(kept);
    }
    expect(deployments.match(/# Open edX on Kubernetes/g)).toHaveLength(1);
    // The user's comment on the stock worker's name stays with the stock worker.
    expect(deployments.match(/the stock LMS worker/g)).toHaveLength(1);
    ok('kpt', ['fn', 'render', pkg, '--allow-exec'], { env });
    expect(readTree(pkg)).toEqual(first);
  });

  it('new workers go to the file of the stock worker they are cloned from, after what it holds', () => {
    const out = join(tmp('kpt-place'), 'out');
    ok('kpt', ['fn', 'render', KPT_PACKAGE, '--allow-exec', '-o', out], { env });
    const tree = readTree(out);
    const inFile = (file: string) => names(tree[file] as string);
    expect(inFile('deployments.yaml').slice(-4)).toEqual([
      'Deployment openedx/lms-worker-high',
      'Deployment openedx/lms-worker-high-mem',
      'Deployment openedx/cms-worker-high',
      'Deployment openedx/cms-worker-low',
    ]);
    expect(inFile('deployments.yaml').slice(0, -4)).toEqual(
      names(readFileSync(join(KPT_PACKAGE, 'deployments.yaml'), 'utf8')),
    );
  });

  it('kpt fn eval -- KEY=VALUE: kpt’s ConfigMap of tutor-contrib-celery settings', () => {
    const out = join(tmp('kpt-args'), 'out');
    ok(
      'kpt',
      [
        'fn',
        'eval',
        KPT_PACKAGE,
        '--exec',
        'celery-queues',
        '-o',
        out,
        '--',
        'CELERY_WORKERS_CONFIG={"lms": {"high": {}, "high_mem": {"extra_params": ["--concurrency=2"]}}, "cms": {"high": {}, "low": {}}}',
      ],
      { env },
    );
    expectKptResult(out);
  });

  it('a variant taken out of the config takes its worker out of the file again', () => {
    const pkg = copyTree(KPT_PACKAGE, join(tmp('kpt-remove'), 'openedx'));
    ok('kpt', ['fn', 'render', pkg, '--allow-exec'], { env });
    const file = join(pkg, 'celery-queues.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('      low: {}\n', ''));
    ok('kpt', ['fn', 'render', pkg, '--allow-exec'], { env });
    const after = names(readFileSync(join(pkg, 'deployments.yaml'), 'utf8'));
    expect(after).not.toContain('Deployment openedx/cms-worker-low');
    expect(after).toContain('Deployment openedx/cms-worker-high');
  });
});

describe('kpt, a package written by PyYAML (examples/kpt-pyyaml)', () => {
  const pkg = join(EXAMPLES, 'kpt-pyyaml', 'package');

  it('package/ is what write-package.py writes with Debian’s PyYAML', () => {
    const dir = tmp('kpt-pyyaml-written');
    ok(PYTHON, [join(EXAMPLES, 'kpt-pyyaml', 'write-package.py'), dir]);
    const written = readTree(dir);
    const kept = readTree(pkg);
    for (const [file, text] of Object.entries(written)) expect(kept[file], file).toBe(text);
    // What a Python tool writes: one labels dict for metadata, selector and pod template (an
    // anchor and its aliases), long strings folded.
    expect(written['deployments.yaml']).toMatch(/labels: &id001\n[\s\S]*matchLabels: \*id001\n/);
    expect(written['configmaps.yaml']).toMatch(/^ {2}uwsgi\.ini: >\+\n/m);
  });

  it('kpt fn render with the Kptfile pipeline: the expected package', () => {
    const out = join(tmp('kpt-pyyaml-render'), 'out');
    ok('kpt', ['fn', 'render', pkg, '--allow-exec', '-o', out], { env });
    expectKptResult(out, 'kpt-pyyaml');
  });

  it('kpt fn eval --exec: the same package', () => {
    const out = join(tmp('kpt-pyyaml-eval'), 'out');
    const config = join(pkg, 'celery-queues.yaml');
    ok('kpt', ['fn', 'eval', pkg, '--exec', 'celery-queues', '--fn-config', config, '-o', out], {
      env,
    });
    expectKptResult(out, 'kpt-pyyaml');
  });

  it('what kpt sends: items the function does not change go back as they came, folded scalars as they were', () => {
    const list = ok('kpt', ['fn', 'source', pkg]);
    const config = readFileSync(join(pkg, 'celery-queues.yaml'), 'utf8');
    const input = `${list}functionConfig:\n${config.replace(/^(?=.)/gm, '  ')}`;
    const out = runBundle([], input);
    expect(out.status, out.stderr).toBe(0);
    // The ConfigMap holding the folded uwsgi.ini, unchanged: its text as kpt sent it.
    const uwsgi = /\n(- apiVersion: v1\n {2}data:\n {4}uwsgi\.ini: >\+\n[\s\S]*?)(?=\n- )/.exec(
      input,
    )?.[1];
    expect(uwsgi).toBeDefined();
    expect(out.stdout).toContain(uwsgi);
    // The LMS settings, changed (a settings block, a new name): its folded test.py as it was.
    const testPy = /\n( {4}test\.py: >-\n {6}from lms[\s\S]*?)\n {2}kind:/.exec(input)?.[1];
    expect(testPy).toBeDefined();
    expect(out.stdout).toContain(testPy);
  });

  it('in place: untouched files as kpt writes them, aliases kept; the stock workers’ resolved; a second run changes nothing', () => {
    const dir = copyTree(pkg, join(tmp('kpt-pyyaml-inplace'), 'openedx'));
    ok('kpt', ['fn', 'render', dir, '--allow-exec'], { env });
    const first = readTree(dir);
    // kpt writes back every file in its own layout, whatever the function does: what a function
    // that changes nothing (`cat`) gives is what the files the function does not touch must be.
    const scratchDir = tmp('kpt-pyyaml-noop');
    const noop = join(scratchDir, 'noop.sh');
    writeFileSync(noop, '#!/bin/sh\ncat\n', { mode: 0o755 });
    const baseline = copyTree(pkg, join(scratchDir, 'openedx'));
    ok('kpt', ['fn', 'eval', baseline, '--exec', noop]);
    const untouched = readTree(baseline);
    for (const file of ['services.yaml', 'volumes.yaml', 'namespace.yaml']) {
      expect(first[file], file).toBe(untouched[file]);
    }
    expect(first['services.yaml']).toContain('*id001');
    // No kpt bookkeeping where an alias of a stock worker's annotations stood.
    const workers = resources(first['deployments.yaml'] as string);
    const lms = workers.find((r) => r.metadata.name === 'lms-worker') as Record<string, any>;
    expect(lms.spec.selector.matchLabels).toEqual(lms.metadata.labels);
    expect(lms.spec.template.metadata.annotations).toEqual({
      'app.kubernetes.io/version': '20.0.5',
    });
    expect(first['deployments.yaml']).not.toMatch(/config\.kubernetes\.io\/(?:index|path)/);
    ok('kpt', ['fn', 'render', dir, '--allow-exec'], { env });
    expect(readTree(dir)).toEqual(first);
  });
});

describe('Argo CD config management plugin (examples/argocd)', () => {
  const plugin = parse(readFileSync(join(EXAMPLES, 'argocd', 'plugin.yaml'), 'utf8'));
  const generate: string[] = [
    ...plugin.spec.generate.command,
    ...(plugin.spec.generate.args ?? []),
  ];

  /** The environment the argocd-cmp-server gives the generate command. */
  function argoEnv(sourcePath: string): NodeJS.ProcessEnv {
    return {
      ...env,
      ARGOCD_APP_NAME: 'openedx',
      ARGOCD_APP_NAMESPACE: 'openedx',
      ARGOCD_APP_PROJECT_NAME: 'default',
      ARGOCD_APP_REVISION: '3f1c9a0e5b7d2c4f6a8e0b1d3c5e7f9a2b4c6d8e',
      ARGOCD_APP_REVISION_SHORT: '3f1c9a0',
      ARGOCD_APP_REVISION_SHORT_8: '3f1c9a0e',
      ARGOCD_APP_SOURCE_PATH: sourcePath,
      ARGOCD_APP_SOURCE_REPO_URL: 'https://git.example.com/ops/openedx.git',
      ARGOCD_APP_SOURCE_TARGET_REVISION: 'main',
      KUBE_VERSION: '1.32.4',
      KUBE_API_VERSIONS: 'v1,apps/v1,batch/v1,keda.sh/v1alpha1,monitoring.coreos.com/v1',
    };
  }

  it('generate, run in the app’s folder of a repository copy, prints the expected manifests', () => {
    // The sidecar gets the repository as a tarball and unpacks it in its /tmp.
    const repo = tmp('argocd-repo');
    const app = copyTree(EXEC_ENV, join(repo, 'env'));
    const out = run(generate[0] as string, generate.slice(1), { cwd: app, env: argoEnv('env') });
    expect(out.status).toBe(0);
    // Standard output is manifests only: the same as the Kustomize example.
    expect(out.stdout).toBe(
      readFileSync(join(EXAMPLES, 'kustomize-exec', 'expected.yaml'), 'utf8'),
    );
    for (const doc of parseAllDocuments(out.stdout)) {
      expect(doc.errors).toEqual([]);
      expect(doc.get('kind')).toBeTruthy();
    }
  });

  it('the Application names the plugin as <name>-<version>, and the sidecar patch is Argo CD’s', () => {
    const app = parse(readFileSync(join(EXAMPLES, 'argocd', 'application.yaml'), 'utf8'));
    expect(app.spec.source.plugin.name).toBe(`${plugin.metadata.name}-${plugin.spec.version}`);
    const patch = parse(readFileSync(join(EXAMPLES, 'argocd', 'repo-server-patch.yaml'), 'utf8'));
    const sidecar = patch.spec.template.spec.containers[0];
    expect(sidecar.command).toEqual(['/var/run/argocd/argocd-cmp-server']);
    expect(sidecar.securityContext.runAsUser).toBe(999);
    expect(sidecar.volumeMounts.map((m: any) => m.mountPath).sort()).toEqual([
      '/home/argocd/cmp-server/plugins',
      '/tmp',
      '/var/run/argocd',
    ]);
  });
});

describe('the image (examples/image)', () => {
  // The image's own run is in container.test.ts; this is the same program, as the bundle.
  it('the README’s ResourceList, as podman run would hand it, gives the expected ResourceList', () => {
    const input = readFileSync(join(EXAMPLES, 'image', 'resource-list.yaml'), 'utf8');
    const out = runBundle([], input);
    expect(out.status).toBe(0);
    expect(out.stderr).toMatch(/^celery-queues: added 5 Deployments, 2 ScaledObjects, /);
    expectExample('image/expected.yaml', out.stdout);
    expect(parse(out.stdout).kind).toBe('ResourceList');
  });

  it('the README names that file in its podman run', () => {
    const readme = readFileSync(join(EXAMPLES, '..', 'README.md'), 'utf8');
    expect(readme).toContain(
      'podman run -i --rm --network none localhost/celery-queues:dev < examples/image/resource-list.yaml',
    );
  });
});

describe('--help', () => {
  it('names each way to run it, as the README does', () => {
    const help = runBundle(['--help'], '').stdout;
    for (const way of [
      'kustomize build --enable-alpha-plugins --enable-exec',
      'kubectl kustomize --enable-alpha-plugins',
      'kpt fn eval',
      'kpt fn render',
      'Argo CD',
      'kustomize build env/ | celery-queues --config celery-queues.yaml',
      'podman run',
      'CELERY_',
    ]) {
      expect(help).toContain(way);
    }
    const readme = readFileSync(join(EXAMPLES, '..', 'README.md'), 'utf8');
    for (const way of [
      'kustomize build --enable-alpha-plugins --enable-exec',
      'kubectl kustomize --enable-alpha-plugins',
      'kpt fn eval',
      'kpt fn render',
      'kustomize build env/ | celery-queues --config celery-queues.yaml',
    ]) {
      expect(readme).toContain(way);
    }
  });
});
