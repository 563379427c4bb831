import fc from "fast-check";
import { DATETIMES, KEYWORDS, TEXTS, UUIDS } from "./collections.js";

/**
 * Generated Qdrant `Filter`s over the payload vocabulary of collections.ts:
 * every condition type, nested `must`/`should`/`must_not`/`min_should`.
 */

/** Paths into a point's payload: plain keys, object keys, array walks, misses. */
const PATHS = [
  "k",
  "n",
  "f",
  "d",
  "g",
  "b",
  "t",
  "tags",
  "z",
  "missing",
  "obj.a",
  "obj.s",
  "obj.inner.x",
  "obj.missing",
  "arr[].a",
  "arr[].s",
  "arr[].tags",
  "arr[].sub[].x",
  "arr.a",
  "arr.s",
  "arr[0].a",
  "arr[1].s",
] as const;
/** Paths inside one element of `arr`, for `nested`. */
const ELEMENT_PATHS = ["a", "s", "tags", "sub[].x", "sub", "missing"] as const;

const keyword = fc.constantFrom(...KEYWORDS);
const smallInt = fc.integer({ min: -3, max: 6 });
const bound = fc.oneof(
  smallInt,
  fc.integer({ min: -12, max: 24 }).map((n) => n / 4),
);

const match = fc.oneof(
  fc.record({ value: fc.oneof(keyword, smallInt, fc.boolean()) }),
  fc.record({
    any: fc.oneof(fc.array(keyword, { maxLength: 3 }), fc.array(smallInt, { maxLength: 3 })),
  }),
  fc.record({
    except: fc.oneof(fc.array(keyword, { maxLength: 3 }), fc.array(smallInt, { maxLength: 3 })),
  }),
  fc.record({ text: fc.constantFrom("quick", "fox", "red fox", "dog", ...TEXTS) }),
);

const numberRange = fc.record(
  { lt: bound, gt: bound, lte: bound, gte: bound },
  { requiredKeys: [] },
);
const datetimeRange = fc
  .record(
    {
      lt: fc.constantFrom(...DATETIMES),
      gt: fc.constantFrom(...DATETIMES),
      lte: fc.constantFrom(...DATETIMES),
      gte: fc.constantFrom(...DATETIMES),
    },
    { requiredKeys: [] },
  )
  .filter((r) => Object.keys(r).length > 0);

const geoPoint = fc.record({
  lon: fc.integer({ min: -22, max: 22 }).map((n) => n / 2),
  lat: fc.integer({ min: -22, max: 22 }).map((n) => n / 2),
});

const count = fc.integer({ min: 0, max: 4 });
/**
 * values_count whose bounds never admit 0: whether a missing field counts 0
 * (`lt: 1` matching it) is a known difference being fixed elsewhere.
 */
const valuesCount = fc.oneof(
  fc.record({ gte: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ gt: count }),
  fc.record({ gte: fc.integer({ min: 1, max: 3 }), lte: count }),
  fc.record({ gt: count, lt: fc.integer({ min: 1, max: 5 }) }),
);

function fieldCondition(paths: readonly string[]) {
  const key = fc.constantFrom(...paths);
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ key, match }) },
    { weight: 2, arbitrary: fc.record({ key, range: numberRange }) },
    { weight: 1, arbitrary: fc.record({ key, range: datetimeRange }) },
    { weight: 1, arbitrary: fc.record({ key, values_count: valuesCount }) },
    {
      weight: 1,
      arbitrary: fc.record({
        key,
        geo_radius: fc.record({
          center: geoPoint,
          radius: fc.constantFrom(1000, 300_000, 1_000_000),
        }),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.tuple(geoPoint, geoPoint).map(([p, q]) => ({
        key: "g",
        geo_bounding_box: {
          top_left: { lon: Math.min(p.lon, q.lon), lat: Math.max(p.lat, q.lat) },
          bottom_right: { lon: Math.max(p.lon, q.lon), lat: Math.min(p.lat, q.lat) },
        },
      })),
    },
    { weight: 1, arbitrary: fc.record({ is_empty: fc.record({ key }) }) },
    { weight: 1, arbitrary: fc.record({ is_null: fc.record({ key }) }) },
  );
}

const hasId = fc.record({
  has_id: fc.array(fc.oneof(fc.integer({ min: 0, max: 40 }), fc.constantFrom(...UUIDS)), {
    maxLength: 5,
  }),
});

export interface FilterOptions {
  /** Vector names of the collection, for `has_vector`. */
  vectorNames: string[];
}

/** A Filter object; depth-bounded so a case stays small. */
export function filterArb(options: FilterOptions): fc.Arbitrary<Record<string, unknown>> {
  const { filter } = fc.letrec<{ filter: Record<string, unknown>; condition: unknown }>((tie) => ({
    filter: fc.record(
      {
        must: conditions(tie("condition")),
        should: conditions(tie("condition")),
        must_not: conditions(tie("condition")),
        min_should: fc.array(tie("condition"), { minLength: 1, maxLength: 3 }).chain((list) =>
          fc.record({
            conditions: fc.constant(list),
            min_count: fc.integer({ min: 1, max: list.length + 1 }),
          }),
        ),
      },
      { requiredKeys: [] },
    ),
    condition: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      { weight: 6, arbitrary: fieldCondition(PATHS) },
      { weight: 1, arbitrary: hasId },
      {
        weight: 1,
        arbitrary: fc.record({ has_vector: fc.constantFrom(...options.vectorNames, "nope") }),
      },
      {
        weight: 1,
        arbitrary: fc.record({
          nested: fc.record({
            key: fc.constantFrom("arr", "arr[].sub", "obj"),
            filter: nestedFilter,
          }),
        }),
      },
      { weight: 2, arbitrary: tie("filter") },
    ),
  }));
  return filter;
}

/** Filters inside `nested`: conditions on one element of `arr`. */
const nestedFilter = fc.record(
  {
    must: conditions(fieldCondition(ELEMENT_PATHS)),
    should: conditions(fieldCondition(ELEMENT_PATHS)),
    must_not: conditions(fieldCondition(ELEMENT_PATHS)),
  },
  { requiredKeys: [] },
);

/** A list of conditions, or (as Qdrant also accepts) one condition on its own. */
function conditions(condition: fc.Arbitrary<unknown>) {
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(condition, { maxLength: 3 }) },
    { weight: 1, arbitrary: condition },
  );
}
