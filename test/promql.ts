// PromQL in the tests: Prometheus' own grammar (lezer-promql) to find the selectors of an
// expression, and the series a real celery-exporter exports (test/fixtures/celery-exporter/).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@prometheus-io/lezer-promql';
import { DEPLOYMENT_VARIABLE } from '../src/grafana/dashboard.js';
import { FIXTURES } from './helpers.js';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

export interface Selector {
  metric: string;
  /** Label names of the matchers. */
  labels: string[];
}

/**
 * Grafana's variables, replaced as Grafana would before the query reaches Prometheus: "All" for
 * each, or the chosen Deployments' values (the pipe format joins them with "|", as they are).
 */
export function interpolate(expr: string, deployments: string[] = []): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '1h')
    .replaceAll(DEPLOYMENT_VARIABLE, deployments.length > 0 ? deployments.join('|') : '.*')
    .replace(/\$(namespace|worker|task)\b/g, '.*');
}

/** The vector selectors of a PromQL expression; throws on the first syntax error. */
export function selectorsOf(query: string): Selector[] {
  const tree = parser.parse(query);
  const found: Selector[] = [];
  tree.iterate({
    enter(node) {
      if (node.type.isError) {
        throw new Error(`syntax error at ${node.from} in ${query}`);
      }
      if (node.name === 'VectorSelector') {
        const n = node.node as SyntaxNode;
        const id = n.getChild('Identifier');
        const labels: string[] = [];
        const matchers = n.getChild('LabelMatchers');
        for (let m = matchers?.firstChild; m; m = m.nextSibling) {
          const name = m.getChild('LabelName');
          if (name) labels.push(query.slice(name.from, name.to));
        }
        found.push({ metric: id ? query.slice(id.from, id.to) : '', labels });
      }
    },
  });
  return found;
}

export const EXPORTER_CAPTURE = join(FIXTURES, 'celery-exporter', 'metrics-0.12.2.txt');

/** Metric name -> every label name its series carry, from the captured /metrics page. */
export function exportedMetrics(): Map<string, Set<string>> {
  const metrics = new Map<string, Set<string>>();
  for (const line of readFileSync(EXPORTER_CAPTURE, 'utf8').split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!m) continue;
    const labels = metrics.get(m[1] as string) ?? new Set<string>();
    for (const pair of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) {
      labels.add(pair[1] as string);
    }
    metrics.set(m[1] as string, labels);
  }
  return metrics;
}

/** Labels Prometheus adds to every series it scrapes through a ServiceMonitor. */
export const TARGET_LABELS = [
  'namespace',
  'service',
  'pod',
  'container',
  'endpoint',
  'job',
  'instance',
];
