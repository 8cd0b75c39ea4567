// The report as Markdown, for a pull request comment or a CI job summary: per instance one table
// of queue -> worker -> tasks -> alerts, then what changes and which pods roll, then the errors
// and warnings. Names from the config and the input are shown as code, escaped for a table.
import { plural } from '../krm/results.js';
import { countByKind } from './changes.js';
import type { Report } from './report.js';
import type { InstanceTopology, QueueFacts, WorkerFacts } from './topology.js';

/** Text as inline code inside a table cell, whatever it holds. */
export function code(text: string): string {
  if (/[`\n\r<>&]/.test(text)) {
    const html = text
      .replaceAll('&', '&amp;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;')
      .replaceAll('`', '&#96;')
      .replace(/\r?\n|\r/g, ' ');
    return `<code>${html.replaceAll('|', '&#124;')}</code>`;
  }
  return `\`${text.replaceAll('|', '\\|')}\``;
}

/** The last part of a dotted task name: `calculate_grades_csv`. */
export function shortTask(task: string): string {
  return task.slice(task.lastIndexOf('.') + 1) || task;
}

export function scalingText(w: WorkerFacts): string {
  const a = w.scaling.autoscaler;
  if (!a) return String(w.scaling.replicas);
  const by = a.kind === 'ScaledObject' ? 'KEDA' : 'HPA';
  return `${by} ${a.min}–${a.max}${a.triggers.length > 0 ? ` (${a.triggers.join('; ')})` : ''}`;
}

export function concurrencyText(w: WorkerFacts): string {
  return `${w.concurrency ?? 'CPUs'} × ${w.pool}`;
}

function resourcesText(w: WorkerFacts): string {
  const r = w.resources;
  if (!r) return '—';
  const part = (what: string, m?: Record<string, string>) =>
    m
      ? `${what} ${Object.entries(m)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`
      : '';
  return [part('requests', r.requests), part('limits', r.limits)].filter(Boolean).join('; ');
}

const SHOWN_TASKS = 4;

export function tasksText(q: QueueFacts, short: (task: string) => string = shortTask): string {
  const own = q.tasks.filter((t) => t.from === 'config');
  const theirs = q.tasks.filter((t) => t.from === 'edx-platform');
  const parts: string[] = [];
  if (own.length > 0) parts.push(`config: ${own.map((t) => short(t.task)).join(', ')}`);
  if (theirs.length > 0) {
    const names = theirs.slice(0, SHOWN_TASKS).map((t) => short(t.task));
    const more = theirs.length - names.length;
    parts.push(`edx-platform: ${names.join(', ')}${more > 0 ? `, and ${more} more` : ''}`);
  }
  if (q.defaultOf) parts.push(`every other ${q.defaultOf.toUpperCase()} task`);
  return parts.join('; ');
}

function queueRows(instance: InstanceTopology): string[] {
  const rows = [
    '| Queue | Worker | Replicas | Concurrency × pool | Resources | Tasks routed to it | Alerts |',
    '|---|---|---|---|---|---|---|',
  ];
  const workers = new Map(instance.workers.map((w) => [w.name, w]));
  for (const q of instance.queues) {
    const consumers = q.workers.map((n) => workers.get(n)).filter((w) => w !== undefined);
    const cells = (f: (w: WorkerFacts) => string) => consumers.map(f).join('<br>') || '—';
    const tasks = tasksText(q, (t) => code(shortTask(t)));
    rows.push(
      `| ${code(q.queue)} | ${consumers.length > 0 ? cells((w) => code(w.name)) : '**none**: its tasks wait forever'} | ${cells(scalingText)} | ${cells(concurrencyText)} | ${cells(resourcesText)} | ${tasks || '—'} | ${q.alerts.join(', ') || '—'} |`,
    );
  }
  return rows;
}

function resourceList(
  ids: { kind: string; namespace: string; name: string; renamedFrom?: string }[],
): string {
  return ids
    .map(
      (r) =>
        `${r.kind} ${code(`${r.namespace ? `${r.namespace}/` : ''}${r.name}`)}${r.renamedFrom ? ` (was ${code(r.renamedFrom)})` : ''}`,
    )
    .join(', ');
}

export function renderMarkdown(report: Report): string {
  const lines: string[] = ['# celery-queues report', ''];
  const c = report.changes;
  if (report.outcome === 'refused') {
    lines.push(
      `${report.function} refuses this input: ${plural(report.errors, 'error')}${report.strict ? ' (strict mode: warnings are errors)' : ''}. Nothing is written; below is the input as it stands.`,
    );
  } else {
    lines.push(
      `${report.function} writes the output: ${c.added.length} added, ${c.changed.length} changed, ${c.removed.length} removed; ${plural(report.warnings, 'warning')}${report.strict ? ' (strict mode)' : ''}.`,
    );
  }
  for (const instance of report.instances) {
    lines.push(
      '',
      `## Instance ${code(instance.namespace || '(no namespace)')}`,
      '',
      ...queueRows(instance),
    );
    const off = instance.workers.filter((w) => w.off);
    if (off.length > 0) {
      lines.push(
        '',
        `Turned off (\`stockWorker.enabled: false\`: no queue a task is sent to): ${off.map((w) => `${code(w.name)} (${plural(w.scaling.replicas ?? 0, 'replica')})`).join(', ')}.`,
      );
    }
  }
  if (report.outcome === 'written') {
    lines.push('', '## What changes', '');
    lines.push('| | Resources |', '|---|---|');
    for (const [what, ids] of [
      ['Added', c.added],
      ['Changed', c.changed],
      ['Removed', c.removed],
    ] as const) {
      lines.push(
        `| ${what}: ${ids.length === 0 ? 'none' : countByKind(ids)} | ${resourceList([...ids]) || '—'} |`,
      );
    }
    lines.push('', '### Pods that roll', '');
    if (report.rollouts.length === 0) lines.push('None.');
    else {
      lines.push('| Workload | Why |', '|---|---|');
      for (const r of report.rollouts) {
        lines.push(
          `| ${r.kind} ${code(`${r.namespace ? `${r.namespace}/` : ''}${r.name}`)} | ${r.reasons.map(escapeCell).join('<br>')} |`,
        );
      }
    }
  }
  if (report.messages.length > 0) {
    lines.push('', '## Errors and warnings', '');
    for (const m of report.messages) {
      const where = [m.resource, m.field].filter(Boolean).join(' ');
      lines.push(`- **${m.severity}**: ${where ? `${code(where)}: ` : ''}${escapeText(m.message)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function escapeCell(text: string): string {
  return escapeText(text).replaceAll('|', '\\|');
}

// Messages quote names from the input: nothing in them may become markup.
function escapeText(text: string): string {
  return text.replace(/[\\`*_[\]<>&#|]/g, (ch) =>
    ch === '&' ? '&amp;' : ch === '<' ? '&lt;' : ch === '>' ? '&gt;' : `\\${ch}`,
  );
}
