// zod as the config schema uses it: the functional build (zod/mini), which builds a schema of
// this size several times faster than the classic one with its methods on every schema (the
// function pays that on every run), set up before any schema is built (so import this module
// before zod/mini itself). zod/mini is imported as a namespace where it is used: a namespace
// passed on whole would carry every locale and the JSON Schema code into the bundle.
import {
  _default,
  boolean,
  clone,
  config,
  type core,
  globalRegistry,
  gte,
  int as integer,
  lazy,
  lte,
  never,
  optional,
  type ZodMiniDefault,
  type ZodMiniLazy,
  ZodMiniObject,
  type ZodMiniOptional,
  ZodMiniString,
  type ZodMiniType,
  type strictObject as zodStrictObject,
} from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// The messages the classic build gives (it sets English up itself), and no generated parsers:
// a config is parsed once a run, and compiling zod's (a `new Function` per object schema,
// outside the bundle's code cache) costs more than it saves.
config({ ...en(), jitless: true });

// Descriptions and metadata are for the JSON Schema and the config reference (docs.ts, made by
// scripts/gen.mjs and checked by the tests), never for a run: the function's bundle has no call
// of these two, and none of their text (scripts/without-schema-docs.mjs drops them). Each is a
// copy of its part of the schema.

/** A copy of a schema with a description, as classic zod's `.describe()` (docs, JSON Schema). */
export function describe<T extends ZodMiniType>(schema: T, description: string): T {
  return meta(schema, { description });
}

/** A copy of a schema with metadata (as classic zod's `.meta()`). */
export function meta<T extends ZodMiniType>(schema: T, data: Record<string, unknown>): T {
  const copy = clone(schema);
  globalRegistry.add(copy, data);
  return copy;
}

/** Every part made with `deferred`, with its builder (see test/config.test.ts). */
export const deferredParts: (() => ZodMiniType)[] = [];

/**
 * A part of the schema built when first needed: when a config sets it, or when the JSON Schema
 * and the config reference are made. A config sets few of the fields, and every schema zod makes
 * costs each start. zod asks a part whether it may be absent or undefined: `deferred` answers as
 * the part itself would for a part that neither has a default nor is optional (a mapping, a
 * list), without building it. Use it only for such parts, and put no `describe`, `meta` or
 * `check` on the result (they would copy it without that answer): describe inside the builder.
 */
export function deferred<T extends ZodMiniType>(build: () => T): ZodMiniLazy<T> {
  deferredParts.push(build);
  const part = lazy(build);
  Object.defineProperty(part._zod, 'optin', { value: undefined });
  Object.defineProperty(part._zod, 'optout', { value: undefined });
  return part;
}

/**
 * A part of deferred parts, built with the first of them that is built and shared by all: a
 * `deferred` of its own would cost a lazy schema in every run, built or not.
 */
export function once<T extends ZodMiniType>(build: () => T): () => T {
  let made: T | undefined;
  return () => {
    made ??= build();
    return made;
  };
}

// Parts that many fields have alike are built once and shared: a zod schema is never changed
// once built (`describe`, `meta`, `check` and the wrappers make new ones around it), and each
// one built costs every start, the more so with checks (each `check` copies the schema).

/** One `never` for the unknown keys of every strict object (zod's `strictObject` makes one each). */
const unknownKey = never();

type Strict<T extends core.$ZodLooseShape> = ReturnType<typeof zodStrictObject<T>>;

/**
 * A mapping with these fields and no others (zod's `strictObject`), and `checks` on it: built
 * with them, where zod's `check` would build the object twice, the second time with them.
 */
export function strictObject<T extends core.$ZodLooseShape>(
  shape: T,
  ...checks: core.$ZodCheck<NoInfer<core.output<Strict<T>>>>[]
): Strict<T> {
  return new ZodMiniObject({ type: 'object', shape, catchall: unknownKey, checks }) as Strict<T>;
}

/** A string with `checks` on it, built with them (as `strictObject`). */
export function string(...checks: core.$ZodCheck<string>[]): ZodMiniString {
  return new ZodMiniString({ type: 'string', checks });
}

const integers = new Map<string, ZodMiniType<number>>();

/** A whole number of at least `min` (and at most `max`). */
export function int(min: number, max?: number): ZodMiniType<number> {
  const key = `${min} ${max}`;
  let made = integers.get(key);
  if (!made) {
    made = integer().check(gte(min), ...(max === undefined ? [] : [lte(max)]));
    integers.set(key, made);
  }
  return made;
}

const yesNo = boolean();
const onByDefault = _default(yesNo, true);
const offByDefault = _default(yesNo, false);
const unset = optional(yesNo);

/** A true/false field with its default, or optional without one. */
export function flag(byDefault: boolean): ZodMiniDefault<typeof yesNo>;
export function flag(): ZodMiniOptional<typeof yesNo>;
export function flag(byDefault?: boolean) {
  if (byDefault === undefined) return unset;
  return byDefault ? onByDefault : offByDefault;
}
