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

/** fieldPath's inverse; undefined for a text fieldPath does not write (`(root)`, say). */
export function parseFieldPath(text: string): PropertyKey[] | undefined {
  const path: PropertyKey[] = [];
  const part = /(?:^|\.)([A-Za-z_][\w-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/y;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (!m || (m[1] !== undefined && at > 0 && text[at] !== '.')) return undefined;
    if (m[1] !== undefined) path.push(m[1]);
    else if (m[2] !== undefined) path.push(Number(m[2]));
    else path.push(JSON.parse(m[3] as string) as string);
    at = part.lastIndex;
  }
  return fieldPath(path) === text ? path : undefined;
}
