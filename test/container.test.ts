// The container image, built from the Dockerfile with podman on a local Node base (there is no
// registry here), and the examples that run it: Kustomize and kpt container functions, and the
// Argo CD sidecar image. Every podman call of the project's tests is in this file, so that they
// run one after another.
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { fixture, ROOT, runBundle } from './helpers.js';
import {
  copyTree,
  EXAMPLES,
  expectKptResult,
  KPT_PACKAGE,
  kustomizeBinary,
  ok,
  pathWith,
  podmanEnv,
  remove,
  run,
  scratch,
} from './tools.js';

const IMAGE = 'localhost/celery-queues:dev'; // the name the examples use
const KUSTOMIZE_IMAGE = 'localhost/kustomize:4.5.4';
const ARGOCD_IMAGE = 'localhost/celery-queues-argocd-cmp:dev';
const EXPECTED_KUSTOMIZE = join(EXAMPLES, 'kustomize-exec', 'expected.yaml');

let env: NodeJS.ProcessEnv;
let base: string;
const scratches: string[] = [];
function tmp(prefix: string): string {
  const dir = scratch(prefix);
  scratches.push(dir);
  return dir;
}

function podman(args: string[], input = ''): ReturnType<typeof run> {
  return run('podman', args, { env, input });
}

/** What V8 made of the code cache when the image's node loaded the bundle at `path`. */
function codeCacheIn(image: string, path: string): string {
  const script = `const vm = require('node:vm');
const Script = vm.Script;
vm.Script = function (source, options) {
  const script = new Script(source, options);
  console.log(!options.cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'taken');
  return script;
};
require(${JSON.stringify(path)});`;
  return ok('podman', ['run', '--rm', '--entrypoint', 'node', image, '-e', script], { env }).trim();
}

beforeAll(() => {
  env = podmanEnv();
  const version = run('podman', ['--version'], { env });
  if (version.status !== 0) {
    throw new Error(
      'podman does not run here: .ci/run installs podman, runc, uidmap, fuse-overlayfs',
    );
  }
  base = ok(join(ROOT, 'scripts', 'podman-base.sh'), [], { env }).trim();
  ok('podman', ['build', '--quiet', '--build-arg', `BASE_IMAGE=${base}`, '-t', IMAGE, ROOT], {
    env,
  });
});
afterAll(() => {
  remove(...scratches);
  // Rebuilt tags leave their old images behind, in this checkout's own store only.
  ok('podman', ['image', 'prune', '--force'], { env });
});

describe('the image (Dockerfile)', () => {
  it('takes its base as ARG BASE_IMAGE before the first FROM, a public Node 20 image by default', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const lines = dockerfile.split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    expect(lines[0]).toBe('ARG BASE_IMAGE=node:20-alpine');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile line, not a template
    expect(lines[1]).toBe('FROM ${BASE_IMAGE}');
  });

  it('runs as nobody (by number), with the function as its entrypoint', () => {
    const config = JSON.parse(
      ok('podman', ['image', 'inspect', '--format', '{{json .Config}}', IMAGE], { env }),
    );
    expect(config.User).toBe('65534:65534');
    expect(config.Entrypoint).toEqual(['node', '/usr/local/lib/celery-queues/celery-queues.js']);
    const uid = podman(['run', '--rm', '--entrypoint', 'node', IMAGE, '-p', 'process.getuid()']);
    expect(uid.stdout.trim()).toBe('65534');
  });

  it('holds the code cache beside the bundle, which its node takes', () => {
    expect(codeCacheIn(IMAGE, '/usr/local/lib/celery-queues/celery-queues.js')).toBe('taken');
  });

  it('transforms a ResourceList the way Kustomize runs it, locked down further (nobody, no network, read-only root, no capabilities)', () => {
    const input = fixture('krm/kustomize-4.5.4-exec-input.yaml').replace(
      /functionConfig:[\s\S]*$/,
      `functionConfig:\n${readFileSync(join(ROOT, 'test/configs/recommended.yaml'), 'utf8').replace(/^(?!#)/gm, '  ')}`,
    );
    const out = podman(
      [
        'run',
        '-i',
        '--rm',
        '--network',
        'none',
        '--user',
        'nobody',
        '--security-opt=no-new-privileges',
        '--cap-drop=ALL',
        '--read-only',
        '--tmpfs=/tmp:ro',
        IMAGE,
      ],
      input,
    );
    expect(out.stderr).toBe(
      'celery-queues: added 4 Deployments; changed 2 Deployments, 2 ConfigMaps; removed nothing; 0 warnings\n',
    );
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(runBundle([], input).stdout);
    expect(out.stdout).toContain('name: lms-worker-high-mem');
  });

  it('the README’s podman run on examples/image/resource-list.yaml prints examples/image/expected.yaml', () => {
    const input = readFileSync(join(ROOT, 'examples', 'image', 'resource-list.yaml'), 'utf8');
    const out = podman(['run', '-i', '--rm', '--network', 'none', IMAGE], input);
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(readFileSync(join(ROOT, 'examples', 'image', 'expected.yaml'), 'utf8'));
  });

  it('fails with exit 1 and one line on stderr, the items unchanged', () => {
    const input = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nfunctionConfig:\n  apiVersion: tutor-krm.dev/v1alpha1\n  kind: CeleryQueues\n  spec: {forum: {}}\n`;
    const out = podman(['run', '-i', '--rm', '--network', 'none', IMAGE], input);
    expect(out.status).toBe(1);
    expect(out.stderr).toBe(
      'celery-queues: error: CeleryQueues spec.forum: unknown field "forum" in spec\ncelery-queues: failed: 1 error; the items go back unchanged, the errors in results\n',
    );
    expect(parse(out.stdout).items).toEqual([]);
  });
});

describe('Kustomize, container function (examples/kustomize-container)', () => {
  it('kubectl kustomize --enable-alpha-plugins runs the image through `docker` (podman here)', () => {
    const out = run(
      'kubectl',
      ['kustomize', '--enable-alpha-plugins', 'examples/kustomize-container'],
      {
        env: { ...env, ...pathWith(join(ROOT, 'scripts', 'podman-as-docker')) },
      },
    );
    expect(out.status).toBe(0);
    // Kubectl's Kustomize v5 and the standalone 4.5.4 with the exec function agree byte for byte.
    expect(out.stdout).toBe(readFileSync(EXPECTED_KUSTOMIZE, 'utf8'));
  });
});

describe('kpt, container function (examples/kpt)', () => {
  const kpt = (args: string[]) => ok('kpt', args, { env: { ...env, KPT_FN_RUNTIME: 'podman' } });

  it('kpt fn eval --image: the expected package', () => {
    const out = join(tmp('kpt-image'), 'out');
    kpt([
      'fn',
      'eval',
      KPT_PACKAGE,
      '--image',
      IMAGE,
      '--image-pull-policy',
      'never',
      '--fn-config',
      join(KPT_PACKAGE, 'celery-queues.yaml'),
      '-o',
      out,
    ]);
    expectKptResult(out);
  });

  it('kpt fn render with `image:` in the Kptfile pipeline: the same package', () => {
    const pkg = copyTree(KPT_PACKAGE, join(tmp('kpt-render-image'), 'openedx'));
    const kptfile = readFileSync(join(pkg, 'Kptfile'), 'utf8');
    const withImage = kptfile.replace('  - exec: celery-queues\n', `  - image: ${IMAGE}\n`);
    expect(withImage).not.toBe(kptfile);
    writeFileSync(join(pkg, 'Kptfile'), withImage);
    const out = join(tmp('kpt-render-image-out'), 'out');
    kpt(['fn', 'render', pkg, '--image-pull-policy', 'never', '-o', out]);
    expect(readFileSync(join(out, 'Kptfile'), 'utf8')).toBe(withImage);
    writeFileSync(join(out, 'Kptfile'), kptfile); // the one difference the test made
    expectKptResult(out);
  });
});

describe('Argo CD sidecar image (examples/argocd/Dockerfile)', () => {
  beforeAll(() => {
    // The standalone Kustomize as the official image holds it (/app/kustomize).
    if (podman(['image', 'exists', KUSTOMIZE_IMAGE]).status !== 0) {
      const root = tmp('kustomize-image');
      ok('mkdir', ['-p', join(root, 'rootfs', 'app')]);
      ok('cp', [kustomizeBinary(), join(root, 'rootfs', 'app', 'kustomize')]);
      ok('tar', ['-C', join(root, 'rootfs'), '-cf', join(root, 'rootfs.tar'), '.']);
      ok('podman', ['import', '--quiet', join(root, 'rootfs.tar'), KUSTOMIZE_IMAGE], { env });
    }
    ok(
      'podman',
      [
        'build',
        '--quiet',
        '-f',
        'examples/argocd/Dockerfile',
        '--build-arg',
        `BASE_IMAGE=${base}`,
        '--build-arg',
        `KUSTOMIZE_IMAGE=${KUSTOMIZE_IMAGE}`,
        '-t',
        ARGOCD_IMAGE,
        ROOT,
      ],
      { env },
    );
  });

  it('holds plugin.yaml where argocd-cmp-server reads it, and runs as user 999', () => {
    const config = JSON.parse(
      ok('podman', ['image', 'inspect', '--format', '{{json .Config}}', ARGOCD_IMAGE], { env }),
    );
    expect(config.User).toBe('999');
    const plugin = podman([
      'run',
      '--rm',
      '--entrypoint',
      'node',
      ARGOCD_IMAGE,
      '-e',
      "process.stdout.write(require('fs').readFileSync('/home/argocd/cmp-server/config/plugin.yaml','utf8'))",
    ]);
    expect(plugin.stdout).toBe(readFileSync(join(EXAMPLES, 'argocd', 'plugin.yaml'), 'utf8'));
  });

  it('holds celery-queues on PATH with its code cache beside it, which its node takes', () => {
    expect(codeCacheIn(ARGOCD_IMAGE, '/usr/local/bin/celery-queues')).toBe('taken');
  });

  it('its generate command, in the app folder of a repository copy, prints the expected manifests', () => {
    const plugin = parse(readFileSync(join(EXAMPLES, 'argocd', 'plugin.yaml'), 'utf8'));
    const [command, ...args] = [
      ...plugin.spec.generate.command,
      ...(plugin.spec.generate.args ?? []),
    ];
    const repo = tmp('argocd-sidecar-repo');
    chmodSync(repo, 0o755); // the sidecar's user 999 reads it
    copyTree(join(EXAMPLES, 'kustomize-exec', 'env'), join(repo, 'env'));
    const argoEnv = {
      ARGOCD_APP_NAME: 'openedx',
      ARGOCD_APP_NAMESPACE: 'openedx',
      ARGOCD_APP_SOURCE_PATH: 'env',
      ARGOCD_APP_SOURCE_REPO_URL: 'https://git.example.com/ops/openedx.git',
      ARGOCD_APP_REVISION: '3f1c9a0e5b7d2c4f6a8e0b1d3c5e7f9a2b4c6d8e',
      KUBE_VERSION: '1.32.4',
    };
    const out = podman([
      'run',
      '--rm',
      '--network',
      'none',
      '--user',
      '999',
      '--read-only',
      '--tmpfs',
      '/tmp',
      '-v',
      `${repo}:/tmp/repo:ro`,
      '-w',
      '/tmp/repo/env',
      ...Object.entries(argoEnv).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      '--entrypoint',
      command as string,
      ARGOCD_IMAGE,
      ...args,
    ]);
    expect(out.status).toBe(0);
    expect(out.stdout).toBe(readFileSync(EXPECTED_KUSTOMIZE, 'utf8'));
  });
});

describe('the release image, for linux/amd64 and linux/arm64 (scripts/image.sh)', () => {
  const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
  const name = `localhost/celery-queues:${version}`;
  let platforms: Map<string, string>;

  beforeAll(() => {
    // Node for the other processor: the official binary from npm, Debian's libraries for it
    // (.ci/run adds Debian's arm64 packages and qemu-user-static for running it).
    const arm64 = ok(join(ROOT, 'scripts', 'podman-base.sh'), ['--arch', 'arm64'], { env }).trim();
    const bases = `${base}-multi`;
    podman(['manifest', 'rm', bases]);
    ok('podman', ['manifest', 'create', bases], { env });
    for (const image of [base, arm64]) {
      ok('podman', ['manifest', 'add', bases, `containers-storage:${image}`], { env });
    }
    const built = ok(
      join(ROOT, 'scripts', 'image.sh'),
      ['--platform', 'linux/amd64,linux/arm64', '--base', bases],
      { env },
    );
    expect(built.trim()).toBe(name);
    const list = JSON.parse(ok('podman', ['manifest', 'inspect', name], { env }));
    platforms = new Map(
      list.manifests.map((m: { platform: { architecture: string }; digest: string }) => [
        m.platform.architecture,
        `${name}@${m.digest}`,
      ]),
    );
  });

  it('is a manifest list of both platforms, named by the version', () => {
    expect([...platforms.keys()].sort()).toEqual(['amd64', 'arm64']);
  });

  it.each(['amd64', 'arm64'])('%s: carries the OCI labels of package.json', (arch) => {
    const image = platforms.get(arch) as string;
    const inspect = JSON.parse(ok('podman', ['image', 'inspect', image], { env }))[0];
    expect(inspect.Architecture).toBe(arch);
    expect(inspect.Labels).toMatchObject({
      'org.opencontainers.image.title': 'celery-queues',
      'org.opencontainers.image.version': version,
      'org.opencontainers.image.licenses': 'AGPL-3.0-only',
      'org.opencontainers.image.source': expect.stringMatching(
        /^https:\/\/github\.com\/[^/]+\/celery-queues$/,
      ),
      'org.opencontainers.image.description': expect.stringContaining('KRM function'),
    });
  });

  // arm64 runs under qemu: the bundle's code cache, made on x64, is left out there (an x64
  // cache crashes arm64 Node), so this also shows the bundle runs without it.
  it.each(['amd64', 'arm64'])(
    '%s: runs the bundled example, as nobody, without network',
    (arch) => {
      const image = platforms.get(arch) as string;
      const exec = podman(['run', '--rm', '--entrypoint', 'node', image, '-p', 'process.arch']);
      expect(exec.stdout.trim()).toBe(arch === 'amd64' ? 'x64' : 'arm64');
      const input = readFileSync(join(EXAMPLES, 'tutor-v20.yaml'), 'utf8');
      const out = podman(
        [
          'run',
          '-i',
          '--rm',
          '--network',
          'none',
          '--user',
          'nobody',
          '-v',
          `${join(EXAMPLES, 'celery-queues.yaml')}:/config.yaml:ro`,
          image,
          '--config',
          '/config.yaml',
        ],
        input,
      );
      expect(out.status, out.stderr).toBe(0);
      expect(out.stdout).toBe(readFileSync(join(EXAMPLES, 'expected.yaml'), 'utf8'));
    },
  );
});
