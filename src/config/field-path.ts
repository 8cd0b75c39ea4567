// How messages name a field: `spec.lms.queues.high.extraArgs[0]`, `data.CELERY_FLOWER`.

/** `['spec','lms','queues','high','extraArgs',0]` -> `spec.lms.queues.high.extraArgs[0]`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else {
      const key = String(part);
      out += /^[A-Za-z_][\w-]*$/.test(key) ? `${out ? '.' : ''}${key}` : `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}
