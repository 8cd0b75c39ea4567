// The function's bundle builds the config schema without its descriptions and metadata
// (scripts/build.mjs drops them with scripts/without-schema-docs.mjs): they are for the JSON
// Schema and the config reference. The schema built so reads every config as the documented one does:
// the same config out, the same messages, for good configs and for every kind of mistake.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { withoutSchemaDocs, withoutSchemaDocsPlugin } from '../scripts/without-schema-docs.mjs';
import { mistakes, testConfigs } from './config-mistakes.js';
import { BUNDLE } from './helpers.js';

const root = join(import.meta.dirname, '..');

interface Loader {
  readConfig: (value: unknown, results: unknown) => { config: unknown } | undefined;
  Results: new () => { list: unknown[] };
  described: () => string | undefined;
}

/** src/config/load.ts bundled as scripts/build.mjs bundles it, with or without the docs. */
async function loader(withDocs: boolean): Promise<Loader> {
  const out = await build({
    stdin: {
      contents: `export { readConfig } from './src/config/load.ts';
        export { Results } from './src/krm/results.ts';
        import { globalRegistry } from 'zod/mini';
        import { celeryQueues } from './src/config/schema.ts';
        export const described = () => globalRegistry.get(celeryQueues)?.description;`,
      resolveDir: root,
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    write: false,
    logLevel: 'warning',
    define: { VERSION: '"0.0.0"' },
    plugins: withDocs ? [] : [withoutSchemaDocsPlugin],
  });
  const mod = { exports: {} as Loader };
  new Function('module', 'exports', 'require', out.outputFiles[0]?.text ?? '')(
    mod,
    mod.exports,
    createRequire(import.meta.url),
  );
  return mod.exports;
}

describe('the config schema without its docs (the bundle)', () => {
  let documented: Loader;
  let bare: Loader;
  beforeAll(async () => {
    [documented, bare] = await Promise.all([loader(true), loader(false)]);
  }, 60_000);

  it('is built without them, and the documented one with them', () => {
    expect(documented.described()).toMatch(/./);
    expect(bare.described()).toBeUndefined();
  });

  it('holds none of their text in the function’s bundle (the build drops every describe and meta)', () => {
    const descriptions: string[] = [];
    const collect = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(collect);
      else if (typeof v === 'object' && v !== null) {
        const { description } = v as { description?: unknown };
        if (typeof description === 'string') descriptions.push(description);
        Object.values(v).forEach(collect);
      }
    };
    collect(JSON.parse(readFileSync(join(root, 'fn-config', 'celery-queues.schema.json'), 'utf8')));
    const bundle = readFileSync(BUNDLE, 'latin1');
    const kept = descriptions.filter((d) => bundle.includes(JSON.stringify(d).slice(1, -1)));
    expect(descriptions.length).toBeGreaterThan(200);
    // Only those passed to the schema's own helpers (resources(), serviceMonitor()) stay.
    expect(kept.length).toBeLessThan(descriptions.length / 20);
  });

  it('reads every config, and every mistake in it, as the documented schema does', () => {
    let cases = 0;
    let failures = 0;
    for (const [, config] of testConfigs()) {
      for (const value of [config, ...mistakes(config).map((m) => m.config)]) {
        const read = (l: Loader) => {
          const results = new l.Results();
          const loaded = l.readConfig(structuredClone(value), results);
          return JSON.stringify({ config: loaded?.config, results: results.list });
        };
        const expected = read(documented);
        expect(read(bare)).toBe(expected);
        cases++;
        if (expected.includes('"severity":"error"')) failures++;
      }
    }
    // Not a test that passes by reading nothing, or nothing wrong.
    expect(cases).toBeGreaterThan(1000);
    expect(failures).toBeGreaterThan(cases / 2);
  });
});

describe('withoutSchemaDocs (scripts/without-schema-docs.mjs)', () => {
  it('replaces describe() and meta() of zod.ts with their part, nested too, and nothing else', () => {
    const text = [
      "import { describe as about, meta } from './zod.js';",
      "const a = about(meta(z.string(), { id: 'A' }), 'An (odd) text.');",
      "const b = z.object({ c: about(z.optional(meta(z.int(), k8s('x'))), `C (n).`) });",
      'function describe(key: unknown) { return String(key); }',
      "const d = describe('kept');",
    ].join('\n');
    expect(withoutSchemaDocs(text)).toBe(
      [
        "import { describe as about, meta } from './zod.js';",
        'const a = (z.string());',
        'const b = z.object({ c: (z.optional((z.int()))) });',
        'function describe(key: unknown) { return String(key); }',
        "const d = describe('kept');",
      ].join('\n'),
    );
  });
});
