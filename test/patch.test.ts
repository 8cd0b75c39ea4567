// Printing a changed document as an edit of its input text (src/krm/text/patch.ts): the text must
// read back as the document, and be exactly what yaml prints whenever the input was in yaml's
// own layout (so rendered manifests come out as before).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Document, isMap, isSeq, type Node, parse, parseDocument, visit, type YAMLMap } from 'yaml';
import { deindent } from '../src/krm/item.js';
import { plainCopy, printPlain } from '../src/krm/print.js';
import { composeOutline } from '../src/krm/text/compose.js';
import { outline } from '../src/krm/text/outline.js';
import { printAsEdit, printNode } from '../src/krm/text/patch.js';
import { type Doc, docFrom, parseOptions, parseYaml, printDoc, toPlain } from '../src/krm/yaml.js';
import { doc as docArb, inContainer, KEYS, print, style, tree } from './yaml-arbitraries.js';

type Path = (string | number)[];

/** Every path in a document: where an edit can go. */
function pathsOf(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      pathsOf(v, [...path, i], out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) pathsOf(v, [...path, k], out);
  }
  return out;
}

const edit = fc.record({
  kind: fc.constantFrom('set', 'delete', 'add', 'push', 'same'),
  at: fc.nat(),
  key: fc.constantFrom(...KEYS, 'new-key'),
  value: tree,
});
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function apply(doc: Doc, edits: Edit[]): void {
  for (const e of edits) {
    const paths = pathsOf(toPlain(doc)).filter((p) => p.length > 0);
    if (paths.length === 0) return;
    const path = paths[e.at % paths.length] as Path;
    const node = doc.getIn(path, true);
    switch (e.kind) {
      case 'set':
        doc.setIn(path, doc.createNode(e.value));
        break;
      case 'delete':
        doc.deleteIn(path);
        break;
      case 'add':
        if (isMap(node)) doc.setIn([...path, e.key], doc.createNode(e.value));
        break;
      case 'push':
        if (isSeq(node)) node.items.push(doc.createNode(e.value));
        break;
      case 'same':
        // The same value again, in new nodes: no change at all.
        doc.setIn(path, doc.createNode(getPlain(doc, path)));
        break;
    }
  }
}

function getPlain(doc: Doc, path: Path): unknown {
  let v: unknown = toPlain(doc);
  for (const p of path) v = (v as Record<string | number, unknown>)[p];
  return v;
}

describe('printing a changed document as an edit of its text', () => {
  it('reads back as the document', () => {
    let patched = 0;
    fc.assert(
      fc.property(
        docArb,
        style,
        fc.array(edit, { maxLength: 4 }),
        fc.boolean(),
        (value, s, edits, wide) => {
          const raw = inContainer(print(value, s), s.container);
          const o = outline(raw, s.container);
          const doc = o && composeOutline(o);
          if (!o || !doc) return;
          apply(doc, edits);
          const text = printAsEdit(o, doc, wide);
          if (text === undefined) return;
          patched++;
          expect(parse(deindent(text, s.container))).toEqual(toPlain(doc));
        },
      ),
      { seed: 20261128, numRuns: 1500 },
    );
    expect(patched).toBeGreaterThan(700);
  });

  it('is what yaml prints, when the input was in yaml’s own layout', () => {
    let patched = 0;
    fc.assert(
      fc.property(docArb, fc.array(edit, { maxLength: 4 }), fc.boolean(), (value, edits, wide) => {
        const first = print(value, {
          indentSeq: wide,
          lineWidth: 0,
          defaultStringType: 'PLAIN',
          defaultKeyType: null,
          container: 0,
        });
        const firstOutline = outline(first);
        const start = firstOutline && composeOutline(firstOutline);
        if (!start) return;
        const source = printDoc(start, wide);
        const o = outline(source);
        const doc = o && composeOutline(o);
        if (!o || !doc) return;
        apply(doc, edits);
        const text = printAsEdit(o, doc, wide);
        if (text === undefined) return;
        patched++;
        expect(text).toBe(printDoc(doc, wide));
      }),
      { seed: 20261128, numRuns: 1500 },
    );
    expect(patched).toBeGreaterThan(400);
  });

  it('keeps the input’s bytes where nothing changed', () => {
    const source = 'a:\n    b: "x"   \n    c: []\nlist:\n  -   one\n  - two\nz: 1\n';
    const o = outline(source);
    const doc = o && composeOutline(o);
    if (!o || !doc) throw new Error('not outlined');
    doc.setIn(['z'], 2);
    expect(printAsEdit(o, doc, false)).toBe(
      'a:\n    b: "x"   \n    c: []\nlist:\n  -   one\n  - two\nz: 2\n',
    );
    doc.setIn(['list', 1], 'three');
    doc.setIn(['a', 'd'], 'new');
    expect(printAsEdit(o, doc, false)).toBe(
      'a:\n    b: "x"   \n    c: []\n    d: new\nlist:\n  -   one\n  - three\nz: 2\n',
    );
  });
});

describe('printing a changed entry on its own', () => {
  /** The general way: the node as the contents of a document of its own, printed by yaml. */
  function viaYaml(node: Node, wide: boolean): string {
    const doc = new Document(undefined, parseOptions) as Doc;
    doc.contents = node as never;
    return printDoc(doc, wide);
  }

  it('prints a mapping made from plain data as yaml prints it, in both sequence styles', () => {
    let plain = 0;
    fc.assert(
      fc.property(fc.constantFrom(...KEYS), tree, fc.boolean(), (key, value, wide) => {
        // As the edits make them: createNode, and setIn into a document.
        const made = docFrom({}).createNode({ [key]: value }) as Node;
        const set = docFrom({ [key]: null });
        set.setIn([key], value);
        const added = docFrom({ z: 'z' });
        (added.contents as YAMLMap).set(key, value);
        const nested = docFrom({});
        nested.setIn([key, 'x'], value);
        for (const node of [made, set.contents, added.contents, nested.contents] as Node[]) {
          const copy = plainCopy({ [key]: value });
          if (copy && printPlain(copy, wide) !== undefined) plain++;
          expect(printNode(node, wide)).toBe(viaYaml(node, wide));
        }
      }),
      { numRuns: 2000 },
    );
    // Most of what is generated is printable plain data: the comparison above is not vacuous.
    expect(plain).toBeGreaterThan(2000);
  });

  it('prints what was read from text in the text’s styles, as yaml does', () => {
    fc.assert(
      fc.property(docArb, style, (value, s) => {
        const node = parseYaml(print(value, s)).contents as Node;
        expect(printNode(node, s.indentSeq)).toBe(viaYaml(node, s.indentSeq));
      }),
      { numRuns: 500 },
    );
    // Styles plain data does not have: a quoted string, a comment, a tag, a kept block scalar.
    for (const source of ['a: "x"\n', 'a: x # note\n', 'a: !!str 1\n', 'a: |\n  x\n', "'1': x\n"]) {
      const node = parseDocument(source).contents as Node;
      expect(printNode(node, false)).toBe(viaYaml(node, false));
    }
    // A scalar without a style still prints as its source text, which plain data has not.
    const kept = parseYaml("a:\n  b: 'x'\n  c: |\n    y\n");
    visit(kept, {
      Scalar(_, node) {
        node.type = undefined;
      },
    });
    expect(printNode(kept.contents as Node, false)).toBe("a:\n  b: 'x'\n  c: |\n    y\n");
  });
});
