import { beforeAll, describe, expect, it } from "vitest";
import { expectValidRequest, expectValidResponse } from "./harness/openapi.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { errorText, rest } from "./harness/qdrant-rest.js";

const qdrant = useQdrant();
const SCROLL = "/collections/{collection_name}/points/scroll";
let name = "";

const PAYLOADS: Record<number, Record<string, unknown>> = {
  1: {
    city: "Berlin",
    n: 1,
    location: { lon: 13.404954, lat: 52.520008 },
    tags: ["a", "b"],
    flag: true,
    when: "2024-01-01T00:00:00Z",
    text: "the quick brown fox",
    country: {
      name: "DE",
      cities: [
        { name: "Berlin", pop: 3 },
        { name: "Bonn", pop: 1 },
      ],
    },
  },
  2: {
    city: "London",
    n: 2,
    location: { lon: -0.1278, lat: 51.5074 },
    tags: ["b"],
    flag: false,
    when: "2024-06-01T12:00:00+02:00",
    empty: [],
    country: { name: "UK", cities: [{ name: "London", pop: 9 }] },
  },
  3: {
    city: "Paris",
    n: 3.5,
    location: { lon: 2.3522, lat: 48.8566 },
    tags: [],
    nullish: null,
    when: "2023-12-31T23:59:59Z",
    country: { name: "FR", cities: [{ name: "Paris", pop: 2 }] },
  },
  4: { n: 4, nulls: [null] },
  5: {},
  6: { city: "Berlin", n: 6 },
};

beforeAll(async () => {
  name = uniqueName("filters");
  const created = await rest(qdrant, "PUT", `/collections/${name}`, {
    vectors: { a: { size: 2, distance: "Dot" }, b: { size: 2, distance: "Dot" } },
  });
  expect(created.status).toBe(200);
  const points = Object.entries(PAYLOADS).map(([id, payload]) => ({
    id: Number(id),
    vector: id === "1" ? { a: [1, 0], b: [0, 1] } : { a: [1, 0] },
    payload,
  }));
  const upserted = await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, { points });
  expect(upserted.status).toBe(200);
});

/** Ids of the points `filter` selects, checked against the spec both ways. */
async function select(filter: unknown): Promise<(number | string)[]> {
  const body = { filter, limit: 100, with_payload: false };
  expectValidRequest("post", SCROLL, body);
  const reply = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, body);
  expectValidResponse("post", SCROLL, reply.status, reply.body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  const result = (reply.body as { result: { points: { id: number | string }[] } }).result;
  return result.points.map((p) => p.id);
}

const key = (k: string, cond: Record<string, unknown>) => ({ key: k, ...cond });

describe("Qdrant server filters: clauses", () => {
  it("must requires every condition", async () => {
    expect(
      await select({
        must: [key("city", { match: { value: "Berlin" } }), key("n", { range: { lt: 5 } })],
      }),
    ).toEqual([1]);
  });

  it("should requires at least one condition", async () => {
    expect(
      await select({
        should: [key("city", { match: { value: "Paris" } }), key("n", { range: { gte: 6 } })],
      }),
    ).toEqual([3, 6]);
  });

  it("must_not excludes points matching any condition", async () => {
    expect(await select({ must_not: [key("city", { match: { value: "Berlin" } })] })).toEqual([
      2, 3, 4, 5,
    ]);
  });

  it("min_should requires min_count of its conditions", async () => {
    const conditions = [
      key("city", { match: { value: "Berlin" } }),
      key("flag", { match: { value: true } }),
      key("tags", { match: { value: "a" } }),
    ];
    expect(await select({ min_should: { conditions, min_count: 2 } })).toEqual([1]);
  });

  it("accepts a single condition in place of a list", async () => {
    expect(await select({ must: key("city", { match: { value: "London" } }) })).toEqual([2]);
  });

  it("nests filters as conditions", async () => {
    const inner = { should: [key("n", { range: { lte: 1 } }), key("n", { range: { gte: 6 } })] };
    expect(await select({ must: [inner, key("city", { match: { value: "Berlin" } })] })).toEqual([
      1, 6,
    ]);
  });
});

describe("Qdrant server filters: match", () => {
  it("matches a keyword, an integer and a boolean exactly", async () => {
    expect(await select({ must: [key("city", { match: { value: "Berlin" } })] })).toEqual([1, 6]);
    expect(await select({ must: [key("n", { match: { value: 2 } })] })).toEqual([2]);
    expect(await select({ must: [key("flag", { match: { value: false } })] })).toEqual([2]);
  });

  it("matches any element of an array value", async () => {
    expect(await select({ must: [key("tags", { match: { value: "b" } })] })).toEqual([1, 2]);
  });

  it("matches any of a list with match.any", async () => {
    expect(await select({ must: [key("city", { match: { any: ["Paris", "London"] } })] })).toEqual([
      2, 3,
    ]);
  });

  it("match.except needs the field and one value outside the list", async () => {
    expect(await select({ must: [key("city", { match: { except: ["Berlin"] } })] })).toEqual([
      2, 3,
    ]);
  });

  it("matches a substring with match.text when the key has no text index", async () => {
    expect(await select({ must: [key("text", { match: { text: "quick brown" } })] })).toEqual([1]);
  });
});

describe("Qdrant server filters: range, datetimes and counts", () => {
  it("compares numbers with lt/gt/lte/gte", async () => {
    expect(await select({ must: [key("n", { range: { gt: 1, lte: 3.5 } })] })).toEqual([2, 3]);
  });

  it("compares RFC 3339 datetimes, offsets included", async () => {
    // Point 2 is 2024-06-01T10:00:00Z once its +02:00 offset is applied.
    const range = { gte: "2024-01-01T00:00:00Z", lt: "2024-06-01T10:00:01Z" };
    expect(await select({ must: [key("when", { range })] })).toEqual([1, 2]);
    expect(
      await select({ must: [key("when", { range: { lt: "2024-06-01T10:00:00Z" } })] }),
    ).toEqual([1, 3]);
  });

  it("counts values with values_count: an array's length, null as 0, a missing field never", async () => {
    expect(await select({ must: [key("tags", { values_count: { gte: 2 } })] })).toEqual([1]);
    // Points 4 to 6 have no tags: real Qdrant does not count them as 0.
    expect(await select({ must: [key("tags", { values_count: { lt: 1 } })] })).toEqual([3]);
    expect(await select({ must: [key("nullish", { values_count: { lt: 1 } })] })).toEqual([3]);
    expect(await select({ must: [key("nulls", { values_count: { gte: 1 } })] })).toEqual([4]);
  });
});

describe("Qdrant server filters: geo", () => {
  const berlin = { lon: 13.404954, lat: 52.520008 };

  it("selects points within a radius in metres", async () => {
    // Berlin–Paris is about 878 km, Berlin–London about 930 km.
    const near = (radius: number) => ({
      must: [key("location", { geo_radius: { center: berlin, radius } })],
    });
    expect(await select(near(500_000))).toEqual([1]);
    expect(await select(near(900_000))).toEqual([1, 3]);
  });

  it("selects points inside a bounding box", async () => {
    const box = { top_left: { lon: -1, lat: 53 }, bottom_right: { lon: 3, lat: 48 } };
    expect(await select({ must: [key("location", { geo_bounding_box: box })] })).toEqual([2, 3]);
  });

  it("selects points inside a polygon and outside its holes", async () => {
    const ring = (points: [number, number][]) => ({
      points: points.map(([lon, lat]) => ({ lon, lat })),
    });
    const geo_polygon = {
      exterior: ring([
        [-2, 47],
        [4, 47],
        [4, 53],
        [-2, 53],
        [-2, 47],
      ]),
      interiors: [
        ring([
          [-1, 51],
          [1, 51],
          [1, 52],
          [-1, 52],
          [-1, 51],
        ]),
      ],
    };
    expect(await select({ must: [key("location", { geo_polygon })] })).toEqual([3]);
  });
});

describe("Qdrant server filters: emptiness, ids and vectors", () => {
  it("is_empty matches missing fields, null and []", async () => {
    expect(await select({ must: [{ is_empty: { key: "tags" } }] })).toEqual([3, 4, 5, 6]);
    expect(await select({ must: [{ is_empty: { key: "nulls" } }] })).toEqual([1, 2, 3, 5, 6]);
  });

  it("is_null matches null only, not a missing field", async () => {
    expect(await select({ must: [{ is_null: { key: "nullish" } }] })).toEqual([3]);
  });

  it("has_id selects the listed ids", async () => {
    expect(await select({ must: [{ has_id: [6, 2, 42] }] })).toEqual([2, 6]);
  });

  it("has_vector selects points that have that named vector", async () => {
    expect(await select({ must: [{ has_vector: "b" }] })).toEqual([1]);
  });
});

describe("Qdrant server filters: nested payloads", () => {
  it("reads object keys with a.b", async () => {
    expect(await select({ must: [key("country.name", { match: { value: "UK" } })] })).toEqual([2]);
  });

  it("reads through arrays with a[].b, each condition on its own", async () => {
    const must = [
      key("country.cities[].name", { match: { value: "Bonn" } }),
      key("country.cities[].pop", { range: { gte: 3 } }),
    ];
    expect(await select({ must })).toEqual([1]);
  });

  it("nested applies the whole filter to one array element at a time", async () => {
    const filter = {
      must: [key("name", { match: { value: "Bonn" } }), key("pop", { range: { gte: 3 } })],
    };
    expect(await select({ must: [{ nested: { key: "country.cities", filter } }] })).toEqual([]);
    const berlin = { must: [key("name", { match: { value: "Berlin" } })] };
    expect(await select({ must: [{ nested: { key: "country.cities", filter: berlin } }] })).toEqual(
      [1],
    );
  });
});

describe("Qdrant server filters: rejected filters", () => {
  it("rejects an unknown field in a filter, as deny_unknown_fields does", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, {
      filter: { must: [], foo: 1 },
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toContain("Format error in JSON body: unknown field `foo`");
  });

  it("rejects a condition of no known shape", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/count`, {
      filter: { must: [{ bogus: true }] },
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toContain("Format error in JSON body:");
  });
});
