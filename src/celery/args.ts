// Reading and rewriting a celery worker's command line, token by token, so that everything the
// function does not own stays where Tutor put it.

// Celery's one-letter options, by the long name that they share with their long form.
const SHORT: Record<string, string> = {
  '-A': '--app',
  '-b': '--broker',
  '-Q': '--queues',
  '-X': '--exclude-queues',
  '-n': '--hostname',
  '-c': '--concurrency',
  '-P': '--pool',
  '-l': '--loglevel',
  '-E': '--task-events',
  '-B': '--beat',
  '-f': '--logfile',
  '-s': '--schedule',
  '-S': '--statedb',
  '-D': '--detach',
  '-O': '-O',
};
const SHORT_WITH_VALUE = new Set([
  '-A',
  '-b',
  '-Q',
  '-X',
  '-n',
  '-c',
  '-P',
  '-l',
  '-f',
  '-s',
  '-S',
  '-O',
]);

/** A flag with its value tokens, or a positional token (`celery`, `worker`). */
export interface ArgGroup {
  flag?: string;
  tokens: string[];
  value?: string;
}

/**
 * Walks `args` group by group, as parseArgs reads them, without building them: `visit` gets each
 * group's flag (undefined for a positional token), its tokens' range and its value, and stops
 * the walk by returning true. The function's own lookups (a worker's --hostname, --pool, ...)
 * ask for one flag of every worker of every instance; they need no groups.
 */
function eachGroup(
  args: readonly string[],
  visit: (flag: string | undefined, start: number, end: number, value?: string) => boolean,
): void {
  for (let i = 0; i < args.length; i++) {
    const token = args[i] as string;
    if (token.startsWith('--') && token.length > 2) {
      const eq = token.indexOf('=');
      if (eq >= 0) {
        if (visit(token.slice(0, eq), i, i + 1, token.slice(eq + 1))) return;
        continue;
      }
      const next = args[i + 1];
      // `--loglevel info`: the next token is the value, unless it is the sub-command.
      if (next !== undefined && !next.startsWith('-') && next !== 'worker') {
        if (visit(token, i, i + 2, next)) return;
        i++;
      } else if (visit(token, i, i + 1)) return;
      continue;
    }
    if (token.startsWith('-') && token.length >= 2 && token[1] !== '-') {
      const short = token.slice(0, 2);
      const flag = SHORT[short] ?? short;
      if (token.length > 2) {
        if (visit(flag, i, i + 1, token.slice(2).replace(/^=/, ''))) return;
        continue;
      }
      const next = args[i + 1];
      if (SHORT_WITH_VALUE.has(short) && next !== undefined) {
        if (visit(flag, i, i + 2, next)) return;
        i++;
      } else if (visit(flag, i, i + 1)) return;
      continue;
    }
    if (visit(undefined, i, i + 1)) return;
  }
}

/** `['--queues', 'a,b']`, `['-Qa,b']`, `['--queues=a,b']`: each one group with flag `--queues`. */
export function parseArgs(args: readonly string[]): ArgGroup[] {
  const groups: ArgGroup[] = [];
  eachGroup(args, (flag, start, end, value) => {
    const tokens = args.slice(start, end);
    if (flag === undefined) groups.push({ tokens });
    else if (value === undefined) groups.push({ flag, tokens });
    else groups.push({ flag, tokens, value });
    return false;
  });
  return groups;
}

/**
 * The value of the first `flag` in `args` (undefined when it has none, or has it without a
 * value): `parseArgs(args).find((g) => g.flag === flag)?.value`.
 */
export function flagValue(args: readonly string[], flag: string): string | undefined {
  let found: string | undefined;
  eachGroup(args, (f, _start, _end, value) => {
    if (f !== flag) return false;
    found = value;
    return true;
  });
  return found;
}

/** How many times `args` give `flag`: `parseArgs(args).filter((g) => g.flag === flag).length`. */
export function flagCount(args: readonly string[], flag: string): number {
  let count = 0;
  eachGroup(args, (f) => {
    if (f === flag) count++;
    return false;
  });
  return count;
}

export function flatten(groups: readonly ArgGroup[]): string[] {
  return groups.flatMap((g) => g.tokens);
}

/** The queues a worker consumes (`--queues`/`-Q`), in order; undefined when it sets none. */
export function queuesOf(args: readonly string[]): string[] | undefined {
  let queues: string[] | undefined;
  eachGroup(args, (flag, _start, _end, value) => {
    if (flag !== '--queues') return false;
    queues ??= [];
    for (const q of (value ?? '').split(',')) {
      const name = q.trim();
      if (name && !queues.includes(name)) queues.push(name);
    }
    return false;
  });
  return queues;
}

/** The concurrency a worker's command line sets (`--concurrency`, `-c`), if any. */
export function concurrencyOf(args: readonly string[]): number | undefined {
  const value = flagValue(args, '--concurrency');
  const n = value === undefined ? Number.NaN : Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export interface WorkerArgs {
  /** The queues it consumes: written as exactly one `--queues=`. */
  queues: readonly string[];
  /** Its node name pattern (`--hostname=`); the stock one is kept when absent. */
  hostname?: string;
  /** Flags appended after the stock ones; each removes a stock flag of the same name. */
  extraArgs?: readonly string[];
}

/**
 * A worker's args: the stock args (`parseArgs` of them, read once for all the workers made from
 * them) with the queues, node name and extra flags applied.
 */
export function workerArgs(stock: readonly ArgGroup[], want: WorkerArgs): string[] {
  let groups = setSingle(stock, '--queues', `--queues=${want.queues.join(',')}`);
  if (want.hostname !== undefined) {
    groups = setSingle(groups, '--hostname', `--hostname=${want.hostname}`, '--queues');
  }
  const extra = parseArgs(want.extraArgs ?? []);
  const replaced = new Set(extra.map((g) => g.flag).filter((f): f is string => f !== undefined));
  groups = groups.filter((g) => g.flag === undefined || !replaced.has(g.flag));
  return flatten([...groups, ...extra]);
}

// Exactly one `flag`: the first occurrence rewritten in place, the others dropped. With no
// occurrence, it goes before `before` (or at the end).
function setSingle(
  groups: readonly ArgGroup[],
  flag: string,
  token: string,
  before?: string,
): ArgGroup[] {
  const out: ArgGroup[] = [];
  let done = false;
  for (const g of groups) {
    if (g.flag === flag) {
      if (!done) out.push({ flag, tokens: [token] });
      done = true;
    } else {
      if (!done && before !== undefined && g.flag === before) {
        out.push({ flag, tokens: [token] });
        done = true;
      }
      out.push(g);
    }
  }
  if (!done) out.push({ flag, tokens: [token] });
  return out;
}
