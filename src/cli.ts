// The shell around the pure core: standard input and output, the two containers, exit codes.
// Every failure is one line on stderr, never a stack trace; a ResourceList goes back with its
// items unchanged and the error in its results, a stream not at all.
import { isUtf8 } from 'node:buffer';
import { readFileSync, readSync, writeSync } from 'node:fs';
import { loadConfigNode } from './config/load.js';
import {
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
import { printableLine } from './krm/strings.js';
import { parseYaml } from './krm/yaml.js';
import { transform } from './transform.js';
import { FUNCTION_VERSION } from './version.js';

export const HELP = `celery-queues: per-queue Celery workers, KEDA autoscaling, Flower and task routing
for Open edX rendered by Tutor, as a KRM function.

Usage:
  celery-queues < resource-list.yaml
      KRM function: a ResourceList on stdin, the transformed ResourceList on stdout.
  celery-queues --config celery-queues.yaml [MANIFEST...]
      Filter over a plain manifest stream (stdin when no file is named).

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
  --help          this text
  --version       the version

Exit status: 0 on success (warnings allowed), 1 on any error; every error is one line on
stderr. On error a ResourceList goes back with its items unchanged and the error in its
results; a stream is not written at all, so a pipe into kubectl apply applies nothing.
`;

export interface Io {
  stdin: () => string;
  readFile: (path: string) => string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Writes out what `stdout` holds back, if it holds anything back. */
  flush?: () => void;
}

interface Args {
  config?: string;
  files: string[];
  help: boolean;
  version: boolean;
}

function parseCommandLine(argv: readonly string[]): Args | string {
  const args: Args = { files: [], help: false, version: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--version') args.version = true;
    else if (a === '--config') {
      const file = argv[++i];
      if (file === undefined) return '--config needs a file';
      args.config = file;
    } else if (a.startsWith('--config=')) args.config = a.slice('--config='.length);
    else if (a.startsWith('-') && a !== '-') return `unknown option ${a} (see --help)`;
    else args.files.push(a);
  }
  if (args.files.length > 0 && args.config === undefined) {
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
  // Stream mode writes nothing at all on error, so that a pipe into `kubectl apply` applies
  // nothing; ResourceList mode always writes a ResourceList, the error in its results.
  const stream = args.config !== undefined;
  let text: string;
  try {
    text =
      args.files.length > 0
        ? args.files
            .map((f) => ensureNewline(io.readFile(f === '-' ? '/dev/stdin' : f)))
            .join('---\n')
        : io.stdin();
  } catch (e) {
    const error = `cannot read the input: ${message(e)}`;
    return fail(error, io, stream ? undefined : anotherList({ items: [], itemIndent: 0 }));
  }
  let input: ResourceListInput | undefined;
  try {
    if (args.config !== undefined) return runStream(text, args.config, io);
    try {
      input = readResourceList(text);
      return runResourceList(input, io);
    } catch (e) {
      if (!(e instanceof NeedsFullParse)) throw e;
      input = parseResourceList(text);
      return runResourceList(input, io);
    }
  } catch (e) {
    if (!(e instanceof InputError) && process.env.CELERY_QUEUES_DEBUG)
      io.stderr(`${(e as Error).stack}\n`);
    if (stream) return fail(describeFailure(e), io);
    return fail(describeFailure(e), io, input ?? anotherList(readableItems(text)));
  }
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

function runResourceList(input: ResourceListInput, io: Io): number {
  const out = configuredTransform(input.items, input.functionConfig);
  for (const chunk of resourceListChunks(input, out.items, out.results)) io.stdout(chunk);
  return report(out.results, io, false);
}

function runStream(text: string, configFile: string, io: Io): number {
  const input: Input = readStream(text);
  let configText: string;
  try {
    configText = io.readFile(configFile);
  } catch (e) {
    throw new InputError(`cannot read --config ${configFile}: ${message(e)}`);
  }
  const configDoc = parseYaml(configText);
  const error = configDoc.errors[0];
  if (error)
    throw new InputError(`--config ${configFile}: not valid YAML: ${error.message.split('\n')[0]}`);
  const out = configuredTransform(input.items, configDoc.contents);
  // On error, nothing: the unchanged render must not reach `kubectl apply` either.
  if (!out.results.some((r) => r.severity === 'error')) {
    for (const chunk of streamChunks(out.items)) io.stdout(chunk);
  }
  return report(out.results, io, true);
}

/** The functionConfig read, then the transform: the items as they came when either fails. */
function configuredTransform(
  items: readonly Item[],
  functionConfig: unknown,
): { items: readonly Item[]; results: Result[] } {
  const results = new Results();
  const config = loadConfigNode(functionConfig, results);
  const out = config ? transform(items, config) : { items, results: [] };
  const all = [...results.list, ...out.results];
  return { items: all.some((r) => r.severity === 'error') ? items : out.items, results: all };
}

function report(results: readonly Result[], io: Io, includeInfo: boolean): number {
  for (const r of results) {
    if (r.severity !== 'info' || includeInfo) io.stderr(`${formatResult(r)}\n`);
  }
  return results.some((r) => r.severity === 'error') ? 1 : 0;
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
    // Many small pieces (a resource each) go out in few writes.
    stdout: (text) => {
      held.push(text);
      heldLength += text.length;
      if (heldLength > 1 << 20) flush();
    },
    stderr: (text) => writeAll(2, text),
    flush,
  };
}

let held: string[] = [];
let heldLength = 0;

function flush(): void {
  if (held.length === 0) return;
  const text = held.join('');
  held = [];
  heldLength = 0;
  writeAll(1, text);
}

function readAll(fd: number): string {
  let buffer = Buffer.allocUnsafe(1 << 16);
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, length);
      buffer = bigger;
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
  const text = utf8(buffer.subarray(0, length));
  if (text === undefined) throw new InputError('the input is not UTF-8 text, as YAML is');
  return text;
}

/**
 * Bytes as UTF-8 text, a byte-order mark kept (an unchanged input goes back byte for byte);
 * undefined when they are not UTF-8. (Checked, then decoded, natively: TextDecoder costs a run
 * more to set up than the check and the decoding together.)
 */
function utf8(bytes: Buffer): string | undefined {
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined;
}

function writeAll(fd: number, text: string): void {
  const buffer = Buffer.from(text, 'utf8');
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
