// The shell around the pure core: standard input and output, the two containers, exit codes.
// Every failure is one line on stderr, never a stack trace; a ResourceList goes back with its
// items unchanged and the error in its results, a stream not at all.
import { isUtf8 } from 'node:buffer';
import { fstatSync, readFileSync, readSync, writeSync } from 'node:fs';
import type * as Tty from 'node:tty';
import { isScalar } from 'yaml';
import { nameTheConfig, readConfigNode } from './config/load.js';
import { migrateTutorConfig } from './config/migrate.js';
import {
  type Chunk,
  functionConfigOf,
  type Input,
  parseResourceList,
  type ResourceListInput,
  readableItems,
  readResourceList,
  readStream,
  resourceListChunks,
  streamChunks,
} from './krm/io.js';
import { InputError, type Item, NeedsFullParse } from './krm/item.js';
import { formatResult, oneLine, type Result, Results } from './krm/results.js';
import { printableLine } from './krm/text/strings.js';
import { type parseYaml, parseYamlStream } from './krm/yaml.js';
import { changesOf, type Outcome, summaryLine } from './report/changes.js';
import { renderMarkdown } from './report/markdown.js';
import { renderMermaid } from './report/mermaid.js';
import { buildReport } from './report/report.js';
import { FAMILIES, transform } from './transform.js';
import { FUNCTION_VERSION } from './version.js';

export const HELP = `celery-queues: per-queue Celery workers, KEDA autoscaling, Flower and task routing
for Open edX rendered by Tutor, as a KRM function.

Usage:
  celery-queues < resource-list.yaml
      KRM function: a ResourceList on stdin, the transformed ResourceList on stdout.
  celery-queues --config celery-queues.yaml [MANIFEST...]
      Filter over a plain manifest stream (stdin when no file is named).
  celery-queues report [--format markdown|json|mermaid] [--config FILE [MANIFEST...]]
      What a run with the same input does: per instance, each queue's worker, scaling, tasks
      and alerts; what is added, changed and removed; which pods roll and why.
  celery-queues migrate [config.yml]
      The CeleryQueues for the tutor-contrib-celery settings (CELERY_*) of Tutor's config.yml.

Ways to run it (examples/ and the README have each one, tested):
  Kustomize, exec     config under transformers: with  exec: {path: celery-queues}
                      kustomize build --enable-alpha-plugins --enable-exec env/
                      (the standalone kustomize; kubectl's skips exec functions)
  Kustomize, image    the same with  container: {image: ...}
                      kubectl kustomize --enable-alpha-plugins env/
  kpt                 kpt fn eval PKG --exec celery-queues --fn-config celery-queues.yaml
                      kpt fn eval PKG --image IMAGE --fn-config celery-queues.yaml
                      kpt fn render PKG --allow-exec     (Kptfile pipeline: exec or image)
  Argo CD             a config management plugin sidecar running
                      kustomize build --enable-alpha-plugins --enable-exec .
  A pipe              kustomize build env/ | celery-queues --config celery-queues.yaml \\
                        | kubectl apply -f -
  The image           podman run -i --rm --network none IMAGE < resource-list.yaml

Options:
  --config FILE   the CeleryQueues config, or a ConfigMap whose data holds
                  tutor-contrib-celery's settings (CELERY_WORKERS_CONFIG, CELERY_FLOWER, ...)
  --strict        warnings are errors (in the config: spec.strict: true)
  --format F      the report's format: markdown (the default), json or mermaid
  --help          this text
  --version       the version

Exit status: 0 on success (warnings allowed), 1 on any error; every error is one line on
stderr, and a run ends with one line that sums it up. On error a ResourceList goes back with
its items unchanged and the error in its results; a stream is not written at all, so a pipe
into kubectl apply applies nothing.
`;

export interface Io {
  stdin: () => string;
  readFile: (path: string) => string;
  /** Text, or text already encoded as UTF-8 (a resource the run printed: see held-bytes.ts). */
  stdout: (text: Chunk) => void;
  stderr: (text: string) => void;
  /** Writes out what `stdout` holds back, if it holds anything back. */
  flush?: () => void;
  /** Is standard input a terminal (nobody piped anything in)? */
  stdinIsTerminal?: () => boolean;
}

const FORMATS = ['markdown', 'json', 'mermaid'] as const;
type Format = (typeof FORMATS)[number];

interface Args {
  command: 'run' | 'report' | 'migrate';
  config?: string;
  files: string[];
  help: boolean;
  version: boolean;
  strict: boolean;
  format: Format;
}

function parseCommandLine(argv: readonly string[]): Args | string {
  const args: Args = {
    command: 'run',
    files: [],
    help: false,
    version: false,
    strict: false,
    format: 'markdown',
  };
  let format: string | undefined;
  const rest = [...argv];
  if (rest[0] === 'report' || rest[0] === 'migrate') args.command = rest.shift() as Args['command'];
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i] as string;
    if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--version') args.version = true;
    else if (a === '--strict') args.strict = true;
    else if (a === '--config' || a === '--format') {
      const value = rest[++i];
      if (value === undefined) return `${a} needs ${a === '--config' ? 'a file' : 'a format'}`;
      if (a === '--config') args.config = value;
      else format = value;
    } else if (a.startsWith('--config=')) args.config = a.slice('--config='.length);
    else if (a.startsWith('--format=')) format = a.slice('--format='.length);
    else if (a.startsWith('-') && a !== '-') return `unknown option ${a} (see --help)`;
    else args.files.push(a);
  }
  if (format !== undefined) {
    if (args.command !== 'report') return '--format is an option of celery-queues report';
    if (!(FORMATS as readonly string[]).includes(format)) {
      return `--format ${format}: the report's formats are ${FORMATS.join(', ')}`;
    }
    args.format = format as Format;
  }
  if (args.command === 'migrate') {
    if (args.config !== undefined || args.strict) {
      return 'celery-queues migrate takes Tutor\'s config.yml only: celery-queues migrate "$(tutor config printroot)/config.yml"';
    }
    if (args.files.length > 1) return 'celery-queues migrate reads one config.yml';
    return args;
  }
  if (args.files.length > 0 && args.config === undefined) {
    if (args.files.length === 1 && /(^|\/)config\.ya?ml$/.test(args.files[0] as string)) {
      return `manifest files need --config FILE; to turn Tutor's ${args.files[0]} into a CeleryQueues: celery-queues migrate ${args.files[0]}`;
    }
    return 'manifest files need --config FILE (a ResourceList comes on stdin)';
  }
  return args;
}

/** Runs the function; returns the exit status. */
export function run(argv: readonly string[], io: Io): number {
  try {
    return runWith(argv, io);
  } finally {
    io.flush?.();
  }
}

function runWith(argv: readonly string[], io: Io): number {
  const args = parseCommandLine(argv);
  if (typeof args === 'string') {
    io.stderr(`celery-queues: error: ${printableLine(args)}\n`);
    return 1;
  }
  if (args.help) {
    io.stdout(HELP);
    return 0;
  }
  if (args.version) {
    io.stdout(`${FUNCTION_VERSION}\n`);
    return 0;
  }
  // Nothing piped in and nothing named: the user wants to know how this is used.
  if (args.files.length === 0 && io.stdinIsTerminal?.()) {
    io.stderr(
      `celery-queues: error: standard input is a terminal: pipe a ResourceList in, or name the manifests (see below)\n\n${HELP}`,
    );
    return 1;
  }
  if (args.command === 'migrate') return runMigrate(args.files[0], io);
  // Stream mode writes nothing at all on error, so that a pipe into `kubectl apply` applies
  // nothing; ResourceList mode always writes a ResourceList, the error in its results.
  const stream = args.config !== undefined;
  const reporting = args.command === 'report';
  let text: string;
  try {
    text =
      args.files.length > 0
        ? args.files
            .map((f) =>
              ensureNewline(
                f === '-' ? readStdin(io) : readInput(io, f, 'a manifest file', manifestHint(f)),
              ),
            )
            .join('---\n')
        : readStdin(io);
  } catch (e) {
    const error = e instanceof InputError ? e.message : `cannot read the input: ${message(e)}`;
    return fail(
      error,
      io,
      stream || reporting ? undefined : anotherList({ items: [], itemIndent: 0 }),
    );
  }
  let input: ResourceListInput | undefined;
  try {
    const mode: Mode = { strict: args.strict, report: reporting ? args.format : undefined };
    if (args.config !== undefined) return runStream(text, args.config, io, mode);
    try {
      input = readResourceList(text);
      return runResourceList(input, io, mode);
    } catch (e) {
      if (!(e instanceof NeedsFullParse)) throw e;
      input = parseResourceList(text);
      return runResourceList(input, io, mode);
    }
  } catch (e) {
    if (!(e instanceof InputError) && process.env.CELERY_QUEUES_DEBUG)
      io.stderr(`${(e as Error).stack}\n`);
    if (stream || reporting) return fail(describeFailure(e), io);
    return fail(describeFailure(e), io, input ?? anotherList(readableItems(text)));
  }
}

/** What a run does besides transforming: strict mode, and a report in place of the output. */
interface Mode {
  strict: boolean;
  report: Format | undefined;
}

/** A ResourceList for the items of an input the function could not read as one. */
function anotherList(items: { items: Item[]; itemIndent: number }): ResourceListInput {
  return {
    form: 'resourceList',
    apiVersion: 'config.kubernetes.io/v1',
    functionConfig: null,
    results: null,
    ...items,
  };
}

/**
 * One error on stderr, exit status 1. In ResourceList mode the list goes out too, its items as
 * they came and the error in its results; in stream mode nothing does.
 */
function fail(error: string, io: Io, list?: ResourceListInput): number {
  const result: Result = { severity: 'error', message: oneLine(error) };
  if (list) for (const chunk of resourceListChunks(list, list.items, [result])) io.stdout(chunk);
  io.stderr(`${formatResult(result)}\n`);
  return 1;
}

function runResourceList(input: ResourceListInput, io: Io, mode: Mode): number {
  // Written resources are printed as the list's entries, unless a report goes out instead.
  const container = mode.report ? 0 : input.itemIndent + 2;
  const out = configuredTransform(input.items, functionConfigOf(input), mode.strict, container);
  if (mode.report) return writeReport(input.items, out, io, mode.report);
  for (const chunk of resourceListChunks(input, out.items, out.results)) io.stdout(chunk);
  return finish(input.items, out, io, 'resourceList');
}

function runStream(text: string, configFile: string, io: Io, mode: Mode): number {
  const input: Input = readStream(text);
  const configText = readInput(
    io,
    configFile,
    '--config',
    ': --config takes the CeleryQueues file',
  );
  const configDocs = parseYamlStream(configText).filter(
    (d) =>
      d.errors.length > 0 ||
      !(d.contents == null || (isScalar(d.contents) && d.contents.source === '')),
  );
  if (configDocs.length === 0) {
    throw new InputError(
      `--config ${configFile} is empty: give a CeleryQueues (apiVersion tutor-krm.dev/v1alpha1), or a ConfigMap with tutor-contrib-celery's CELERY_* keys`,
    );
  }
  if (configDocs.length > 1) {
    throw new InputError(
      `--config ${configFile} holds ${configDocs.length} YAML documents; it takes one, the CeleryQueues (or the ConfigMap of tutor-contrib-celery's settings): manifests go after it, celery-queues --config ${configFile} MANIFEST...`,
    );
  }
  const configDoc = configDocs[0] as ReturnType<typeof parseYaml>;
  const error = configDoc.errors[0];
  if (error)
    throw new InputError(`--config ${configFile}: not valid YAML: ${error.message.split('\n')[0]}`);
  const resourceList = input.items.find((item) => item.kind === 'ResourceList');
  if (resourceList) {
    throw new InputError(
      `${resourceList.position} is a ResourceList: a ResourceList goes on stdin without --config (its functionConfig is the config); --config takes plain manifests`,
    );
  }
  const out = configuredTransform(input.items, configDoc.contents, mode.strict);
  if (mode.report) return writeReport(input.items, out, io, mode.report);
  // On error, nothing: the unchanged render must not reach `kubectl apply` either.
  if (!out.results.some((r) => r.severity === 'error')) {
    for (const chunk of streamChunks(out.items)) io.stdout(chunk);
  }
  return finish(input.items, out, io, 'stream');
}

interface Run {
  items: readonly Item[];
  results: Result[];
  strict: boolean;
}

/**
 * The functionConfig read, then the transform: the items as they came when either fails. The
 * results name the functionConfig as it is; under strict mode (--strict, spec.strict) its
 * warnings are errors.
 */
function configuredTransform(
  items: readonly Item[],
  functionConfig: unknown,
  strictFlag: boolean,
  container = 0,
): Run {
  const results = new Results();
  const loaded = readConfigNode(functionConfig, results);
  const out = loaded
    ? transform(items, loaded.config, FAMILIES, container)
    : { items, results: [] };
  let all = [...results.list, ...out.results];
  if (loaded) all = nameTheConfig(all, loaded.source);
  const strict = strictFlag || loaded?.config.spec.strict === true;
  if (strict) all = all.map(strictly);
  if (!all.some((r) => r.severity === 'error')) return { items: out.items, results: all, strict };
  // Infos say what was done; on error nothing was.
  return { items, results: all.filter((r) => r.severity !== 'info'), strict };
}

function strictly(r: Result): Result {
  return r.severity === 'warning'
    ? { ...r, severity: 'error', tags: { ...r.tags, strict: 'warning' } }
    : r;
}

/** Every result on stderr (infos in stream mode only, where no results field carries them), then the summary. */
function finish(input: readonly Item[], out: Run, io: Io, mode: Outcome['mode']): number {
  for (const r of out.results) {
    if (r.severity !== 'info' || mode === 'stream') io.stderr(`${formatResult(r)}\n`);
  }
  // (On error the items are the input's, some perhaps unreadable: no changes to count.)
  const failed = out.results.some((r) => r.severity === 'error');
  const changes = failed ? { added: [], changed: [], removed: [] } : changesOf(input, out.items);
  io.stderr(`${summaryLine(changes, out.results, { mode, strict: out.strict })}\n`);
  return out.results.some((r) => r.severity === 'error') ? 1 : 0;
}

function writeReport(input: readonly Item[], out: Run, io: Io, format: Format): number {
  const report = buildReport({
    input,
    output: out.items,
    results: out.results,
    version: FUNCTION_VERSION,
    strict: out.strict,
  });
  io.stdout(
    format === 'json'
      ? `${JSON.stringify(report, null, 2)}\n`
      : format === 'mermaid'
        ? renderMermaid(report)
        : renderMarkdown(report),
  );
  for (const r of out.results) if (r.severity === 'error') io.stderr(`${formatResult(r)}\n`);
  return out.results.some((r) => r.severity === 'error') ? 1 : 0;
}

/** `celery-queues migrate config.yml`: the CeleryQueues on stdout, its notes on stderr. */
function runMigrate(file: string | undefined, io: Io): number {
  let text: string;
  try {
    text =
      file === undefined || file === '-'
        ? io.stdin()
        : readInput(
            io,
            file,
            "Tutor's config.yml",
            ': give the file itself, "$(tutor config printroot)/config.yml"',
          );
  } catch (e) {
    return fail(e instanceof InputError ? e.message : `cannot read the input: ${message(e)}`, io);
  }
  const out = migrateTutorConfig(text, file ?? 'standard input');
  for (const r of out.results) io.stderr(`${formatResult(r)}\n`);
  if (out.text === undefined) return 1;
  io.stdout(out.text);
  return 0;
}

/**
 * A file's text, or an InputError that says in words what is wrong with the path (`what`: how
 * the message names the file; `hint`: what to do about a directory).
 */
function readInput(io: Io, path: string, what: string, hint: string): string {
  try {
    return io.readFile(path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const name = what === '--config' ? `--config ${path}` : path;
    if (code === 'EISDIR') throw new InputError(`${name} is a directory, not a file${hint}`);
    if (code === 'ENOENT') throw new InputError(`${name}: no such file`);
    if (code === 'EACCES' || code === 'EPERM') {
      throw new InputError(`${name}: permission denied (${what} must be readable)`);
    }
    throw new InputError(`${name}: cannot be read: ${message(e)}`);
  }
}

function readStdin(io: Io): string {
  try {
    return io.stdin();
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`cannot read the input: ${e.message}`);
    throw e;
  }
}

function manifestHint(path: string): string {
  return `: give the rendered manifests, e.g. kustomize build ${path} | celery-queues --config FILE`;
}

function ensureNewline(text: string): string {
  return text.endsWith('\n') ? text : `${text}\n`;
}

function describeFailure(e: unknown): string {
  if (e instanceof InputError) return message(e);
  // Recursion too deep for the stack: input nested past what the parser checks beforehand.
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return 'input: nested too deeply to read: refused as a resource exhaustion attack';
  }
  return `internal error: ${message(e)}`;
}

function message(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0] ?? '';
}

// Standard input and output through plain system calls: `process.stdout` loads Node's stream
// machinery, which costs a run more than a whole small transform does.
export function nodeIo(): Io {
  return {
    stdin: () => readAll(0),
    readFile: (path) => {
      const text = utf8(readFileSync(path));
      if (text === undefined) throw new InputError(`${path} is not UTF-8 text, as YAML is`);
      return text;
    },
    stdout,
    stderr: (text) => writeAll(2, text),
    flush,
    stdinIsTerminal,
  };
}

// A terminal is a character device: a file or a pipe (every run but one at a prompt) is answered
// without node:tty, whose loading (node:net and the stream modules with it) costs a run several
// milliseconds. /dev/null is a character device too, and no terminal: isatty tells them apart.
function stdinIsTerminal(): boolean {
  try {
    if (!fstatSync(0).isCharacterDevice()) return false;
  } catch {
    return false; // no standard input at all
  }
  return (require('node:tty') as typeof Tty).isatty(0);
}

// Many small pieces (a resource each) go out in few writes, each encoded straight into one
// buffer: joining them into one string first, then encoding that, costs twice the copying.
const OUT_SIZE = 1 << 20;
let out: Buffer | undefined;
let outLength = 0;

function stdout(text: Chunk): void {
  // UTF-8 takes at most three bytes per UTF-16 unit.
  const most = typeof text === 'string' ? text.length * 3 : text.length;
  if (most > OUT_SIZE) {
    flush();
    if (typeof text === 'string') writeAll(1, text);
    else writeBytes(1, text);
    return;
  }
  if (outLength + most > OUT_SIZE) flush();
  out ??= Buffer.allocUnsafe(OUT_SIZE);
  outLength += typeof text === 'string' ? out.write(text, outLength) : text.copy(out, outLength);
}

function flush(): void {
  if (!out || outLength === 0) return;
  writeBytes(1, out.subarray(0, outLength));
  outLength = 0;
}

const MAX_READ = 1 << 24;

export function readAll(fd: number): string {
  // Read into buffers that are filled and kept, not copied into ever larger ones: one copy at
  // the end. A file's size is known, and one buffer (with a byte to spare, to see the end) holds it.
  // A pipe's is not: its first buffer is large enough for most inputs, so that they need no copy
  // (memory never written to, past a small input's end, is never mapped in).
  let size = MAX_READ;
  try {
    const stat = fstatSync(fd);
    if (stat.isFile()) size = stat.size + 1;
  } catch {}
  const chunks: Buffer[] = [];
  let total = 0;
  let buffer = Buffer.allocUnsafe(size);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      chunks.push(buffer);
      total += length;
      buffer = Buffer.allocUnsafe(MAX_READ);
      length = 0;
    }
    let n: number;
    try {
      n = readSync(fd, buffer, length, buffer.length - length, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EOF') break;
      if (code !== 'EAGAIN') throw e;
      pause(); // a non-blocking pipe with nothing in it yet
      continue;
    }
    if (n === 0) break;
    length += n;
  }
  const last = buffer.subarray(0, length);
  const bytes = chunks.length === 0 ? last : Buffer.concat([...chunks, last], total + length);
  const text = utf8(bytes);
  if (text === undefined) throw new InputError('the input is not UTF-8 text, as YAML is');
  return text;
}

/**
 * Bytes as UTF-8 text, a byte-order mark kept (an unchanged input goes back byte for byte);
 * undefined when they are not UTF-8. Decoded first: the decoder puts U+FFFD for every invalid
 * sequence, so text without one came from valid bytes, and only text with one (written as
 * such, or put in for an invalid sequence) is checked byte by byte. A search for U+FFFD in text
 * of one-byte characters (ASCII, most inputs) is answered without a scan: it cannot be there.
 * (Natively both: TextDecoder costs a run more to set up than the decoding.)
 */
export function utf8(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  return !text.includes('\uFFFD') || isUtf8(bytes) ? text : undefined;
}

function writeAll(fd: number, text: string): void {
  writeBytes(fd, Buffer.from(text, 'utf8'));
}

function writeBytes(fd: number, buffer: Buffer): void {
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += writeSync(fd, buffer, offset);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EPIPE') return; // the reader is gone: nobody is left to tell
      if (code !== 'EAGAIN') throw e;
      pause(); // a non-blocking pipe that is full
    }
  }
}

function pause(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
}
