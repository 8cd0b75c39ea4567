// Names and strings from the config are data wherever they are written: never a Kubernetes
// variable, never a second element of a list, never another name than the one the user wrote.
// Checked by the rules of the programs that read them: Kubernetes' expansion of $(VAR) in
// command, args and env values (test/expansion.ts, after expand.go), the comma lists of celery's
// and celery-exporter's --queues, YAML as Kubernetes reads it (1.1), and YAML's own key types.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { containerVars, expand } from './expansion.js';
import {
  celeryQueuesConfig,
  find,
  fixture,
  RENDERS,
  resources,
  runCli,
  runWithConfig,
} from './helpers.js';

type Resource = Record<string, any>;

const PASSWORD = 's3cret'; // the custom render's Redis password (test/fixtures/tutor/README.md)
const BROKER_URL = `redis://:${PASSWORD}@redis:6379/0`;
const CUSTOM = fixture(RENDERS.custom);

/** A container's command line and env after Kubernetes' expansion; secrets as the broker's. */
function expandedArgs(deployment: Resource | undefined): string[] {
  const container = deployment?.spec.template.spec.containers[0];
  const vars = containerVars(container.env, {
    CE_BROKER_URL: BROKER_URL,
    CELERY_BROKER_URL: BROKER_URL,
  });
  return (container.args ?? []).map((a: string) => expand(a, vars));
}

describe('the expansion the tests check against', () => {
  // Cases of k8s.io/kubernetes third_party/forked/golang/expansion/expand_test.go.
  const vars = { VAR_A: 'A', VAR_B: 'B', VAR_C: 'C', VAR_REF: '$(VAR_A)', VAR_EMPTY: '' };
  it.each([
    ['$(VAR_A)-$(VAR_A)', 'A-A'],
    ['$$(VAR_B)_$(VAR_A)', '$(VAR_B)_A'],
    ['f000-$$VAR_A', 'f000-$VAR_A'],
    ['$(VAR_A$(VAR_B))', '$(VAR_A$(VAR_B))'],
    ['$(VAR_REF)', '$(VAR_A)'],
    ['foo$(VAR_EMPTY)bar', 'foobar'],
    ['foo$(VAR_Awhoops!', 'foo$(VAR_Awhoops!'],
    ['$?_boo_$!', '$?_boo_$!'],
    ['$(VAR_DNE)', '$(VAR_DNE)'],
    ['$$$$$$(BIG_MONEY)', '$$$(BIG_MONEY)'],
    ['$$$$$$$(VAR_A)', '$$$A'],
    ['$(VAR_C)_______$(', 'C_______$('],
    ['$(VAR_A)foobarzab$', 'Afoobarzab$'],
    ['--$($($($($--', '--$($($($($--'],
    ['$(foo$$var)', '$(foo$$var)'],
  ])('%s -> %s', (input, expected) => {
    expect(expand(input, vars)).toBe(expected);
  });
});

describe('no variable of a container is expanded into a string from the config', () => {
  const routed = (queue: string) => ({
    lms: { queues: { high: {} } },
    explicitQueues: { lms: { 'lms.tasks.report': { queue } } },
    monitoring: { exporter: { enabled: true } },
  });

  it('a route to the queue $(CE_BROKER_URL) reaches the exporter as that name, not as the broker URL with its password', () => {
    const out = runWithConfig(CUSTOM, celeryQueuesConfig(routed('$(CE_BROKER_URL)')));
    expect(out.status, out.stderr).toBe(0);
    const exporter = find(resources(out.stdout), 'Deployment', 'celery-exporter');
    const [queues] = expandedArgs(exporter);
    expect(queues?.split(',')).toContain('$(CE_BROKER_URL)');
    expect(queues).not.toContain(PASSWORD);
    // Written as it came, Kubernetes would have published the URL as a Prometheus label.
    const written = exporter?.spec.template.spec.containers[0].args[0] as string;
    const vars = containerVars(exporter?.spec.template.spec.containers[0].env, {
      CE_BROKER_URL: BROKER_URL,
    });
    expect(expand(written.replaceAll('$$', '$'), vars)).toContain(PASSWORD);
  });

  it('extraArgs reach celery as written, on the stock worker and a clone', () => {
    const extra = [
      '--a=$(SERVICE_VARIANT)',
      '--b=$(CELERY_BROKER_URL)',
      '--c=$$(x)',
      '--d=cost$',
      '--e=$$$',
      `--f=\${HOME}`,
    ];
    const out = runWithConfig(
      CUSTOM,
      celeryQueuesConfig({
        lms: { queues: { default: { extraArgs: extra }, high: { extraArgs: extra } } },
      }),
    );
    expect(out.status, out.stderr).toBe(0);
    for (const name of ['lms-worker', 'lms-worker-high']) {
      const args = expandedArgs(find(resources(out.stdout), 'Deployment', name));
      expect(args.slice(-extra.length), name).toEqual(extra);
    }
  });

  // Whatever the strings, Kubernetes hands them over as the config has them; the output reads
  // back (as YAML 1.1, as kubectl reads it) to the same strings.
  it('property: any extraArgs value and any route queue the config takes', () => {
    const text = fc.string({ unit: fc.constantFrom('$', '(', ')', 'a', '-', '{', '}', '\\', 'é') });
    let accepted = 0;
    fc.assert(
      fc.property(text, text, (arg, queue) => {
        const config = routed(`q${queue}`);
        (config.lms.queues.high as Record<string, unknown>).extraArgs = [`--x=${arg}`];
        const out = runWithConfig(CUSTOM, celeryQueuesConfig(config));
        expect(out.status, out.stderr).toBe(0);
        accepted++;
        for (const doc of parseAllDocuments(out.stdout, { version: '1.1' })) {
          expect(doc.errors).toEqual([]);
        }
        const list = parseAllDocuments(out.stdout, { version: '1.1' }).map((d) => d.toJS());
        const worker = expandedArgs(find(list, 'Deployment', 'lms-worker-high'));
        expect(worker.at(-1)).toBe(`--x=${arg}`);
        const [queues] = expandedArgs(find(list, 'Deployment', 'celery-exporter'));
        expect(queues?.slice('--queues='.length).split(',')).toContain(`q${queue}`);
      }),
      { seed: 20261128, numRuns: 40 },
    );
    expect(accepted).toBe(40);
  });
});

describe('names cannot split lists', () => {
  const head = 'apiVersion: tutor-krm.dev/v1alpha1\nkind: CeleryQueues\nmetadata: {name: x}\n';

  it.each([
    ['a comma', 'edx.lms.core.high,edx.lms.core.default'],
    ['a space', 'edx.lms.core.high edx.lms.core.default'],
    ['a leading space', ' edx.lms.core.high'],
    ['a tab', 'edx.lms.core.high\t'],
    ['a line end', 'edx.lms.core.high\n'],
    ['a control character', 'edx.lms.core.\u0007high'],
    ['a no-break space', 'edx.lms.core.high\u00a0'],
  ])('a routed queue with %s is refused', (_what, queue) => {
    const out = runWithConfig(
      fixture(RENDERS.v20),
      celeryQueuesConfig({
        lms: { queues: { high: {} } },
        explicitQueues: { lms: { 'lms.tasks.x': { queue } } },
        monitoring: { exporter: { enabled: true } },
      }),
    );
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    expect(out.messages).toBe(
      'celery-queues: error: CeleryQueues celery-queues spec.explicitQueues.lms["lms.tasks.x"].queue: must be a queue name without commas, white space or control characters (lists of queues, such as --queues, are split at commas)\n',
    );
    // What the rule keeps out: celery-exporter splits --queues at commas (src/cli.py,
    // _comma_seperated_argument, v0.12.0), as celery does (celery/bin/base.py,
    // CommaSeparatedList -> celery/utils/text.py str_to_list, celery 5.2.6).
    if (queue.includes(',')) expect(`--queues=${queue}`.split(',')).toHaveLength(2);
  });

  it.each([
    [
      'CeleryQueues',
      `${head}spec:\n  lms:\n    queues:\n      "high,low": {}\n`,
      'spec.lms.queues["high,low"]',
    ],
    [
      'the ConfigMap form',
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  CELERY_WORKERS_CONFIG: |\n    lms: {"high,low": {}}\n',
      'data.CELERY_WORKERS_CONFIG.lms["high,low"]',
    ],
  ])('a variant with a comma is refused (%s)', (_form, config, field) => {
    const out = runCli(['--config', '/c.yaml'], fixture(RENDERS.v20), { '/c.yaml': config });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`${field}: variant name "high,low" must be lowercase letters`);
  });
});

// A key YAML reads as something other than a string would name another task: `1.10` is the
// number 1.1, so the task "1.1" would be routed. Refused, quoting the key as written.
describe('a route key that is not a string', () => {
  const head = 'apiVersion: tutor-krm.dev/v1alpha1\nkind: CeleryQueues\nmetadata: {name: x}\n';
  const native = (key: string) =>
    `${head}spec:\n  lms:\n    queues: {high: {}}\n  explicitQueues:\n    lms:\n      ${key}: {queue: edx.lms.core.high}\n`;

  it.each([
    ['1.10', 'the key 1.10 is a number to YAML (1.1), not a name: quote it, "1.10"'],
    ['0x1F', 'the key 0x1F is a number to YAML (31), not a name: quote it, "0x1F"'],
    ['010', 'the key 010 is a number to YAML (8), not a name: quote it, "010"'],
    ['1e3', 'the key 1e3 is a number to YAML (1000), not a name: quote it, "1e3"'],
    ['true', 'the key true is a boolean to YAML (true), not a name: quote it, "true"'],
    ['~', 'an empty key is null, not a name'],
    ['? [a, b]\n       ', 'the key ["a","b"] is a list, not a name'],
    ['? {a: b}\n       ', 'the key {"a":"b"} is a mapping, not a name'],
  ])('%s: refused in a config file, and in a ResourceList', (key, message) => {
    const config = native(key);
    expect(parse(config, { uniqueKeys: false })).toBeTruthy(); // valid YAML all the same
    const stream = runCli(['--config', '/c.yaml'], fixture(RENDERS.v20), { '/c.yaml': config });
    expect(stream.status).toBe(1);
    expect(stream.stdout).toBe('');
    expect(stream.messages).toBe(
      `celery-queues: error: CeleryQueues x spec.explicitQueues.lms: ${message}\n`,
    );
    const items = fixture('krm/kustomize-4.5.4-exec-input.yaml').replace(
      /functionConfig:[\s\S]*$/,
      '',
    );
    const list = runCli([], `${items}functionConfig:\n${config.replace(/^/gm, '  ')}`);
    expect(list.status).toBe(1);
    expect(parse(list.stdout).results).toEqual([
      expect.objectContaining({
        severity: 'error',
        message,
        field: { path: 'spec.explicitQueues.lms' },
      }),
    ]);
  });

  it('in the ConfigMap form’s YAML text too (JSON keys are strings)', () => {
    const cm = (text: string) =>
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'tutor-celery' },
        data: { CELERY_WORKERS_CONFIG: 'lms: {high: {}}', CELERY_LMS_EXPLICIT_QUEUES: text },
      });
    const refused = runCli(['--config', '/c.yaml'], fixture(RENDERS.v20), {
      '/c.yaml': cm('1.10: {queue: edx.lms.core.high}'),
    });
    expect(refused.messages).toBe(
      'celery-queues: error: ConfigMap tutor-celery data.CELERY_LMS_EXPLICIT_QUEUES: the key 1.10 is a number to YAML (1.1), not a name: quote it, "1.10"\n',
    );
    const json = runCli(['--config', '/c.yaml'], fixture(RENDERS.v20), {
      '/c.yaml': cm('{"1.10": {"queue": "edx.lms.core.high"}}'),
    });
    expect(json.status, json.stderr).toBe(0);
    expect(json.stdout).toContain("'1.10': {'queue': 'edx.lms.core.high'}");
  });

  it('quoted, it is the task it says', () => {
    const out = runCli(['--config', '/c.yaml'], fixture(RENDERS.v20), {
      '/c.yaml': native('"1.10"'),
    });
    expect(out.status, out.stderr).toBe(0);
    expect(out.stdout).toContain("'1.10': {'queue': 'edx.lms.core.high'}");
    expect(out.stdout).not.toContain("'1.1':");
  });
});
