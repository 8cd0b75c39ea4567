// `celery-queues report`: golden reports in each format on the bundled example and on two
// instances in one input; the Mermaid picture read back by Mermaid's own parser (mermaid 11, its
// flowchart grammar, in Node with linkedom as the DOM its sanitizer needs); the topology read off
// the output, so that it shows whatever the families write.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseHTML } from 'linkedom';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderMarkdown } from '../src/report/markdown.js';
import { renderMermaid } from '../src/report/mermaid.js';
import type { Report } from '../src/report/report.js';
import { expectGolden } from './golden.js';
import { configPath, ROOT, runCli, twoInstances, VERSION } from './helpers.js';

const EXAMPLE = {
  config: join(ROOT, 'examples', 'celery-queues.yaml'),
  render: join(ROOT, 'examples', 'tutor-v20.yaml'),
};
const GROUPS = join(ROOT, 'examples', 'worker-groups', 'celery-queues.yaml');
const FORMATS = [
  ['markdown', 'md'],
  ['json', 'json'],
  ['mermaid', 'mmd'],
] as const;

function reportOf(format: string, config: string, manifests: string): string {
  const out = runCli(['report', '--format', format, '--config', config], manifests);
  expect(out.stderr).toBe('');
  expect(out.status).toBe(0);
  return out.stdout;
}

/** The example render with the stock lms-worker's --queues replaced. */
function withLmsQueues(queues: string): string {
  return readFileSync(EXAMPLE.render, 'utf8').replace(
    '--queues=edx.lms.core.default,edx.lms.core.high,edx.lms.core.high_mem',
    `--queues=${queues}`,
  );
}

/** The JSON report of `render` with a CeleryQueues of the name c and this spec. */
function jsonReport(render: string, spec: string): Report {
  const config = `apiVersion: tutor-krm.dev/v1alpha1\nkind: CeleryQueues\nmetadata: {name: c}\nspec:${spec}\n`;
  const out = runCli(['report', '--format', 'json', '--config', '/c.yaml'], render, {
    '/c.yaml': config,
  });
  return JSON.parse(out.stdout) as Report;
}

type Mermaid = typeof import('mermaid').default;
let mermaid: Mermaid;

beforeAll(async () => {
  // Mermaid's sanitizer (DOMPurify) takes the window it finds when it is first loaded.
  const { window } = parseHTML('<!doctype html><html><head></head><body></body></html>');
  Object.assign(globalThis, { window, document: window.document });
  mermaid = (await import('mermaid')).default;
});

interface Parsed {
  vertices: Map<string, string>;
  edges: [string, string][];
  subgraphs: { title: string; nodes: string[] }[];
}

/** The diagram as Mermaid's parser reads it, labels decoded as Mermaid decodes them to render. */
async function parseMermaid(text: string): Promise<Parsed> {
  expect(await mermaid.parse(text)).toMatchObject({ diagramType: 'flowchart-v2' });
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db as unknown as {
    getVertices(): Map<string, { id: string; text: string }>;
    getEdges(): { start: string; end: string }[];
    getSubGraphs(): { title: string; nodes: string[] }[];
  };
  const decode = (s: string) =>
    s
      .replace(/ﬂ°°/g, '&#')
      .replace(/ﬂ°/g, '&')
      .replace(/¶ß/g, ';')
      .replace(/&#(\d+);/g, (_, n) => String.fromCodePoint(Number(n)));
  return {
    vertices: new Map([...db.getVertices().values()].map((v) => [v.id, decode(v.text)])),
    edges: db.getEdges().map((e) => [e.start, e.end]),
    subgraphs: db.getSubGraphs().map((s) => ({ title: decode(s.title), nodes: s.nodes })),
  };
}

describe.each([
  ['example', () => readFileSync(EXAMPLE.render, 'utf8'), EXAMPLE.config],
  ['two-instances.everything', twoInstances, configPath('everything')],
  ['worker-groups', () => readFileSync(EXAMPLE.render, 'utf8'), GROUPS],
])('the report of %s', (name, input, config) => {
  it.each(FORMATS)('%s: the golden report', (format, ext) => {
    const text = reportOf(format, config, input()).replaceAll(VERSION, '<version>');
    expectGolden(`report/${name}.${ext}`, text);
  });

  it('the Mermaid picture parses, one subgraph per instance, each queue to its worker', async () => {
    const json = JSON.parse(reportOf('json', config, input())) as Report;
    const parsed = await parseMermaid(reportOf('mermaid', config, input()));
    expect(parsed.subgraphs.map((s) => s.title)).toEqual(json.instances.map((i) => i.namespace));
    for (const [i, instance] of json.instances.entries()) {
      const nodes = new Set((parsed.subgraphs[i] as { nodes: string[] }).nodes);
      const label = (id: string) => parsed.vertices.get(id) ?? '';
      for (const q of instance.queues) {
        const qid = [...nodes].find((id) => label(id) === q.queue);
        expect(qid, q.queue).toBeDefined();
        const consumers = parsed.edges
          .filter(([from]) => from === qid)
          .map(([, to]) => label(to).split('<br>')[0]);
        expect(consumers.filter((c) => c !== 'no worker: tasks wait').sort()).toEqual(
          [...q.workers].sort(),
        );
      }
    }
  });
});

describe('the report reads what the run writes', () => {
  it('on a refused run: the errors, the input as it stands, exit status 1', () => {
    const out = runCli(['report', '--config', '/c.yaml'], readFileSync(EXAMPLE.render, 'utf8'), {
      '/c.yaml':
        'apiVersion: tutor-krm.dev/v1alpha1\nkind: CeleryQueues\nspec:\n  lms:\n    queues:\n      High: {}\n',
    });
    expect(out.status).toBe(1);
    expect(out.stdout).toMatch(/refuses this input: 1 error\. Nothing is written/);
    expect(out.stdout).toContain('| `edx.lms.core.high` | `lms-worker` |');
    expect(out.stdout).not.toContain('## What changes');
    expect(out.stderr).toMatch(/^celery-queues: error: CeleryQueues spec\.lms\.queues\.High: /);
  });

  it('a queue nobody consumes says so; a ResourceList on stdin gives the same report', () => {
    const config = `apiVersion: tutor-krm.dev/v1alpha1
kind: CeleryQueues
metadata: {name: celery-queues}
spec:
  lms:
    queues:
      high: {}
  explicitQueues:
    lms:
      lms.tasks.report: {queue: edx.lms.core.reports}
`;
    const render = readFileSync(EXAMPLE.render, 'utf8');
    const stream = runCli(['report', '--config', '/c.yaml'], render, { '/c.yaml': config });
    expect(stream.status).toBe(0);
    expect(stream.stdout).toContain(
      '| `edx.lms.core.reports` | **none**: its tasks wait forever | — | — | — | config: `report` | — |',
    );
    expect(stream.stdout).toMatch(
      /- \*\*warning\*\*: `CeleryQueues celery-queues spec\.explicitQueues/,
    );
    const items = render
      .split(/^---\n/m)
      .map((doc) => `- ${doc.trimEnd().replaceAll('\n', '\n  ')}\n`)
      .join('');
    const list = `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items}functionConfig:\n${config.replace(/^/gm, '  ').trimEnd()}\n`;
    const resourceList = runCli(['report'], list);
    expect(resourceList.stdout).toBe(stream.stdout);
  });

  it('a worker consuming several queues (a worker group) is read off its one --queues', () => {
    const render = withLmsQueues(
      'edx.lms.core.default,edx.lms.core.high,edx.lms.core.high_mem,edx.lms.core.ora_workflow_update',
    );
    const json = jsonReport(render, '\n  lms:\n    queues: {}');
    const lms = json.instances[0]?.workers.find((w) => w.name === 'lms-worker');
    expect(lms?.queues).toEqual([
      'edx.lms.core.default',
      'edx.lms.core.high',
      'edx.lms.core.high_mem',
      'edx.lms.core.ora_workflow_update',
    ]);
    const ora = json.instances[0]?.queues.find(
      (q) => q.queue === 'edx.lms.core.ora_workflow_update',
    );
    expect(ora?.workers).toEqual(['lms-worker']);
  });
});

describe('worker groups and the stock workers off (examples/worker-groups)', () => {
  const json = () =>
    JSON.parse(reportOf('json', GROUPS, readFileSync(EXAMPLE.render, 'utf8'))) as Report;

  it("each of a group's queues has the group's Deployment as its one consumer", () => {
    const [instance] = json().instances;
    const consumers = Object.fromEntries(instance?.queues.map((q) => [q.queue, q.workers]) ?? []);
    expect(consumers).toEqual({
      'edx.lms.core.default': ['lms-worker-interactive'],
      'edx.lms.core.high': ['lms-worker-interactive'],
      'edx.lms.core.high_mem': ['lms-worker-bulk'],
      'edx.lms.core.ora_workflow_update': ['lms-worker-bulk'],
      'edx.cms.core.default': ['cms-worker-interactive'],
      'edx.cms.core.high': ['cms-worker-interactive'],
      'edx.cms.core.low': ['cms-worker-imports'],
    });
    // The group's one ScaledObject scales it on the sum of its queues.
    const interactive = instance?.workers.find((w) => w.name === 'lms-worker-interactive');
    expect(interactive?.scaling.autoscaler?.triggers).toEqual([
      expect.stringMatching(/^queue_0 \+ queue_1 of: /),
    ]);
  });

  it('a stock worker turned off shows as such, and its placeholder queue is no queue of the table', () => {
    const [instance] = json().instances;
    const off = instance?.workers.filter((w) => w.off).map((w) => [w.name, w.scaling.replicas]);
    expect(off).toEqual([
      ['lms-worker', 0],
      ['cms-worker', 0],
    ]);
    expect(instance?.queues.some((q) => q.queue.startsWith('celery-queues.'))).toBe(false);
    const md = reportOf('markdown', GROUPS, readFileSync(EXAMPLE.render, 'utf8'));
    expect(md).toContain(
      'Turned off (`stockWorker.enabled: false`: no queue a task is sent to): `lms-worker` (0 replicas), `cms-worker` (0 replicas).',
    );
    expect(md).not.toMatch(/^\| `celery-queues\./m);
    const mmd = reportOf('mermaid', GROUPS, readFileSync(EXAMPLE.render, 'utf8'));
    expect(mmd).toContain('("lms-worker<br>turned off<br>0 replicas")');
  });

  it('a stock worker on a queue of its own but not turned off is not read as off', () => {
    // Only the stock worker's own placeholder queue marks it off: another worker on such a queue
    // is a worker like any other.
    const report = jsonReport(withLmsQueues('celery-queues.cms-worker-off'), ' {}');
    const lms = report.instances[0]?.workers.find((w) => w.name === 'lms-worker');
    expect(lms?.off).toBeUndefined();
  });
});

describe('names from the config and the input stay text', () => {
  // Task and queue names may hold anything a YAML string can: Markdown and Mermaid markup,
  // quotes, entities, line breaks.
  const name = fc.oneof(
    fc.string({ minLength: 1 }),
    fc.constantFrom(
      'a|b',
      '`x`',
      '<b>x</b>',
      'a"b',
      '#quot;',
      'a]b',
      'x --> y',
      'end',
      '&amp;',
      'a\nb',
    ),
  );
  const report = (queue: string, task: string, worker: string): Report => ({
    function: 'celery-queues test',
    outcome: 'written',
    strict: false,
    errors: 0,
    warnings: 0,
    instances: [
      {
        namespace: worker,
        workers: [
          {
            kind: 'Deployment',
            name: worker,
            queues: [queue],
            scaling: { replicas: 1 },
            pool: 'prefork',
            generated: true,
          },
        ],
        queues: [
          {
            queue,
            workers: [worker],
            tasks: [{ task, service: 'lms', from: 'config' }],
            alerts: [],
          },
        ],
      },
    ],
    changes: { added: [], changed: [], removed: [] },
    rollouts: [],
    messages: [],
  });

  it('Mermaid: parses, and every label reads back as the name (fast-check)', async () => {
    const pairs: [string, string, string][] = [];
    fc.assert(
      fc.property(name, name, name, (q, t, w) => {
        pairs.push([q, t, w]);
      }),
      { seed: 1906, numRuns: Number(process.env.PROPERTY_RUNS ?? 100) },
    );
    for (const [q, t, w] of pairs) {
      const parsed = await parseMermaid(renderMermaid(report(q, t, w)));
      const flat = (s: string) => s.replace(/\r?\n|\r/g, ' ');
      const labels = [...parsed.vertices.values()];
      expect(labels).toContain(flat(q));
      expect(labels).toContain(flat(t.slice(t.lastIndexOf('.') + 1) || t));
      expect(labels.some((l) => l.startsWith(`${flat(w)}<br>`))).toBe(true);
      expect(parsed.subgraphs[0]?.title).toBe(flat(w));
    }
  });

  it('Markdown: one table row per queue, whatever the names hold', () => {
    fc.assert(
      fc.property(name, name, name, (q, t, w) => {
        const lines = renderMarkdown(report(q, t, w)).split('\n');
        const header = lines.findIndex((l) => l.startsWith('| Queue |'));
        const end = lines.indexOf('', header);
        const rows = lines.slice(header + 2, end);
        expect(rows).toHaveLength(1);
        // Seven cells: no | of a name splits a cell.
        expect((rows[0] as string).split(/(?<!\\)\|/).length - 2).toBe(7);
      }),
      { seed: 1907, numRuns: Number(process.env.PROPERTY_RUNS ?? 200) },
    );
  });
});

describe('the rendered example in the documentation', () => {
  // The page shows what the bundled example prints; UPDATE_GOLDEN=1 writes it there.
  const between = (page: string, name: string, text: string) => {
    const path = join(ROOT, page);
    const content = readFileSync(path, 'utf8');
    const start = `<!-- ${name}:start -->\n`;
    const end = `<!-- ${name}:end -->`;
    const a = content.indexOf(start);
    const b = content.indexOf(end);
    expect(a, `${page} ${name}`).toBeGreaterThan(0);
    const wanted = `${content.slice(0, a + start.length)}${text}${content.slice(b)}`;
    if (process.env.UPDATE_GOLDEN === '1' && existsSync(path)) writeFileSync(path, wanted);
    const versionless = (t: string) =>
      t.replaceAll(`celery-queues ${VERSION}`, 'celery-queues <version>');
    expect(versionless(readFileSync(path, 'utf8'))).toBe(versionless(wanted));
  };
  const render = () => readFileSync(EXAMPLE.render, 'utf8');

  it('README.md: the Mermaid picture, which GitHub draws', () => {
    between(
      'README.md',
      'report:mermaid',
      `\`\`\`mermaid\n${reportOf('mermaid', EXAMPLE.config, render())}\`\`\`\n`,
    );
  });

  it('examples/worker-groups/README.md: the Mermaid picture of the groups', () => {
    between(
      'examples/worker-groups/README.md',
      'report:mermaid',
      `\`\`\`mermaid\n${reportOf('mermaid', GROUPS, render())}\`\`\`\n`,
    );
  });

  it('docs/report.md: the Markdown report', () => {
    const md = reportOf('markdown', EXAMPLE.config, render()).replace(
      /^# celery-queues report\n\n/,
      '',
    );
    between(
      'docs/report.md',
      'report:markdown',
      md.replace(/^## /gm, '### ').replace(/^### Pods/m, '#### Pods'),
    );
  });
});
