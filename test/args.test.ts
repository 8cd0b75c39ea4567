// The celery command line, token by token: table tests.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { flagCount, flagValue, parseArgs, queuesOf, workerArgs } from '../src/celery/args.js';

const STOCK = [
  'celery',
  '--app=lms.celery',
  'worker',
  '--loglevel=info',
  '--hostname=edx.lms.core.default.%h',
  '--queues=edx.lms.core.default,edx.lms.core.high,edx.lms.core.high_mem',
  '--max-tasks-per-child=100',
  '--prefetch-multiplier=1',
  '--without-gossip',
  '--without-mingle',
];

describe('parseArgs', () => {
  it.each([
    [['--queues=a,b'], '--queues', 'a,b'],
    [['--queues', 'a,b'], '--queues', 'a,b'],
    [['-Q', 'a,b'], '--queues', 'a,b'],
    [['-Qa,b'], '--queues', 'a,b'],
    [['-c', '4'], '--concurrency', '4'],
    [['-c4'], '--concurrency', '4'],
    [['--without-gossip'], '--without-gossip', undefined],
  ])('%j is one group %s=%s', (args, flag, value) => {
    const groups = parseArgs(args);
    expect(groups).toHaveLength(1);
    expect(groups[0]?.flag).toBe(flag);
    expect(groups[0]?.value).toBe(value);
  });

  it('keeps the sub-command a positional, not a value', () => {
    expect(parseArgs(['celery', '--app', 'lms.celery', 'worker', '--without-mingle'])).toEqual([
      { tokens: ['celery'] },
      { flag: '--app', tokens: ['--app', 'lms.celery'], value: 'lms.celery' },
      { tokens: ['worker'] },
      { flag: '--without-mingle', tokens: ['--without-mingle'] },
    ]);
  });
});

// Tokens a command line may hold, of every kind parseArgs tells apart: long flags with `=`, with
// a value after them or none, short flags with a value glued, after them or none, the
// sub-command, positionals, a lone `-` and `--`.
const tokenArb = fc.oneof(
  fc.constantFrom(
    '--queues',
    '--queues=a,b',
    '--queues=',
    '-Q',
    '-Qb, c',
    '-Q=a',
    '--hostname=x@%h',
    '-n',
    '--pool',
    '--pool=custom',
    '-P',
    '-Pprefork',
    '--concurrency=4',
    '-c',
    '-c8',
    '-E',
    '-O',
    '--without-heartbeat',
    '-',
    '--',
    'worker',
    'celery',
    'a',
    ' a ,b',
    '-x',
  ),
  fc.string({ maxLength: 6 }),
);
const FLAGS = ['--queues', '--hostname', '--pool', '--concurrency', '--task-events', '-O', '-x'];

describe('the lookups without groups read as parseArgs', () => {
  it('flagValue, flagCount and queuesOf give what parseArgs gives', () => {
    fc.assert(
      fc.property(fc.array(tokenArb, { maxLength: 8 }), fc.constantFrom(...FLAGS), (args, flag) => {
        const groups = parseArgs(args).filter((g) => g.flag === flag);
        expect(flagValue(args, flag)).toBe(groups[0]?.value);
        expect(flagCount(args, flag)).toBe(groups.length);
        const queues = parseArgs(args)
          .filter((g) => g.flag === '--queues')
          .flatMap((g) => (g.value ?? '').split(',').map((q) => q.trim()))
          .filter((q, i, all) => q && all.indexOf(q) === i);
        expect(queuesOf(args)).toEqual(flagCount(args, '--queues') ? queues : undefined);
      }),
      { seed: 21, numRuns: 2000 },
    );
  });

  it('parseArgs gives a group a value only when it has one', () => {
    expect(parseArgs(['celery', '--pool', '-O', 'fair', '-c4', '--x='])).toStrictEqual([
      { tokens: ['celery'] },
      { flag: '--pool', tokens: ['--pool'] },
      { flag: '-O', tokens: ['-O', 'fair'], value: 'fair' },
      { flag: '--concurrency', tokens: ['-c4'], value: '4' },
      { flag: '--x', tokens: ['--x='], value: '' },
    ]);
  });
});

describe('queuesOf', () => {
  it.each([
    [STOCK, ['edx.lms.core.default', 'edx.lms.core.high', 'edx.lms.core.high_mem']],
    [
      ['celery', 'worker', '-Q', 'a', '--queues=b,a'],
      ['a', 'b'],
    ],
    [['celery', 'worker'], undefined],
  ])('%j -> %j', (args, queues) => {
    expect(queuesOf(args)).toEqual(queues);
  });
});

describe('workerArgs', () => {
  it('narrows the stock worker in place, keeping every other flag', () => {
    expect(
      workerArgs(parseArgs(STOCK), { queues: ['edx.lms.core.default', 'edx.lms.core.high_mem'] }),
    ).toEqual([
      'celery',
      '--app=lms.celery',
      'worker',
      '--loglevel=info',
      '--hostname=edx.lms.core.default.%h',
      '--queues=edx.lms.core.default,edx.lms.core.high_mem',
      '--max-tasks-per-child=100',
      '--prefetch-multiplier=1',
      '--without-gossip',
      '--without-mingle',
    ]);
  });

  it('gives a clone its node name and exactly one --queues, extra flags last', () => {
    expect(
      workerArgs(parseArgs(STOCK), {
        queues: ['edx.lms.core.high_mem'],
        hostname: 'edx.lms.core.high_mem.%h',
        extraArgs: ['--pool=gevent', '--prefetch-multiplier', '4'],
      }),
    ).toEqual([
      'celery',
      '--app=lms.celery',
      'worker',
      '--loglevel=info',
      '--hostname=edx.lms.core.high_mem.%h',
      '--queues=edx.lms.core.high_mem',
      '--max-tasks-per-child=100',
      '--without-gossip',
      '--without-mingle',
      '--pool=gevent',
      '--prefetch-multiplier',
      '4',
    ]);
  });

  it('collapses repeated and short --queues / -n into one long flag each', () => {
    expect(
      workerArgs(parseArgs(['celery', 'worker', '-n', 'x@%h', '-Qa', '--queues', 'b', '-c', '2']), {
        queues: ['q'],
        hostname: 'edx.cms.core.low.%h',
        extraArgs: ['--concurrency=8'],
      }),
    ).toEqual([
      'celery',
      'worker',
      '--hostname=edx.cms.core.low.%h',
      '--queues=q',
      '--concurrency=8',
    ]);
  });

  it('adds the node name before --queues when the stock worker has none', () => {
    expect(
      workerArgs(parseArgs(['celery', 'worker', '--queues=a']), {
        queues: ['b'],
        hostname: 'h.%h',
      }),
    ).toEqual(['celery', 'worker', '--hostname=h.%h', '--queues=b']);
  });
});
