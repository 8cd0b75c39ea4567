// Mistakes at the command line get a sentence a user understands: usage on a terminal, a
// directory or a missing file named as such, a config file of several documents, Tutor's
// config.yml where a CeleryQueues goes, a foreign kind. No library's words (EISDIR, "please use
// YAML.parseAllDocuments()"). And errors name the functionConfig as it is.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '../src/cli.js';
import { BUNDLE, celeryQueuesConfig, fixture, ROOT, runCli } from './helpers.js';
import { remove, scratch } from './tools.js';

const RENDER = join(ROOT, 'examples', 'tutor-v20.yaml');
const CONFIG = join(ROOT, 'examples', 'celery-queues.yaml');
const dir = scratch('cli');
afterAll(() => remove(dir));

function oneError(out: { status: number; stdout: string; stderr: string }): string {
  expect(out.status).toBe(1);
  // The error, then (for a run that got as far as the transform) the line that sums it up.
  const lines = out.stderr
    .trimEnd()
    .split('\n')
    .filter((l) => !l.startsWith('celery-queues: failed: '));
  expect(lines, out.stderr).toHaveLength(1);
  expect(out.stderr).not.toMatch(/EISDIR|ENOENT|EACCES|parseAllDocuments|at .*\.js:\d+/);
  return lines[0] as string;
}

describe('on a terminal', () => {
  it('bare celery-queues prints its usage instead of waiting for input (a real terminal)', () => {
    // script(1) gives the process a pseudo-terminal as its standard input.
    const r = spawnSync('script', ['-qec', `${process.execPath} ${BUNDLE}`, '/dev/null'], {
      encoding: 'utf8',
      timeout: 20_000,
      input: '',
    });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('celery-queues: error: standard input is a terminal');
    expect(r.stdout).toContain('Usage:');
    expect(r.stdout).toContain('celery-queues report');
  });

  it('/dev/null is a character device but no terminal: read as the empty input a pipe gives', () => {
    const devNull = openSync('/dev/null', 'r');
    try {
      const fromDevNull = spawnSync(process.execPath, [BUNDLE, '--config', CONFIG], {
        encoding: 'utf8',
        stdio: [devNull, 'pipe', 'pipe'],
      });
      const fromPipe = spawnSync(process.execPath, [BUNDLE, '--config', CONFIG], {
        encoding: 'utf8',
        input: '',
      });
      expect(fromDevNull.stderr).not.toContain('standard input is a terminal');
      expect(fromDevNull.status).toBe(fromPipe.status);
      expect(fromDevNull.stdout).toBe(fromPipe.stdout);
      expect(fromDevNull.stderr).toBe(fromPipe.stderr);
    } finally {
      closeSync(devNull);
    }
  });

  it('in process: the same, for report and migrate too; a piped input is read as always', () => {
    for (const argv of [[], ['report'], ['migrate'], ['--config', CONFIG]]) {
      let stderr = '';
      const status = run(argv, {
        stdin: () => {
          throw new Error('read stdin');
        },
        readFile: () => '',
        stdout: () => {},
        stderr: (t) => {
          stderr += t;
        },
        stdinIsTerminal: () => true,
      });
      expect(status).toBe(1);
      expect(stderr).toMatch(/^celery-queues: error: standard input is a terminal/);
    }
  });
});

describe('files that are not what they should be', () => {
  mkdirSync(join(dir, 'env'), { recursive: true });
  it.each([
    [
      'a directory of manifests',
      ['--config', CONFIG, join(dir, 'env')],
      `celery-queues: error: ${join(dir, 'env')} is a directory, not a file: give the rendered manifests, e.g. kustomize build ${join(dir, 'env')} | celery-queues --config FILE`,
    ],
    [
      'a directory as --config',
      ['--config', join(dir, 'env'), RENDER],
      `celery-queues: error: --config ${join(dir, 'env')} is a directory, not a file: --config takes the CeleryQueues file`,
    ],
    [
      'a missing manifest file',
      ['--config', CONFIG, join(dir, 'missing.yaml')],
      `celery-queues: error: ${join(dir, 'missing.yaml')}: no such file`,
    ],
    [
      'a missing --config',
      ['--config', join(dir, 'missing.yaml'), RENDER],
      `celery-queues: error: --config ${join(dir, 'missing.yaml')}: no such file`,
    ],
    [
      "Tutor's config.yml without --config",
      ['config.yml'],
      "celery-queues: error: manifest files need --config FILE; to turn Tutor's config.yml into a CeleryQueues: celery-queues migrate config.yml",
    ],
    [
      '--format outside report',
      ['--format', 'json', '--config', CONFIG, RENDER],
      'celery-queues: error: --format is an option of celery-queues report',
    ],
    [
      'a format the report has not',
      ['report', '--format', 'svg', '--config', CONFIG, RENDER],
      "celery-queues: error: --format svg: the report's formats are markdown, json, mermaid",
    ],
  ])('%s', (_, argv, message) => {
    const out = runCli(argv as string[]);
    expect(oneError(out)).toBe(message);
    expect(out.stdout).toBe('');
  });

  it.each([
    [
      'two documents',
      `${readFileSyncText(CONFIG)}---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n`,
      "holds 2 YAML documents; it takes one, the CeleryQueues (or the ConfigMap of tutor-contrib-celery's settings): manifests go after it, celery-queues --config /c.yaml MANIFEST...",
    ],
    [
      'the render as --config',
      () => readFileSyncText(RENDER),
      /holds \d+ YAML documents; it takes one/,
    ],
    ['an empty file', '# nothing\n', 'is empty: give a CeleryQueues'],
  ])('--config with %s', (_, text, message) => {
    const config = typeof text === 'function' ? text() : text;
    const out = runCli(['--config', '/c.yaml'], readFileSyncText(RENDER), { '/c.yaml': config });
    const line = oneError(out);
    if (typeof message === 'string') expect(line).toContain(message);
    else expect(line).toMatch(message);
  });

  it("Tutor's config.yml as --config: what it is, and the command that turns it into a CeleryQueues", () => {
    const out = runCli(['--config', '/config.yml'], readFileSyncText(RENDER), {
      '/config.yml':
        'LMS_HOST: learn.example.com\nCELERY_FLOWER: true\nCELERY_FLOWER_BASIC_AUTH: flower:x\n',
    });
    expect(oneError(out)).toBe(
      "celery-queues: error: the config has no kind and holds Tutor settings (LMS_HOST, CELERY_FLOWER, CELERY_FLOWER_BASIC_AUTH, ...): it looks like Tutor's config.yml, not a CeleryQueues. `celery-queues migrate config.yml` prints the CeleryQueues for its tutor-contrib-celery settings",
    );
  });

  it('a ResourceList with --config: where each goes', () => {
    const out = runCli(['--config', CONFIG], fixture('krm/kustomize-4.5.4-exec-input.yaml'));
    expect(oneError(out)).toBe(
      'celery-queues: error: document 1 is a ResourceList: a ResourceList goes on stdin without --config (its functionConfig is the config); --config takes plain manifests',
    );
  });
});

describe('errors name the functionConfig as it is', () => {
  const list = (config: string) => {
    const text = fixture('krm/kustomize-4.5.4-exec-input.yaml');
    return `${text.slice(0, text.indexOf('functionConfig:'))}functionConfig:\n${config.replace(/^/gm, '  ')}`;
  };

  it('a foreign kind: "is not a CeleryQueues", in its own apiVersion, kind and name', () => {
    const out = runCli(
      [],
      list(
        'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nmetadata: {name: env}\nresources: [a.yaml]\n',
      ),
    );
    expect(oneError(out)).toBe(
      "celery-queues: error: Kustomization env: is not a CeleryQueues: the functionConfig must be a CeleryQueues (apiVersion tutor-krm.dev/v1alpha1), or a ConfigMap (apiVersion v1) with tutor-contrib-celery's CELERY_* keys",
    );
    expect(parse(out.stdout).results).toEqual([
      expect.objectContaining({
        resourceRef: {
          apiVersion: 'kustomize.config.k8s.io/v1beta1',
          kind: 'Kustomization',
          name: 'env',
        },
      }),
    ]);
  });

  it("a CeleryQueues of another name: the families' messages name it", () => {
    const config = celeryQueuesConfig({
      lms: { queues: { high: {} } },
      explicitQueues: { lms: { t: { queue: 'edx.lms.core.reports' } } },
    }).replace('name: celery-queues', 'name: my-queues');
    const out = runCli([], list(config));
    expect(out.status).toBe(0);
    expect(out.stderr).toContain(
      'celery-queues: warning: CeleryQueues my-queues spec.explicitQueues.lms.t.queue: task "t" is routed',
    );
    expect(parse(out.stdout).results).toContainEqual(
      expect.objectContaining({
        severity: 'warning',
        resourceRef: {
          apiVersion: 'tutor-krm.dev/v1alpha1',
          kind: 'CeleryQueues',
          name: 'my-queues',
        },
      }),
    );
  });

  it("the ConfigMap form: the ConfigMap, and the setting's own name", () => {
    const config = `apiVersion: v1
kind: ConfigMap
metadata: {name: tutor-celery}
data:
  CELERY_WORKERS_CONFIG: '{"lms": {"high": {}}}'
  CELERY_LMS_EXPLICIT_QUEUES: '{"t": {"queue": "edx.lms.core.reports"}}'
`;
    const out = runCli([], list(config));
    expect(out.status).toBe(0);
    expect(out.stderr).toContain(
      'celery-queues: warning: ConfigMap tutor-celery data.CELERY_LMS_EXPLICIT_QUEUES.t.queue: task "t" is routed',
    );
  });
});

it('--help names every command and option', () => {
  const out = runCli(['--help']);
  expect(out.status).toBe(0);
  for (const word of [
    'celery-queues report',
    'celery-queues migrate',
    '--strict',
    '--format',
    '--config',
  ]) {
    expect(out.stdout).toContain(word);
  }
});

function readFileSyncText(path: string): string {
  return readFileSync(path, 'utf8');
}
