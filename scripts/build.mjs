// Bundles the function into one self-contained executable file: dist/celery-queues.js.
//
// Starting is a large part of every run (a render with one Open edX instance is over in a few
// tens of milliseconds), and much of a start is V8 compiling the bundle's functions. So the
// file holds the program as a string next to V8's code cache for it, made here by running the
// program on sample inputs, and compiles the one with the other. On another platform, processor
// or Node version the cache is left out and V8 compiles as usual: slower, same result.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
const outfile = `${root}dist/celery-queues.js`;

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
  define: { VERSION: JSON.stringify(pkg.version) },
  logLevel: 'warning',
  plugins: [yamlAsModule],
});
const code = bundled.outputFiles[0].text.replace(/^#!.*\n/, '');
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
const cache = warm.stdout.toString('base64');

// V8 checks its version and flags before it takes a cache, but not the processor: an x64 cache
// crashes Node 20's arm64 build (seen under qemu). So the cache is used only where it was made.
const builtOn = `${process.platform} ${process.arch} ${process.version}`;
const loader = `#!/usr/bin/env node
'use strict';
// celery-queues ${pkg.version}, built by scripts/build.mjs: the program, and V8's code cache for it.
const program = ${JSON.stringify(program)};
const cachedData = \`\${process.platform} \${process.arch} \${process.version}\` === ${JSON.stringify(builtOn)}
  ? Buffer.from('${cache}', 'base64')
  : undefined;
const script = new (require('node:vm').Script)(program, { filename: __filename, cachedData });
script.runInThisContext()(exports, require, module, __filename, __dirname);
`;
// Written beside it, then renamed over it: a run that starts meanwhile reads the old file or the
// new one, never half of one (npm run example builds while the tests run the bundle).
const next = `${outfile}.${process.pid}`;
writeFileSync(next, loader);
chmodSync(next, 0o755);
renameSync(next, outfile);
