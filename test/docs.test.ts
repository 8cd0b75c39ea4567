// The Markdown documentation: every relative link in every Markdown file of the repository goes
// to a file that exists and, with a `#anchor`, to a heading of that file (named as GitHub names
// it); and no document points at something a user's clone does not have.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import GithubSlugger from 'github-slugger';
import { lexer, type Token, type Tokens } from 'marked';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers.js';

const SKIP = new Set(['node_modules', '.git', 'dist', '.tmp']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return markdownFiles(path);
    return name.endsWith('.md') ? [relative(ROOT, path)] : [];
  });
}

/** Where marked keeps nested tokens: inline ones, list items, table cells. */
interface Nested {
  tokens?: Token[];
  items?: Token[];
  header?: { tokens: Token[] }[];
  rows?: { tokens: Token[] }[][];
}

/** Every token of a Markdown text, nested ones (list items, table cells, inline) included. */
function* walk(tokens: Token[]): Generator<Token> {
  for (const t of tokens) {
    yield t;
    const nested = t as Nested;
    if (nested.tokens) yield* walk(nested.tokens);
    for (const item of nested.items ?? []) yield* walk([item]);
    for (const cell of [...(nested.header ?? []), ...(nested.rows ?? []).flat()]) {
      yield* walk(cell.tokens);
    }
  }
}

/** A heading's text as GitHub slugs it: what it shows, without the Markdown. */
function plain(tokens: Token[]): string {
  return tokens
    .map((t) => {
      const nested = t as Nested;
      if (nested.tokens?.length) return plain(nested.tokens);
      return t.type === 'codespan' || t.type === 'text' || t.type === 'escape'
        ? (t as Tokens.Text).text
        : '';
    })
    .join('');
}

const parsed = new Map<string, Token[]>();
function tokensOf(file: string): Token[] {
  let tokens = parsed.get(file);
  if (!tokens) {
    tokens = lexer(readFileSync(join(ROOT, file), 'utf8'));
    parsed.set(file, tokens);
  }
  return tokens;
}

function anchorsOf(file: string): Set<string> {
  const slugger = new GithubSlugger();
  return new Set(
    [...walk(tokensOf(file))]
      .filter((t): t is Tokens.Heading => t.type === 'heading')
      .map((h) => slugger.slug(plain(h.tokens))),
  );
}

function linksOf(file: string): string[] {
  return [...walk(tokensOf(file))]
    .filter((t): t is Tokens.Link | Tokens.Image => t.type === 'link' || t.type === 'image')
    .map((t) => t.href);
}

/** A link's problem, if any: relative links only (a scheme or `//` is left to the reader). */
export function brokenLink(file: string, href: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:|^\/\//i.test(href)) return undefined;
  const [path = '', anchor] = href.split('#', 2);
  const target = path === '' ? file : join(dirname(file), decodeURIComponent(path));
  if (target.startsWith('..') || !existsSync(join(ROOT, target))) {
    return `${file}: ${href}: no file ${target}`;
  }
  if (anchor === undefined) return undefined;
  if (!target.endsWith('.md')) return `${file}: ${href}: an anchor into a file that is no Markdown`;
  if (!anchorsOf(target).has(anchor))
    return `${file}: ${href}: ${target} has no heading #${anchor}`;
  return undefined;
}

const FILES = markdownFiles(ROOT);

/** The project's own text files: code, scripts, docs (data files are what their tools wrote). */
function textFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIP.has(name)) return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return textFiles(path);
    return /\.(ts|mts|mjs|cjs|md)$|^Dockerfile$|^run$/.test(name) ? [relative(ROOT, path)] : [];
  });
}

// What a user's clone does not have: the project's issue tracker and its design documents.
const ELSEWHERE = [
  /\bissues? #?\d+/i,
  /\bcontract section\b/i,
  /\.\.\/shared\/|\bshared\/(design|fixtures|schemas|notes)\b/,
  /\bdesign material\b|\bthe brief\b/i,
];

/** The lines of a text that point at something a user's clone does not have. */
export function pointsElsewhere(text: string): string[] {
  return text.split('\n').filter((line) => ELSEWHERE.some((re) => re.test(line)));
}

describe('Markdown links', () => {
  it('finds the documentation', () => {
    expect(FILES).toEqual(
      expect.arrayContaining(['README.md', 'examples/README.md', 'test/golden/README.md']),
    );
  });

  it.each(FILES)('%s: every relative link resolves, anchors included', (file) => {
    expect(linksOf(file).flatMap((href) => brokenLink(file, href) ?? [])).toEqual([]);
  });

  it('catches a missing file, a missing heading, and a link out of the repository', () => {
    expect(brokenLink('README.md', 'examples/README.md')).toBeUndefined();
    expect(brokenLink('README.md', 'examples/nothing.md')).toMatch(/no file examples\/nothing.md/);
    expect(brokenLink('README.md', '#no-such-heading')).toMatch(/no heading #no-such-heading/);
    expect(brokenLink('examples/README.md', '../../shared/x.md')).toMatch(/no file/);
    expect(brokenLink('README.md', 'https://example.com/x#y')).toBeUndefined();
  });
});

describe('references', () => {
  const files = textFiles(ROOT).filter((f) => f !== 'test/docs.test.ts');

  it.each(files)('%s points at nothing a user’s clone lacks', (file) => {
    expect(pointsElsewhere(readFileSync(join(ROOT, file), 'utf8'))).toEqual([]);
  });

  it('catches an issue number, a contract section, the shared folder', () => {
    expect(
      pointsElsewhere('// see issue 10\nok\n// (contract section 4)\n../shared/design/x.md'),
    ).toEqual(['// see issue 10', '// (contract section 4)', '../shared/design/x.md']);
    expect(pointsElsewhere('for (const issue of parsed.error.issues) reportIssue(issue)')).toEqual(
      [],
    );
  });
});
