// Bundles the function into one self-contained executable file: dist/celery-queues.js.
import { chmodSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const outfile = new URL('../dist/celery-queues.js', import.meta.url).pathname;

await build({
  entryPoints: [new URL('../src/main.ts', import.meta.url).pathname],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile,
  minify: true,
  legalComments: 'none',
  define: { VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
