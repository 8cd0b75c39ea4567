// The JSON Schema and the reference table of docs/config-reference.md, both derived from the zod
// schema.

import * as z from 'zod/mini';
import { EDX_PLATFORM_ROUTES } from '../celery/edx-platform.js';
import { celeryQueues, SCHEMA_URL } from './schema.js';

type JsonSchema = {
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  default?: unknown;
  description?: string;
  const?: unknown;
  enum?: unknown[];
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  /** A Kubernetes type (affinity, resources...): the table names it instead of its fields. */
  'x-kubernetes'?: string;
};

/** The JSON Schema as published (fn-config/): standard keywords only, so strict validators take it. */
export function jsonSchema(): JsonSchema & { $schema?: string; $id?: string; title?: string } {
  return withoutKey(annotatedSchema(), 'x-kubernetes');
}

function withoutKey<T>(value: T, drop: string): T {
  if (Array.isArray(value)) return value.map((v) => withoutKey(v, drop)) as T;
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([k]) => k !== drop)
      .map(([k, v]) => [k, withoutKey(v, drop)]),
  ) as T;
}

/** The JSON Schema with the reference table's own marks (`x-kubernetes`). */
function annotatedSchema(): JsonSchema & { $schema?: string; $id?: string; title?: string } {
  const schema = z.toJSONSchema(celeryQueues, {
    io: 'input',
    target: 'draft-2020-12',
    // A part whose rule zod checks in code says it in JSON Schema's words (kubernetes.ts,
    // `jsonSchema`): put in place of what the conversion made of it.
    override: ({ jsonSchema: made }) => {
      const own = (made as { json?: Record<string, unknown> }).json;
      if (!own) return;
      const kept = { description: made.description, default: made.default };
      for (const key of Object.keys(made)) delete (made as Record<string, unknown>)[key];
      Object.assign(made, own);
      for (const [key, value] of Object.entries(kept)) {
        if (value !== undefined) (made as Record<string, unknown>)[key] = value;
      }
    },
  }) as JsonSchema;
  return { $id: SCHEMA_URL, title: 'CeleryQueues', ...schema };
}

/** Placeholders for the keys of maps, by the field that holds them. */
const KEY_NAMES: Record<string, string> = {
  queues: '<variant>',
  groups: '<group>',
  lms: '<task>',
  cms: '<task>',
  requests: '<resource>',
  limits: '<resource>',
  labels: '<label>',
};

export function referenceTable(): string {
  const rows: string[] = ['| Field | Type | Default | Description |', '|---|---|---|---|'];
  const walk = (schema: JsonSchema, path: string, parentKey: string) => {
    const s = unwrap(schema);
    if (path) {
      rows.push(
        `| \`${path}\` | ${typeName(s)} | ${s.default === undefined ? '' : `\`${JSON.stringify(s.default)}\``} | ${escapeCell(descriptionOf(schema, s))} |`,
      );
    }
    if (s['x-kubernetes'] || scalarMap(s)) return;
    if (s.properties) {
      for (const [key, child] of Object.entries(s.properties)) {
        walk(child, path ? `${path}.${key}` : key, key);
      }
    } else if (s.type === 'array' && s.items && unwrap(s.items).properties) {
      walk(s.items, `${path}[]`, parentKey);
    } else if (typeof s.additionalProperties === 'object') {
      const placeholder = KEY_NAMES[parentKey] ?? '<name>';
      walk(s.additionalProperties, `${path}.${placeholder}`, placeholder);
    }
  };
  const root = annotatedSchema();
  walk(inline(root, root.$defs ?? {}), '', '');
  return rows.join('\n');
}

/** The schema with every `$ref` to `$defs` replaced by what it names (the schema has no cycles). */
function inline<T>(value: T, defs: Record<string, JsonSchema>): T {
  if (Array.isArray(value)) return value.map((v) => inline(v, defs)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const { $ref, $defs: _, ...rest } = value as JsonSchema;
  const target = $ref?.startsWith('#/$defs/') ? defs[$ref.slice('#/$defs/'.length)] : undefined;
  if (target) return inline({ ...target, ...rest } as T, defs);
  const out = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, inline(v, defs)]));
  return ($ref ? { $ref, ...out } : out) as T;
}

/** A map of plain values (labels, annotations): one row says it all. */
function scalarMap(s: JsonSchema): JsonSchema | undefined {
  const values = s.additionalProperties;
  if (s.properties || typeof values !== 'object') return undefined;
  return values.type === 'object' || values.anyOf ? undefined : values;
}

function unwrap(s: JsonSchema): JsonSchema {
  const options = s.anyOf?.filter((o) => o.type !== 'null');
  return options?.length === 1 ? { ...options[0], ...s, anyOf: undefined } : s;
}

function typeName(s: JsonSchema): string {
  if (s['x-kubernetes']) return `Kubernetes ${s['x-kubernetes']}`;
  if (s.const !== undefined) return `\`${JSON.stringify(s.const)}\``;
  if (s.enum) return s.enum.map((e) => `\`${JSON.stringify(e)}\``).join(' \\| ');
  if (s.type === 'array') return `list of ${s.items ? typeName(unwrap(s.items)) : 'any'}`;
  const values = scalarMap(s);
  if (values) return `map of ${typeName(values)}`;
  if (s.type === 'object') return s.properties ? 'object' : 'map';
  if (s.anyOf) return s.anyOf.map((o) => typeName(unwrap(o))).join(' or ');
  const bounds = [
    s.minimum !== undefined && s.minimum > Number.MIN_SAFE_INTEGER ? `≥ ${s.minimum}` : '',
    s.exclusiveMinimum !== undefined ? `> ${s.exclusiveMinimum}` : '',
    s.maximum !== undefined && s.maximum < Number.MAX_SAFE_INTEGER ? `≤ ${s.maximum}` : '',
  ].filter(Boolean);
  return `${Array.isArray(s.type) ? s.type.join(' or ') : (s.type ?? 'any')}${bounds.length ? ` (${bounds.join(', ')})` : ''}`;
}

function descriptionOf(outer: JsonSchema, inner: JsonSchema): string {
  return outer.description ?? inner.description ?? '';
}

function escapeCell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** docs/task-routing.md's table: where edx-platform sends its tasks, by default (src/celery/edx-platform.ts). */
export function routesTable(): string {
  const rows = [
    '| Sent by | Task | What it does | Default queue (the setting) |',
    '|---|---|---|---|',
  ];
  for (const service of ['lms', 'cms'] as const) {
    for (const r of EDX_PLATFORM_ROUTES[service]) {
      rows.push(
        `| ${service.toUpperCase()} | \`${r.task}\` | ${r.what} | \`${r.queue}\` (${r.setting}) |`,
      );
    }
  }
  return rows.join('\n');
}
