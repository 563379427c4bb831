import { beforeAll, describe, expect, it } from "vitest";
import { uniqueName, useQdrant } from "../harness/qdrant.js";
import { errorText, rest } from "../harness/qdrant-rest.js";

/**
 * Differences the differential suite found between the in-process server and
 * real Qdrant 1.18, each kept as one example. Runs on whichever server is
 * active, so on the real binary these state what Qdrant does.
 */

const qdrant = useQdrant();
let name = "";

const POINTS = [
  {
    id: 1,
    vector: [1, 0],
    payload: { k: "red", obj: { s: "x" }, arr: [{ a: 1, s: "p" }, { a: 2 }] },
  },
  { id: 2, vector: [0, 1], payload: { k: null, arr: [{ a: 4 }, { a: [4, 6] }], n: 5 } },
  { id: 3, vector: {}, payload: { tags: ["a", "b"], n: 1 } },
];

beforeAll(async () => {
  name = uniqueName("diffreg");
  expect(
    (
      await rest(qdrant, "PUT", `/collections/${name}`, {
        vectors: { v: { size: 2, distance: "Dot" } },
      })
    ).status,
  ).toBe(200);
  const points = POINTS.map((p) => ({
    ...p,
    vector: Array.isArray(p.vector) ? { v: p.vector } : p.vector,
  }));
  expect(
    (await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, { points })).status,
  ).toBe(200);
  const index = await rest(qdrant, "PUT", `/collections/${name}/index?wait=true`, {
    field_name: "arr[].a",
    field_schema: "integer",
  });
  expect(index.status).toBe(200);
});

const ids = async (filter: unknown): Promise<unknown[]> => {
  const reply = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, {
    filter,
    with_payload: false,
  });
  expect(reply.status).toBe(200);
  return (reply.body as { result: { points: { id: unknown }[] } }).result.points.map((p) => p.id);
};

const payloadOf = async (id: number, withPayload: unknown): Promise<unknown> => {
  const reply = await rest(qdrant, "POST", `/collections/${name}/points`, {
    ids: [id],
    with_payload: withPayload,
  });
  expect(reply.status).toBe(200);
  return (reply.body as { result: { payload?: unknown }[] }).result[0]?.payload;
};

describe("filters", () => {
  it("an empty should list constrains nothing", async () => {
    expect(await ids({ should: [] })).toEqual([1, 2, 3]);
  });

  it("a min_count beyond usize is a format error", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, {
      filter: { min_should: { conditions: [], min_count: 1e40 } },
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(/^Format error in JSON body: /);
  });

  it("min_should with no conditions, or min_count 0, is met by every point", async () => {
    expect(await ids({ min_should: { conditions: [], min_count: 1 } })).toEqual([1, 2, 3]);
    expect(await ids({ min_should: { conditions: [{ has_id: [1] }], min_count: 0 } })).toEqual([
      1, 2, 3,
    ]);
  });

  it("inside nested, min_should with no conditions and min_count 0 is met", async () => {
    expect(
      await ids({
        must: [
          { nested: { key: "arr", filter: { min_should: { conditions: [], min_count: 0 } } } },
        ],
      }),
    ).toEqual([1, 2]);
  });

  it("a values_count bound beyond usize is a format error", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, {
      filter: { must: [{ key: "n", values_count: { gt: 1e40 } }] },
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(/^Format error in JSON body: /);
  });

  it("a point id beyond 2^64 - 1 is a format error", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, {
      filter: { should: [{ has_id: [1e40] }] },
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(/^Format error in JSON body: /);
  });

  it("inside nested, an empty should matches no element", async () => {
    expect(await ids({ must: [{ nested: { key: "arr", filter: { should: [] } } }] })).toEqual([]);
  });

  it("values_count counts a null value as no value", async () => {
    expect(await ids({ must: [{ key: "k", values_count: { gte: 1 } }] })).toEqual([1]);
  });

  it("names the condition's place in the body when it has no condition (422)", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/count`, {
      filter: { should: { key: "n" }, must: [{ has_id: [1] }, { key: "k" }] },
    });
    expect(reply.status).toBe(422);
    // Qdrant lists the problems in hash-map order, which changes from one server process to the next.
    const text = errorText(reply);
    const prefix = "Validation error in JSON body: [";
    expect(text.startsWith(prefix) && text.endsWith("]")).toBe(true);
    const problems = text.slice(prefix.length, -1).split("; ").sort();
    expect(problems).toEqual([
      "count_request.filter.must[1].__all__: Validation error: At least one field condition must be specified [{}]",
      "count_request.filter.should[0].__all__: Validation error: At least one field condition must be specified [{}]",
    ]);
  });

  it("reports a bad key path as an invalid json path, not as an unmatched condition", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, {
      filter: { must: [{ key: "a..b", match: { value: 1 } }] },
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(/^Format error in JSON body: Invalid json path: 'a\.\.b'/);
  });
  it("a range bound sent as null is an unset bound", async () => {
    expect(
      await ids({ must: [{ key: "n", range: { gt: null, gte: 2, lt: null, lte: 6 } }] }),
    ).toEqual([2]);
  });

  it("a polygon ring of fewer than 4 points, or not closed, is a format error", async () => {
    const at = (x: number, y: number) => ({ lon: x, lat: y });
    for (const points of [
      [at(0, 0), at(3, 0), at(0, 0)],
      [at(0, 0), at(3, 0), at(3, 3), at(0, 3)],
    ]) {
      const reply = await rest(qdrant, "POST", `/collections/${name}/points/count`, {
        filter: { must: [{ key: "g", geo_polygon: { exterior: { points } } }] },
      });
      expect(reply.status).toBe(400);
      expect(errorText(reply)).toMatch(
        /^Format error in JSON body: Validation failed: polygon invalid, /,
      );
    }
  });

  it("a polygon's interiors that are no list are a format error", async () => {
    const ring = [0, 1, 2, 0].map((x) => ({ lon: x, lat: x === 1 ? 1 : 0 }));
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/count`, {
      filter: { must: [{ key: "g", geo_polygon: { exterior: { points: ring }, interiors: 0 } }] },
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(/^Format error in JSON body: /);
  });

  it("a nested key that already ends in [] walks the array once", async () => {
    const nested = (key: string) => ({
      must: [{ nested: { key, filter: { must: [{ key: "s", match: { value: "p" } }] } } }],
    });
    expect(await ids(nested("arr[]"))).toEqual([1]);
    expect(await ids(nested("arr"))).toEqual([1]);
  });
});

describe("payload selectors", () => {
  it("include keeps an object whose included key is missing as {}", async () => {
    expect(await payloadOf(1, { include: ["obj.a"] })).toEqual({ obj: {} });
  });

  it("include keeps no element for an index step, and a scalar whole", async () => {
    expect(await payloadOf(1, { include: ["arr[0]", "k.x"] })).toEqual({ arr: [], k: "red" });
  });

  it("include under [] keeps that part of every element", async () => {
    expect(await payloadOf(1, { include: ["arr[].a"] })).toEqual({ arr: [{ a: 1 }, { a: 2 }] });
  });

  it("exclude with an index step removes nothing", async () => {
    expect(await payloadOf(3, { exclude: ["tags[0]"] })).toEqual({ tags: ["a", "b"], n: 1 });
  });

  it("a record read without payload has no payload key", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points`, { ids: [1] });
    expect((reply.body as { result: object[] }).result[0]).not.toHaveProperty("payload");
  });

  it("an unknown name in with_vector fails a read that finds points, not an empty one", async () => {
    const found = await rest(qdrant, "POST", `/collections/${name}/points`, {
      ids: [1],
      with_vector: ["nope"],
    });
    expect(found.status).toBe(400);
    expect(errorText(found)).toBe("Wrong input: Not existing vector name error: nope");
    const none = await rest(qdrant, "POST", `/collections/${name}/points`, {
      ids: [],
      with_vector: ["nope"],
    });
    expect(none.status).toBe(200);
  });

  it("scroll and retrieve refuse with_vector: null", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, {
      with_vector: null,
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(/^Format error in JSON body: /);
  });
  it("with_vectors reads as with_vector, and both at once is a format error", async () => {
    const scroll = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, {
      with_vectors: true,
      with_payload: false,
      limit: 1,
    });
    expect(scroll.status).toBe(200);
    expect((scroll.body as { result: { points: unknown[] } }).result.points).toEqual([
      { id: 1, vector: { v: [1, 0] } },
    ]);
    const retrieve = await rest(qdrant, "POST", `/collections/${name}/points`, {
      ids: [2],
      with_vectors: ["v"],
    });
    expect((retrieve.body as { result: unknown[] }).result).toEqual([
      { id: 2, vector: { v: [0, 1] } },
    ]);
    const both = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, {
      with_vectors: true,
      with_vector: false,
    });
    expect(both.status).toBe(400);
    expect(errorText(both)).toMatch(/^Format error in JSON body: duplicate field `with_vector`/);
  });
});

describe("scroll and query", () => {
  it("order_by lists a point once per distinct value", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, {
      order_by: "arr[].a",
      with_payload: false,
    });
    const points = (reply.body as { result: { points: { id: number; order_value: number }[] } })
      .result.points;
    expect(points.map((p) => [p.id, p.order_value])).toEqual([
      [1, 1],
      [1, 2],
      [2, 4],
      [2, 6],
    ]);
  });

  it("a query without query scores every point 1", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/query`, { limit: 1 });
    expect(
      (reply.body as { result: { points: { score: number }[] } }).result.points[0]?.score,
    ).toBe(1);
  });

  it("a query by a point id that lacks the vector is 404", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/query`, {
      query: 3,
      using: "v",
    });
    expect(reply.status).toBe(404);
    expect(errorText(reply)).toBe('Not found: Vector with name "v" for point not found');
  });

  it("a query of no known form, or a using of the wrong type, fails before the limit's 422", async () => {
    for (const body of [
      { query: [1, "a"], limit: 0 },
      { query: -1, limit: 0 },
      { query: [1, 0], using: 0, limit: 0 },
    ]) {
      const reply = await rest(qdrant, "POST", `/collections/${name}/points/query`, body);
      expect(reply.status).toBe(400);
      expect(errorText(reply)).toMatch(/^Format error in JSON body: /);
    }
  });

  it("a query of no known form is a format error", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/query`, { query: "x" });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(/^Format error in JSON body: /);
  });

  it("score_threshold and using of the wrong type are format errors", async () => {
    for (const body of [
      { query: [1, 1], using: "v", score_threshold: [] },
      { query: [1, 1], using: 0 },
    ]) {
      const reply = await rest(qdrant, "POST", `/collections/${name}/points/query`, body);
      expect(reply.status).toBe(400);
    }
  });

  it("a score_threshold of the wrong type fails before the vector name is looked up", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/query`, {
      query: [1, 1],
      using: "nope",
      score_threshold: {},
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(/^Format error in JSON body: /);
  });

  it("a format error in a body wins over a validation error", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, {
      limit: 0,
      offset: -1,
    });
    expect(reply.status).toBe(400);
  });

  it("count refuses an exact that is not a boolean, null included", async () => {
    for (const exact of [0, null]) {
      const reply = await rest(qdrant, "POST", `/collections/${name}/points/count`, { exact });
      expect(reply.status).toBe(400);
    }
  });

  it("a collection name with / under /points is the path validator's 422", async () => {
    const reply = await rest(qdrant, "POST", "/collections/bad%2Fname/points/scroll", {});
    expect(reply.status).toBe(422);
    expect(errorText(reply)).toBe(
      'Validation error in path parameters: [collection_name: collection name cannot contain "/" char]',
    );
  });
});

describe("updates", () => {
  it("a delete's filter is not validated: a condition with no test selects no point", async () => {
    const other = uniqueName("diffreg_sel");
    expect(
      (
        await rest(qdrant, "PUT", `/collections/${other}`, {
          vectors: { size: 1, distance: "Dot" },
        })
      ).status,
    ).toBe(200);
    try {
      const points = [
        { id: 1, vector: [1], payload: { k: "a" } },
        { id: 2, vector: [1], payload: {} },
      ];
      await rest(qdrant, "PUT", `/collections/${other}/points?wait=true`, { points });
      const deleted = await rest(qdrant, "POST", `/collections/${other}/points/delete?wait=true`, {
        filter: { must: [{ key: "k" }] },
      });
      expect(deleted.status).toBe(200);
      const count = await rest(qdrant, "POST", `/collections/${other}/points/count`, {});
      expect((count.body as { result: { count: number } }).result.count).toBe(2);
    } finally {
      await rest(qdrant, "DELETE", `/collections/${other}`);
    }
  });

  it("an empty points list is an empty update request, even beside a filter", async () => {
    for (const [path, body] of [
      ["/points/payload", { points: [], filter: {}, payload: { x: 1 } }],
      ["/points/delete", { points: [] }],
      ["/points", { points: [] }],
    ] as const) {
      const method = path === "/points" ? "PUT" : "POST";
      const reply = await rest(qdrant, method, `/collections/${name}${path}?wait=true`, body);
      expect(reply.status).toBe(400);
      expect(errorText(reply)).toBe("Bad request: Empty update request");
    }
  });

  it("set_payload at a key removes the keys set to null there", async () => {
    const set = await rest(qdrant, "POST", `/collections/${name}/points/payload?wait=true`, {
      points: [1],
      key: "obj",
      payload: { s: null, t: 2 },
    });
    expect(set.status).toBe(200);
    expect(await payloadOf(1, ["obj"])).toEqual({ obj: { t: 2 } });
  });

  it("set_payload under [] turns a value that is no array into []", async () => {
    const set = await rest(qdrant, "POST", `/collections/${name}/points/payload?wait=true`, {
      points: [2],
      key: "k[]",
      payload: { x: 1 },
    });
    expect(set.status).toBe(200);
    expect(await payloadOf(2, ["k"])).toEqual({ k: [] });
  });

  it("delete_payload with an index step removes nothing", async () => {
    const deleted = await rest(
      qdrant,
      "POST",
      `/collections/${name}/points/payload/delete?wait=true`,
      {
        points: [3],
        keys: ["tags[0]"],
      },
    );
    expect(deleted.status).toBe(200);
    expect(await payloadOf(3, ["tags"])).toEqual({ tags: ["a", "b"] });
  });
});

describe("collection bodies", () => {
  it("top-level quantization and optimizer_config are stored as quantization_config and optimizers_config", async () => {
    const other = uniqueName("diffreg_alias");
    const created = await rest(qdrant, "PUT", `/collections/${other}`, {
      vectors: { size: 2, distance: "Dot", quantization: { binary: {} } },
      quantization: { scalar: { type: "int8" } },
      optimizer_config: { indexing_threshold: 5 },
    });
    expect(created.status).toBe(200);
    try {
      const info = await rest(qdrant, "GET", `/collections/${other}`);
      const config = (info.body as { result: { config: Record<string, Record<string, unknown>> } })
        .result.config;
      expect(config.quantization_config).toEqual({ scalar: { type: "int8" } });
      expect(config.optimizer_config?.indexing_threshold).toBe(5);
      expect(config.params?.vectors).toEqual({
        size: 2,
        distance: "Dot",
        quantization_config: { binary: {} },
      });
      const patched = await rest(qdrant, "PATCH", `/collections/${other}`, {
        quantization: "Disabled",
      });
      expect(patched.status).toBe(200);
      const after = await rest(qdrant, "GET", `/collections/${other}`);
      expect(
        (after.body as { result: { config: Record<string, unknown> } }).result.config
          .quantization_config,
      ).toBeNull();
    } finally {
      await rest(qdrant, "DELETE", `/collections/${other}`);
    }
  });

  it("a create stores config without its null fields, auto threads as null and null metadata keys", async () => {
    const other = uniqueName("diffreg_nulls");
    const created = await rest(qdrant, "PUT", `/collections/${other}`, {
      vectors: { size: 2, distance: "Dot", hnsw_config: { m: 4, ef_construct: null } },
      quantization_config: { scalar: { type: "int8", quantile: null } },
      optimizers_config: { max_optimization_threads: "auto" },
      strict_mode_config: { enabled: true, multivector_config: { a: { max_vectors: null } } },
      sparse_vectors: { s: { index: { on_disk: null } } },
      metadata: { owner: null, version: 2 },
    });
    expect(created.status).toBe(200);
    try {
      const info = await rest(qdrant, "GET", `/collections/${other}`);
      const config = (info.body as { result: { config: Record<string, Record<string, unknown>> } })
        .result.config;
      expect(config.params?.vectors).toEqual({ size: 2, distance: "Dot", hnsw_config: { m: 4 } });
      expect(config.params?.sparse_vectors).toEqual({ s: { index: {} } });
      expect(config.quantization_config).toEqual({ scalar: { type: "int8" } });
      expect(config.optimizer_config?.max_optimization_threads).toBeNull();
      expect(config.strict_mode_config?.multivector_config).toEqual({ a: {} });
      expect(config.metadata).toEqual({ owner: null, version: 2 });
    } finally {
      await rest(qdrant, "DELETE", `/collections/${other}`);
    }
  });

  it("a create refuses vectors: null and an empty sparse vector name", async () => {
    const nullVectors = await rest(qdrant, "PUT", `/collections/${uniqueName("diffreg_nv")}`, {
      vectors: null,
    });
    expect(nullVectors.status).toBe(400);
    expect(errorText(nullVectors)).toMatch(/^Format error in JSON body: /);
    const emptyName = await rest(qdrant, "PUT", `/collections/${uniqueName("diffreg_sn")}`, {
      sparse_vectors: { "": {} },
    });
    expect(emptyName.status).toBe(400);
    expect(errorText(emptyName)).toBe("Wrong input: Sparse vector name cannot be empty");
  });

  it("an update of a vector's hnsw_config with nulls only leaves it without one", async () => {
    const other = uniqueName("diffreg_hnsw");
    expect(
      (
        await rest(qdrant, "PUT", `/collections/${other}`, {
          vectors: { b: { size: 1, distance: "Dot" } },
        })
      ).status,
    ).toBe(200);
    try {
      const patched = await rest(qdrant, "PATCH", `/collections/${other}`, {
        vectors: { b: { hnsw_config: { m: null, on_disk: null } } },
      });
      expect(patched.status).toBe(200);
      const info = await rest(qdrant, "GET", `/collections/${other}`);
      const params = (info.body as { result: { config: { params: { vectors: unknown } } } }).result
        .config.params;
      expect(params.vectors).toEqual({ b: { size: 1, distance: "Dot" } });
    } finally {
      await rest(qdrant, "DELETE", `/collections/${other}`);
    }
  });

  it("an update names the first unknown sparse vector in sorted order", async () => {
    const other = uniqueName("diffreg_sorted");
    expect((await rest(qdrant, "PUT", `/collections/${other}`, {})).status).toBe(200);
    try {
      const reply = await rest(qdrant, "PATCH", `/collections/${other}`, {
        sparse_vectors: { b: {}, a: {} },
      });
      expect(reply.status).toBe(400);
      expect(errorText(reply)).toBe("Wrong input: Not existing vector name error: a");
    } finally {
      await rest(qdrant, "DELETE", `/collections/${other}`);
    }
  });

  it("a create's 422 lists its problems joined by '; ', a named vector's size as vectors.?.size", async () => {
    const reply = await rest(qdrant, "PUT", `/collections/${uniqueName("diffreg_422")}`, {
      vectors: { a: { size: 65537, distance: "Dot" } },
      shard_number: 0,
    });
    expect(reply.status).toBe(422);
    const text = errorText(reply);
    const prefix = "Validation error in JSON body: [";
    expect(text.startsWith(prefix)).toBe(true);
    expect(text.slice(prefix.length, -1).split("; ").sort()).toEqual([
      "shard_number: value 0 invalid, must be 1 or larger",
      "vectors.?.size: value 65537 invalid, must be from 1 to 65536",
    ]);
  });

  it("an alias beside its field is serde's duplicate field error", async () => {
    const reply = await rest(qdrant, "PUT", `/collections/${uniqueName("diffreg_dup")}`, {
      vectors: { size: 2, distance: "Dot" },
      quantization: { scalar: { type: "int8" } },
      quantization_config: { binary: {} },
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(
      /^Format error in JSON body: duplicate field `quantization_config`/,
    );
  });
});

describe("routes Qdrant 1.18 still serves beside /points/query", () => {
  it("search/batch answers each search in order", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/search/batch`, {
      searches: [
        { vector: { name: "v", vector: [1, 0] }, limit: 1 },
        { vector: { name: "v", vector: [0, 1] }, limit: 1, with_payload: ["n"] },
      ],
    });
    expect(reply.status).toBe(200);
    const result = (reply.body as { result: { id: unknown; payload?: unknown }[][] }).result;
    expect(result.map((hits) => hits.map((h) => h.id))).toEqual([[1], [2]]);
    expect(result[1]?.[0]?.payload).toEqual({ n: 5 });
  });

  it("recommend averages the positive examples and leaves them out", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/recommend`, {
      positive: [1],
      using: "v",
      limit: 5,
    });
    expect(reply.status).toBe(200);
    expect((reply.body as { result: { id: unknown }[] }).result.map((h) => h.id)).toEqual([2]);
  });

  it("recommend without a positive example is a bad request", async () => {
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/recommend/batch`, {
      searches: [{ negative: [1], using: "v", limit: 1 }],
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toBe(
      "Bad request: At least one positive vector ID required with this strategy",
    );
  });

  it("discover on a missing collection is not an empty 404", async () => {
    const reply = await rest(qdrant, "POST", "/collections/diffreg_none/points/discover", {
      target: 1,
      limit: 1,
    });
    expect(reply.status).toBe(404);
    expect(errorText(reply)).toBe("Not found: Collection `diffreg_none` doesn't exist!");
  });
});

describe("filters on a key with a payload index", () => {
  const indexed = uniqueName("diffreg_idx");

  beforeAll(async () => {
    expect(
      (
        await rest(qdrant, "PUT", `/collections/${indexed}`, {
          vectors: { size: 1, distance: "Dot" },
        })
      ).status,
    ).toBe(200);
    const points: { id: number; vector: number[]; payload: Record<string, unknown> }[] = [
      [],
      "quick fox",
      ["a", "b"],
      null,
      undefined,
      ["a", null],
      5,
      -1,
    ].map((k, i) => ({ id: i + 1, vector: [1], payload: k === undefined ? {} : { k } }));
    // Keys of other index types, on points 9 to 12.
    points.push(
      { id: 9, vector: [1], payload: { n: 1, d: "2024-01-01T00:00:00Z", g: { lon: 0, lat: 0 } } },
      { id: 10, vector: [1], payload: { n: 5, d: "2023-01-01T00:00:00Z", g: { lon: 1, lat: 1 } } },
      { id: 11, vector: [1], payload: { n: 1.5, d: 5, g: { lon: 5, lat: 5 } } },
      { id: 12, vector: [1], payload: { n: "x", d: "red" } },
      { id: 13, vector: [1], payload: { arr: [{ a: 1 }, { a: null }] } },
      { id: 14, vector: [1], payload: { arr: [{ a: [] }, { a: null }], f: 2.5 } },
    );
    expect(
      (await rest(qdrant, "PUT", `/collections/${indexed}/points?wait=true`, { points })).status,
    ).toBe(200);
    for (const [field_name, field_schema] of [
      ["k", "keyword"],
      ["n", "integer"],
      ["d", "datetime"],
      ["g", "geo"],
      ["arr[].a", "integer"],
      ["f", "float"],
    ]) {
      const reply = await rest(qdrant, "PUT", `/collections/${indexed}/index?wait=true`, {
        field_name,
        field_schema,
      });
      expect(reply.status).toBe(200);
    }
  });

  const selected = async (condition: Record<string, unknown>): Promise<unknown[]> => {
    const reply = await rest(qdrant, "POST", `/collections/${indexed}/points/scroll`, {
      filter: { must: [{ key: "k", ...condition }] },
      limit: 20,
      with_payload: false,
    });
    expect(reply.status).toBe(200);
    return (reply.body as { result: { points: { id: unknown }[] } }).result.points.map((p) => p.id);
  };

  it("a match the index answers ignores is_null and is_empty beside it", async () => {
    expect(await selected({ match: { value: "a" }, is_null: true })).toEqual([3, 6]);
    expect(await selected({ match: { value: "a" }, is_empty: true })).toEqual([3, 6]);
  });

  it("is_empty and is_null come before values_count", async () => {
    // Points 9 to 14 have no `k`: empty, and not null.
    expect(await selected({ values_count: { gt: 1 }, is_empty: true })).toEqual([
      1, 4, 5, 9, 10, 11, 12, 13, 14,
    ]);
    expect(await selected({ values_count: { gt: 1 }, is_null: false })).toEqual([
      1, 2, 3, 5, 7, 8, 9, 10, 11, 12, 13, 14,
    ]);
  });

  it("the index answers with its first answerable test: match, range, then the geo shapes", async () => {
    expect(await selected({ key: "n", match: { value: 1 }, range: { gt: 4 } })).toEqual([9]);
    // A keyword list is no match an integer or datetime index answers: the range decides.
    expect(
      await selected({ key: "d", match: { except: [] }, range: { lt: "2023-06-01T00:00:00Z" } }),
    ).toEqual([10]);
    const box = { top_left: { lon: 4, lat: 6 }, bottom_right: { lon: 6, lat: 4 } };
    const circle = { center: { lon: 0, lat: 0 }, radius: 1000 };
    expect(await selected({ key: "g", geo_bounding_box: box, geo_radius: circle })).toEqual([11]);
  });

  it("the index sees only the values it holds", async () => {
    // 1.5 is no integer and 5 no datetime: neither index holds them.
    expect(await selected({ key: "n", range: { gt: 1 } })).toEqual([10]);
    // Numeric bounds on a datetime index compare the timestamp; no bound matches every datetime.
    expect(await selected({ key: "d", range: { gte: null } })).toEqual([9, 10]);
  });

  it("an integer or float index reads datetime bounds as timestamps", async () => {
    expect(await selected({ key: "n", range: { gte: "1970-01-01T00:00:00Z" } })).toEqual([9, 10]);
    // No float is past 2024 in microseconds: only points without `f` pass must_not.
    const reply = await rest(qdrant, "POST", `/collections/${indexed}/points/count`, {
      filter: { must: [{ key: "f", range: { gt: "2024-01-01T00:00:00Z" }, is_empty: false }] },
    });
    expect((reply.body as { result: { count: number } }).result.count).toBe(0);
  });

  it("over a [] path, the index finds a point null when any value is, empty when all are", async () => {
    const notNull = await selected({ key: "arr[].a", is_null: false });
    expect(notNull).not.toContain(13);
    expect(notNull).not.toContain(14);
    const empty = await selected({ key: "arr[].a", is_empty: true });
    expect(empty).toContain(14);
    expect(empty).not.toContain(13);
  });

  it("a match the index cannot answer leaves is_null in charge, as without an index", async () => {
    expect(await selected({ match: { text: "quick" }, is_null: true })).toEqual([4, 6]);
  });
});

describe("collection metadata", () => {
  it("an update gives a collection without metadata the update's, nulls included", async () => {
    const other = uniqueName("diffreg_meta");
    expect((await rest(qdrant, "PUT", `/collections/${other}`, {})).status).toBe(200);
    try {
      expect(
        (await rest(qdrant, "PATCH", `/collections/${other}`, { metadata: { x: null, y: 1 } }))
          .status,
      ).toBe(200);
      const info = await rest(qdrant, "GET", `/collections/${other}`);
      expect(
        (info.body as { result: { config: { metadata?: unknown } } }).result.config.metadata,
      ).toEqual({ x: null, y: 1 });
    } finally {
      await rest(qdrant, "DELETE", `/collections/${other}`);
    }
  });
});
