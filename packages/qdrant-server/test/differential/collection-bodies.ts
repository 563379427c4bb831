import fc from "fast-check";
import type { Exchange } from "./servers.js";
import { type Schema, type Site, specArbitrary, type Vocabulary } from "./spec-arbitrary.js";

/**
 * Collection create and update bodies from the spec's `CreateCollection` and
 * `UpdateCollection`, sent in the order a migration sends them: create, read
 * the config back, update, read it again, drop. What a body stores is what
 * `GET /collections/{c}` reports in `config`.
 */

/** A placeholder for the collection's name, replaced when the case runs. */
export const NEW_COLLECTION = "$NEW";

export interface CollectionCase {
  steps: { exchange: Exchange; configOnly: boolean }[];
}

/** Serde aliases Qdrant reads for these bodies (src/serde-aliases.ts). */
const ALIASES: Record<string, string> = {
  quantization_config: "quantization",
  optimizers_config: "optimizer_config",
};

const vocabulary: Vocabulary = {
  recursive: new Set(),
  mapKeys: ["a", "b", ""],
  // Qdrant 1.19's (in the spec), unknown to the 1.18.1 binary compared against.
  leaveOut: new Set(["TurboQuantization", "Memory", "PayloadStorageParams"]),
  maxDepth: 1,
  at(site: Site, schema: Schema) {
    // turbo4 is Qdrant 1.19's, unknown to the 1.18.1 binary.
    if (site.schema === "Datatype") return fc.constantFrom("float32", "uint8", "float16");
    switch (site.property) {
      case "size":
        return fc.oneof(
          { weight: 8, arbitrary: fc.integer({ min: 1, max: 4 }) },
          { weight: 1, arbitrary: fc.constantFrom(0, 65537) },
        );
      case "wal_retain_closed":
        // 0 panics Qdrant 1.18.1 (500, `Option::unwrap()` on a `None`), though the spec allows it.
        return fc.integer({ min: 1, max: 3 });
      case "shard_number":
        return fc.integer({ min: 0, max: 2 });
      case "metadata":
        return fc.dictionary(
          fc.constantFrom("version", "owner", "x"),
          fc.constantFrom<unknown>(1, "v2", null, { a: [1] }),
          { maxKeys: 2 },
        );
      default:
        break;
    }
    if (schema.type === "integer" && typeof schema.minimum !== "number") {
      return fc.integer({ min: 0, max: 6 });
    }
    return undefined;
  },
};

const withAliases = (body: unknown, rename: boolean[]): unknown => {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  const out: Record<string, unknown> = { ...body };
  Object.entries(ALIASES).forEach(([field, alias], i) => {
    if (rename[i] && field in out) {
      out[alias] = out[field];
      delete out[field];
    }
  });
  return out;
};

const body = (name: string) =>
  fc
    .tuple(
      specArbitrary(name, vocabulary, []),
      fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
    )
    .map(([b, rename]) => withAliases(b, rename));

export const collectionCase: fc.Arbitrary<CollectionCase> = fc
  .tuple(body("CreateCollection"), body("UpdateCollection"))
  .map(([create, update]) => {
    const path = `/collections/${NEW_COLLECTION}`;
    return {
      steps: [
        { exchange: { method: "PUT", path, body: create }, configOnly: false },
        { exchange: { method: "GET", path }, configOnly: true },
        { exchange: { method: "PATCH", path, body: update }, configOnly: false },
        { exchange: { method: "GET", path }, configOnly: true },
        { exchange: { method: "DELETE", path }, configOnly: false },
      ],
    };
  });
