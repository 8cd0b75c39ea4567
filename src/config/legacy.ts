// The ConfigMap form of the config: tutor-contrib-celery's Tutor settings (CELERY_*), mapped onto
// the native CeleryQueues resource so both forms give the same output.
import { CONFIG_REF, type Results } from '../krm/results.js';

export function fromTutorSettings(
  _configMap: Record<string, unknown>,
  results: Results,
): unknown | undefined {
  results.error('the ConfigMap form of the config is not supported yet', { ref: CONFIG_REF });
  return undefined;
}
