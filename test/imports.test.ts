// The import rules of src/ (.dependency-cruiser.cjs): the tree keeps them, and each rule catches
// a new break of it, injected into a copy of src/.
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
}

function cruise(dir: string): Violation[] {
  const run = spawnSync(
    process.execPath,
    [DEPCRUISE, '--config', '.dependency-cruiser.cjs', '--output-type', 'json', 'src'],
    { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (!run.stdout) throw new Error(run.stderr);
  return JSON.parse(run.stdout).summary.violations;
}

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** A copy of src/ and the rules, with `imports` (file -> module) added. */
function copyWith(imports: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'celery-queues-imports-'));
  copies.push(dir);
  cpSync(join(ROOT, 'src'), join(dir, 'src'), { recursive: true });
  for (const file of ['.dependency-cruiser.cjs', 'tsconfig.json']) {
    cpSync(join(ROOT, file), join(dir, file));
  }
  for (const [file, module] of Object.entries(imports)) {
    appendFileSync(join(dir, file), `\nexport * as injected from '${module}';\n`);
  }
  return dir;
}

describe('import rules', () => {
  it('hold on src/', () => {
    expect(cruise(ROOT)).toEqual([]);
  }, 60_000);

  it('catch a family importing another, a shared layer importing a family, a cycle, krm/ internals used outside it, and a family holding an Item', () => {
    const violations = cruise(
      copyWith({
        'src/flower/flower.ts': '../monitoring/alerts.js',
        'src/celery/args.ts': '../workers/sizing.js',
        'src/names.ts': './tutor/instances.js',
        'src/settings/settings.ts': '../krm/text/outline.js',
        'src/rollout.ts': './krm/edit.js',
        'src/disruption/budgets.ts': '../krm/item.js',
      }),
    );
    const found = (rule: string) =>
      violations.filter((v) => v.rule.name === rule).map((v) => `${v.from} -> ${v.to}`);
    expect(found('no-family-to-family')).toEqual([
      'src/flower/flower.ts -> src/monitoring/alerts.ts',
    ]);
    expect(found('shared-imports-no-family')).toContain(
      'src/celery/args.ts -> src/workers/sizing.ts',
    );
    expect(found('no-cycle')).toContain('src/names.ts -> src/tutor/instances.ts');
    expect(found('krm-internals')).toEqual([
      'src/rollout.ts -> src/krm/edit.ts',
      'src/settings/settings.ts -> src/krm/text/outline.ts',
    ]);
    expect(found('families-hold-resources')).toEqual([
      'src/disruption/budgets.ts -> src/krm/item.ts',
    ]);
    expect(violations.every((v) => v.rule.severity === 'error')).toBe(true);
  }, 60_000);
});
