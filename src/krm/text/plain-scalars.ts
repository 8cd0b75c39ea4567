// Plain scalars as the function reads them: yaml's core schema (YAML 1.2), with a plain `0644`
// read the YAML 1.1 way, as the octal number Kubernetes' readers (kubectl, the API server) see.
// The one statement of the rule: the parser's schema (yaml.ts), the text readers (item.ts,
// outline.ts) and the composer (compose.ts) resolve plain scalars through it; the property tests
// (test/outline.test.ts, test/compose.test.ts) hold it to yaml's parser.

/** `0644`: an octal number in YAML 1.1, read as one here too. */
export const OCTAL_11 = /^0[0-7]+$/;
const NULL = /^(?:~|[Nn]ull|NULL)$/;
const TRUE = /^(?:[Tt]rue|TRUE)$/;
const FALSE = /^(?:[Ff]alse|FALSE)$/;
const OCTAL = /^0o[0-7]+$/;
const INTEGER = /^[-+]?[0-9]+$/;
const HEX = /^0x[0-9a-fA-F]+$/;
const INFINITY = /^[-+]?\.(?:inf|Inf|INF)$/;
const NAN = /^\.(?:nan|NaN|NAN)$/;
const EXPONENT = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** The plain scalars read as something other than a string (null, a boolean, a number), in one test. */
const NOT_A_STRING = new RegExp(
  `^(?:${[NULL, TRUE, FALSE, OCTAL, INTEGER, HEX, INFINITY, NAN, EXPONENT, FLOAT]
    .map((r) => r.source.slice(1, -1))
    .join('|')})$`,
);

/**
 * Does a plain scalar of this text read as something other than a string? Every rule above
 * starts with `~`, a sign, a dot, a digit or the first letter of null, true or false: a text that
 * starts otherwise (most keys and values) is a string without a regular expression.
 */
export function isNotAString(text: string): boolean {
  return mayNotBeAString(text) && NOT_A_STRING.test(text);
}

function mayNotBeAString(text: string): boolean {
  const c = text.charCodeAt(0);
  if (c >= 43 && c <= 57) return c !== 44 && c !== 47; // + - . 0-9
  const letter = c | 32;
  return c === 126 /* ~ */ || letter === 110 || letter === 116 || letter === 102; // n t f
}

/** The value of a plain scalar. */
export function resolvePlain(text: string): unknown {
  if (!mayNotBeAString(text)) return text;
  if (OCTAL_11.test(text)) return Number.parseInt(text, 8);
  if (NULL.test(text)) return null;
  if (TRUE.test(text)) return true;
  if (FALSE.test(text)) return false;
  if (OCTAL.test(text)) return Number.parseInt(text.slice(2), 8);
  if (INTEGER.test(text)) return Number.parseInt(text, 10);
  if (HEX.test(text)) return Number.parseInt(text.slice(2), 16);
  if (INFINITY.test(text)) {
    return text.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (NAN.test(text)) return Number.NaN;
  if (EXPONENT.test(text) || FLOAT.test(text)) return Number.parseFloat(text);
  return text;
}

/**
 * How yaml records the text of a plain number, to print it back as it came: its `format`, and
 * the fraction digits of a float that ends in 0 (`1.50`).
 */
export function plainFormat(text: string): { format?: string; minFractionDigits?: number } {
  if (OCTAL_11.test(text)) return { format: 'OCT1.1' };
  if (OCTAL.test(text)) return { format: 'OCT' };
  if (HEX.test(text)) return { format: 'HEX' };
  if (EXPONENT.test(text)) return { format: 'EXP' };
  if (FLOAT.test(text) && text.endsWith('0')) {
    return { minFractionDigits: text.length - text.indexOf('.') - 1 };
  }
  return {};
}
