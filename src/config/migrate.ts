// `celery-queues migrate config.yml`: Tutor's own config.yml, with tutor-contrib-celery's
// settings (CELERY_*) among Tutor's, turned into the CeleryQueues that means the same, through
// the ConfigMap form's mapping (legacy.ts). What config.yml cannot say (the workers, which the
// plugin takes from a Python filter; Flower's login, which goes into a Secret) is said in
// comments at the top of what it prints.
import { stringify } from 'yaml';
import { type Result, Results } from '../krm/results.js';
import { parseYaml, toPlain } from '../krm/yaml.js';
import { fromTutorSettings, PLUGIN_FLOWER_IMAGE } from './legacy.js';
import { readConfig } from './load.js';
import { API_VERSION, KIND, SCHEMA_URL } from './schema.js';

const MIGRATION_DOC =
  'https://github.com/tutor-krm/celery-queues/blob/main/docs/migrating-from-tutor-contrib-celery.md';

/** Tutor's default LMS_HOST, which config.yml leaves out when it was never changed. */
const TUTOR_LMS_HOST = 'www.myopenedx.com';
const SECRET = 'flower-basic-auth';

export function migrateTutorConfig(
  text: string,
  file: string,
): { text?: string; results: Result[] } {
  const results = new Results();
  const doc = parseYaml(text);
  const error = doc.errors[0];
  if (error) {
    results.error(`${file}: not valid YAML: ${error.message.split('\n')[0]}`);
    return { results: results.list };
  }
  const tutor = toPlain(doc) as Record<string, unknown> | null;
  if (typeof tutor !== 'object' || tutor === null || Array.isArray(tutor)) {
    results.error(
      `${file} is not Tutor's config.yml: that is a mapping of settings (LMS_HOST: ...)`,
    );
    return { results: results.list };
  }
  if (typeof tutor.kind === 'string') {
    results.error(
      `${file} is a ${tutor.kind}, not Tutor's config.yml${tutor.kind === KIND ? ': it needs no migration' : ''}`,
    );
    return { results: results.list };
  }
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(tutor)) {
    // The password stays where it is: it goes into a Secret (see the notes).
    if (!key.startsWith('CELERY_') || key === 'CELERY_FLOWER_BASIC_AUTH') continue;
    data[key] = value;
  }
  const lmsHost = typeof tutor.LMS_HOST === 'string' ? tutor.LMS_HOST : TUTOR_LMS_HOST;
  const host = data.CELERY_FLOWER_HOST;
  if (typeof host === 'string') {
    data.CELERY_FLOWER_HOST = host.replace(/\{\{\s*LMS_HOST\s*\}\}/g, lmsHost);
  } else if (data.CELERY_FLOWER_EXPOSE_SERVICE === true && host === undefined) {
    data.CELERY_FLOWER_HOST = `flower.${lmsHost}`; // the plugin's default
  }
  const flower = data.CELERY_FLOWER === true;
  if (flower && data.CELERY_FLOWER_BASIC_AUTH_SECRET === undefined) {
    data.CELERY_FLOWER_BASIC_AUTH_SECRET = SECRET;
  }
  if (data.CELERY_FLOWER_DOCKER_IMAGE === PLUGIN_FLOWER_IMAGE)
    delete data.CELERY_FLOWER_DOCKER_IMAGE;

  const mapped = new Results();
  const settings = fromTutorSettings(
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: KIND }, data },
    mapped,
  );
  const checked = settings && readConfig(settings.config, mapped);
  // Messages in config.yml's terms: its key, not a ConfigMap's data.
  for (const r of mapped.list) {
    const { resourceRef: _, field, ...rest } = r;
    const key = field?.path.replace(/^data\.?/, '');
    results.list.push({ ...rest, field: { path: `${file}${key ? ` ${key}` : ''}` } });
  }
  if (!settings || !checked) return { results: results.list };

  const namespace = typeof tutor.K8S_NAMESPACE === 'string' ? tutor.K8S_NAMESPACE : 'openedx';
  const notes = [
    `# The CeleryQueues for the tutor-contrib-celery settings of ${file} (celery-queues migrate).`,
    `# Before you use it (${MIGRATION_DOC}):`,
    '# - Disable the plugin first: tutor plugins disable celery && tutor config save.',
    "# - The plugin's workers come from its CELERY_WORKERS_CONFIG filter, Python that config.yml",
    '#   does not hold: write them under spec.lms.queues and spec.cms.queues.',
  ];
  if (flower) {
    notes.push(
      `# - Flower's login goes into a Secret (keep the plugin's, CELERY_FLOWER_BASIC_AUTH):`,
      `#   kubectl create secret generic ${SECRET} --namespace ${namespace} \\`,
      `#     --from-literal=auth="$(tutor config printvalue CELERY_FLOWER_BASIC_AUTH)"`,
    );
  }
  if (Object.keys(data).length === 0) {
    results.warning(
      `${file} holds no tutor-contrib-celery setting (CELERY_*): the CeleryQueues is empty`,
    );
  }
  const config = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: 'celery-queues' },
    spec: settings.config.spec,
  };
  return {
    text: `# yaml-language-server: $schema=${SCHEMA_URL}\n${notes.join('\n')}\n${stringify(config)}`,
    results: results.list,
  };
}
