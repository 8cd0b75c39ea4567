// Reading the input's bytes: UTF-8 decoded once, and checked byte by byte only when the text
// could hide an invalid sequence (it holds U+FFFD); a pipe read into one buffer. Both must read
// exactly what the general path (check every byte, then decode) reads, and refuse what it does.

import { isUtf8 } from 'node:buffer';
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readAll, utf8 } from '../src/cli.js';
import { remove, scratch } from './tools.js';

const dir = scratch('read-input');
afterAll(() => remove(dir));

/** The general path: every byte checked, then decoded. */
const checkedThenDecoded = (bytes: Buffer) => (isUtf8(bytes) ? bytes.toString('utf8') : undefined);

describe('input bytes as UTF-8 text', () => {
  it.each([
    ['ASCII', [0x61, 0x3a, 0x20, 0x62, 0x0a], true],
    ['a byte-order mark, kept', [0xef, 0xbb, 0xbf, 0x61, 0x0a], true],
    ['U+FFFD written as such', [0x61, 0x3a, 0x20, 0xef, 0xbf, 0xbd, 0x0a], true],
    ['U+FFFD next to an invalid byte', [0xef, 0xbf, 0xbd, 0xff, 0x0a], false],
    ['a byte that is never UTF-8', [0x61, 0xff, 0x0a], false],
    ['a lone continuation byte', [0x61, 0x80], false],
    ['a sequence cut short at the end', [0x61, 0xe2, 0x82], false],
    ['a sequence cut short inside', [0xe2, 0x82, 0x61], false],
    ['an overlong encoding', [0xc0, 0xaf], false],
    ['an overlong three-byte encoding', [0xe0, 0x80, 0xaf], false],
    ['a surrogate (CESU-8)', [0xed, 0xa0, 0x80], false],
    ['past U+10FFFF', [0xf4, 0x90, 0x80, 0x80], false],
    ['a four-byte character', [0xf0, 0x9f, 0x98, 0x80], true],
  ])('%s', (_, bytes, valid) => {
    const buffer = Buffer.from(bytes);
    expect(utf8(buffer)).toBe(valid ? buffer.toString('utf8') : undefined);
    expect(utf8(buffer)).toBe(checkedThenDecoded(buffer));
  });

  it('reads and refuses what checking every byte first does (property)', () => {
    // Valid text with bytes put in, taken out or changed: every kind of invalid sequence, and
    // valid ones next to U+FFFD.
    const text = fc.string({ unit: 'binary', maxLength: 40 }).map((s) => [...Buffer.from(s)]);
    const bytes = fc
      .tuple(
        text,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 0x1ff })), { maxLength: 4 }),
      )
      .map(([b, edits]) => {
        const out = [...b];
        for (const [at, edit] of edits) {
          const i = out.length === 0 ? 0 : at % out.length;
          if (edit < 0x100) out.splice(i, 0, edit);
          else if (edit < 0x180) out.splice(i, 1);
          else out.splice(i, 0, 0xef, 0xbf, 0xbd);
        }
        return Buffer.from(out);
      });
    fc.assert(
      fc.property(fc.oneof(bytes, fc.uint8Array({ maxLength: 12 }).map(Buffer.from)), (b) => {
        expect(utf8(b)).toBe(checkedThenDecoded(b));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('reading a pipe', () => {
  it('reads more than one buffer holds, byte for byte, a character cut where one ends', () => {
    // 16 MiB fill one buffer; a two-byte character straddles its end.
    const size = (1 << 24) + 4096;
    const bytes = Buffer.alloc(size, 0x61);
    for (let at = (1 << 24) - 9; at < (1 << 24) + 9; at += 3) bytes.write('é', at);
    for (let at = 0; at < size; at += 80) bytes[at] = 0x0a;
    const file = join(dir, 'big.txt');
    writeFileSync(file, bytes);
    const fifo = join(dir, 'pipe');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const writer = spawn('sh', ['-c', 'cat "$1" > "$2"', 'sh', file, fifo], { stdio: 'ignore' });
    const fd = openSync(fifo, 'r');
    try {
      const text = readAll(fd);
      expect(text.length).toBe(bytes.toString('utf8').length);
      expect(text === bytes.toString('utf8')).toBe(true);
    } finally {
      closeSync(fd);
      writer.kill();
    }
  });

  it('refuses bytes that are not UTF-8 from a pipe', () => {
    const fifo = join(dir, 'bad');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const writer = spawn('sh', ['-c', 'printf "a: \\377\\n" > "$1"', 'sh', fifo], {
      stdio: 'ignore',
    });
    const fd = openSync(fifo, 'r');
    try {
      expect(() => readAll(fd)).toThrow(/not UTF-8/);
    } finally {
      closeSync(fd);
      writer.kill();
    }
  });
});
