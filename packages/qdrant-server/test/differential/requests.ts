import fc from "fast-check";
import { type CollectionFixture, UUIDS } from "./collections.js";
import type { Cut, Ordering } from "./compare.js";
import { filterArb } from "./filters.js";
import type { Exchange } from "./servers.js";
import { corrupted, JUNK as SPEC_JUNK, specArbitrary } from "./spec-arbitrary.js";

/**
 * Generated requests, one area each, against a loaded collection. Every case
 * knows how its answers are compared (`ordering`, and the `limit` that may
 * cut a run of ties).
 */

export interface Case {
  exchange: Exchange;
  ordering: Ordering;
  cut?: Cut;
}

export interface Target {
  fixture: CollectionFixture;
  /** The collection's name (the same on both servers). */
  name: string;
}

const pointId = (fixture: CollectionFixture) =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...fixture.points.map((p) => p.id)) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 45 }) },
    { weight: 1, arbitrary: fc.constantFrom<number | string>(...UUIDS) },
  );

const SELECTOR_PATHS = [
  "k",
  "n",
  "obj",
  "obj.a",
  "obj.inner",
  "obj.inner.x",
  "obj.missing",
  "arr",
  "arr[].a",
  "arr[].s",
  "arr[0]",
  "arr[].sub[].x",
  "arr[].sub",
  "arr[1]",
  "arr[].tags[0]",
  '"dot.key"',
  "dot.key",
  "dot",
  "arr.a",
  "tags",
  "tags[0]",
  "missing",
] as const;

/** `with_payload` by the spec's WithPayloadInterface, its keys from SELECTOR_PATHS. */
export const payloadSelector = specArbitrary(
  "WithPayloadInterface",
  {
    recursive: new Set(),
    leaveOut: new Set(),
    mapKeys: [],
    maxDepth: 1,
    at: (_site, schema) =>
      schema.type === "string" ? fc.constantFrom(...SELECTOR_PATHS) : undefined,
  },
  [],
);

/** `with_vector`, sometimes by its serde alias `with_vectors`. */
const vectorSelectorField = fc.constantFrom("with_vector", "with_vector", "with_vectors");

function vectorSelector(fixture: CollectionFixture) {
  const names = fixture.vectorNames[0] === "" ? ["", "nope"] : [...fixture.vectorNames, "nope"];
  return fc.oneof(fc.boolean(), fc.uniqueArray(fc.constantFrom(...names), { maxLength: 2 }));
}

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

/** Scroll and count under generated filters: which points a filter selects. */
export function filterCase({ fixture, name }: Target): fc.Arbitrary<Case> {
  const filter = filterArb({ vectorNames: fixture.vectorNames });
  return fc.oneof(
    filter.map((f) => ({
      exchange: {
        method: "POST",
        path: `/collections/${name}/points/scroll`,
        body: { filter: f, limit: 100, with_payload: false },
      },
      ordering: "exact" as const,
    })),
    filter.map((f) => ({
      exchange: {
        method: "POST",
        path: `/collections/${name}/points/count`,
        body: { filter: f, exact: true },
      },
      ordering: "exact" as const,
    })),
  );
}

/** Payload and vector selectors on scroll, retrieve and GET point. */
export function selectorCase({ fixture, name }: Target): fc.Arbitrary<Case> {
  const vectors = vectorSelector(fixture);
  return fc.oneof(
    fc
      .record({
        with_payload: payloadSelector,
        vector: optional(vectors),
        field: vectorSelectorField,
      })
      .map(({ vector, field, ...body }) => ({
        exchange: {
          method: "POST",
          path: `/collections/${name}/points/scroll`,
          body: dropUndefined({ ...body, [field]: vector, limit: 100 }),
        },
        ordering: "exact" as const,
      })),
    fc
      .record({
        ids: fc.array(pointId(fixture), { maxLength: 4 }),
        with_payload: optional(payloadSelector),
        vector: optional(vectors),
        field: vectorSelectorField,
      })
      .map(({ vector, field, ...body }) => ({
        exchange: {
          method: "POST",
          path: `/collections/${name}/points`,
          body: dropUndefined({ ...body, [field]: vector }),
        },
        ordering: "exact" as const,
      })),
    pointId(fixture).map((id) => ({
      exchange: { method: "GET", path: `/collections/${name}/points/${id}` },
      ordering: "exact" as const,
    })),
  );
}

/** Scroll pages: offsets, limits, filters, and `order_by` on range-indexed keys. */
export function scrollCase({ fixture, name }: Target): fc.Arbitrary<Case> {
  const filter = optional(filterArb({ vectorNames: fixture.vectorNames }));
  // order_by on a key without a range index answers a text that is being
  // fixed elsewhere; only range-indexed keys are ordered by here.
  const rangeKeys = fixture.indexes
    .filter((i) => ["integer", "float", "datetime"].includes(i.field_schema))
    .map((i) => i.field_name);
  const plain = fc
    .record({
      offset: optional(pointId(fixture)),
      limit: optional(fc.integer({ min: 1, max: 12 })),
      filter,
      with_payload: optional(fc.boolean()),
    })
    .map((body) => ({
      exchange: {
        method: "POST",
        path: `/collections/${name}/points/scroll`,
        body: dropUndefined(body),
      },
      ordering: "exact" as const,
    }));
  if (rangeKeys.length === 0) return plain;
  const ordered = fc
    .record({
      order_by: fc.oneof(
        fc.constantFrom(...rangeKeys),
        fc.record(
          {
            key: fc.constantFrom(...rangeKeys),
            direction: fc.constantFrom("asc", "desc"),
            start_from: fc.oneof(fc.integer({ min: -3, max: 6 }), fc.constant(1.5)),
          },
          { requiredKeys: ["key"] },
        ),
      ),
      limit: fc.integer({ min: 1, max: 40 }),
      filter,
    })
    .map((body) => ({
      exchange: {
        method: "POST",
        path: `/collections/${name}/points/scroll`,
        body: { ...dropUndefined(body), with_payload: false },
      },
      ordering: "order_value" as const,
      cut: { limit: body.limit },
    }));
  return fc.oneof(plain, ordered);
}

/** Nearest-neighbour queries with filters, thresholds, offsets and selectors. */
export function queryCase({ fixture, name }: Target): fc.Arbitrary<Case> {
  const named = fixture.vectorNames[0] !== "";
  const vector = fc.array(
    fc.integer({ min: -8, max: 8 }).map((n) => n / 4),
    { minLength: fixture.dim, maxLength: fixture.dim },
  );
  return fc
    .record({
      query: fc.oneof({ weight: 4, arbitrary: vector }, { weight: 1, arbitrary: pointId(fixture) }),
      using: named ? fc.constantFrom(...fixture.vectorNames) : fc.constant(undefined),
      filter: optional(filterArb({ vectorNames: fixture.vectorNames })),
      score_threshold: optional(fc.integer({ min: -16, max: 16 }).map((n) => n / 4)),
      limit: fc.integer({ min: 1, max: 35 }),
      offset: optional(fc.integer({ min: 0, max: 5 })),
      with_payload: optional(payloadSelector),
    })
    .map((body) => ({
      exchange: {
        method: "POST",
        path: `/collections/${name}/points/query`,
        body: dropUndefined(body),
      },
      ordering: "score" as const,
      cut: { limit: body.limit, offset: body.offset, threshold: body.score_threshold },
    }));
}

/** Writes selected by filter (or ids), run against a freshly reset collection. */
export function updateCase({ fixture, name }: Target): fc.Arbitrary<Case> {
  const filter = filterArb({ vectorNames: fixture.vectorNames });
  const selector = fc.oneof(
    { weight: 3, arbitrary: filter.map((f) => ({ filter: f })) },
    {
      weight: 1,
      // Unique ids: Qdrant 1.18.1 was seen to lose a point's payload or vectors when an
      // update lists it twice on a long-used collection (this package's README).
      arbitrary: fc
        .uniqueArray(pointId(fixture), { maxLength: 3, selector: String })
        .map((points) => ({ points })),
    },
  );
  const payload = fc.dictionary(
    fc.constantFrom("k", "n", "obj", "new", "arr"),
    fc.oneof(
      fc.integer({ min: -3, max: 6 }),
      fc.constantFrom("red", "x"),
      fc.constant(null),
      fc.constant({ a: 1 }),
    ),
    { maxKeys: 3 },
  );
  const write = (path: string, method: string, body: fc.Arbitrary<Record<string, unknown>>) =>
    body.map((b) => ({
      exchange: { method, path: `/collections/${name}/points${path}?wait=true`, body: b },
      ordering: "exact" as const,
    }));
  const vectorNames = fixture.vectorNames[0] === "" ? [""] : fixture.vectorNames;
  return fc.oneof(
    write(
      "/payload",
      "POST",
      fc.tuple(selector, payload).map(([s, p]) => ({ ...s, payload: p })),
    ),
    write(
      "/payload",
      "POST",
      fc
        .tuple(
          selector,
          payload,
          fc.constantFrom("obj", "obj.inner", "arr[]", "arr[0]", "new.deep"),
        )
        .map(([s, p, key]) => ({ ...s, payload: p, key })),
    ),
    write(
      "/payload",
      "PUT",
      fc.tuple(selector, payload).map(([s, p]) => ({ ...s, payload: p })),
    ),
    write(
      "/payload/delete",
      "POST",
      fc
        .tuple(selector, fc.uniqueArray(fc.constantFrom(...SELECTOR_PATHS), { maxLength: 3 }))
        .map(([s, keys]) => ({ ...s, keys })),
    ),
    write("/payload/clear", "POST", selector),
    write("/delete", "POST", selector),
    write(
      "/vectors/delete",
      "POST",
      fc
        .tuple(selector, fc.uniqueArray(fc.constantFrom(...vectorNames), { minLength: 1 }))
        .map(([s, vector]) => ({ ...s, vector })),
    ),
  );
}

/** The scroll that reads a whole collection back after a write. */
export function readAll(name: string): Exchange {
  return {
    method: "POST",
    path: `/collections/${name}/points/scroll`,
    body: { limit: 100, with_payload: true, with_vector: true },
  };
}

export function dropUndefined<T extends Record<string, unknown>>(body: T): Partial<T> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Values that are wrong somewhere: wrong types, out of range, unknown shapes. */
const JUNK = [0, -1, 1.5, "x", true, null, [], {}, [1, "a"], { unknown: 1 }, "5f2b0a3c"] as const;

/**
 * Invalid requests: a valid body with one or two fields replaced by junk,
 * unknown fields, malformed JSON, and unknown or ill-formed collection names.
 */
export function invalidCase({ fixture, name }: Target): fc.Arbitrary<Case> {
  const junk = fc.constantFrom<unknown>(...JUNK);
  const endpoints: {
    path: string;
    method: string;
    body: Record<string, unknown>;
    fields: string[];
  }[] = [
    {
      path: "/points/scroll",
      method: "POST",
      body: { limit: 5 },
      // No junk `order_by`: its no-range-index text is a known difference fixed elsewhere.
      fields: ["limit", "offset", "filter", "with_payload", "with_vector", "bogus"],
    },
    {
      path: "/points/count",
      method: "POST",
      body: { exact: true },
      fields: ["exact", "filter", "bogus"],
    },
    {
      path: "/points/query",
      method: "POST",
      body: {
        query: Array(fixture.dim).fill(0.5),
        using: fixture.vectorNames[0] || undefined,
        limit: 3,
      },
      fields: ["query", "using", "limit", "offset", "score_threshold", "filter", "with_payload"],
    },
    {
      path: "/points",
      method: "POST",
      body: { ids: [fixture.points[0]?.id ?? 0] },
      fields: ["ids", "with_payload", "with_vector"],
    },
  ];
  const mutated = fc
    .record({
      endpoint: fc.constantFrom(...endpoints),
      changes: fc.array(fc.tuple(fc.nat(), junk), { minLength: 1, maxLength: 2 }),
    })
    .map(({ endpoint, changes }) => {
      const body: Record<string, unknown> = dropUndefined({ ...endpoint.body });
      for (const [n, value] of changes) {
        body[endpoint.fields[n % endpoint.fields.length] as string] = value;
      }
      // A query that stays valid is ranked: ties may be cut at either end.
      const ranked = endpoint.path === "/points/query";
      return {
        exchange: { method: endpoint.method, path: `/collections/${name}${endpoint.path}`, body },
        ordering: ranked ? ("score" as const) : ("exact" as const),
        cut: ranked ? { offset: 1, limit: 0 } : undefined,
      };
    });
  const filterJunk = fc
    .record({
      key: fc.constantFrom("k", "n", "arr[].a", "bad key", "a..b", ""),
      condition: fc.constantFrom<Record<string, unknown>>(
        {},
        { match: {} },
        { match: { value: 1.5 } },
        { match: { value: null } },
        { match: { any: [1, "a"] } },
        { range: {} },
        { range: { gt: "x" } },
        { values_count: { gt: -1 } },
        { geo_radius: { center: { lon: 0, lat: 0 } } },
        { match: { value: "a" }, range: { gt: 1 } },
      ),
      wrap: fc.constantFrom("must", "should", "must_not", "min_should"),
    })
    .map(({ key, condition, wrap }) => {
      const c = { key, ...condition };
      const filter =
        wrap === "min_should" ? { min_should: { conditions: [c], min_count: 0 } } : { [wrap]: [c] };
      return {
        exchange: {
          method: "POST",
          path: `/collections/${name}/points/scroll`,
          body: { filter },
        },
        ordering: "exact" as const,
      };
    });
  const names = fc
    .constantFrom("does_not_exist", "bad%2Fname", "a:b", "sp%20ace", "%3F")
    .map((bad) => ({
      exchange: { method: "POST", path: `/collections/${bad}/points/scroll`, body: {} },
      ordering: "exact" as const,
    }));
  const malformed = fc
    .constantFrom("{", "[]", "null", '{"limit": 1,}', "", '"text"')
    .map((raw) => ({
      exchange: { method: "POST", path: `/collections/${name}/points/scroll`, body: raw },
      ordering: "exact" as const,
    }));
  // A spec-generated filter with one value in it replaced by junk, or an unknown field added.
  const corruptFilter = fc
    .record({
      filter: filterArb({ vectorNames: fixture.vectorNames }),
      place: fc.nat(),
      junk: fc.constantFrom<unknown>(...SPEC_JUNK),
      endpoint: fc.constantFrom("scroll", "count"),
    })
    .map(({ filter, place, junk, endpoint }) => ({
      exchange: {
        method: "POST",
        path: `/collections/${name}/points/${endpoint}`,
        body: { filter: corrupted(filter, place, junk) },
      },
      ordering: "exact" as const,
    }));
  return fc.oneof(
    { weight: 4, arbitrary: mutated },
    { weight: 4, arbitrary: corruptFilter },
    { weight: 2, arbitrary: filterJunk },
    { weight: 1, arbitrary: names },
    { weight: 1, arbitrary: malformed },
  );
}
