// Generated text inside a hand-written Markdown page: between `<!-- NAME:start -->` and
// `<!-- NAME:end -->`, rewritten by the script that makes it (gen.mjs, bench.mjs).
import { readFileSync, writeFileSync } from 'node:fs';

export function writeBetweenMarkers(page, name, text) {
  const content = readFileSync(page, 'utf8');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const a = content.indexOf(start);
  const b = content.indexOf(end);
  if (a < 0 || b < 0) throw new Error(`${page} has no ${name} markers`);
  writeFileSync(page, `${content.slice(0, a + start.length)}\n${text}\n${content.slice(b)}`);
}
