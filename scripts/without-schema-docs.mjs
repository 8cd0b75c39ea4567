// The config schema's descriptions and metadata are for the JSON Schema and the config reference
// (npm run gen), never for a run: this esbuild plugin, for the function's bundle, replaces each
// `describe(part, text)` and `meta(part, data)` of src/config (src/config/zod.ts) with `part`,
// so that the bundle holds none of their text and its code cache none of it either (a start
// reads and loads both whole).
import { readFileSync } from 'node:fs';
import ts from 'typescript';

/** `text` (a src/config module) without its describe() and meta() calls: each is its part. */
export function withoutSchemaDocs(text, file = 'schema.ts') {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  // The two as this module imports them from zod.ts (keys.ts has a describe() of its own).
  const docs = new Set();
  for (const statement of source.statements) {
    const bindings = statement.importClause?.namedBindings;
    if (!ts.isImportDeclaration(statement) || statement.moduleSpecifier.text !== './zod.js')
      continue;
    for (const element of bindings?.elements ?? []) {
      const imported = (element.propertyName ?? element.name).text;
      if (imported === 'describe' || imported === 'meta') docs.add(element.name.text);
    }
  }
  const isDocs = (node) =>
    ts.isCallExpression(node) && ts.isIdentifier(node.expression) && docs.has(node.expression.text);
  // The part a describe() or meta() is of: its first argument, itself without them.
  const part = (node) =>
    isDocs(node) ? part(node.arguments[0]) : `(${rewrite(node, node.getStart(source))})`;
  // The text of `node` with each describe() and meta() in it replaced by its part.
  const rewrite = (node, start) => {
    let out = '';
    let at = start;
    const visit = (child) => {
      if (isDocs(child)) {
        out += text.slice(at, child.getStart(source)) + part(child);
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
