// Tutor's Django settings ConfigMaps (`openedx-settings-lms-<hash>`, `openedx-settings-cms-<hash>`),
// found the way the pods find them: through the stock workers' volumes, whatever the names.
import type { Item } from '../krm/item.js';
import { SERVICES, type ServiceName } from '../names.js';
import { mountedConfigMaps } from './broker.js';
import type { StockWorker, TutorInstance } from './instances.js';

/** The settings module Django reads (`lms.envs.tutor.production`) is `production.py` there. */
export const PRODUCTION_KEY = 'production.py';

export interface SettingsMount {
  /** Whose settings: the ConfigMap mounted where `<service>.envs.tutor` lives. */
  service: ServiceName;
  /** The ConfigMap's name as the workers reference it. */
  name: string;
  /** The ConfigMap, when the input holds it. */
  item: Item | undefined;
  /** The stock workers that mount it. */
  mountedBy: StockWorker[];
}

/**
 * The LMS and CMS settings ConfigMaps the stock workers of an instance mount. Tutor mounts them
 * at /openedx/edx-platform/<service>/envs/tutor/ in volumes `settings-<service>`; either tells.
 */
export function findSettings(
  instance: TutorInstance,
  find: (kind: string, namespace: string, name: string) => Item | undefined,
): SettingsMount[] {
  const byName = new Map<string, SettingsMount>();
  for (const service of SERVICES) {
    const stock = instance.workers[service];
    if (!stock) continue;
    for (const mounted of mountedConfigMaps(stock)) {
      const owner = settingsService(mounted.volume, mounted.mountPaths);
      if (!owner) continue;
      let entry = byName.get(mounted.name);
      if (!entry) {
        entry = {
          service: owner,
          name: mounted.name,
          item: find('ConfigMap', instance.namespace, mounted.name),
          mountedBy: [],
        };
        byName.set(mounted.name, entry);
      }
      if (!entry.mountedBy.includes(stock)) entry.mountedBy.push(stock);
    }
  }
  return [...byName.values()].sort(
    (a, b) => SERVICES.indexOf(a.service) - SERVICES.indexOf(b.service) || cmp(a.name, b.name),
  );
}

/** Whose settings a volume holds, by where it is mounted or by its name. */
export function settingsService(
  volume: string,
  mountPaths: readonly string[],
): ServiceName | undefined {
  for (const path of mountPaths) {
    const m = /\/(lms|cms)\/envs\/tutor\/*$/.exec(path);
    if (m) return m[1] as ServiceName;
  }
  const m = /^settings-(lms|cms)$/.exec(volume);
  return m ? (m[1] as ServiceName) : undefined;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
