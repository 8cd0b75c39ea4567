// The build keeps the program in a block comment; withoutCommentEnds writes the program's own
// `*/` otherwise, and must leave what each literal means as it was.
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { withoutCommentEnds } from '../scripts/comment-safe.mjs';

describe('withoutCommentEnds', () => {
  // [code, as written]
  const rewrites: [string, string][] = [
    ['/^ */.exec(s)', ' RegExp("^ *","").exec(s)'],
    ['/^ *(?:- +)*/.exec(s)', ' RegExp("^ *(?:- +)*","").exec(s)'],
    ['/\\s*\\n\\s*/g', ' RegExp("\\\\s*\\\\n\\\\s*","g")'],
    ['/ */u', ' RegExp(" *","u")'],
    ['/\\*/', ' RegExp("\\\\*","")'],
    ['/[*/]+/g', ' RegExp("[*\\/]+","g")'],
    ['"a*/b"', '"a*\\/b"'],
    ["'*/'", "'*\\/'"],
    ['`a*/b`', '`a*\\/b`'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the code under test holds a template
    ['`a*/${x}b*/${y}c*/`', '`a*\\/${x}b*\\/${y}c*\\/`'],
    ['"*/" + /x*/.source', '"*\\/" +  RegExp("x*","").source'],
    ['a * b / c', 'a * b / c'],
  ];

  it.each(rewrites)('writes %s as %s', (code, expected) => {
    expect(withoutCommentEnds(code)).toBe(expected);
    expect(withoutCommentEnds(code)).not.toContain('*/');
  });

  it.each(rewrites)('leaves what %s means as it was', (code) => {
    const scope = () => ({ s: ' - - x *//', x: 'X', y: 'Y', a: 6, b: 4, c: 2 });
    const value = (text: string) => runInNewContext(`(${text})`, scope());
    const before = value(code);
    const after = value(withoutCommentEnds(code));
    if (before instanceof RegExp || after instanceof RegExp) {
      expect(after.source).toBe(before.source);
      expect(after.flags).toBe(before.flags);
      for (const sample of ['', ' ', '   x', '*', '**/', ' / *', 'a\n  b', ' - - x', '*/*/']) {
        expect(after.exec(sample)?.slice()).toEqual(before.exec(sample)?.slice());
      }
    } else {
      expect(JSON.stringify(after)).toBe(JSON.stringify(before));
    }
  });

  it('leaves a program without */ as it is (the same string)', () => {
    const code = 'var a=/x+/g,b="*",c=`/`;';
    expect(withoutCommentEnds(code)).toBe(code);
  });

  it('fails the build where the same meaning cannot be kept', () => {
    // A tag reads the template's raw text, where \/ is not /.
    expect(() => withoutCommentEnds('String.raw`a*/b`')).toThrow(/tagged template/);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the code under test holds a template
    expect(() => withoutCommentEnds('tag`a${x}b*/`')).toThrow(/tagged template/);
    // Between tokens: nothing esbuild writes today; the build says so instead of guessing.
    expect(() => withoutCommentEnds('2*/x/.source.length')).toThrow(/outside a literal/);
    // The calls written for regular expressions must reach the global RegExp.
    expect(() => withoutCommentEnds('function f(RegExp){return /x*/}')).toThrow(
      /RegExp of its own/,
    );
  });
});
