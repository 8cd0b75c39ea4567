// The built files: one self-contained executable, and beside it V8's code cache for it, which it
// takes only when the cache was made for this build on this platform.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE, configPath, fixture, RENDERS, runStream } from './helpers.js';

const CACHE = BUNDLE.replace(/\.js$/, '.cache');

// Loaded before the bundle: says on stderr whether the bundle handed V8 a cache and V8 took it.
const REPORT_CACHE = `const vm = require('node:vm');
const Script = vm.Script;
vm.Script = function (source, options) {
  const script = new Script(source, options);
  const said = !options.cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'taken';
  process.on('exit', () => require('node:fs').writeSync(2, 'code cache: ' + said + '\\n'));
  return script;
};
`;

describe('dist/celery-queues.js and dist/celery-queues.cache', () => {
  const text = readFileSync(BUNDLE, 'utf8');
  const cache = readFileSync(CACHE);
  // The last line: `celery-queues <build> <platform> <processor> <Node version>`.
  const stamp = cache.toString('latin1', cache.lastIndexOf('celery-queues ')).trimEnd();
  const dir = mkdtempSync(join(tmpdir(), 'celery-queues-bundle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const input = fixture(RENDERS.v20);
  const expected = runStream(input, configPath('recommended')).stdout;
  /** The bundle copied to `dir/name` (with `cache` beside it, if any), run on the v20 render. */
  function runCopy(name: string, cacheBytes?: Buffer) {
    const copy = join(dir, name);
    copyFileSync(BUNDLE, copy);
    const cacheCopy = `${copy.replace(/\.js$/, '')}.cache`;
    rmSync(cacheCopy, { force: true });
    if (cacheBytes) writeFileSync(cacheCopy, cacheBytes);
    writeFileSync(join(dir, 'report-cache.cjs'), REPORT_CACHE);
    const r = spawnSync(
      process.execPath,
      ['--require', join(dir, 'report-cache.cjs'), copy, '--config', configPath('recommended')],
      { input, cwd: dir, encoding: 'utf8', maxBuffer: 1 << 28 },
    );
    expect(r.stderr).not.toMatch(/: (error|warning): /);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(expected);
    return /^code cache: (\w+)$/m.exec(r.stderr)?.[1];
  }

  it('is executable and starts with a shebang', () => {
    expect(text.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(statSync(BUNDLE).mode & 0o111).not.toBe(0);
  });

  const OPENING =
    '\nfunction programText() {/*(function (exports, require, module, __filename, __dirname) {';

  it('holds its program, ASCII, in the comment of the function it ends with, with no */ of its own', () => {
    expect(Buffer.byteLength(text)).toBe(text.length);
    expect(text.indexOf(OPENING)).toBeGreaterThan(0);
    expect(text.endsWith('\n})*/}')).toBe(true);
    // The comment ends only where the file does: the program's regular expressions that end in
    // `*` (yaml's have some) are calls of RegExp instead (scripts/comment-safe.mjs).
    expect(program()).not.toContain('*/');
    expect(program()).toContain(' RegExp("^ *","")');
  });

  /** The program, as the loader reads it back: the function's comment. */
  function program(): string {
    return text.slice(text.indexOf(OPENING) + OPENING.indexOf('/*') + 2, -3);
  }

  it('has a code cache that this Node accepts for its program, stamped with both', () => {
    expect(program().length).toBeGreaterThan(100_000);
    expect(stamp).toMatch(
      new RegExp(
        `^celery-queues [0-9a-f]{16} ${process.platform} ${process.arch} ${process.version}$`,
      ),
    );
    const script = new Script(program(), {
      filename: 'celery-queues.js',
      cachedData: cache.subarray(0, cache.length - stamp.length - 1),
    });
    expect(script.cachedDataRejected).toBe(false);
  });

  it('takes its cache beside it, under its own name (as the images install it)', () => {
    expect(runCopy('celery-queues.js', cache)).toBe('taken');
    expect(runCopy('celery-queues', cache)).toBe('taken');
  });

  it('loads neither node:tty nor node:net on a piped run (isatty is asked only of a device)', () => {
    const report = join(dir, 'report-modules.cjs');
    writeFileSync(
      report,
      `process.on('exit', () => require('node:fs').writeSync(2, 'modules: ' + process.moduleLoadList.join('|') + '\\n'));`,
    );
    const argv = ['--require', report, BUNDLE, '--config', configPath('every-family')];
    const r = spawnSync(process.execPath, argv, {
      input,
      encoding: 'utf8',
      maxBuffer: 1 << 28,
    });
    expect(r.status).toBe(0);
    const modules = /^modules: (.*)$/m.exec(r.stderr)?.[1]?.split('|') ?? [];
    expect(modules).toContain('NativeModule vm');
    for (const name of ['tty', 'net']) expect(modules).not.toContain(`NativeModule ${name}`);
  });

  it('runs alone, without node_modules or its cache next to it: slower, the same output', () => {
    expect(runCopy('celery-queues')).toBe('none');
  });

  it("leaves another build's or another platform's cache alone, and V8 a broken one", () => {
    const data = cache.subarray(0, cache.length - stamp.length - 1);
    const stamped = (line: string) => Buffer.concat([data, Buffer.from(`${line}\n`, 'latin1')]);
    const [, build, ...platform] = stamp.split(' ');
    const otherBuild = `celery-queues ${'0'.repeat(16)} ${platform.join(' ')}`;
    expect(otherBuild).not.toBe(stamp);
    expect(runCopy('celery-queues', stamped(otherBuild))).toBe('none');
    expect(runCopy('celery-queues', stamped(`celery-queues ${build} linux arm64 v20.0.0`))).toBe(
      'none',
    );
    expect(runCopy('celery-queues', Buffer.from('celery-queues\n'))).toBe('none');
    // Stamped right, but not V8's: V8 checks the data itself and compiles instead.
    const broken = Buffer.from(data);
    broken.fill(7, 0, 64);
    expect(runCopy('celery-queues', Buffer.concat([broken, Buffer.from(`${stamp}\n`)]))).toBe(
      'rejected',
    );
  });
});
