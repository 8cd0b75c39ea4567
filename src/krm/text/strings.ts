// How a string is written so that every reader of the output reads it back as the same string:
// YAML 1.2 readers (yaml, go-yaml v3 in kpt and Kustomize) and YAML 1.1 readers (go-yaml v2 in
// kubectl and the API server, through sigs.k8s.io/yaml; libyaml and PyYAML). A plain scalar that
// any of them takes for a boolean, a number, a null, a timestamp or a merge key is quoted; a
// character that any of them takes for a line break, or refuses, is escaped.
// What yaml's core schema (and YAML 1.1's 0644) reads as other than a string: plain-scalars.ts.
import { isNotAString } from './plain-scalars.js';

// YAML 1.1 as PyYAML 6.0 resolves it (yaml/resolver.py; libyaml's loader uses the same
// resolver), and the booleans go-yaml v2.4.0 adds (resolve.go: y, Y, n, N): booleans, nulls
// (the empty string too), ints and floats with `_`, base 2, 8 and 16 and base 60, timestamps,
// the merge key and the value key (`=`, which PyYAML's safe loader refuses to load).
const YAML_11 = new RegExp(
  `^(?:${[
    '[yYnN]|yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF',
    '~|null|Null|NULL|',
    '[-+]?(?:[0-9][0-9_]*)\\.[0-9_]*(?:[eE][-+][0-9]+)?|\\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?',
    '[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\\.[0-9_]*|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN)',
    '[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+',
    '[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+',
    '[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \\t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(?:\\.[0-9]*)?(?:[ \\t]*(?:Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?',
    '<<|=',
  ].join('|')})$`,
);

// The words the rules above resolve, all that start with a letter: booleans and nulls.
const WORDS = new Set(
  'y Y yes Yes YES n N no No NO true True TRUE false False FALSE on On ON off Off OFF null Null NULL'.split(
    ' ',
  ),
);
// A longer text is none of them, and is not hashed to look it up (a value may be a long line).
const LONGEST_WORD = Math.max(...[...WORDS].map((w) => w.length));

// go-yaml v2.4.0 and v3 (resolve.go) read a plain scalar that starts with a digit or a sign with
// its `_` dropped, through Go's strconv.ParseInt(s, 0, 64) (0x, 0o, 0b and 0 prefixes) and then
// as a float; one that starts with `.` through strconv.ParseFloat.
const GO_NUMBER =
  /^[-+]?(?:0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)$/;
const GO_DOT_FLOAT = /^\.[0-9]+(?:[eE][-+]?[0-9]+)?$/;

/**
 * Can a text that starts with this character (not a letter) resolve to anything but a string?
 * Only a digit, a sign or a dot (numbers, `.inf`, timestamps), `~`, `<<` and `=`, or nothing
 * (NaN: the empty text, a null in YAML 1.1), start what the rules above match.
 */
function mayResolve(first: number): boolean {
  return (
    (first >= 43 && first <= 57 && first !== 44 && first !== 47) || // not `,` or `/` (paths)
    first === 126 ||
    first === 60 ||
    first === 61 ||
    Number.isNaN(first)
  );
}

/**
 * Does a plain scalar of this text read back as this string in every reader? (Whether the text
 * can be plain at all, with its indicators and spaces, is the printer's business.)
 */
export function readsAsStringEverywhere(text: string): boolean {
  const first = text.charCodeAt(0);
  // A text that starts with a letter resolves to something else only if it is one of the words
  // (most keys and values: no regular expression).
  if (((first | 32) >= 97 && (first | 32) <= 122) || first === 95) {
    return text.length > LONGEST_WORD || !WORDS.has(text);
  }
  if (!mayResolve(first)) return true;
  if (isNotAString(text) || YAML_11.test(text)) return false;
  if (first === 43 || first === 45 || (first >= 48 && first <= 57)) {
    return !GO_NUMBER.test(text.replaceAll('_', ''));
  }
  return !(first === 46 && GO_DOT_FLOAT.test(text));
}

// What yaml never writes plain (an indicator first, `: ` or ` #` inside, a space or `:` last, a
// document marker), so neither does anything that writes as yaml does.
const NOT_PLAIN = /^[\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|:[ \t]|[\t ]#|[\t :]$|^(?:---|\.\.\.)/;

/**
 * Can this string be written as a plain scalar in block style, as yaml writes it, and read back
 * as itself everywhere? Printable ASCII on one line only (keys of 1024 characters and more yaml
 * writes as explicit `? ` keys).
 */
export function canBePlain(value: string): boolean {
  return (
    value.length > 0 &&
    value.length <= 1000 &&
    /^[\x20-\x7e]+$/.test(value) &&
    !NOT_PLAIN.test(value) &&
    readsAsStringEverywhere(value)
  );
}

// The words YAML 1.1 reads as booleans that YAML 1.2 reads as strings.
const WORDS_OF_11 = new Set('y Y yes Yes YES n N no No NO on On ON off Off OFF'.split(' '));
const LONGEST_WORD_OF_11 = Math.max(...[...WORDS_OF_11].map((w) => w.length));

/**
 * Is this plain text a string in YAML 1.2 (yaml's core schema, as the function reads it) that a
 * YAML 1.1 reader (Kubernetes) reads as something else? A text that starts with a letter is
 * one of a few words, or not: no regular expression for most keys and values.
 */
export function onlyAStringIn12(text: string): boolean {
  const c = text.charCodeAt(0) | 32;
  if (c >= 97 && c <= 122) return text.length <= LONGEST_WORD_OF_11 && WORDS_OF_11.has(text);
  if (!mayResolve(text.charCodeAt(0))) return false;
  return !isNotAString(text) && !readsAsStringEverywhere(text);
}

// Characters that no scalar style but an escaped double-quoted one holds safely: controls (tab
// and line feed aside; a raw CR is read as a line break), DEL and the C1 controls, NEL, LS and
// PS (line breaks in YAML 1.1), the byte-order mark, non-characters and lone surrogates.
const NEEDS_ESCAPE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

// Every character NEEDS_ESCAPE finds, and a few more: one class, which a long text (a dashboard's
// JSON) is scanned for several times faster than for NEEDS_ESCAPE's alternatives.
const MAY_NEED_ESCAPE = /[^\t\n\x20-\x7e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]/;

/** A string that only an escaped double-quoted scalar writes safely. */
export function needsEscapes(value: string): boolean {
  return MAY_NEED_ESCAPE.test(value) && NEEDS_ESCAPE.test(value);
}

// As go-yaml writes double-quoted scalars (Kustomize and kpt print with it): printable
// characters as they are, everything else escaped.
const ESCAPED =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it escapes
  /["\\\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** The body of a double-quoted scalar (without its quotes), on one line. */
export function escapeDouble(value: string): string {
  return value.replace(ESCAPED, (ch) => {
    switch (ch) {
      case '"':
        return '\\"';
      case '\\':
        return '\\\\';
      case '\0':
        return '\\0';
      case '\x07':
        return '\\a';
      case '\b':
        return '\\b';
      case '\t':
        return '\\t';
      case '\n':
        return '\\n';
      case '\v':
        return '\\v';
      case '\f':
        return '\\f';
      case '\r':
        return '\\r';
      case '\x1b':
        return '\\e';
      case '\u0085':
        return '\\N';
      case '\u2028':
        return '\\L';
      case '\u2029':
        return '\\P';
      default: {
        const code = ch.charCodeAt(0);
        return code <= 0xff
          ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
          : `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
      }
    }
  });
}

/** A string as a double-quoted scalar on one line. */
export function doubleQuoted(value: string): string {
  return `"${escapeDouble(value)}"`;
}

// What may appear on a line of text meant for people (stderr, a message): printable characters,
// tabs and spaces. Everything else goes escaped, so a line stays one line for every reader.
const NOT_FOR_A_LINE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it finds
  /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A text with its line breaks and other non-printable characters escaped as in JSON. */
export function printableLine(text: string): string {
  return text.replace(
    NOT_FOR_A_LINE,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`,
  );
}

/** Is the character at `at` escaped: an odd number of backslashes right before it? */
export function oddBackslashesBefore(source: string, at: number): boolean {
  let n = 0;
  for (let i = at - 1; i >= 0 && source.charCodeAt(i) === 92; i--) n++;
  return n % 2 === 1;
}
