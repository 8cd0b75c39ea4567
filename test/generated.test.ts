// The files generated from the config schema must be current: a stale one fails here.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonSchema, referenceTable, routesTable } from '../src/config/docs.js';
import { ROOT } from './helpers.js';

describe('generated from the schema (npm run gen)', () => {
  it('fn-config/celery-queues.schema.json', () => {
    const file = readFileSync(join(ROOT, 'fn-config', 'celery-queues.schema.json'), 'utf8');
    expect(file).toBe(`${JSON.stringify(jsonSchema(), null, 2)}\n`);
  });

  it('the reference table in docs/config-reference.md', () => {
    const page = readFileSync(join(ROOT, 'docs', 'config-reference.md'), 'utf8');
    expect(page).toContain(
      `<!-- config-reference:start -->\n${referenceTable()}\n<!-- config-reference:end -->`,
    );
  });

  it("the table of edx-platform's default routes in docs/task-routing.md", () => {
    const page = readFileSync(join(ROOT, 'docs', 'task-routing.md'), 'utf8');
    expect(page).toContain(
      `<!-- edx-platform-routes:start -->\n${routesTable()}\n<!-- edx-platform-routes:end -->`,
    );
  });
});
