// Writes what the config schema generates: fn-config/celery-queues.schema.json and the
// reference table in docs/config-reference.md (between its config-reference markers), and the
// table of edx-platform's default routes in docs/task-routing.md (src/settings/edx-platform.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { writeBetweenMarkers } from './markers.mjs';

const root = new URL('..', import.meta.url).pathname;
const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const out = await build({
  entryPoints: [`${root}src/config/docs.ts`],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  write: false,
  logLevel: 'warning',
  // As scripts/build.mjs: the schema's names take the function's version (src/version.ts).
  define: { VERSION: JSON.stringify(version) },
});
const mod = { exports: {} };
new Function('module', 'exports', 'require', out.outputFiles[0].text)(
  mod,
  mod.exports,
  (await import('node:module')).createRequire(import.meta.url),
);
const { jsonSchema, referenceTable, routesTable } = mod.exports;

writeFileSync(
  `${root}fn-config/celery-queues.schema.json`,
  `${JSON.stringify(jsonSchema(), null, 2)}\n`,
);
writeBetweenMarkers(`${root}docs/config-reference.md`, 'config-reference', referenceTable());
writeBetweenMarkers(`${root}docs/task-routing.md`, 'edx-platform-routes', routesTable());
