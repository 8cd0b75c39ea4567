// What the function writes must not spread the input's secrets: no secret value of the input
// appears in the output outside a Secret more often than it did in the input (Tutor itself keeps
// passwords in ConfigMaps; those pass through, but nothing the function writes may copy them),
// and none appears in results or on stderr. The test reads the secrets out of the input, so it
// covers every output family as it lands (Flower and KEDA handle the broker password).
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
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

/** Password-like values in the input: openedx-config's env files, and every Secret's data. */
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
  for (const secret of secrets) {
    expect(occurrences(after, secret), `secret ${secret.slice(0, 3)}… spread`).toBeLessThanOrEqual(
      occurrences(before, secret),
    );
    expect(out.stderr).not.toContain(secret);
  }
}

const STREAMS: Record<string, () => string> = {
  v19: () => fixture(RENDERS.v19),
  v20: () => fixture(RENDERS.v20),
  v21: () => fixture(RENDERS.v21),
  custom: () => fixture(RENDERS.custom),
  podautoscaling: () => fixture(RENDERS.podautoscaling),
  'two-instances': twoInstances,
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
