// The import rules of src/, checked by `npm run depcruise` (part of `npm test`, so CI fails on a
// break) and by test/imports.test.ts, which also shows that each rule catches a new violation.
//
// Output families are the folders below: each is one concern, and imports shared layers only,
// never another family. Shared layers import no family. Staging and the YAML text engine
// (src/krm/text/) are krm/'s own: resources.ts is the way in.
const FAMILIES = ['workers', 'settings', 'autoscaling', 'flower', 'disruption', 'monitoring'];
const FAMILY = `^src/(${FAMILIES.join('|')})/`;
const SHARED = [
  '^src/(celery|config|tutor|krm|broker|promql|grafana)/',
  '^src/(names|plan|rollout|version)[.]ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycle',
      severity: 'error',
      comment: 'Modules of src/ import each other in one direction only (type imports included).',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-family-to-family',
      severity: 'error',
      comment:
        'A family reads what another planned through the InstanceView (src/plan.ts), and shares code through a shared layer (src/celery/, src/promql/, src/grafana/, src/tutor/...).',
      from: { path: FAMILY },
      to: { path: FAMILY, pathNot: '^src/$1/' },
    },
    {
      name: 'shared-imports-no-family',
      severity: 'error',
      comment: 'Shared layers are below the families: only src/transform.ts assembles them.',
      from: { path: SHARED },
      to: { path: FAMILY },
    },
    {
      name: 'krm-internals',
      severity: 'error',
      comment:
        'Resources are found, read and changed through src/krm/resources.ts: the staging (edit.ts) and the YAML text engine (src/krm/text/) are krm/ internals, but for text/strings.ts, how a string is written, which the shell uses for its own lines.',
      from: { path: '^src/', pathNot: '^src/krm/' },
      to: { path: '^src/krm/(edit[.]ts$|text/)', pathNot: '^src/krm/text/strings[.]ts$' },
    },
    {
      name: 'families-hold-resources',
      severity: 'error',
      comment:
        'A family holds a Resource and reads it through Resources (src/krm/resources.ts), never an Item with its text and document: which of them is current is krm/\'s to know. (src/tutor/ reads the input as it came, and may.)',
      from: { path: [FAMILY, '^src/rollout[.]ts$'] },
      to: { path: '^src/krm/item[.]ts$' },
    },
  ],
  options: {
    includeOnly: '^src/',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
