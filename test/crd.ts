// Strict validators from the CRDs in test/schemas/: the schema the API server enforces, with
// every object closed (no unknown fields), so a typo such as `pollingIntervall` fails here
// instead of being pruned silently by the API server.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { ROOT } from './helpers.js';

type Schema = Record<string, any>;

// What the API server accepts in any object's metadata that a generated resource may carry.
const METADATA: Schema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 },
    namespace: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63 },
    labels: { type: 'object', additionalProperties: { type: 'string' } },
    annotations: { type: 'object', additionalProperties: { type: 'string' } },
  },
  additionalProperties: false,
};

/** A copy of a structural schema with every object that lists its properties closed. */
export function closed(schema: Schema): Schema {
  if (Array.isArray(schema)) return schema.map(closed);
  if (!schema || typeof schema !== 'object') return schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    // CEL rules cannot run here; tests check the ones that matter by hand.
    if (k === 'x-kubernetes-validations') continue;
    out[k] = k === 'properties' ? mapValues(v, closed) : closed(v);
  }
  if (
    out.type === 'object' &&
    out.properties &&
    out.additionalProperties === undefined &&
    !out['x-kubernetes-preserve-unknown-fields']
  ) {
    out.additionalProperties = false;
  }
  return out;
}

function mapValues(o: Schema, f: (v: any) => any): Schema {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}

/** The closed schema of a CRD file's served version, metadata included. */
export function crdSchema(file: string, version = 'v1alpha1'): Schema {
  const crd = parse(readFileSync(join(ROOT, 'test', 'schemas', file), 'utf8'));
  const served = crd.spec.versions.find((v: any) => v.name === version);
  if (!served) throw new Error(`${file} has no version ${version}`);
  const schema = closed(served.schema.openAPIV3Schema);
  schema.properties.metadata = METADATA;
  schema.required = [...new Set([...(schema.required ?? []), 'apiVersion', 'kind', 'metadata'])];
  schema.properties.apiVersion = {
    const: `${crd.spec.group}/${version}`,
  };
  schema.properties.kind = { const: crd.spec.names.kind };
  return schema;
}

// CRD patterns are Go regular expressions; some of the Prometheus Operator's use Go's
// case-insensitive group flag `(?i)` (`^(?i)(abort|warn)?$`), which JavaScript spells as a flag.
const goRegExp = Object.assign(
  (pattern: string, flags: string) =>
    pattern.includes('(?i)')
      ? new RegExp(pattern.replaceAll('(?i)', ''), `${flags}i`)
      : new RegExp(pattern, flags),
  { code: 'new RegExp' },
);

export function crdValidator(file: string, version?: string): ValidateFunction {
  // Kubernetes' own keywords (x-kubernetes-*) and formats (int32, int64) mean nothing to ajv.
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateFormats: false,
    code: { regExp: goRegExp },
  });
  return ajv.compile(crdSchema(file, version));
}

/** ajv's errors in one line each, for failure messages. */
export function errorsOf(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? ` (${e.params.additionalProperty})` : ''}`,
  );
}
