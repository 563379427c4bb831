import { describe, expect, it } from "vitest";
import { expectValidRequest, expectValidResponse } from "./harness/openapi.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { errorText, type RestReply, rest } from "./harness/qdrant-rest.js";

const qdrant = useQdrant();
const QUERY = "/collections/{collection_name}/points/query";

interface Scored {
  id: number | string;
  version: number;
  score: number;
  payload?: Record<string, unknown>;
  vector?: unknown;
}

async function collection(distance: string, points: [number, number[]][], size = 2) {
  const name = uniqueName(`query_${distance.toLowerCase()}`);
  const created = await rest(qdrant, "PUT", `/collections/${name}`, {
    vectors: { size, distance },
  });
  expect(created.status).toBe(200);
  const body = {
    points: points.map(([id, vector]) => ({ id, vector, payload: { id, even: id % 2 === 0 } })),
  };
  const upserted = await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, body);
  expect(upserted.status, JSON.stringify(upserted.body)).toBe(200);
  return name;
}

async function query(name: string, body: Record<string, unknown>): Promise<RestReply> {
  expectValidRequest("post", QUERY, body);
  const reply = await rest(qdrant, "POST", `/collections/${name}/points/query`, body);
  expectValidResponse("post", QUERY, reply.status, reply.body);
  return reply;
}

async function points(name: string, body: Record<string, unknown>): Promise<Scored[]> {
  const reply = await query(name, body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return (reply.body as { result: { points: Scored[] } }).result.points;
}

const LINE: [number, number[]][] = [
  [1, [1, 0]],
  [2, [2, 0]],
  [3, [0, 3]],
  [4, [-1, 0]],
];

describe("Qdrant server: query by vector", () => {
  it("ranks by Dot product, best first, without payload or vector by default", async () => {
    const name = await collection("Dot", LINE);
    const got = await points(name, { query: [1, 0] });
    expect(got.map((p) => [p.id, p.score])).toEqual([
      [2, 2],
      [1, 1],
      [3, 0],
      [4, -1],
    ]);
    expect(got[0]).not.toHaveProperty("payload");
    expect(got[0]).not.toHaveProperty("vector");
    expect(got[0]?.version).toEqual(expect.any(Number));
  });

  it("ranks by Cosine similarity of normalised vectors", async () => {
    const name = await collection("Cosine", [
      [1, [1, 1]],
      [2, [3, 0]],
    ]);
    const got = await points(name, { query: { nearest: [2, 0] }, with_vector: true });
    expect(got.map((p) => p.id)).toEqual([2, 1]);
    expect(got[0]?.score).toBe(1);
    expect(got[0]?.vector).toEqual([1, 0]);
  });

  it("ranks by Euclid distance, smallest first, the score being the distance", async () => {
    const name = await collection("Euclid", LINE);
    const got = await points(name, { query: [1, 0], limit: 2 });
    expect(got.map((p) => [p.id, p.score])).toEqual([
      [1, 0],
      [2, 1],
    ]);
  });

  it("ranks by Manhattan distance, smallest first", async () => {
    const name = await collection("Manhattan", LINE);
    const got = await points(name, { query: [0.4, 0.1] });
    expect(got.map((p) => p.id)).toEqual([1, 4, 2, 3]);
    expect(got.map((p) => p.score)).toEqual([0.7, 1.5, 1.7, 3.3].map((x) => expect.closeTo(x, 5)));
  });

  it("applies filter, offset, limit and with_payload", async () => {
    const name = await collection("Dot", LINE);
    const got = await points(name, {
      query: [1, 0],
      filter: { must: [{ key: "even", match: { value: false } }] },
      offset: 1,
      limit: 1,
      with_payload: true,
    });
    expect(got).toEqual([
      { id: 3, version: expect.any(Number), score: 0, payload: { id: 3, even: false } },
    ]);
  });

  it("answers a query without a vector in id order, each point scored 1 at version 0", async () => {
    const name = await collection("Dot", LINE);
    const got = await points(name, { limit: 3, with_payload: ["even"] });
    expect(got).toEqual([
      { id: 1, version: 0, score: 1, payload: { even: false } },
      { id: 2, version: 0, score: 1, payload: { even: true } },
      { id: 3, version: 0, score: 1, payload: { even: false } },
    ]);
  });

  it("keeps only scores strictly better than score_threshold", async () => {
    const name = await collection("Dot", LINE);
    const got = await points(name, { query: [1, 0], score_threshold: 1 });
    expect(got.map((p) => p.id)).toEqual([2]);
  });

  it("queries a named vector chosen with using", async () => {
    const name = uniqueName("query_named");
    await rest(qdrant, "PUT", `/collections/${name}`, {
      vectors: { img: { size: 2, distance: "Dot" }, txt: { size: 3, distance: "Dot" } },
    });
    await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, {
      points: [
        { id: 1, vector: { img: [1, 0], txt: [0, 0, 1] } },
        { id: 2, vector: { img: [0, 1], txt: [0, 0, 2] } },
      ],
    });
    const got = await points(name, { query: [0, 0, 1], using: "txt" });
    expect(got.map((p) => p.id)).toEqual([2, 1]);
  });

  it("uses a point's own vector when given its id, and leaves that point out", async () => {
    const name = await collection("Dot", LINE);
    const got = await points(name, { query: 2 });
    expect(got.map((p) => p.id)).toEqual([1, 3, 4]);
  });

  it("rejects a query vector of the wrong size with Qdrant's text", async () => {
    const name = await collection("Dot", LINE);
    const reply = await query(name, { query: [1, 0, 0] });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toBe("Wrong input: Vector dimension error: expected dim: 2, got 3");
  });

  it("is served through the official client", async () => {
    const name = await collection("Dot", LINE);
    const got = await qdrant.client.query(name, { query: [0, 1], limit: 1 });
    expect(got.points.map((p) => p.id)).toEqual([3]);
  });

  it("still serves the deprecated /points/search that Qdrant 1.19 keeps", async () => {
    const name = await collection("Dot", LINE);
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/search`, {
      vector: [1, 0],
      limit: 2,
    });
    expect(reply.status).toBe(200);
    const result = (reply.body as { result: Scored[] }).result;
    expect(result.map((p) => [p.id, p.score])).toEqual([
      [2, 2],
      [1, 1],
    ]);
  });

  it("answers /points/query/batch with one result per request", async () => {
    const name = await collection("Dot", LINE);
    const body = {
      searches: [
        { query: [1, 0], limit: 1 },
        { query: [0, 1], limit: 1 },
      ],
    };
    expectValidRequest("post", `${QUERY}/batch`, body);
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/query/batch`, body);
    expectValidResponse("post", `${QUERY}/batch`, reply.status, reply.body);
    const result = (reply.body as { result: { points: Scored[] }[] }).result;
    expect(result.map((r) => r.points.map((p) => p.id))).toEqual([[2], [3]]);
  });
});

describe("Qdrant server: query by sparse and multi vectors", () => {
  it("scores sparse vectors by the dot product of shared indices, leaving out disjoint ones", async () => {
    const name = uniqueName("query_sparse");
    await rest(qdrant, "PUT", `/collections/${name}`, { sparse_vectors: { text: {} } });
    const upserted = await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, {
      points: [
        { id: 1, vector: { text: { indices: [1, 5], values: [1, 2] } } },
        { id: 2, vector: { text: { indices: [5, 9], values: [3, 1] } } },
        { id: 3, vector: { text: { indices: [7], values: [10] } } },
      ],
    });
    expect(upserted.status, JSON.stringify(upserted.body)).toBe(200);
    const got = await points(name, { query: { indices: [5], values: [1] }, using: "text" });
    expect(got.map((p) => [p.id, p.score])).toEqual([
      [2, 3],
      [1, 2],
    ]);
  });

  it("scores multivectors by MaxSim", async () => {
    const name = uniqueName("query_multi");
    await rest(qdrant, "PUT", `/collections/${name}`, {
      vectors: { size: 2, distance: "Dot", multivector_config: { comparator: "max_sim" } },
    });
    const upserted = await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, {
      points: [
        {
          id: 1,
          vector: [
            [1, 0],
            [0, 1],
          ],
        },
        { id: 2, vector: [[2, 0]] },
      ],
    });
    expect(upserted.status, JSON.stringify(upserted.body)).toBe(200);
    // Three rows, so Qdrant cannot read the query as a sparse vector (see below).
    // Rows [1,0], [0,2] and [0,0]: point 1 scores 1 + 2 + 0 = 3, point 2 scores 2 + 0 + 0 = 2.
    const got = await points(name, {
      query: [
        [1, 0],
        [0, 2],
        [0, 0],
      ],
    });
    expect(got.map((p) => [p.id, p.score])).toEqual([
      [1, 3],
      [2, 2],
    ]);
  });

  it("refuses a multivector in the deprecated /points/search, which has no variant for one", async () => {
    const name = uniqueName("search_multi");
    await rest(qdrant, "PUT", `/collections/${name}`, {
      vectors: { size: 2, distance: "Dot", multivector_config: { comparator: "max_sim" } },
    });
    const rows = [
      [1, 0],
      [0, 1],
      [1, 1],
    ];
    for (const vector of [rows, { name: "", vector: rows }]) {
      const reply = await rest(qdrant, "POST", `/collections/${name}/points/search`, {
        vector,
        limit: 3,
      });
      expect(reply.status).toBe(400);
      expect(errorText(reply)).toMatch(
        /^Format error in JSON body: data did not match any variant of untagged enum NamedVectorStruct/,
      );
    }
  });

  it("reads a two-row multivector query whose first row is whole numbers as a sparse vector, as Qdrant's serde does", async () => {
    const name = uniqueName("query_multi_pair");
    await rest(qdrant, "PUT", `/collections/${name}`, {
      vectors: { size: 2, distance: "Dot", multivector_config: { comparator: "max_sim" } },
    });
    const rows = [
      [1, 0],
      [0, 2],
    ];
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/query`, { query: rows });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toBe(
      "Wrong input: Conversion between sparse and regular vectors failed",
    );
    const fractional = await rest(qdrant, "POST", `/collections/${name}/points/query`, {
      query: [
        [1.5, 0],
        [0, 2],
      ],
    });
    expect(fractional.status, JSON.stringify(fractional.body)).toBe(200);
  });

  it("refuses such a pair as a named multivector in an upsert, but not as a bare default one", async () => {
    const named = uniqueName("query_multi_named");
    await rest(qdrant, "PUT", `/collections/${named}`, {
      vectors: { m: { size: 2, distance: "Dot", multivector_config: { comparator: "max_sim" } } },
    });
    const pair = [
      [1, 0],
      [0, 1],
    ];
    const refused = await rest(qdrant, "PUT", `/collections/${named}/points?wait=true`, {
      points: [{ id: 1, vector: { m: pair } }],
    });
    expect(refused.status).toBe(400);
    expect(errorText(refused)).toBe(
      "Wrong input: Conversion between sparse and regular vectors failed",
    );
    const unnamed = uniqueName("query_multi_unnamed");
    await rest(qdrant, "PUT", `/collections/${unnamed}`, {
      vectors: { size: 2, distance: "Dot", multivector_config: { comparator: "max_sim" } },
    });
    const kept = await rest(qdrant, "PUT", `/collections/${unnamed}/points?wait=true`, {
      points: [{ id: 1, vector: pair }],
    });
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
  });
});
