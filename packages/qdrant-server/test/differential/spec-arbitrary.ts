import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";

/**
 * Values generated from Qdrant's OpenAPI spec (`test/fixtures/qdrant-openapi.json`,
 * the same file as `../shared/qdrant/openapi.json`): every `anyOf` variant,
 * every property of an object, an optional property absent, present or an
 * explicit `null`. What the spec cannot say (which payload keys exist, which
 * values a collection holds) comes from the caller's vocabulary, by schema
 * and property name.
 */

export type Schema = Record<string, unknown>;

const specPath = join(
  dirname(fileURLToPath(import.meta.url)),
  "..",
  "fixtures",
  "qdrant-openapi.json",
);
const schemas = (
  JSON.parse(readFileSync(specPath, "utf8")) as { components: { schemas: Record<string, Schema> } }
).components.schemas;

/** Where a value sits: the nearest named schema, and the property it fills. */
export interface Site {
  schema: string | undefined;
  property: string | undefined;
  /** How many `Filter`s deep (bounded by `maxDepth`). */
  depth: number;
  /** Payload key paths `key` fields take here (inside `nested`, paths in one element). */
  keys: readonly string[];
}

export interface Vocabulary {
  /** An arbitrary that replaces what the spec would generate at this site, or undefined. */
  at(site: Site, schema: Schema): fc.Arbitrary<unknown> | undefined;
  /** Keys of maps (`additionalProperties`): vector names, metadata keys. */
  mapKeys: readonly string[];
  /** Variants never generated (a spec newer than the binary compared against). */
  leaveOut: ReadonlySet<string>;
  /** Schemas that recurse; at `maxDepth` a variant leading to them is left out. */
  recursive: ReadonlySet<string>;
  maxDepth: number;
}

const memo = new WeakMap<Vocabulary, Map<string, fc.Arbitrary<unknown>>>();

/** Left out of an object, as opposed to present with `null`. */
const ABSENT = Symbol("absent");

export function schemaNamed(name: string): Schema {
  const schema = schemas[name];
  if (!schema) throw new Error(`the spec has no schema ${name}`);
  return schema;
}

/** An arbitrary for the spec's schema `name`. */
export function specArbitrary(
  name: string,
  vocabulary: Vocabulary,
  keys: readonly string[],
): fc.Arbitrary<unknown> {
  return generate(
    { $ref: `#/components/schemas/${name}` },
    { schema: undefined, property: undefined, depth: 0, keys },
    vocabulary,
  );
}

function refName(schema: Schema): string | undefined {
  const ref = schema.$ref;
  return typeof ref === "string" ? ref.slice(ref.lastIndexOf("/") + 1) : undefined;
}

/** True when a variant (through `$ref`s) leads straight to a recursive schema. */
function leadsToRecursion(schema: Schema, vocabulary: Vocabulary): boolean {
  const name = refName(schema);
  if (name) return vocabulary.recursive.has(name);
  const items = schema.items as Schema | undefined;
  return items ? leadsToRecursion(items, vocabulary) : false;
}

export function generate(
  schema: Schema,
  site: Site,
  vocabulary: Vocabulary,
): fc.Arbitrary<unknown> {
  const name = refName(schema);
  if (name) {
    const inner: Site = {
      ...site,
      schema: name,
      depth: name === "Filter" ? site.depth + 1 : site.depth,
    };
    // Recursive schemas build the same arbitraries at each depth: built once.
    const built = memo.get(vocabulary) ?? new Map<string, fc.Arbitrary<unknown>>();
    memo.set(vocabulary, built);
    const id = `${name}|${inner.depth}|${inner.keys.join(",")}|${inner.property}`;
    let arbitrary = built.get(id);
    if (!arbitrary) {
      arbitrary = vocabulary.at(inner, schema) ?? generate(schemaNamed(name), inner, vocabulary);
      built.set(id, arbitrary);
    }
    return arbitrary;
  }
  const given = vocabulary.at(site, schema);
  if (given) return given;
  if (Array.isArray(schema.allOf)) return generate(schema.allOf[0] as Schema, site, vocabulary);
  const variants = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  if (variants) {
    const deep = site.depth >= vocabulary.maxDepth;
    const real = variants.filter(
      (v) =>
        !(Object.keys(v).length === 1 && v.nullable === true) &&
        !(deep && leadsToRecursion(v, vocabulary)) &&
        !vocabulary.leaveOut.has(refName(v) ?? ""),
    );
    if (real.length === 0) return fc.constant(null);
    return fc.oneof(...real.map((v) => generate(v, site, vocabulary)));
  }
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case "object":
      return objectOf(schema, site, vocabulary);
    case "array": {
      const items = (schema.items ?? {}) as Schema;
      const minLength = typeof schema.minItems === "number" ? schema.minItems : 0;
      return fc.array(generate(items, site, vocabulary), { minLength, maxLength: minLength + 3 });
    }
    case "string":
      return fc.constantFrom("", "x", "red");
    case "integer": {
      const min = typeof schema.minimum === "number" ? schema.minimum : -2;
      return fc.integer({ min, max: min + 6 });
    }
    case "number": {
      const min = typeof schema.minimum === "number" ? schema.minimum : -3;
      const max = typeof schema.maximum === "number" ? schema.maximum : min + 9;
      return fc.integer({ min: min * 4, max: max * 4 }).map((n) => n / 4);
    }
    case "boolean":
      return fc.boolean();
    default:
      return fc.constantFrom<unknown>(null, 1, "x", true);
  }
}

function objectOf(schema: Schema, site: Site, vocabulary: Vocabulary): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  const names = Object.keys(properties);
  if (names.length === 0) {
    // A map: its values by the spec when it says, else free JSON.
    const values =
      typeof schema.additionalProperties === "object"
        ? generate(schema.additionalProperties as Schema, site, vocabulary)
        : fc.constantFrom<unknown>(1, "x", null, { a: 1 });
    return fc.dictionary(fc.constantFrom(...vocabulary.mapKeys), values, { maxKeys: 2 });
  }
  const deep = site.depth >= vocabulary.maxDepth;
  const fields: Record<string, fc.Arbitrary<unknown>> = {};
  for (const property of names) {
    const propertySchema = properties[property] as Schema;
    const value = generate(propertySchema, { ...site, property }, vocabulary);
    if (required.has(property)) {
      fields[property] = value;
    } else if (deep && leadsToRecursion(firstVariant(propertySchema), vocabulary)) {
      fields[property] = fc.constant(ABSENT);
    } else {
      fields[property] = fc.oneof(
        { weight: 4, arbitrary: fc.constant(ABSENT) },
        { weight: 3, arbitrary: value },
        { weight: 1, arbitrary: fc.constant(null) },
      );
    }
  }
  return fc
    .record(fields)
    .map((record) => Object.fromEntries(Object.entries(record).filter(([, v]) => v !== ABSENT)));
}

function firstVariant(schema: Schema): Schema {
  const variants = (schema.anyOf ?? schema.oneOf) as Schema[] | undefined;
  return variants?.[0] ?? schema;
}

/** Values that are wrong somewhere: wrong types, out of range, unknown shapes. */
export const JUNK = [
  0,
  -1,
  1.5,
  "x",
  true,
  null,
  [],
  {},
  [1, "a"],
  { unknown: 1 },
  "5f2b0a3c",
  1e40,
] as const;

/**
 * The value with one place in it (counted depth-first: object fields and array
 * items) replaced by `junk`, or, when `n` lands past the last place, an unknown
 * field added to the outermost object.
 */
export function corrupted(value: unknown, n: number, junk: unknown): unknown {
  const places = countPlaces(value);
  if (places === 0) return junk;
  let left = n % (places + 1);
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) {
      return v.map((item) => (left-- === 0 ? junk : walk(item)));
    }
    if (typeof v === "object" && v !== null) {
      return Object.fromEntries(
        Object.entries(v).map(([k, item]) => [k, left-- === 0 ? junk : walk(item)]),
      );
    }
    return v;
  };
  if (left === places) {
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? { ...value, bogus_field: junk }
      : junk;
  }
  return walk(value);
}

function countPlaces(v: unknown): number {
  if (Array.isArray(v)) return v.reduce<number>((n, item) => n + 1 + countPlaces(item), 0);
  if (typeof v === "object" && v !== null) {
    return Object.values(v).reduce<number>((n, item) => n + 1 + countPlaces(item), 0);
  }
  return 0;
}
