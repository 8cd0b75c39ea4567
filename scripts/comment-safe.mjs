// The bundle keeps its program in a block comment (see build.mjs), which the program's own `*/`
// would end. Written here as the same value another way, the program has none, and the loader
// compiles the comment's text as it is, with no copy to undo an escape on every start.
import ts from 'typescript';

/**
 * `code` with each literal that holds a star and a slash (the end of a comment) written so that
 * it means the same: a regular expression as a call of RegExp with its source and flags (the same
 * source, flags and matches), a string or an untagged template with `\/` for the `/`. Throws
 * where it cannot (a tagged template, which sees its raw text; the two between tokens; a RegExp
 * of the program's own): the build then fails rather than change the program.
 */
export function withoutCommentEnds(code) {
  if (!code.includes('*/')) return code;
  const file = ts.createSourceFile(
    'program.js',
    code,
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.JS,
  );
  /** [start, end, replacement], in the order found. */
  const edits = [];
  const visit = (node) => {
    if (isRegExpBinding(node)) {
      throw new Error('build: the program declares a RegExp of its own');
    }
    if (LITERALS.has(node.kind)) {
      const start = node.getStart(file);
      const text = code.slice(start, node.end);
      if (text.includes('*/')) {
        edits.push([start, node.end, rewritten(node, text)]);
      }
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = '';
  let from = 0;
  for (const [start, end, text] of edits) {
    out += code.slice(from, start) + text;
    from = end;
  }
  out += code.slice(from);
  const left = out.indexOf('*/');
  if (left !== -1) {
    throw new Error(
      `build: a */ outside a literal: ${JSON.stringify(out.slice(left - 40, left + 40))}`,
    );
  }
  return out;
}

const LITERALS = new Set([
  ts.SyntaxKind.RegularExpressionLiteral,
  ts.SyntaxKind.StringLiteral,
  ts.SyntaxKind.NoSubstitutionTemplateLiteral,
  ts.SyntaxKind.TemplateHead,
  ts.SyntaxKind.TemplateMiddle,
  ts.SyntaxKind.TemplateTail,
]);

/** A literal's text with no star-slash. */
function rewritten(node, text) {
  if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
    // The last `/` closes the expression (flags have none). Spaced: minified code may have a
    // keyword right before it (`return/x*` and the slash).
    const close = text.lastIndexOf('/');
    const string = (value) => JSON.stringify(value).replaceAll('*/', '*\\/');
    return ` RegExp(${string(text.slice(1, close))},${string(text.slice(close + 1))})`;
  }
  if (node.kind !== ts.SyntaxKind.StringLiteral && isTagged(node)) {
    throw new Error(`build: a */ in a tagged template: ${JSON.stringify(text.slice(0, 80))}`);
  }
  // In a string or a template, `\/` is `/`.
  return text.replaceAll('*/', '*\\/');
}

function isTagged(node) {
  // The template: the literal itself, or the expression its head or span is part of.
  let template = node;
  if (node.kind === ts.SyntaxKind.TemplateHead) template = node.parent;
  else if (node.kind !== ts.SyntaxKind.NoSubstitutionTemplateLiteral) template = node.parent.parent;
  return ts.isTaggedTemplateExpression(template.parent);
}

/** A declaration of the name RegExp, which the calls written for regular expressions would meet. */
function isRegExpBinding(node) {
  const name = node.name;
  return (
    name !== undefined &&
    ts.isIdentifier(name) &&
    name.text === 'RegExp' &&
    (ts.isVariableDeclaration(node) ||
      ts.isParameter(node) ||
      ts.isFunctionDeclaration(node) ||
      ts.isClassDeclaration(node) ||
      ts.isBindingElement(node) ||
      ts.isImportSpecifier(node) ||
      ts.isImportClause(node) ||
      ts.isNamespaceImport(node))
  );
}
