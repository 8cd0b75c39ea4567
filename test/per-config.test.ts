// What every instance of a run shares is the config's alone, read once per config (the workers
// each service asks for and their sizing, the settings block): a run over several instances
// writes for each exactly what a run over that instance alone writes, where all of it is read
// anew.
import { describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import * as load from '../src/config/load.js';
import * as io from '../src/krm/io.js';
import * as results from '../src/krm/results.js';
import * as run from '../src/transform.js';
import { celeryQueuesConfig, fixture, RENDERS } from './helpers.js';

/** The function's modules as this file loaded them, for every run of the file. */
const LOADED = { load, io, results, run };

/** The function's modules loaded anew: nothing an earlier run read is there. */
async function loadedAnew(): Promise<typeof LOADED> {
  vi.resetModules();
  return {
    load: await import('../src/config/load.js'),
    io: await import('../src/krm/io.js'),
    results: await import('../src/krm/results.js'),
    run: await import('../src/transform.js'),
  };
}

/** Each resource a run writes or changes, by identity, as its text, and what it says. */
function written(input: string, spec: unknown, modules: typeof LOADED) {
  const { formatResult, Results } = modules.results;
  const { readStream, writeStream } = modules.io;
  const loaded = new Results();
  const config = modules.load.loadConfig(parse(celeryQueuesConfig(spec)), loaded);
  if (!config) throw new Error(loaded.list.map(formatResult).join('\n'));
  const { items } = readStream(input);
  const keyOf = (item: (typeof items)[number]) => `${item.kind} ${item.namespace}/${item.name}`;
  const before = new Map(items.map((item) => [keyOf(item), writeStream([item])]));
  const out = modules.run.transform(items, config);
  const texts: [string, string][] = [];
  for (const item of out.items) {
    const text = writeStream([item]);
    if (before.get(keyOf(item)) !== text) texts.push([keyOf(item), text]);
  }
  return { texts, results: out.results.map(formatResult) };
}

const SPECS: Record<string, unknown> = {
  'every family': parse(fixture('../configs/every-family.yaml')).spec,
  groups: parse(fixture('../configs/groups.yaml')).spec,
  'sizing, extra flags and the stock worker turned off': {
    lms: {
      workerDefaults: {
        concurrency: 2,
        labels: { team: 'learning' },
        annotations: { 'example.org/owner': 'ops' },
      },
      queues: {
        default: { extraArgs: ['--pool=threads'], resources: { requests: { cpu: '1' } } },
        high: { pool: 'prefork', extraArgs: ['--max-tasks-per-child=$(LIMIT)'] },
        high_mem: { replicas: 0 },
      },
      groups: { mail: { queues: ['ace', 'bulk'], concurrency: 8 } },
    },
    cms: {
      stockWorker: { enabled: false },
      groups: { all: { queues: ['default', 'high', 'low'], replicas: 2 } },
    },
    explicitQueues: { cms: { 'cms.task': { queue: 'edx.cms.core.low' } } },
    acksLate: false,
  },
};

describe.each(Object.keys(SPECS))('a run over two instances, config: %s', (name) => {
  const spec = SPECS[name];
  const one = fixture(RENDERS.v20);
  // Another site, whose stock workers' command lines differ too.
  const other = fixture(RENDERS.custom)
    .replaceAll('--max-tasks-per-child=100', '--max-tasks-per-child=50')
    .replaceAll('--loglevel=info', '--loglevel=warning');

  it('writes for each instance what a run over it alone writes, byte for byte', async () => {
    const alone = [
      written(one, spec, await loadedAnew()),
      written(other, spec, await loadedAnew()),
    ];
    // In the modules every run of this file goes through, each config's twice: nothing a run
    // reads stays for the next either.
    written(`${other}---\n${one}`, spec, LOADED);
    const both = written(`${one}---\n${other}`, spec, LOADED);
    expect(both.results.filter((r) => r.includes(' error: '))).toEqual([]);
    expect(both.texts.length).toBeGreaterThan(0);
    expect(both.texts).toEqual(alone.flatMap((run) => run.texts));
    expect([...both.results].sort()).toEqual(alone.flatMap((run) => run.results).sort());
  });
});
