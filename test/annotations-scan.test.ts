// Reading annotations off an item's text must give what parsing it gives.
import { describe, expect, it } from 'vitest';
import { readResourceList, readStream } from '../src/krm/io.js';
import { Item, scanAnnotations } from '../src/krm/item.js';
import { fixture, RENDERS } from './helpers.js';

const inputs = {
  'Kustomize 4.5.4': () => readResourceList(fixture('krm/kustomize-4.5.4-exec-input.yaml')).items,
  'kpt 1.0.0-beta.56': () =>
    readResourceList(fixture('krm/kpt-1.0.0-beta.56-eval-input.yaml')).items,
  'a Tutor render': () => readStream(fixture(RENDERS.podautoscaling)).items,
};

describe.each(Object.keys(inputs))('annotations of %s', (name) => {
  it('read without parsing equal the parsed ones, and need no parse', () => {
    const items = inputs[name as keyof typeof inputs]();
    for (const item of items) {
      const lazy = item.annotation('config.kubernetes.io/index');
      const path = item.annotation('internal.config.kubernetes.io/path');
      expect(item.isParsed, item.label).toBe(false);
      const parsed = item.doc.toJS()?.metadata?.annotations ?? {};
      expect(lazy, item.label).toBe(parsed['config.kubernetes.io/index']);
      expect(path, item.label).toBe(parsed['internal.config.kubernetes.io/path']);
    }
  });
});

describe('scanAnnotations', () => {
  it.each([
    ["metadata:\n  annotations:\n    a: x\n    b: '0'\n", { a: 'x', b: '0' }],
    ['metadata:\n  annotations:\n    a: |\n      one\n    b: "q"\n', { b: 'q' }],
    ['metadata:\n  annotations:\n    a: word\n      more\n', {}],
    ['metadata:\n  annotations:\n    a: 1\n', {}],
  ])('%j', (source, readable) => {
    const scanned = scanAnnotations(source);
    const got = Object.fromEntries([...(scanned ?? [])].filter(([, v]) => typeof v === 'string'));
    expect(got).toEqual(readable);
    // And the item answers as the parser does.
    const item = Item.lazy(`apiVersion: v1\nkind: X\n${source}  name: n\n`, 0, 'x');
    for (const key of ['a', 'b']) {
      const want = Item.lazy(`apiVersion: v1\nkind: X\n${source}  name: n\n`, 0, 'y');
      const v = want.doc.getIn(['metadata', 'annotations', key]);
      expect(item.annotation(key)).toBe(typeof v === 'string' ? v : undefined);
    }
  });

  it('leaves flow style to the parser', () => {
    expect(scanAnnotations('metadata:\n  annotations: {a: b}\n')).toBeUndefined();
  });
});
