// Run by scripts/build.mjs: compiles the bundled program, runs it in process on the inputs a
// real run sees (a Kustomize and a kpt ResourceList, a manifest stream), and writes V8's code
// cache for it, which then holds every function those runs compiled, to stdout.
const { readFileSync, writeSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

const [programFile] = process.argv.slice(2);
const root = join(__dirname, '..');
const program = readFileSync(programFile, 'utf8');
const script = new Script(program, { filename: programFile });
const mod = { exports: {} };
// A module of its own: the program exports `run` instead of running on this process's stdin.
script.runInThisContext()(mod.exports, require, mod, programFile, root);
const { run } = mod.exports;

const file = (path) => readFileSync(join(root, path), 'utf8');
const config = file('test/configs/every-family.yaml');
const indented = config
  .split('\n')
  .filter((line) => line !== '' && !line.startsWith('#'))
  .map((line) => `  ${line}`)
  .join('\n');
const withConfig = (resourceList) =>
  `${resourceList.slice(0, resourceList.indexOf('functionConfig:'))}functionConfig:\n${indented}\n`;

const runs = [
  [[], withConfig(file('test/fixtures/krm/kustomize-4.5.4-exec-input.yaml'))],
  [[], withConfig(file('test/fixtures/krm/kpt-1.0.0-beta.56-eval-input.yaml'))],
  [['--config', 'config.yaml'], file('examples/tutor-v20.yaml')],
];
for (const [argv, stdin] of runs) {
  let failed = '';
  const status = run(argv, {
    stdin: () => stdin,
    readFile: (path) => {
      if (path === 'config.yaml') return config;
      throw new Error(`warm-up reads no file but its config (${path})`);
    },
    stdout: () => {},
    stderr: (text) => {
      failed += text;
    },
  });
  // A failing run still warms what it ran; the tests, not the build, judge the output.
  if (status !== 0) process.stderr.write(`warm-up run ${JSON.stringify(argv)}: ${failed}`);
}

const cache = script.createCachedData();
let offset = 0;
while (offset < cache.length) offset += writeSync(1, cache, offset);
