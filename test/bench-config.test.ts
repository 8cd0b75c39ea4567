// The bench measures what users run: the bundled example's config with queue monitoring on too
// (test/configs/every-family.yaml). It must not drift from the example.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const read = (path: string) => parse(readFileSync(new URL(path, import.meta.url), 'utf8'));

describe('the bench config', () => {
  it('is the bundled example with the exporter and the alerts on', () => {
    const example = read('../examples/celery-queues.yaml');
    const bench = read('./configs/every-family.yaml');
    expect(example.spec.monitoring).toBeUndefined();
    expect(bench).toEqual({
      ...example,
      spec: {
        ...example.spec,
        monitoring: { exporter: { enabled: true }, alerts: { enabled: true } },
      },
    });
  });
});
