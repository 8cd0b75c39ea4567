// The tail of a written ResourceList (its functionConfig and results): written as the input wrote
// it when that is the text yaml prints for it (src/krm/io.ts `unchangedTail`), printed by yaml
// otherwise. Both ways give the same bytes, whoever wrote the input and however.
import fc from 'fast-check';
import * as jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { readResourceList, unchangedTail, writeResourceList } from '../src/krm/io.js';
import { InputError } from '../src/krm/item.js';
import { printPlain } from '../src/krm/print.js';
import { fixture, withFunctionConfig } from './helpers.js';
import { doc, print, style } from './yaml-arbitraries.js';

const HEAD = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\n';

/** The written ResourceList both ways, and whether the input's own text was taken. */
function bothWays(text: string) {
  const input = readResourceList(text);
  const printed = writeResourceList({ ...input, envelope: undefined }, input.items, []);
  const written = writeResourceList(input, input.items, []);
  return { taken: unchangedTail(input, []) !== undefined, printed, written };
}

function readable(text: string): boolean {
  try {
    readResourceList(text);
    return true;
  } catch (e) {
    if (e instanceof InputError) return false;
    throw e;
  }
}

const CONFIGS = ['every-family', 'recommended', 'everything', 'groups', 'routes', 'sized'];

describe('the tail of a written ResourceList', () => {
  it('is the text print.ts prints for it, whatever the data: yaml prints that text as itself', () => {
    let taken = 0;
    fc.assert(
      fc.property(doc, fc.boolean(), (value, itemsFirst) => {
        const own = printPlain({ functionConfig: value });
        fc.pre(own !== undefined);
        const text = itemsFirst ? `${HEAD}items: []\n${own}` : `${HEAD}${own}items: []\n`;
        // (Some blank block scalars yaml prints it cannot read back: not a config's.)
        fc.pre(readable(text));
        const { taken: wasTaken, printed, written } = bothWays(text);
        expect(written).toBe(printed);
        if (wasTaken) taken++;
      }),
      { numRuns: 3000 },
    );
    // Not a test that passes by never taking the input's text.
    expect(taken).toBeGreaterThan(100);
  });

  it("is what yaml prints for a functionConfig in any of yaml's styles", () => {
    fc.assert(
      fc.property(doc, style, (value, s) => {
        const text = `${HEAD}items: []\n${print({ functionConfig: value }, s)}`;
        fc.pre(readable(text));
        const { printed, written } = bothWays(text);
        expect(written).toBe(printed);
      }),
      { numRuns: 300 },
    );
  });

  it("is what yaml prints for the configs as Kustomize, kpt, yaml and js-yaml write them, and others' marks", () => {
    const inputs = ['krm/kustomize-4.5.4-exec-input.yaml', 'krm/kpt-1.0.0-beta.56-eval-input.yaml'];
    for (const name of inputs) {
      for (const config of CONFIGS) {
        const text = withFunctionConfig(fixture(name), config);
        const at = text.indexOf('functionConfig:');
        const [before, body] = [text.slice(0, at), text.slice(at)];
        const value = (jsyaml.load(body) as { functionConfig: unknown }).functionConfig;
        // As Kustomize sends it (keys sorted, block style, comments dropped: the bench's
        // inputs, printed by yaml the same way): taken as written.
        const kustomized = stringify(
          { functionConfig: value },
          { sortMapEntries: true, lineWidth: 0, indentSeq: false },
        );
        const printed = `${before}${kustomized}`;
        const others = [
          text,
          // yaml's own default: sequences indented.
          before + stringify({ functionConfig: value }),
          // js-yaml's style: sequences indented, its own quoting.
          before + jsyaml.dump({ functionConfig: value }),
          before +
            jsyaml.dump({ functionConfig: value }, { quoteStyle: 'double', forceQuotes: true }),
          // A comment before the entry is not part of it.
          `${before}# the config\n${body}`,
        ];
        // What a person or another tool leaves in it, and results after it: for yaml.
        const marked = [
          printed.replace(/(\nfunctionConfig:\n.*)\n/, '$1 # the config\n'),
          before + kustomized.replace('\n  kind:', '\n# a note\n  kind:'),
          `${printed}# after it\n`,
          `${printed}\n\n`,
          printed.replace('\nfunctionConfig:\n', '\nfunctionConfig: &config\n'),
          printed.replace('\nfunctionConfig:\n', '\nfunctionConfig: !!map\n'),
          printed.replace('\n  kind: CeleryQueues', "\n  kind: 'CeleryQueues'"),
          printed.replace('\n  kind: CeleryQueues', '\n  kind: "CeleryQueues"'),
          before + kustomized.replace('\n  kind:', '\n\n  kind:'),
          printed.replace('\nfunctionConfig:', '\n"functionConfig":'),
          `${printed}results: []\n`,
        ];
        for (const variant of [printed, ...others, ...marked]) {
          const { printed: byYaml, written } = bothWays(variant);
          expect(written, variant.slice(at)).toBe(byYaml);
        }
        expect(bothWays(printed).taken, config).toBe(true);
        expect(bothWays(`${before}# the config\n${printed.slice(at)}`).taken).toBe(true);
        for (const variant of marked)
          expect(bothWays(variant).taken, variant.slice(at)).toBe(false);
      }
    }
  });

  it('is printed by yaml when the function has results to add', () => {
    const text = withFunctionConfig(fixture('krm/kustomize-4.5.4-exec-input.yaml'), 'recommended');
    const input = readResourceList(text);
    const results = [{ severity: 'warning' as const, message: 'a warning' }];
    expect(unchangedTail(input, results)).toBeUndefined();
    expect(writeResourceList(input, input.items, results)).toContain(
      'results:\n- severity: warning',
    );
  });
});
