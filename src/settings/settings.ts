// Task routing in the Django settings: the config's explicitQueues and acksLate written as one
// block at the end of production.py in the LMS and CMS settings ConfigMaps the workers mount,
// and a rollout of every pod that mounts them (src/rollout.ts).

import type { Resource } from '../krm/resources.js';
import { settingsHashAnnotation } from '../names.js';
import { type Family, type InstanceView, oncePerConfig } from '../plan.js';
import { rollOut } from '../rollout.js';
import { findSettings, PRODUCTION_KEY, type SettingsMount } from '../tutor/settings.js';
import { settingsBlock, withBlock } from './block.js';
import { configRoutes, lintRoutes } from './routes.js';

const FIELD = `data[${JSON.stringify(PRODUCTION_KEY)}]`;

/** The block is the config's alone (its routes and acksLate): written once per config. */
const configBlock = oncePerConfig((spec, service) =>
  settingsBlock(configRoutes({ spec }, service), spec.acksLate),
);

export const settings: Family = (view) => {
  const mounts = findSettings(view.instance, (kind, ns, name) =>
    view.resources.find(kind, ns, name),
  );
  for (const mount of mounts) writeSettings(view, mount);
  // After an error nothing is written, so there is no "after the transform" to check.
  if (!view.results.hasErrors) lintRoutes(view);
};

function writeSettings(view: InstanceView, mount: SettingsMount): void {
  const routes = configRoutes(view, mount.service);
  // Without routes to write, only CELERY_ACKS_LATE is at stake: worth a warning, not a failure.
  const problem = (message: string, where: { item: Resource; field?: string }) => {
    const what = `${mount.service.toUpperCase()} settings (${routes.length > 0 ? 'spec.explicitQueues and ' : ''}CELERY_ACKS_LATE) not written`;
    if (routes.length > 0) view.results.error(`${message}: ${what}`, where);
    else view.results.warning(`${message}: ${what}`, where);
  };
  const item = mount.item;
  if (!item) {
    const worker = mount.mountedBy[0]?.item as Resource;
    problem(
      `it mounts ConfigMap ${mount.name} as the ${mount.service.toUpperCase()} settings, and the input lacks it`,
      { item: worker, field: 'spec.template.spec.volumes' },
    );
    return;
  }
  if (item.isLocalConfig) {
    problem('the settings ConfigMap is marked local-config, which the function never changes', {
      item,
    });
    return;
  }
  const text = view.resources.read(item, ['data', PRODUCTION_KEY]);
  if (typeof text !== 'string') {
    problem(`no ${FIELD}`, { item, field: FIELD });
    return;
  }
  const edited = withBlock(text, configBlock(view.spec, mount.service));
  if ('error' in edited) {
    view.results.error(edited.error, { item, field: FIELD });
    return;
  }
  // Spliced into the ConfigMap's text when it can be: the rest of its bytes stay as they came.
  if (edited.text !== text) {
    view.resources.setStrings(item, [{ path: ['data', PRODUCTION_KEY], value: edited.text }]);
  }
  rollOut(view, item, {
    what: `${mount.service.toUpperCase()} settings`,
    field: FIELD,
    hashAnnotation: settingsHashAnnotation(mount.service),
  });
}
