// Kustomize's name hash for the ConfigMaps its generators make: the `5b87f2c2k4` of
// `openedx-settings-lms-5b87f2c2k4`. A changed ConfigMap in a rendered stream gets the hash of its
// new content, so the name changes the way Kustomize would have changed it, and the pods that
// mount it roll.
//
// The facts, read in kubernetes-sigs/kustomize api/hasher/hasher.go and checked against every
// generated name in the Tutor renders (kustomize 5.5) and against kustomize 4.5.4:
// - The hashed text is the JSON of {"binaryData": ..., "data": ..., "kind": "ConfigMap",
//   "name": ""}, keys sorted. `binaryData` is there only when it is a mapping; a missing `data`
//   is the empty string. The name is always empty: the hasher looks it up under a path that
//   never matches, so the name never enters the hash.
// - The JSON is Go's encoding/json: `<`, `>`, `&`, U+2028 and U+2029 escaped as \u00XX/\u20XX;
//   control characters as \u00XX except \n, \r and \t. Go 1.22 also writes \b and \f short;
//   Kustomize builds before it (4.5.4) write \u0008 and \u000c (see GoJson).
// - The suffix is the first 10 hex digits of the SHA-256, with 0, 1, 3, a, e written as
//   g, h, k, m, t (no vowels, no look-alikes).
import type * as Crypto from 'node:crypto';
import { isObject } from './json.js';

// node:crypto is loaded when a hash is first needed: loading it (and the stream modules it
// pulls in) costs a run that hashes nothing (Kustomize's exec input, say) several milliseconds.
let crypto: typeof Crypto | undefined;

function sha256Hex(text: string): string {
  crypto ??= require('node:crypto') as typeof Crypto;
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

/** How Go's JSON encoder writes \b and \f: Go 1.22 and later (`short`), or before (`unicode`). */
export type GoJson = 'short' | 'unicode';

/** The characters a Kustomize hash suffix is made of. */
export const HASH_SUFFIX = /-([2456789bcdfghkmt]{10})$/;

export interface ConfigMapContent {
  data?: unknown;
  binaryData?: unknown;
}

/** Kustomize's hash of a ConfigMap's content (its `data` and `binaryData`). */
export function configMapHash(content: ConfigMapContent, go: GoJson = 'short'): string {
  const hashed: Record<string, unknown> = {
    data: content.data ?? '',
    kind: 'ConfigMap',
    name: '',
  };
  if (isObject(content.binaryData)) hashed.binaryData = content.binaryData;
  const previous = escaped.go === go ? escaped.strings : undefined;
  const strings = new Map<string, string>();
  escaped = { go, strings };
  const quote = (value: string): string => {
    if (value.length < MEMO_MIN) return goString(value, go);
    const text = previous?.get(value) ?? strings.get(value) ?? goString(value, go);
    strings.set(value, text);
    return text;
  };
  const hex = sha256Hex(goJson(hashed, go, quote));
  return hex.slice(0, 10).replace(/[013ae]/g, (c) => ENCODE[c] as string);
}

const ENCODE: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };

// A changed ConfigMap is hashed twice, as it came and as it stands, and both share most of their
// strings (every file but the edited one): each long string is escaped once for both. Only the
// strings of the last call are kept, so nothing outlives the ConfigMap.
const MEMO_MIN = 1024;
let escaped: { go: GoJson; strings: Map<string, string> } = { go: 'short', strings: new Map() };

/**
 * When `name` is `<base>-<hash of this content>`, its base and the JSON flavour that made the
 * hash; undefined when the name does not end in the hash of this content.
 */
export function hashedName(
  name: string,
  content: ConfigMapContent,
): { base: string; go: GoJson } | undefined {
  const m = HASH_SUFFIX.exec(name);
  if (!m) return undefined;
  const base = name.slice(0, m.index);
  for (const go of ['short', 'unicode'] as const) {
    if (configMapHash(content, go) === m[1]) return { base, go };
  }
  return undefined;
}

/**
 * Plain data as Go's json.Marshal writes it (after a round trip through interface{}); `quote`
 * writes each string (configMapHash reuses what it wrote for the last ConfigMap).
 */
export function goJson(
  value: unknown,
  go: GoJson = 'short',
  quote: (s: string) => string = (s) => goString(s, go),
): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((v) => goJson(v, go, quote)).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      byCodePoint(a, b),
    );
    return `{${entries.map(([k, v]) => `${quote(k)}:${goJson(v, go, quote)}`).join(',')}}`;
  }
  return quote(String(value));
}

// Go sorts map keys by their UTF-8 bytes, which is code point order (not UTF-16 unit order).
function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    const d = (x[i]?.codePointAt(0) ?? 0) - (y[i]?.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

// JSON.stringify (native, and much faster over the tens of kilobytes of a settings file) escapes
// as Go does but for these: Go also escapes `<`, `>`, `&`, U+2028 and U+2029, writes a lone
// surrogate (invalid UTF-8 to Go) as U+FFFD, and before 1.22 writes \b and \f as \u00XX. An
// escaped backslash is matched whole, so the `\\ud800` of a literal backslash is left alone.
const GO_DIFFERS = /\\(?:\\|[bf]|ud[89a-f][0-9a-f]{2})|[<>&\u2028\u2029]/g;

function goString(s: string, go: GoJson): string {
  return JSON.stringify(s).replace(GO_DIFFERS, (m) => {
    switch (m) {
      case '\\\\':
        return m;
      case '\\b':
        return go === 'short' ? m : '\\u0008';
      case '\\f':
        return go === 'short' ? m : '\\u000c';
      default:
        // One character of Go's, or a lone surrogate's \udXXX.
        return m.length === 1 ? `\\u${m.charCodeAt(0).toString(16).padStart(4, '0')}` : '\\ufffd';
    }
  });
}
