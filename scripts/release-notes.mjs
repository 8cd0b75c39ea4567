// Prints CHANGELOG.md's section for a version (default: package.json's), the text of its GitHub
// release. Fails when there is none, when it has no date or no "Output changes" part, or, with
// --tag TAG, when the tag is not v<package.json's version>: a release says what it changes.
//
//   node scripts/release-notes.mjs [--tag v0.1.0] [VERSION]
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url).pathname;
const version = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version;

function fail(message) {
  process.stderr.write(`release-notes: ${message}\n`);
  process.exit(1);
}

const args = process.argv.slice(2);
let wanted = version;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--tag') {
    const tag = args[++i];
    if (tag !== `v${version}`) fail(`tag ${tag} is not v${version}, the version in package.json`);
  } else wanted = args[i];
}

const changelog = readFileSync(`${root}CHANGELOG.md`, 'utf8');
const sections = changelog.split(/^(?=## \[)/m).slice(1);
const section = sections.find((s) => s.startsWith(`## [${wanted}]`));
if (!section) fail(`CHANGELOG.md has no section "## [${wanted}]"`);
const heading = section.split('\n', 1)[0];
if (!/^## \[[^\]]+\] - \d{4}-\d{2}-\d{2}$/.test(heading)) {
  fail(`CHANGELOG.md: "${heading}" needs the release date: "## [${wanted}] - YYYY-MM-DD"`);
}
if (!/^### Output changes$/m.test(section)) {
  fail(`CHANGELOG.md: ${wanted} has no "### Output changes" part`);
}
process.stdout.write(`${section.slice(heading.length).trim()}\n`);
