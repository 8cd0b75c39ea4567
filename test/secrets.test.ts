// What the function writes must not spread the input's secrets: no secret value of the input
// appears in the output outside a Secret more often than it did in the input (Tutor itself keeps
// passwords in ConfigMaps; those pass through, but nothing the function writes may copy them),
// none in an annotation the function wrote, and none in results or on stderr. The test reads the
// secrets out of the input, wherever Tutor and users put them (openedx-config's env files, the
// settings' Python, Secrets, a container's env), so it covers every output family as it lands
// (Flower and KEDA handle the broker password; the stock-fields record is an annotation).
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import {
  configPath,
  fixture,
  RENDERS,
  type RunOutput,
  runCli,
  runStream,
  twoInstances,
} from './helpers.js';

const SECRET_KEY = /PASSWORD|SECRET|TOKEN|PRIVATE|(API|ACCESS|MASTER)_KEY|CREDENTIALS/i;
// A password-like assignment in Tutor's Python settings (`MEILISEARCH_API_KEY = "..."`).
const PYTHON_SECRET =
  /^\s*[\w[\]"']*(?:PASSWORD|SECRET|TOKEN|PRIVATE|API_KEY|MASTER_KEY)[\w"'\]]*\s*=\s*"([^"]{4,})"/gim;

/**
 * Password-like values in the input: openedx-config's env files, the settings' Python, every
 * Secret's data, and the env of every container.
 */
function secretsOf(resources: Record<string, any>[]): Set<string> {
  const found = new Set<string>(['s3cret']); // the custom render's Redis password
  const collect = (value: unknown, key = '') => {
    if (typeof value === 'string') {
      if (SECRET_KEY.test(key) && value.length >= 4) found.add(value);
    } else if (Array.isArray(value)) {
      for (const v of value) collect(v, key);
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) collect(v, SECRET_KEY.test(k) ? k : k || key);
    }
  };
  for (const r of resources) {
    if (r?.kind === 'ConfigMap' && /^openedx-config/.test(r.metadata?.name ?? '')) {
      for (const [key, text] of Object.entries(r.data ?? {})) {
        if (/\.ya?ml$/.test(key)) collect(parse(text as string));
      }
    }
    if (r?.kind === 'ConfigMap' && /^openedx-settings/.test(r.metadata?.name ?? '')) {
      for (const text of Object.values(r.data ?? {})) {
        for (const m of String(text).matchAll(PYTHON_SECRET)) found.add(m[1] as string);
      }
    }
    if (r?.kind === 'Secret') {
      for (const v of Object.values(r.data ?? {})) {
        found.add(Buffer.from(String(v), 'base64').toString('utf8'));
      }
      for (const v of Object.values(r.stringData ?? {})) found.add(String(v));
    }
  }
  return found;
}

/**
 * Password-like values in the env of the input's containers. A worker cloned from a stock worker
 * runs with its env, so these may appear in the clones' env, and nowhere else.
 */
function envSecretsOf(resources: Record<string, any>[]): Set<string> {
  const found = new Set<string>();
  for (const r of resources) {
    for (const container of r?.spec?.template?.spec?.containers ?? []) {
      for (const e of container?.env ?? []) {
        if (SECRET_KEY.test(e?.name ?? '') && String(e?.value ?? '').length >= 4) {
          found.add(e.value);
        }
      }
    }
  }
  return found;
}

/** The resources without their containers' env. */
function withoutEnv(resources: Record<string, any>[]): Record<string, any>[] {
  return resources.map((r) => {
    const copy = JSON.parse(JSON.stringify(r));
    for (const c of copy?.spec?.template?.spec?.containers ?? []) delete c.env;
    return copy;
  });
}

function occurrences(texts: string[], secret: string): number {
  let n = 0;
  for (const t of texts) n += t.split(secret).length - 1;
  return n;
}

/** Each non-Secret resource as YAML text, for counting. */
function outsideSecrets(resources: Record<string, any>[]): string[] {
  return resources.filter((r) => r && r.kind !== 'Secret').map((r) => JSON.stringify(r));
}

function resourcesOfStream(text: string): Record<string, any>[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS())
    .filter((r) => r != null);
}

function expectNoLeak(input: Record<string, any>[], out: RunOutput, output: Record<string, any>[]) {
  const secrets = secretsOf(input);
  // The check would pass vacuously without secrets to look for: the broker password (of the
  // custom render), Django's SECRET_KEY, the MySQL password, Meilisearch's and JWT keys.
  expect(secrets.size).toBeGreaterThanOrEqual(5);
  const before = outsideSecrets(input);
  const after = outsideSecrets(output);
  const annotations = newAnnotations(input, output);
  for (const secret of secrets) {
    expect(occurrences(after, secret), `secret ${secret.slice(0, 3)}… spread`).toBeLessThanOrEqual(
      occurrences(before, secret),
    );
    expect(out.stderr).not.toContain(secret);
    expect(annotations, `secret ${secret.slice(0, 3)}… in an annotation`).not.toContain(secret);
  }
  const envBefore = outsideSecrets(withoutEnv(input));
  const envAfter = outsideSecrets(withoutEnv(output));
  const envSecrets = envSecretsOf(input);
  for (const secret of envSecrets) {
    expect(
      occurrences(envAfter, secret),
      `env secret ${secret.slice(0, 3)}… spread`,
    ).toBeLessThanOrEqual(occurrences(envBefore, secret));
    expect(out.stderr).not.toContain(secret);
    expect(annotations, `env secret ${secret.slice(0, 3)}… in an annotation`).not.toContain(secret);
  }
}

/** Every annotation value of the output that the input did not have on that resource. */
function newAnnotations(input: Record<string, any>[], output: Record<string, any>[]): string {
  const id = (r: Record<string, any>) => `${r.kind}/${r.metadata?.namespace}/${r.metadata?.name}`;
  const before = new Map(input.map((r) => [id(r), r.metadata?.annotations ?? {}]));
  const values: string[] = [];
  const collect = (r: Record<string, any>, annotations: Record<string, unknown> | undefined) => {
    for (const [key, value] of Object.entries(annotations ?? {})) {
      if (before.get(id(r))?.[key] !== value) values.push(String(value));
    }
  };
  for (const r of output) {
    collect(r, r?.metadata?.annotations);
    collect(r, r?.spec?.template?.metadata?.annotations);
  }
  return values.join('\n');
}

// A password in the stock workers' env, as a Tutor patch (or a user's kustomization) puts one.
const ENV_PASSWORD = 'env-Pa55w0rd-x7';
const withEnvPassword = (text: string) =>
  text.replace(
    /( {8}env:\n {8}- name: SERVICE_VARIANT\n {10}value: (?:lms|cms)\n)/g,
    `$1        - name: AWS_SECRET_ACCESS_KEY\n          value: ${ENV_PASSWORD}\n`,
  );

const STREAMS: Record<string, () => string> = {
  v19: () => fixture(RENDERS.v19),
  v20: () => fixture(RENDERS.v20),
  v21: () => fixture(RENDERS.v21),
  custom: () => fixture(RENDERS.custom),
  podautoscaling: () => fixture(RENDERS.podautoscaling),
  'two-instances': twoInstances,
  'v20 with a password in the workers’ env': () => withEnvPassword(fixture(RENDERS.v20)),
};

describe.each(Object.keys(STREAMS))('render %s', (render) => {
  const text = (STREAMS[render] as () => string)();
  const input = resourcesOfStream(text);

  it.each(['everything', 'recommended', 'tuned'])('config %s spreads no secret', (config) => {
    const out = runStream(text, configPath(config));
    expect(out.status, out.stderr).toBe(0);
    expectNoLeak(input, out, resourcesOfStream(out.stdout));
  });

  it('an error message quotes no secret either', () => {
    // A broken broker address: the error about it must not quote the password next to it.
    const broken = text.replace(
      /CELERY_BROKER_HOSTNAME: \\"[^\\]*\\"/g,
      'CELERY_BROKER_HOSTNAME: \\"::\\"',
    );
    const out = runStream(broken, configPath('everything'));
    expectNoLeak(input, out, resourcesOfStream(out.stdout));
  });
});

describe('ResourceList from Kustomize', () => {
  it('spreads no secret, results included', () => {
    const captured = fixture('krm/kustomize-4.5.4-exec-input.yaml');
    const config = fixture('../configs/everything.yaml')
      .split('\n')
      .filter((l) => l !== '' && !l.startsWith('#'))
      .map((l) => `  ${l}`)
      .join('\n');
    const text = `${captured.slice(0, captured.indexOf('functionConfig:'))}functionConfig:\n${config}\n`;
    const out = runCli([], text);
    expect(out.status, out.stderr).toBe(0);
    const list = parse(out.stdout);
    expectNoLeak(parse(text).items, out, list.items);
    const results = JSON.stringify(list.results ?? []);
    for (const secret of secretsOf(parse(text).items)) expect(results).not.toContain(secret);
  });
});

describe('credentials given in the config', () => {
  const text = withEnvPassword(fixture(RENDERS.v20));
  const input = resourcesOfStream(text);
  const FLOWER_PASSWORD = 'flower-Pa55w0rd';

  it('the plugin’s Flower login in the ConfigMap form goes nowhere: not out, not in results', () => {
    const config = stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'celery-queues' },
      data: {
        CELERY_WORKERS_CONFIG: 'lms: {default: {}, high: {}}',
        CELERY_FLOWER: 'true',
        CELERY_FLOWER_BASIC_AUTH: `flower:${FLOWER_PASSWORD}`,
        CELERY_FLOWER_BASIC_AUTH_SECRET: 'flower-basic-auth',
      },
    });
    const stream = runCli(['--config', '/c.yaml'], text, { '/c.yaml': config });
    expect(stream.status, stream.stderr).toBe(0);
    expect(`${stream.stdout}${stream.stderr}`).not.toContain(FLOWER_PASSWORD);
    expectNoLeak(input, stream, resourcesOfStream(stream.stdout));
    // As a functionConfig: the items and the results hold it nowhere (the functionConfig goes
    // back as it came, as the KRM protocol has it).
    const captured = fixture('krm/kustomize-4.5.4-exec-input.yaml');
    const list = `${captured.slice(0, captured.indexOf('functionConfig:'))}functionConfig:\n${config.replace(/^/gm, '  ')}`;
    const out = runCli([], list);
    expect(out.status, out.stderr).toBe(0);
    const written = parse(out.stdout);
    expect(JSON.stringify([written.items, written.results])).not.toContain(FLOWER_PASSWORD);
    expect(out.stderr).not.toContain(FLOWER_PASSWORD);
  });

  it('an error about the config quotes no credential either', () => {
    const config = stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'celery-queues' },
      data: { CELERY_FLOWER: 'true', CELERY_FLOWER_BASIC_AUTH: `flower:${FLOWER_PASSWORD}` },
    });
    const out = runCli(['--config', '/c.yaml'], text, { '/c.yaml': config });
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.stderr).not.toContain(FLOWER_PASSWORD);
  });
});
