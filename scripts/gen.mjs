// Writes what the config schema generates: fn-config/celery-queues.schema.json and the
// reference table in docs/config-reference.md (between its config-reference markers).
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const out = await build({
  entryPoints: [`${root}src/config/docs.ts`],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  write: false,
  logLevel: 'warning',
});
const mod = { exports: {} };
new Function('module', 'exports', 'require', out.outputFiles[0].text)(
  mod,
  mod.exports,
  (await import('node:module')).createRequire(import.meta.url),
);
const { jsonSchema, referenceTable } = mod.exports;

writeFileSync(
  `${root}fn-config/celery-queues.schema.json`,
  `${JSON.stringify(jsonSchema(), null, 2)}\n`,
);
const page = `${root}docs/config-reference.md`;
const text = readFileSync(page, 'utf8');
const start = '<!-- config-reference:start -->';
const end = '<!-- config-reference:end -->';
const a = text.indexOf(start);
const b = text.indexOf(end);
if (a < 0 || b < 0) throw new Error('docs/config-reference.md has no config-reference markers');
writeFileSync(page, `${text.slice(0, a + start.length)}\n${referenceTable()}\n${text.slice(b)}`);
