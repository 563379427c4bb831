import fc from "fast-check";

/**
 * Generated collections for the differential suite: small (≤ 30 points,
 * dim ≤ 4), with one payload vocabulary shared by every collection so the
 * request generators can name keys that exist, keys that do not, and keys
 * whose type differs from point to point. Left out on purpose: full-text
 * indexes (this server's tokeniser is not Qdrant's), multivectors (a known
 * difference fixed elsewhere) and sparse vectors (this package's README).
 */

export type Distance = "Cosine" | "Euclid" | "Dot" | "Manhattan";

export interface CollectionFixture {
  /** Vector names; `[""]` for an unnamed vector. */
  vectorNames: string[];
  dim: number;
  distance: Distance;
  /** The body of `PUT /collections/{name}`. */
  createBody: Record<string, unknown>;
  /** Payload index bodies (`PUT /collections/{name}/index`). */
  indexes: { field_name: string; field_schema: string }[];
  /** Upsert body (`PUT /collections/{name}/points`). */
  points: { id: number | string; vector: unknown; payload: Record<string, unknown> }[];
}

export const KEYWORDS = ["red", "green", "blue", "Red", ""] as const;
export const DATETIMES = [
  "2024-01-01T00:00:00Z",
  "2024-01-01T12:30:00+02:00",
  "2024-01-02T00:00:00.5Z",
  "2024-01-03 08:00:00",
  "2024-01-04",
  "2023-12-31T23:59:59Z",
] as const;
export const TEXTS = ["the quick brown fox", "quick red fox", "lazy dog", "Fox"] as const;
export const UUIDS = [
  "0b7cbd5e-35b0-4cd7-8ae6-0fbb0c8b1a2d",
  "5f2b0a3c-1111-4222-8333-444455556666",
  "ffffffff-0000-4000-8000-000000000001",
] as const;

const keyword = fc.constantFrom(...KEYWORDS);
const smallInt = fc.integer({ min: -3, max: 6 });
/** Floats with short decimal forms, so JSON round trips are exact. */
const smallFloat = fc.integer({ min: -12, max: 24 }).map((n) => n / 4);
const datetime = fc.constantFrom(...DATETIMES);
const geo = fc.record({
  lon: fc.integer({ min: -20, max: 20 }).map((n) => n / 2),
  lat: fc.integer({ min: -20, max: 20 }).map((n) => n / 2),
});
/** A value that is sometimes null, sometimes an array of the kind, sometimes another type. */
const loose = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 6, arbitrary: arb },
    { weight: 2, arbitrary: fc.array(arb, { maxLength: 3 }) },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.oneof(keyword, smallInt, fc.boolean()) },
  );

const element = fc.record(
  {
    a: loose(smallInt),
    s: loose(keyword),
    tags: fc.array(keyword, { maxLength: 3 }),
    sub: fc.array(fc.record({ x: smallInt }, { requiredKeys: [] }), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);

/** One point's payload: every key may be missing. */
export const payloadArb: fc.Arbitrary<Record<string, unknown>> = fc.record(
  {
    k: loose(keyword),
    n: loose(smallInt),
    f: loose(smallFloat),
    d: loose(datetime),
    g: fc.oneof(geo, fc.array(geo, { maxLength: 2 }), fc.constant(null)),
    b: loose(fc.boolean()),
    t: fc.constantFrom(...TEXTS),
    tags: fc.array(keyword, { maxLength: 3 }),
    obj: fc.record(
      { a: loose(smallInt), s: keyword, inner: fc.record({ x: smallInt }, { requiredKeys: [] }) },
      { requiredKeys: [] },
    ),
    arr: fc.oneof(
      { weight: 5, arbitrary: fc.array(element, { maxLength: 3 }) },
      { weight: 1, arbitrary: element },
      { weight: 1, arbitrary: fc.constant(null) },
    ),
    z: fc.constantFrom(null, [], [null], 0, ""),
    // A key with a dot in it (reached as `"dot.key"`) beside an object reached as `dot.key`.
    "dot.key": loose(smallInt),
    dot: fc.record({ key: loose(keyword) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

/** Every payload index this suite may create, with the schema Qdrant takes for it. */
export const INDEXABLE: readonly { field_name: string; field_schema: string }[] = [
  { field_name: "k", field_schema: "keyword" },
  { field_name: "n", field_schema: "integer" },
  { field_name: "f", field_schema: "float" },
  { field_name: "d", field_schema: "datetime" },
  { field_name: "g", field_schema: "geo" },
  { field_name: "b", field_schema: "bool" },
  { field_name: "tags", field_schema: "keyword" },
  { field_name: "obj.a", field_schema: "integer" },
  { field_name: "arr[].s", field_schema: "keyword" },
  { field_name: "arr[].a", field_schema: "integer" },
];

const vectorValue = (dim: number) =>
  fc.array(
    fc
      .integer({ min: -8, max: 8 })
      .filter((n) => n !== 0)
      .map((n) => n / 4),
    { minLength: dim, maxLength: dim },
  );

const idArb = fc.oneof(
  { weight: 9, arbitrary: fc.integer({ min: 0, max: 40 }) },
  { weight: 1, arbitrary: fc.constantFrom<number | string>(...UUIDS) },
);

export const collectionArb: fc.Arbitrary<CollectionFixture> = fc
  .record({
    named: fc.boolean(),
    dim: fc.integer({ min: 1, max: 4 }),
    distance: fc.constantFrom<Distance>("Cosine", "Euclid", "Dot", "Manhattan"),
    indexes: fc.subarray([...INDEXABLE]),
  })
  .chain(({ named, dim, distance, indexes }) => {
    const vectorNames = named ? ["a", "b"] : [""];
    const vector = named
      ? // A named-vector point may lack either vector (Qdrant's optional vectors).
        fc.record({ a: vectorValue(dim), b: vectorValue(dim) }, { requiredKeys: [] })
      : vectorValue(dim);
    const points = fc.uniqueArray(fc.record({ id: idArb, vector, payload: payloadArb }), {
      minLength: 1,
      maxLength: 30,
      selector: (p) => p.id,
    });
    const params = { size: dim, distance };
    return points.map((pts) => ({
      vectorNames,
      dim,
      distance,
      createBody: { vectors: named ? { a: params, b: params } : params },
      indexes,
      points: pts,
    }));
  });
