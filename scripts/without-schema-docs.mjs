// The config schema's descriptions and metadata are for the JSON Schema and the config reference
// (npm run gen), never for a run: this esbuild plugin, for the function's bundle, replaces each
// `describe(part, text)` and `meta(part, data)` of src/config (src/config/zod.ts) with `part`,
// so that the bundle holds none of their text and its code cache none of it either (a start
// reads and loads both whole).
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const DOCS = new Set(['describe', 'meta']);

/** `text` (a src/config module) without its describe() and meta() calls: each is its part. */
export function withoutSchemaDocs(text, file = 'schema.ts') {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const isDocs = (node) =>
    ts.isCallExpression(node) &&
    ts.isIdentifier(node.expression) &&
    DOCS.has(node.expression.text) &&
    node.arguments.length === 2;
  // The text of `node` with every call inside it replaced by its first argument, in parentheses.
  const rewrite = (node, start) => {
    let out = '';
    let at = start;
    const visit = (child) => {
      if (isDocs(child)) {
        const part = child.arguments[0];
        out += `${text.slice(at, child.getStart(source))}(${rewrite(part, part.getStart(source))})`;
        at = child.end;
      } else {
        ts.forEachChild(child, visit);
      }
    };
    ts.forEachChild(node, visit);
    return out + text.slice(at, node.end);
  };
  return rewrite(source, 0);
}

/** The esbuild plugin: src/config's modules without their docs. */
export const withoutSchemaDocsPlugin = {
  name: 'without-schema-docs',
  setup(build) {
    // (zod.ts, which defines them, as it is.)
    build.onLoad({ filter: /\/src\/config\/[^/]+\.ts$/ }, ({ path }) =>
      path.endsWith('/zod.ts')
        ? undefined
        : { contents: withoutSchemaDocs(readFileSync(path, 'utf8'), path), loader: 'ts' },
    );
  },
};
