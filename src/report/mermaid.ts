// The report's topology as a Mermaid flowchart, which GitHub renders in Markdown: per instance a
// subgraph, tasks -> queue -> worker. Every label is a quoted string with Mermaid's entity codes
// for the characters its grammar or HTML would read; ids are generated, never names.
import { plural } from '../krm/results.js';
import { concurrencyText, scalingText, shortTask } from './markdown.js';
import type { Report } from './report.js';

/** A label Mermaid reads as text: quoted, with `#quot;`-style codes for what it would parse. */
export function label(text: string): string {
  const escaped = text
    .replace(/\r?\n|\r/g, ' ')
    .replace(/[#"<>&`\\|{}[\]()]/g, (ch) => `#${ch.codePointAt(0)};`)
    // Mermaid trims a label: its first and last white space as codes.
    .replace(/^\s+|\s+$/g, (space) => [...space].map((ch) => `#${ch.codePointAt(0)};`).join(''));
  return `"${escaped}"`;
}

export function renderMermaid(report: Report): string {
  const lines = ['flowchart LR'];
  let n = 0;
  const next = (prefix: string) => `${prefix}${n++}`;
  for (const instance of report.instances) {
    const sub = next('i');
    lines.push(`  subgraph ${sub}[${label(instance.namespace || '(no namespace)')}]`);
    const workerIds = new Map<string, string>();
    for (const w of instance.workers) {
      const wid = next('w');
      workerIds.set(w.name, wid);
      const replicas = w.scaling.replicas;
      const scaling = replicas === undefined ? scalingText(w) : plural(replicas, 'replica');
      const text = w.off
        ? `${w.name}<br>turned off<br>${scaling}`
        : `${w.name}<br>${scaling}<br>${concurrencyText(w)}`;
      lines.push(`    ${wid}(${labelWithBreaks(text)})`);
    }
    for (const q of instance.queues) {
      const qid = next('q');
      lines.push(`    ${qid}[[${label(q.queue)}]]`);
      for (const w of q.workers) {
        const wid = workerIds.get(w);
        if (wid) lines.push(`    ${qid} --> ${wid}`);
      }
      if (q.workers.length === 0) {
        const none = next('x');
        lines.push(`    ${none}{{${label('no worker: tasks wait')}}}`, `    ${qid} -.-> ${none}`);
      }
      const own = q.tasks.filter((t) => t.from === 'config');
      const theirs = q.tasks.filter((t) => t.from === 'edx-platform');
      for (const t of own) {
        const tid = next('t');
        lines.push(`    ${tid}>${label(shortTask(t.task))}] --> ${qid}`);
      }
      if (theirs.length > 0 || q.defaultOf) {
        const tid = next('t');
        const what = [
          theirs.length > 0 ? plural(theirs.length, 'edx-platform task') : '',
          q.defaultOf ? `every other ${q.defaultOf.toUpperCase()} task` : '',
        ]
          .filter(Boolean)
          .join(', ');
        lines.push(`    ${tid}>${label(what)}] -.-> ${qid}`);
      }
    }
    lines.push('  end');
  }
  return `${lines.join('\n')}\n`;
}

// A label whose `<br>` line breaks stay breaks.
function labelWithBreaks(text: string): string {
  return text
    .split('<br>')
    .map((part) => label(part).slice(1, -1))
    .join('<br>')
    .replace(/^/, '"')
    .replace(/$/, '"');
}
