// Kustomize's ConfigMap name hash: it must give the names the real Kustomize gives, or a renamed
// settings ConfigMap would not be the one Kustomize would have made (and kpt/Kustomize users
// would see two names for one content).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configMapHash, goJson, HASH_SUFFIX, hashedName } from '../src/krm/hash.js';
import { fixture, KUSTOMIZE, RENDERS, resources } from './helpers.js';

describe('configMapHash', () => {
  it.each(Object.entries(RENDERS))(
    'gives every generated ConfigMap name of the %s render',
    (_, render) => {
      const configMaps = resources(fixture(render)).filter((r) => r.kind === 'ConfigMap');
      expect(configMaps.length).toBeGreaterThanOrEqual(6);
      for (const cm of configMaps) {
        const m = HASH_SUFFIX.exec(cm.metadata.name);
        expect(m?.[1]).toBe(configMapHash(cm));
        expect(hashedName(cm.metadata.name, cm)).toEqual({
          base: cm.metadata.name.slice(0, -11),
          go: 'short',
        });
      }
    },
  );

  // Names printed by kustomize 4.5.4 and kubectl kustomize (v5.5.0) for these generators.
  it.each([
    ['literal a=b', { data: { a: 'b' } }, '4h2mbtbbt6'],
    ['no data at all', {}, '6ct58987ht'],
  ])('%s', (_, content, hash) => {
    expect(configMapHash(content)).toBe(hash);
    expect(configMapHash(content, 'unicode')).toBe(hash);
  });

  it('writes \\b and \\f as Go does: short since Go 1.22 (kustomize 5.5), \\u00XX before (4.5.4)', () => {
    const content = { data: { 'f.txt': 'a<b>&c\bd\fe\u0001\u2028z\t"\\\n' } };
    expect(configMapHash(content, 'short')).toBe('84424b82mb');
    expect(configMapHash(content, 'unicode')).toBe('h64b78d4gk');
    expect(hashedName('x-h64b78d4gk', content)).toEqual({ base: 'x', go: 'unicode' });
    expect(hashedName('x-84424b82mb', content)).toEqual({ base: 'x', go: 'short' });
  });

  it('does not take a name whose suffix is not the hash of the content', () => {
    expect(hashedName('openedx-settings-lms', { data: {} })).toBeUndefined();
    expect(hashedName('openedx-settings-lms-5b87f2c2k4', { data: { 'production.py': 'x' } })).toBe(
      undefined,
    );
  });

  it('encodes JSON as Go does: sorted keys by code point, HTML characters escaped', () => {
    expect(goJson({ b: 1, a: [true, null], '\u{1f600}': 'x', '\uffff': 'y' })).toBe(
      '{"a":[true,null],"b":1,"\uffff":"y","\u{1f600}":"x"}',
    );
    expect(goJson('<&>\u2028\u0000\ud800')).toBe('"\\u003c\\u0026\\u003e\\u2028\\u0000\\ufffd"');
  });

  // goString fixes up JSON.stringify's output: text that looks like what it fixes (a literal
  // backslash before `ud800`, `b`, `f`; lone surrogates next to pairs) must come out as Go has it.
  it('escapes strings as Go does, character by character', () => {
    const go = (s: string, flavour: 'short' | 'unicode'): string => {
      let out = '"';
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        const ch = s[i] as string;
        const pair =
          (c >= 0xd800 && c <= 0xdbff && /[\udc00-\udfff]/.test(s[i + 1] ?? '')) ||
          (c >= 0xdc00 && c <= 0xdfff && /[\ud800-\udbff]/.test(s[i - 1] ?? ''));
        const short: Record<string, string> = {
          '"': '\\"',
          '\\': '\\\\',
          '\n': '\\n',
          '\r': '\\r',
          '\t': '\\t',
        };
        if (flavour === 'short') Object.assign(short, { '\b': '\\b', '\f': '\\f' });
        if (short[ch] !== undefined) out += short[ch];
        else if (c >= 0xd800 && c <= 0xdfff && !pair) out += '\\ufffd';
        else if (c < 0x20 || '<>&\u2028\u2029'.includes(ch))
          out += `\\u${c.toString(16).padStart(4, '0')}`;
        else out += ch;
      }
      return `${out}"`;
    };
    expect(goJson('\\ud800 \\\\b \\f \\u003c')).toBe('"\\\\ud800 \\\\\\\\b \\\\f \\\\u003c"');
    const unit = fc.oneof(
      fc.constantFrom(
        '\\',
        'u',
        'd',
        '8',
        'f',
        'b',
        '0',
        '\b',
        '\f',
        '<',
        '\u2029',
        '\ud83d',
        '\ude00',
      ),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    );
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 30 }), (s) => {
        expect(goJson(s)).toBe(go(s, 'short'));
        expect(goJson(s, 'unicode')).toBe(go(s, 'unicode'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('configMapHash of one ConfigMap after another (long strings escaped once for both)', () => {
  // Long strings that differ in the escapes Go's flavours write differently, reused between calls.
  const long = (tail: string) => `${'x'.repeat(2000)}${tail}`;
  const strings = ['a', '\b<', '\f&'].flatMap((t) => [long(t), t]);
  const content = fc.record({
    data: fc.dictionary(fc.constantFrom('a.py', 'b.py', 'c.py'), fc.constantFrom(...strings)),
  });
  const flavour = fc.constantFrom<'short' | 'unicode'>('short', 'unicode');

  it('gives each the hash it gives alone, whatever came before', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(content, flavour), { maxLength: 6 }), (calls) => {
        const hashes = calls.map(([c, go]) => configMapHash(c, go));
        // Alone: each content built anew (other string objects), after an unrelated call.
        const alone = calls.map(([c, go]) => {
          configMapHash({ data: { z: long('z') } }, go);
          const copy = Object.fromEntries(
            Object.entries(c.data).map(([k, v]) => [k, [...v].join('')]),
          );
          return configMapHash({ data: copy }, go);
        });
        expect(hashes).toEqual(alone);
      }),
      { numRuns: 300 },
    );
  });
});

describe('against the real Kustomize', () => {
  // What Go's JSON escapes, and anything else.
  const unit = fc.oneof(
    fc.constantFrom(
      '<',
      '>',
      '&',
      '"',
      '\\',
      '\b',
      '\f',
      '\n',
      '\r',
      '\t',
      '\0',
      '\u2028',
      '\u2029',
      '\x85',
    ),
    fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 }),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  );
  const text = fc.string({ unit, maxLength: 40 });
  const dataArb = fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9._-]{0,10}$/), text, {
    minKeys: 1,
    maxKeys: 3,
  });

  // One kustomization with a generator per sample; each sample's files hold its data exactly.
  function build(samples: Record<string, string>[], run: (dir: string) => string): string[] {
    const dir = mkdtempSync(join(tmpdir(), 'celery-queues-hash-'));
    try {
      const generators = samples.map((data, i) => {
        const files = Object.entries(data).map(([key, value]) => {
          writeFileSync(join(dir, `${i}-${key}`), value);
          return `${key}=${i}-${key}`;
        });
        return `- name: s${i}\n  files:\n${files.map((f) => `  - ${f}`).join('\n')}`;
      });
      writeFileSync(
        join(dir, 'kustomization.yaml'),
        `configMapGenerator:\n${generators.join('\n')}\n`,
      );
      const out = resources(run(dir));
      return samples.map(
        (_, i) => out.find((r) => r.metadata.name.startsWith(`s${i}-`))?.metadata.name,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  // What Kustomize cannot carry at all: text that is not UTF-8 (lone surrogates), and what YAML
  // cannot print (DEL, C1 controls but NEL, U+FFFE/U+FFFF): Kustomize fails on those itself.
  const printable = (v: string) =>
    v
      .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '?')
      .replace(/[\x7f-\x84\x86-\x9f\ufffe\uffff]/g, '?');
  const samples = fc
    .sample(dataArb, { seed: 20261128, numRuns: 40 })
    .map((data) => Object.fromEntries(Object.entries(data).map(([k, v]) => [k, printable(v)])));

  it('kustomize 4.5.4 (standalone, Go before 1.22) names them as the hasher does', () => {
    const names = build(samples, (dir) =>
      execFileSync(KUSTOMIZE, ['build', dir], { encoding: 'utf8' }),
    );
    samples.forEach((data, i) => {
      expect(names[i]).toBe(`s${i}-${configMapHash({ data }, 'unicode')}`);
    });
  });

  it('kubectl kustomize (v5.5, Go 1.22 or later) names them as the hasher does', () => {
    const names = build(samples, (dir) =>
      execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' }),
    );
    samples.forEach((data, i) => {
      expect(names[i]).toBe(`s${i}-${configMapHash({ data }, 'short')}`);
    });
  });
});
