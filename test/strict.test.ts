// Strict mode (--strict, spec.strict): warnings are errors, so a route to a queue nobody consumes
// fails the render on every path, Kustomize's, kpt's and Argo CD's (which show stderr only on
// failure) as well as a pipe's. Each run ends with one summary line on stderr.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { celeryQueuesConfig, fixture, ROOT, runCli, runWithConfig } from './helpers.js';

const RENDER = readFileSync(join(ROOT, 'examples', 'tutor-v20.yaml'), 'utf8');
const WARNED = {
  lms: { queues: { high: {} } },
  explicitQueues: { lms: { 'lms.tasks.report': { queue: 'edx.lms.core.reports' } } },
};

function resourceList(config: string): string {
  const text = fixture('krm/kustomize-4.5.4-exec-input.yaml');
  return `${text.slice(0, text.indexOf('functionConfig:'))}functionConfig:\n${config.replace(/^/gm, '  ')}`;
}

describe('strict mode', () => {
  it('without it: the warning, exit status 0, the output written, and the summary line', () => {
    const out = runWithConfig(RENDER, celeryQueuesConfig(WARNED));
    expect(out.status).toBe(0);
    expect(out.stdout).not.toBe('');
    const lines = out.stderr.trimEnd().split('\n');
    expect(lines.filter((l) => l.startsWith('celery-queues: warning: '))).toHaveLength(1);
    expect(lines.at(-1)).toBe(
      'celery-queues: added 1 Deployment; changed 2 ConfigMaps, 4 Deployments, 2 Jobs; removed nothing; 1 warning',
    );
  });

  it('--strict: the warning is an error, nothing written, exit status 1', () => {
    const out = runCli(['--strict', '--config', '/c.yaml'], RENDER, {
      '/c.yaml': celeryQueuesConfig(WARNED),
    });
    expect(out.status).toBe(1);
    expect(out.stdout).toBe('');
    const lines = out.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^celery-queues: error: CeleryQueues celery-queues spec\.explicitQueues\.lms\["lms\.tasks\.report"\]\.queue: task "lms\.tasks\.report" is routed to queue "edx\.lms\.core\.reports", which no worker/,
    );
    expect(lines.at(-1)).toBe(
      'celery-queues: failed: 1 error (1 of them warnings, under strict mode); nothing written',
    );
  });

  it('spec.strict in a ResourceList (Kustomize, kpt, Argo CD): the items back unchanged, the error in results', () => {
    const input = resourceList(celeryQueuesConfig({ ...WARNED, strict: true }));
    const out = runCli([], input);
    expect(out.status).toBe(1);
    const list = parse(out.stdout);
    const before = parse(input);
    expect(list.items).toEqual(before.items);
    expect(list.results).toEqual([
      expect.objectContaining({
        severity: 'error',
        tags: { strict: 'warning' },
        field: { path: 'spec.explicitQueues.lms["lms.tasks.report"].queue' },
      }),
    ]);
    expect(out.stderr.trimEnd().split('\n').at(-1)).toBe(
      'celery-queues: failed: 1 error (1 of them warnings, under strict mode); the items go back unchanged, the errors in results',
    );
  });

  it('spec.strict: false, or no warning: strict mode changes nothing', () => {
    const relaxed = runWithConfig(RENDER, celeryQueuesConfig({ ...WARNED, strict: false }));
    expect(relaxed.status).toBe(0);
    const clean = { lms: { queues: { high: {} } }, strict: true };
    const a = runWithConfig(RENDER, celeryQueuesConfig(clean));
    const b = runWithConfig(RENDER, celeryQueuesConfig({ lms: { queues: { high: {} } } }));
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('infos stay infos (what was done), and go in short on stderr', () => {
    const out = runWithConfig(
      RENDER,
      celeryQueuesConfig({ lms: { queues: { high: {} } }, strict: true }),
    );
    const infos = out.stderr.split('\n').filter((l) => l.startsWith('celery-queues: info: '));
    expect(infos.length).toBeGreaterThan(0);
    for (const line of infos) expect(line.length).toBeLessThan(240);
    expect(infos[0]).toMatch(
      /LMS settings changed: renamed to openedx-settings-lms-\w+; 7 workloads follow, so their pods roll$/,
    );
  });

  it("the results of a ResourceList hold an info in full; a pipe's stderr has it in short", () => {
    const config = celeryQueuesConfig({ lms: { queues: { high: {} } } });
    const list = runCli([], resourceList(config));
    expect(list.status).toBe(0);
    const results = (parse(list.stdout).results ?? []) as Record<string, string>[];
    const full = results.find((r) => r.message?.startsWith('edx-platform routes 4 LMS tasks'));
    expect(full?.message).toContain(
      '(openassessment.workflow.tasks.update_workflows_for_all_blocked_submissions_task, ',
    );
    expect(results.some((r) => 'brief' in r)).toBe(false);
    const pipe = runWithConfig(RENDER, config);
    const line = pipe.stderr.split('\n').find((l) => l.includes('edx-platform routes 4 LMS tasks'));
    expect(line).toMatch(
      /: edx-platform routes 4 LMS tasks to edx\.lms\.core\.ora_workflow_update, which no worker consumes \(nor in stock Tutor\): add the variant ora_workflow_update$/,
    );
  });
});
