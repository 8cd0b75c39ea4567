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

  it('the same when the header was read first (then only the metadata is scanned)', () => {
    for (const item of inputs[name as keyof typeof inputs]()) {
      expect(item.kind).not.toBe('');
      const keys = ['config.kubernetes.io/index', 'internal.config.kubernetes.io/path'];
      const lazy = keys.map((key) => item.annotation(key));
      expect(item.isParsed, item.label).toBe(false);
      const parsed = item.doc.toJS()?.metadata?.annotations ?? {};
      expect(lazy, item.label).toEqual(keys.map((key) => parsed[key]));
    }
  });
});

describe('annotations looked for in the metadata the header scan found', () => {
  // A key named elsewhere (a pod template's annotations, data) is no annotation of the resource.
  const item = (metadata: string) =>
    Item.lazy(
      [
        'apiVersion: apps/v1',
        'data:',
        '  note: "a: x, b: y"',
        'kind: Deployment',
        'metadata:',
        metadata,
        '  name: n',
        'spec:',
        '  template:',
        '    metadata:',
        '      annotations:',
        '        a: pod',
        '',
      ].join('\n'),
      0,
      'x',
      { ready: true },
    );
  it.each([
    ['none', '  labels: {}'],
    ['one', '  annotations:\n    b: mine'],
    ['both', '  annotations:\n    a: one\n    b: two'],
  ])('%s: as the parser reads them', (_, metadata) => {
    const lazy = item(metadata);
    expect(lazy.kind).toBe('Deployment'); // the header first, as the transform reads it
    const parsed = item(metadata).doc.toJS().metadata.annotations ?? {};
    for (const key of ['a', 'b', 'note']) expect(lazy.annotation(key), key).toBe(parsed[key]);
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
