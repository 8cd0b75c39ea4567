// Bundles the function into one self-contained executable file, dist/celery-queues.js, and
// V8's code cache for it beside it, dist/celery-queues.cache.
//
// Starting is a large part of every run (a render with one Open edX instance is over in a few
// tens of milliseconds), and much of a start is V8 compiling the bundle's functions. So the
// bundle holds the program as text and compiles it with V8's code cache, made here by running
// the program on sample inputs. The text is a comment in the body of a function at the end of
// the bundle, which the loader reads back as that function's source: Node has read and compiled
// the whole file before it runs (V8 skips a comment several times faster than it scans a string
// literal of the same length), and V8 gives a function's source as a slice of the text it
// compiled, without reading the file again or copying it. The cache is a file of its own, read
// as bytes: in the bundle, as a string, V8 would scan it and the loader decode it on every start,
// which costs more than the cache saves. The cache carries a stamp of the program it was made
// for and of the platform, processor and Node version it was made on; the bundle takes it only
// when the stamp is its own.
// Elsewhere, or with no cache beside it, V8 compiles as usual: slower, same result.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';
import { withoutCommentEnds } from './comment-safe.mjs';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const outfile = `${root}dist/celery-queues.js`;
const cachefile = `${root}dist/celery-queues.cache`;

// yaml's ES module build (the same code as its CommonJS one, which Node gets by default): as a
// module, esbuild inlines its functions and drops the unused ones; as CommonJS every call to it
// goes through a getter.
const yamlAsModule = {
  name: 'yaml-as-module',
  setup(b) {
    b.onResolve({ filter: /^yaml$/ }, () => ({
      path: `${root}node_modules/yaml/browser/index.js`,
    }));
    // The same build's yaml/util, or its objects (the string tag) would be other copies.
    b.onResolve({ filter: /^yaml\/util$/ }, () => ({
      path: `${root}node_modules/yaml/browser/dist/util.js`,
    }));
  },
};

const bundled = await build({
  entryPoints: [`${root}src/main.ts`],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  write: false,
  minify: true,
  legalComments: 'none',
  // The schema's descriptions are for the docs, not for a run (src/config/zod.ts).
  define: { VERSION: JSON.stringify(pkg.version), SCHEMA_DOCS: 'false' },
  logLevel: 'warning',
  plugins: [yamlAsModule],
});
// Its own `*/` written otherwise, to fit in the comment it is kept in (see the top).
const code = withoutCommentEnds(bundled.outputFiles[0].text.replace(/^#!.*\n/, ''));
// The module wrapper Node itself puts around a CommonJS file.
const program = `(function (exports, require, module, __filename, __dirname) {${code}\n})`;

mkdirSync(`${root}dist`, { recursive: true });
const programFile = `${root}dist/.program-${process.pid}.js`;
writeFileSync(programFile, program);
const warm = spawnSync(process.execPath, [`${root}scripts/warm-up.cjs`, programFile], {
  cwd: root,
  encoding: 'buffer',
  maxBuffer: 1 << 28,
});
rmSync(programFile);
process.stderr.write(warm.stderr);
if (warm.status !== 0) throw new Error('build: warming the code cache failed');
const cache = warm.stdout;

// V8 checks its version and flags before it takes a cache, and the program's length, but not the
// processor (an x64 cache crashes Node 20's arm64 build, seen under qemu) nor the program itself
// (a cache of another build of the same length would run that build's code). So the cache ends
// with a stamp of both, which the bundle compares with its own before it hands the cache to V8.
const buildId = createHash('sha256').update(program).digest('hex').slice(0, 16);
const stamp = `celery-queues ${buildId} ${process.platform} ${process.arch} ${process.version}\n`;
// esbuild writes ASCII, control characters escaped: Node holds the file's text one byte a
// character, and the program is that text's end, as it is.
if (Buffer.byteLength(program) !== program.length)
  throw new Error('build: the program is not ASCII');
const loader = `#!/usr/bin/env node
'use strict';
// celery-queues ${pkg.version}, built by scripts/build.mjs: the program; V8's code cache for it in celery-queues.cache.
const source = programText.toString();
const program = source.slice(source.length - ${program.length + 3}, -3);
let cachedData;
try {
  const cache = require('node:fs').readFileSync(\`\${__filename.replace(/\\.js$/, '')}.cache\`);
  const stamp = \`celery-queues ${buildId} \${process.platform} \${process.arch} \${process.version}\\n\`;
  const end = cache.length - stamp.length;
  if (end > 0 && cache.toString('latin1', end) === stamp) cachedData = cache.subarray(0, end);
} catch {}
const script = new (require('node:vm').Script)(program, { filename: __filename, cachedData });
script.runInThisContext()(exports, require, module, __filename, __dirname);
// The program (see the top).
function programText() {/*${program}*/}`;
// Each written beside its place, then renamed over it: a run that starts meanwhile reads the
// old file or the new one, never half of one (npm run example builds while the tests run the
// bundle). A bundle that meets the other build's cache finds another stamp and compiles.
for (const [file, content, mode] of [
  [cachefile, Buffer.concat([cache, Buffer.from(stamp, 'latin1')]), 0o644],
  [outfile, loader, 0o755],
]) {
  const next = `${file}.${process.pid}`;
  writeFileSync(next, content);
  chmodSync(next, mode);
  renameSync(next, file);
}
