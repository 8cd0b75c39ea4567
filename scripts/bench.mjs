// `npm run bench`: the built bundle as a whole process on inputs made from the real Tutor render,
// next to a bare `node -e 0`, a plain `yaml` parseDocument + toString of the same input, and a
// `node` that only moves the same bytes in and out (the pipes' share), all measured in one run. Two configs: the bundled example with queue monitoring on too (every
// output family a site turns on: test/configs/every-family.yaml) and workers only
// (test/configs/recommended.yaml). Prints a Markdown table of medians (wall time, CPU time, peak
// memory) for each, and the bundle size, and writes them into docs/performance.md between its
// bench markers (and the every-family table into the README's). Not a test: numbers depend on the machine; the ratios are what to compare.
//
//   BENCH_RUNS=7 npm run bench        (rounds; default 5; inputs of 1,000 instances and more
//                                      run in a third as many, at least one)
//   BENCH_SIZES=1,10 npm run bench    (instances per input; default 1,10,100,1000; other sizes
//                                      are printed only, as the page states the targets at 1
//                                      and 100)
//   BENCH_LAYOUTS=crlf,json npm run bench   (the ResourceList's other layouts, with the first
//                                      config, up to 100 instances; default all)
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse, stringify } from 'yaml';
import { writeBetweenMarkers } from './markers.mjs';

const root = new URL('..', import.meta.url).pathname;
const bundle = join(root, 'dist', 'celery-queues.js');
const CONFIGS = [
  { key: 'every', what: 'every family', file: join(root, 'test', 'configs', 'every-family.yaml') },
  { key: 'workers', what: 'workers only', file: join(root, 'test', 'configs', 'recommended.yaml') },
];
const runs = Number(process.env.BENCH_RUNS ?? 5);
const sizes = (process.env.BENCH_SIZES ?? '1,10,100,1000').split(',').map(Number);
// A plain round trip of 1,000 instances takes gigabytes and most of a minute: left out there.
const LARGE = 1000;
const largeRuns = Math.max(1, Math.ceil(runs / 3));
const work = join(tmpdir(), `celery-queues-bench-${process.pid}`);
mkdirSync(work, { recursive: true });

// Peak memory and CPU time: each measured process reports its own on exit (`--require` of a
// few lines below, loaded by every row alike), so the bench needs nothing but Node.
const report = join(work, 'report.json');
const preload = join(work, 'report-usage.cjs');
writeFileSync(
  preload,
  // VmHWM, not getrusage's maxrss: Linux carries the forking parent's (this script's) peak
  // into a child's maxrss across exec, and would report the bench's own memory.
  `process.on('exit', () => {
  const fs = require('node:fs');
  const cpu = process.cpuUsage();
  let kb = process.resourceUsage().maxRSS;
  try {
    kb = Number(/^VmHWM:\\s+(\\d+) kB/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1]);
  } catch {}
  fs.writeFileSync(${JSON.stringify(report)}, JSON.stringify({ maxRssKb: kb, cpuUs: cpu.user + cpu.system }));
});
`,
);
if (!existsSync(bundle)) {
  console.error('bench: dist/celery-queues.js is missing (npm run build)');
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Inputs: the real Tutor v20 render, copied into N namespaces. The ResourceList is the one
// Kustomize 4.5.4 really sent an exec function (test/fixtures/krm/), with the config as its
// functionConfig the way Kustomize sends it (keys sorted, block style, comments dropped: what
// yaml prints with sorted keys, the same bytes here); the stream is `kubectl kustomize` output,
// with the config file as it is, through --config.

const NAMESPACED =
  /^(\s*(?:namespace|name|internal\.config\.kubernetes\.io\/previousNames|internal\.config\.kubernetes\.io\/previousNamespaces): )openedx$/gm;
const inNamespace = (text, n) =>
  text.replace(NAMESPACED, `$1openedx-${String(n).padStart(3, '0')}`);

const kustomizeInput = readFileSync(
  join(root, 'test', 'fixtures', 'krm', 'kustomize-4.5.4-exec-input.yaml'),
  'utf8',
);
const itemsText = kustomizeInput.slice(
  kustomizeInput.indexOf('items:\n') + 'items:\n'.length,
  kustomizeInput.indexOf('functionConfig:'),
);
const asFunctionConfig = (file) =>
  stringify(parse(readFileSync(file, 'utf8')), {
    sortMapEntries: true,
    lineWidth: 0,
    indentSeq: false,
  })
    .trimEnd()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
const render = readFileSync(join(root, 'test', 'fixtures', 'tutor', 'stock-v20.yaml'), 'utf8');

function resourceList(instances, config) {
  const items = [];
  for (let n = 0; n < instances; n++) items.push(inNamespace(itemsText, n));
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${items.join('')}functionConfig:\n${asFunctionConfig(config)}\n`;
}

// The same ResourceList in the layouts other producers write, each held to Kustomize's:
// CRLF line ends, a comment before every item, entries indented past the dash (`-   `, as
// PyYAML with indent=4 and ruamel write them), and JSON (`kubectl get -o json`).
const LAYOUTS = {
  crlf: (text) => text.replace(/\n/g, '\r\n'),
  comments: (text) => text.replace(/^- /gm, '# one of the resources\n- '),
  wide: (text) => {
    const start = text.indexOf('items:\n') + 'items:\n'.length;
    const end = text.indexOf('\nfunctionConfig:') + 1;
    const items = text
      .slice(start, end)
      .replace(/^- /gm, '-   ')
      .replace(/^ {2}(?=.)/gm, '    ');
    return text.slice(0, start) + items + text.slice(end);
  },
  json: (text) => `${JSON.stringify(parse(text), null, 2)}\n`,
};
const layouts = (process.env.BENCH_LAYOUTS ?? Object.keys(LAYOUTS).join(','))
  .split(',')
  .filter(Boolean);

function stream(instances) {
  const docs = [];
  for (let n = 0; n < instances; n++) docs.push(inNamespace(render, n));
  return docs.join('---\n');
}

// The plain round trip a function built directly on `yaml` would do: parse all, print all.
const roundTrip = join(work, 'yaml-round-trip.mjs');
writeFileSync(
  roundTrip,
  `import { readFileSync } from 'node:fs';
import { parseAllDocuments } from ${JSON.stringify(join(root, 'node_modules', 'yaml', 'dist', 'index.js'))};
const docs = parseAllDocuments(readFileSync(0, 'utf8'));
process.stdout.write(docs.map((d) => d.toString()).join(''));
`,
);

// The pipes alone: a node that reads the input and writes back the function's output, nothing
// else. Its time is what moving those bytes in and out costs through the bench's pipes (the
// same ones kustomize and kpt use), paid by any function of that output; the rest is the
// function's own work.
const transport = join(work, 'transport.cjs');
writeFileSync(
  transport,
  `const fs = require('node:fs');
fs.readFileSync(0);
const out = fs.readFileSync(process.argv[2]);
for (let at = 0; at < out.length; ) at += fs.writeSync(1, out, at, Math.min(out.length - at, 1 << 20));
`,
);

// ---------------------------------------------------------------------------------------------

// Wall time is the process's own, from its start to its exit: the pipes carry its input and
// output as Kustomize's and kpt's do, and a reader that keeps up takes the output (kept only
// where a row needs it). spawnSync would also count what the bench does after the exit,
// joining up to a hundred megabytes of output: seconds at 1,000 instances, none of them the
// function's.
function once(argv, inputFile, outputFile) {
  const input = inputFile ? readFileSync(inputFile) : '';
  rmSync(report, { force: true });
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let ms;
    const child = spawn(argv[0], ['--require', preload, ...argv.slice(1)]);
    const kept = [];
    const stderr = [];
    child.stdout.on('data', (chunk) => outputFile && kept.push(chunk));
    child.stderr.on('data', (chunk) => stderr.push(chunk));
    child.stdin.on('error', () => {}); // a child that exits without reading it all
    child.on('exit', () => {
      ms = Number(process.hrtime.bigint() - start) / 1e6;
    });
    child.on('error', reject);
    child.on('close', (status) => {
      if (status !== 0) {
        const tail = Buffer.concat(stderr).toString().slice(-500);
        reject(new Error(`${argv.join(' ')} exited ${status}: ${tail}`));
        return;
      }
      if (outputFile) writeFileSync(outputFile, Buffer.concat(kept));
      const usage = JSON.parse(readFileSync(report, 'utf8'));
      resolve({ ms, cpu: usage.cpuUs / 1000, mb: usage.maxRssKb / 1024 });
    });
    child.stdin.end(input);
  });
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const summary = (samples) => ({
  ms: median(samples.map((x) => x.ms)),
  cpu: median(samples.map((x) => x.cpu)),
  mb: median(samples.map((x) => x.mb)),
});

const node = process.execPath;
// Every command of the tables, run in rounds (each command once a round), so that whatever else
// the machine does weighs on every row alike. The plain round trip reads the every-family
// input (the workers-only one differs only in its functionConfig, the stream not at all).
const commands = [
  { key: 'bare', what: '`node -e 0`', input: '', argv: [node, '-e', '0'] },
  {
    key: 'version',
    what: 'celery-queues --version (load only)',
    input: '',
    argv: [node, bundle, '--version'],
  },
];
const FORMS = ['resourceList', 'stream'];
for (const form of FORMS) {
  for (const n of sizes) {
    let streamFile;
    for (const config of CONFIGS) {
      const text = form === 'resourceList' ? resourceList(n, config.file) : stream(n);
      let file = streamFile;
      if (!file) {
        file = join(work, `${form}-${n}-${config.key}.yaml`);
        writeFileSync(file, text);
        if (form === 'stream') streamFile = file;
      }
      const input = `${n} × Tutor v20 ${form === 'resourceList' ? 'ResourceList' : 'stream'} (${(text.length / 1e6).toFixed(2)} MB)`;
      const fnArgv =
        form === 'resourceList' ? [node, bundle] : [node, bundle, '--config', config.file];
      const large = n >= LARGE;
      const floor = form === 'resourceList' && config === CONFIGS[0] && !large;
      const written = join(work, `${form}-${n}-${config.key}.out`);
      commands.push({
        key: `${config.key}:${form}-${n}:fn`,
        what: 'celery-queues',
        input,
        argv: fnArgv,
        file,
        large,
        output: floor ? written : undefined,
      });
      if (floor) {
        commands.push({
          key: `${form}-${n}:transport`,
          what: 'the pipes alone (`node` reading the input, writing the same output)',
          input,
          argv: [node, transport, written],
          file,
        });
      }
      if (config === CONFIGS[0] && !large) {
        commands.push({
          key: `${form}-${n}:plain`,
          what: 'plain `yaml` round trip',
          input,
          argv: [node, roundTrip],
          file,
        });
      }
      if (form !== 'resourceList' || config !== CONFIGS[0] || large) continue;
      for (const layout of layouts) {
        const other = LAYOUTS[layout](text);
        const otherFile = join(work, `${form}-${n}-${layout}.yaml`);
        writeFileSync(otherFile, other);
        commands.push({
          key: `${config.key}:${form}-${n}-${layout}:fn`,
          what: 'celery-queues',
          input: `${n} × Tutor v20 ResourceList, ${layout} (${(other.length / 1e6).toFixed(2)} MB)`,
          argv: fnArgv,
          file: otherFile,
        });
      }
    }
  }
}
// Warms the page cache, and keeps the outputs the transport rows write back.
for (const c of commands) if (!c.large) await once(c.argv, c.file, c.output);
const samples = new Map(commands.map((c) => [c.key, []]));
for (let round = 0; round < runs; round++) {
  for (const c of commands) {
    if (c.large && round >= largeRuns) continue;
    samples.get(c.key).push(await once(c.argv, c.file));
  }
}
const measured = new Map(commands.map((c) => [c.key, summary(samples.get(c.key))]));
const bare = measured.get('bare');
const version = measured.get('version');

const cacheFile = bundle.replace(/\.js$/, '.cache');
const size = statSync(bundle).size;
const cacheSize = existsSync(cacheFile) ? statSync(cacheFile).size : 0;
const gz =
  gzipSync(readFileSync(bundle)).length +
  (cacheSize ? gzipSync(readFileSync(cacheFile)).length : 0);
if (!process.env.BENCH_KEEP) rmSync(work, { recursive: true, force: true });

const ratio = (a, b) => `${(a.ms / b.ms).toFixed(2)}x (${(a.cpu / b.cpu).toFixed(2)}x)`;
const row = (what, input, m, plain) =>
  `| ${what} | ${input} | ${m.ms.toFixed(0)} ms | ${m.cpu.toFixed(0)} ms | ${m.mb.toFixed(0)} MB | ${ratio(m, bare)} | ${plain ? ratio(m, plain) : ''} |`;
const out = [];
// The first config's table on its own, for the README.
let summaryEnd = 0;
out.push(
  `${runs} rounds (each command once a round; inputs of ${LARGE.toLocaleString('en')} instances in ${largeRuns}), medians; Node ${process.versions.node}, ${process.platform}, ${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}).`,
);
for (const config of CONFIGS) {
  const configFile = config.file.slice(root.length);
  out.push('');
  out.push(`**${config.what[0].toUpperCase()}${config.what.slice(1)}** (\`${configFile}\`):`);
  out.push('');
  out.push(
    '| Command | Input | Wall time | CPU time | Peak memory | vs `node -e 0`: wall (CPU) | vs plain `yaml`: wall (CPU) |',
  );
  out.push('|---|---|--:|--:|--:|--:|--:|');
  out.push(row('`node -e 0`', '', bare));
  out.push(row('celery-queues --version (load only)', '', version));
  const results = {};
  for (const form of FORMS) {
    for (const n of sizes) {
      const fn = commands.find((c) => c.key === `${config.key}:${form}-${n}:fn`);
      const m = measured.get(fn.key);
      const plain = measured.get(`${form}-${n}:plain`);
      results[`${form}-${n}`] = { fn: m, plain };
      out.push(row('celery-queues', fn.input, m, plain));
      if (plain) out.push(row('plain `yaml` round trip', fn.input, plain));
      // The pipes carry the first config's output.
      const transport = config === CONFIGS[0] && measured.get(`${form}-${n}:transport`);
      if (transport) {
        results[`${form}-${n}`].transport = transport;
        out.push(
          row('the pipes alone (`node` reading it, writing the same output)', fn.input, transport),
        );
      }
      for (const layout of layouts) {
        const other = commands.find((c) => c.key === `${config.key}:${form}-${n}-${layout}:fn`);
        if (!other) continue;
        results[`${form}-${n}-${layout}`] = { fn: measured.get(other.key) };
        out.push(row('celery-queues', other.input, measured.get(other.key)));
      }
    }
  }
  out.push('');
  // Linear growth: the cost of each added instance, step by step.
  for (const form of FORMS) {
    const steps = [];
    for (let i = 1; i < sizes.length; i++) {
      const a = results[`${form}-${sizes[i - 1]}`].fn;
      const b = results[`${form}-${sizes[i]}`].fn;
      const n = sizes[i] - sizes[i - 1];
      steps.push(
        `${sizes[i - 1]} → ${sizes[i]}: ${((b.ms - a.ms) / n).toFixed(1)} ms wall, ${((b.cpu - a.cpu) / n).toFixed(1)} ms CPU, ${((b.mb - a.mb) / n).toFixed(2)} MB`,
      );
    }
    if (steps.length) out.push(`Cost of each added instance (${form}): ${steps.join('; ')}.`);
  }
  const targets = [];
  const one = results['resourceList-1'];
  if (one) targets.push(`1 instance ${ratio(one.fn, bare)} \`node -e 0\` (target ≤ 1.5x)`);
  const hundred = results['resourceList-100'];
  if (hundred?.plain) {
    targets.push(
      `100 instances ${ratio(hundred.fn, hundred.plain)} the plain round trip (target ≤ 0.25x) at ${hundred.fn.mb.toFixed(0)} MB peak (target ≤ 200 MB)`,
    );
  }
  const ten = results['resourceList-10'];
  if (ten && hundred) {
    const pipes = ten.transport && hundred.transport;
    targets.push(
      `each added instance from 10 to 100 ${((hundred.fn.ms - ten.fn.ms) / 90).toFixed(1)} ms (${((hundred.fn.cpu - ten.fn.cpu) / 90).toFixed(1)} ms) (target ≤ 5 ms)${pipes ? `, of which the pipes alone ${((hundred.transport.ms - ten.transport.ms) / 90).toFixed(1)} ms (${((hundred.transport.cpu - ten.transport.cpu) / 90).toFixed(1)} ms)` : ''}`,
    );
  }
  if (targets.length) out.push(`Targets (ResourceList), wall (CPU): ${targets.join('; ')}.`);
  // Each other layout against Kustomize's, at each size (target ≤ 1.5x).
  const vsKustomize = [];
  for (const layout of layouts) {
    const per = sizes
      .filter((n) => results[`resourceList-${n}-${layout}`])
      .map(
        (n) =>
          `${n}: ${ratio(results[`resourceList-${n}-${layout}`].fn, results[`resourceList-${n}`].fn)}`,
      );
    if (per.length) vsKustomize.push(`${layout} ${per.join(', ')}`);
  }
  if (vsKustomize.length) {
    out.push(
      `Other layouts against Kustomize's, by instances, wall (CPU) (target ≤ 1.5x): ${vsKustomize.join('; ')}.`,
    );
  }
  if (config === CONFIGS[0]) summaryEnd = out.length;
}
out.push('');
const file = readFileSync(bundle, 'utf8');
// The program is the comment of the function that ends the bundle; the loader slices it off that
// function's source by its length (and the `*/}` after it).
const programLength = /source\.slice\(source\.length - (\d+), -3\)/.exec(file)?.[1];
if (programLength === undefined) throw new Error("bench: the bundle's loader has another form");
const programKb = (Number(programLength) - 3) / 1024;
out.push(
  `Bundle: ${(size / 1024).toFixed(0)} KB (the program ${programKb.toFixed(0)} KB) and its V8 code cache ${(cacheSize / 1024).toFixed(0)} KB beside it, ${(gz / 1024).toFixed(0)} KB gzipped together.`,
);
console.log(out.join('\n'));

// The page shows the documented run only: the default sizes.
if (process.env.BENCH_SIZES === undefined) {
  writeBetweenMarkers(join(root, 'docs', 'performance.md'), 'bench', out.join('\n'));
  writeBetweenMarkers(join(root, 'README.md'), 'bench', out.slice(0, summaryEnd).join('\n'));
  console.error('bench: wrote the tables into docs/performance.md and README.md');
}
