// The text of written resources is held as UTF-8 bytes in shared buffers until the output goes
// out (src/krm/held-bytes.ts). What is held must read back as the text, whatever its characters
// and lengths, and a text held later must never write over one held earlier.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { heldBytes } from '../src/krm/held-bytes.js';
import { readStream, writeStream } from '../src/krm/io.js';
import { Item } from '../src/krm/item.js';
import { type PlainResource, plainCopy, printPlain } from '../src/krm/print.js';
import { fixture, inNamespace, runBundle, runCli, withFunctionConfig } from './helpers.js';

// Lone surrogates are left out: a resource's text is YAML, and YAML is Unicode text.
const text = fc.string({ unit: 'grapheme', maxLength: 400 });

describe('heldBytes', () => {
  it('reads back as the pieces joined, held texts never overwritten', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(text, { maxLength: 6 }), { minLength: 1, maxLength: 60 }),
        // Now and then a text past a whole buffer's size: it takes one of its own.
        fc.array(fc.nat({ max: 3_000_000 }), { maxLength: 2 }),
        (texts, large) => {
          const all = [...texts, ...large.map((n) => ['x'.repeat(n), 'é'])];
          const held = all.map((pieces) => heldBytes(pieces));
          all.forEach((pieces, i) => {
            expect(held[i]?.toString('utf8')).toBe(pieces.join(''));
          });
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('a resource settled into an entry', () => {
  it('goes out as the bytes of the text it reads back as, every character kept', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }), text), (data) => {
        const value: PlainResource = {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'x', namespace: 'openedx' },
          data,
        };
        const item = Item.generated(plainCopy(value) as PlainResource);
        item.settle(2);
        const printed = printPlain(value);
        if (item.entryAt(0) === undefined) return; // printed as a document of its own
        expect(item.printed).toBe(printed);
        expect(item.entryAt(0)?.toString('utf8')).toBe(
          `- ${(printed as string).replace(/\n(?!\n|$)/g, '\n  ')}`,
        );
      }),
      { numRuns: 200 },
    );
  });
});

// In a stream, a resource printed from plain data is held as bytes, and written between the
// input's documents (directives, markers and end markers of their own) with the separators its
// text would get: the stream reads as the same text either way.
describe('a stream', () => {
  const input = fc.constantFrom(
    'kind: A\n',
    '---\nkind: B\n',
    '%YAML 1.2\n---\nkind: C\n',
    'kind: D\n...\n',
    '--- # marked\nkind: E\n...\n',
    '# a comment\nkind: F\n',
  );
  const written = fc.record({ name: fc.string({ minLength: 1, maxLength: 20 }), text });
  it('writes a held document as its text would be written', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(input, written), { minLength: 1, maxLength: 8 }), (docs) => {
        const held: Item[] = [];
        const asText: Item[] = [];
        for (const doc of docs) {
          if (typeof doc === 'string') {
            const [item] = readStream(doc).items;
            held.push(item as Item);
            asText.push(item as Item);
            continue;
          }
          const value: PlainResource = {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: doc.name },
            data: { text: doc.text },
          };
          const item = Item.generated(plainCopy(value) as PlainResource);
          item.settle(0);
          expect(item.documentBytes).toBeDefined();
          held.push(item);
          const [same] = readStream(printPlain(value) as string).items;
          asText.push(same as Item);
        }
        expect(writeStream(held)).toBe(writeStream(asText));
      }),
      { numRuns: 300 },
    );
  });
});

// The bundle writes held bytes and text through one output buffer. Twenty instances of the
// Kustomize input with every family on: an output of megabytes, its written resources (curly
// quotes in the dashboards among them) held in more than one buffer and going out over many
// writes; the bundle gives what the in-process run gives.
describe('the bundle', () => {
  it('writes held bytes between text, in order, as the in-process run does', () => {
    const list = withFunctionConfig(fixture('krm/kustomize-4.5.4-exec-input.yaml'), 'every-family');
    const head = list.indexOf('items:\n') + 'items:\n'.length;
    const tail = list.indexOf('functionConfig:');
    const items = list.slice(head, tail);
    const copies = Array.from({ length: 20 }, (_, n) =>
      inNamespace(items, `openedx-${String(n).padStart(3, '0')}`),
    );
    const input = `${list.slice(0, head)}${copies.join('')}${list.slice(tail)}`;
    const inProcess = runCli([], input);
    expect(inProcess.status).toBe(0);
    expect(inProcess.stdout.length).toBeGreaterThan(3 << 20);
    expect(inProcess.stdout).toContain('’');
    const bundled = runBundle([], input);
    expect(bundled.status).toBe(0);
    expect(bundled.stdout).toBe(inProcess.stdout);
  });
});
