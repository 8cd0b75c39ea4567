// Kubernetes' rules for label keys and values, annotation keys and object names
// (k8s.io/apimachinery/pkg/util/validation), so the config refuses what the API server would.
// Each check returns what is wrong, or undefined.

const DNS_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS_SUBDOMAIN = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);
const NAME_PART = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** An object name such as a PriorityClass's: a DNS subdomain. */
export function dnsSubdomainProblem(name: string): string | undefined {
  if (name.length > 253) return 'must be at most 253 characters';
  if (!DNS_SUBDOMAIN.test(name)) {
    return 'must be lowercase letters, digits, "-" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** A label or annotation key: `[prefix/]name`, the prefix a DNS subdomain. */
export function qualifiedNameProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (slash >= 0) {
    const prefix = key.slice(0, slash);
    const problem = prefix === '' ? 'must not be empty' : dnsSubdomainProblem(prefix);
    if (problem) return `its prefix ${JSON.stringify(prefix)} ${problem}`;
  }
  if (name.length === 0 || name.length > 63) return 'its name part must be 1 to 63 characters';
  if (!NAME_PART.test(name)) {
    return 'its name part must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** A label value: empty, or up to 63 characters of the label-name alphabet. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63) return 'must be at most 63 characters';
  if (value !== '' && !NAME_PART.test(value)) {
    return 'must be letters, digits, "-", "_" and ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/**
 * A key of a Secret or ConfigMap (`secretKeyRef.key`): IsConfigMapKey, `[-._a-zA-Z0-9]+`, at
 * most 253 characters, not `.` or `..` and not starting with `..`.
 */
export function secretKeyProblem(key: string): string | undefined {
  if (key.length > 253) return 'must be at most 253 characters';
  if (!/^[-._a-zA-Z0-9]+$/.test(key)) return 'must be letters, digits, "-", "_" and "."';
  if (key === '.' || key.startsWith('..')) return 'must not be "." or start with ".."';
  return undefined;
}
