import { describe, expect, it } from "vitest";
import { expectValidRequest, expectValidResponse } from "./harness/openapi.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { errorText, type RestReply, rest } from "./harness/qdrant-rest.js";

const qdrant = useQdrant();
const POINTS = "/collections/{collection_name}/points";

/** A REST call whose request and answer are checked against Qdrant's OpenAPI spec. */
async function call(
  method: string,
  template: string,
  collection: string,
  body?: unknown,
  query = "",
): Promise<RestReply> {
  if (body !== undefined) expectValidRequest(method.toLowerCase(), template, body);
  const path = template.replace("{collection_name}", collection);
  const reply = await rest(qdrant, method, `${path}${query}`, body);
  expectValidResponse(method.toLowerCase(), template, reply.status, reply.body);
  return reply;
}

function result<T>(reply: RestReply): T {
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return (reply.body as { result: T }).result;
}

async function collection(vectors: unknown = { size: 4, distance: "Dot" }): Promise<string> {
  const name = uniqueName("points");
  const reply = await rest(qdrant, "PUT", `/collections/${name}`, { vectors });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return name;
}

async function upsert(name: string, points: unknown[]): Promise<void> {
  result(await call("PUT", POINTS, name, { points }, "?wait=true"));
}

interface Rec {
  id: number | string;
  payload: Record<string, unknown> | null;
  vector: unknown;
  order_value?: unknown;
}

async function scroll(name: string, body: Record<string, unknown> = {}) {
  return result<{ points: Rec[]; next_page_offset: number | string | null }>(
    await call("POST", `${POINTS}/scroll`, name, body),
  );
}

const v = (x: number) => [x, 0, 0, 0];

describe("Qdrant server: upserting and reading points", () => {
  it("answers an upsert with wait=true with a completed UpdateResult", async () => {
    const name = await collection();
    const reply = await call(
      "PUT",
      POINTS,
      name,
      { points: [{ id: 1, vector: v(1) }] },
      "?wait=true",
    );
    expect(result(reply)).toEqual({ operation_id: expect.any(Number), status: "completed" });
  });

  it("answers an upsert without wait as acknowledged", async () => {
    const name = await collection();
    const reply = await call("PUT", POINTS, name, { points: [{ id: 1, vector: v(1) }] });
    expect(result<{ status: string }>(reply).status).toBe("acknowledged");
  });

  it("accepts the ordering guarantees and refuses others", async () => {
    const name = await collection();
    const body = { points: [{ id: 1, vector: v(1) }] };
    for (const ordering of ["weak", "medium", "strong"]) {
      expect(
        (await call("PUT", POINTS, name, body, `?wait=true&ordering=${ordering}`)).status,
      ).toBe(200);
    }
    const reply = await rest(qdrant, "PUT", `/collections/${name}/points?ordering=fast`, body);
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toContain(
      "Deserialize error in query parameters: unknown variant `fast`",
    );
  });

  it("retrieves points in request order and leaves out missing ids", async () => {
    const name = await collection();
    await upsert(name, [
      { id: 1, vector: v(1), payload: { n: 1 } },
      { id: 2, vector: v(2), payload: { n: 2 } },
    ]);
    const body = { ids: [2, 99, 1], with_payload: true };
    const records = result<Rec[]>(await call("POST", POINTS, name, body));
    expect(records).toEqual([
      { id: 2, payload: { n: 2 } },
      { id: 1, payload: { n: 1 } },
    ]);
  });

  it("goes through the official client unchanged", async () => {
    const name = await collection();
    await qdrant.client.upsert(name, {
      wait: true,
      points: [{ id: 5, vector: v(1), payload: { a: "x" } }],
    });
    const got = await qdrant.client.retrieve(name, { ids: [5], with_vector: true });
    expect(got).toEqual([{ id: 5, payload: { a: "x" }, vector: [1, 0, 0, 0] }]);
  });

  it("answers GET of a missing point with Qdrant's 404 text", async () => {
    const name = await collection();
    const reply = await rest(qdrant, "GET", `/collections/${name}/points/7`);
    expectValidResponse("get", `${POINTS}/{id}`, reply.status, reply.body);
    expect(reply.status).toBe(404);
    expect(errorText(reply)).toBe("Not found: Point with id 7 does not exists!");
  });

  it("answers GET with an unparsable id with Qdrant's 400 text", async () => {
    const name = await collection();
    const reply = await rest(qdrant, "GET", `/collections/${name}/points/abc`);
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toBe('Wrong input: Can not recognize "abc" as point id');
  });

  it("returns the whole point from GET /points/{id}", async () => {
    const name = await collection();
    await upsert(name, [{ id: 3, vector: [0.1, 0.2, 0.3, 0.4], payload: { k: true } }]);
    const reply = await rest(qdrant, "GET", `/collections/${name}/points/3`);
    expect(result(reply)).toEqual({ id: 3, payload: { k: true }, vector: [0.1, 0.2, 0.3, 0.4] });
  });

  it("keeps UUIDs in lower-case hyphenated form whatever form they came in", async () => {
    const name = await collection();
    // The spec says `uuid` format; Qdrant's parser takes the simple form too.
    const reply = await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, {
      points: [{ id: "5C56C793691F4B3AB0A6A1B7E5A2E0C1", vector: v(1) }],
    });
    expect(reply.status).toBe(200);
    const records = result<Rec[]>(
      await call("POST", POINTS, name, { ids: ["5c56c793-691f-4b3a-b0a6-a1b7e5a2e0c1"] }),
    );
    expect(records.map((r) => r.id)).toEqual(["5c56c793-691f-4b3a-b0a6-a1b7e5a2e0c1"]);
  });

  it("rejects an id that is neither an unsigned integer nor a UUID", async () => {
    const name = await collection();
    const reply = await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, {
      points: [{ id: "doc-1", vector: v(1) }],
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toContain(
      "value doc-1 is not a valid point ID, valid values are either an unsigned integer or a UUID",
    );
  });

  it("rejects a vector of the wrong size with Qdrant's text and stores nothing", async () => {
    const name = await collection();
    const reply = await call(
      "PUT",
      POINTS,
      name,
      {
        points: [
          { id: 1, vector: v(1) },
          { id: 2, vector: [1, 2, 3] },
        ],
      },
      "?wait=true",
    );
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toBe("Wrong input: Vector dimension error: expected dim: 4, got 3");
    expect((await scroll(name)).points).toEqual([]);
  });

  it("rejects an unknown vector name with Qdrant's text", async () => {
    const name = await collection({ img: { size: 2, distance: "Dot" } });
    const reply = await call(
      "PUT",
      POINTS,
      name,
      { points: [{ id: 1, vector: { nope: [1, 2] } }] },
      "?wait=true",
    );
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toBe("Wrong input: Not existing vector name error: nope");
  });

  it("accepts the column (batch) form", async () => {
    const name = await collection();
    const body = { batch: { ids: [1, 2], vectors: [v(1), v(2)], payloads: [{ a: 1 }, null] } };
    result(await call("PUT", POINTS, name, body, "?wait=true"));
    expect((await scroll(name)).points).toEqual([
      { id: 1, payload: { a: 1 } },
      { id: 2, payload: {} },
    ]);
  });

  it("rejects a batch whose columns differ in length with the validator's 422", async () => {
    const name = await collection();
    const body = { batch: { ids: [1, 2], vectors: [v(1)] } };
    const reply = await call("PUT", POINTS, name, body, "?wait=true");
    expect(reply.status).toBe(422);
    expect(errorText(reply)).toContain("number of ids and vectors must be equal (2 != 1)");
  });

  it("skips existing points with update_mode insert_only", async () => {
    const name = await collection();
    await upsert(name, [{ id: 1, vector: v(1), payload: { old: true } }]);
    const body = {
      points: [
        { id: 1, vector: v(1), payload: { old: false } },
        { id: 2, vector: v(2) },
      ],
      update_mode: "insert_only",
    };
    result(await call("PUT", POINTS, name, body, "?wait=true"));
    expect((await scroll(name)).points.map((p) => p.payload)).toEqual([{ old: true }, {}]);
  });

  it("skips new points with update_mode update_only", async () => {
    const name = await collection();
    await upsert(name, [{ id: 1, vector: v(1), payload: { old: true } }]);
    const body = {
      points: [
        { id: 1, vector: v(1), payload: { old: false } },
        { id: 2, vector: v(2) },
      ],
      update_mode: "update_only",
    };
    result(await call("PUT", POINTS, name, body, "?wait=true"));
    expect((await scroll(name)).points).toEqual([{ id: 1, payload: { old: false } }]);
  });

  it("stores Cosine vectors normalised", async () => {
    const name = await collection({ size: 2, distance: "Cosine" });
    await upsert(name, [{ id: 1, vector: [3, 4] }]);
    expect((await scroll(name, { with_vector: true })).points[0]?.vector).toEqual([0.6, 0.8]);
  });

  it("returns float32 values in their shortest form", async () => {
    const name = await collection();
    await upsert(name, [{ id: 1, vector: [0.1, 0.2, 0.3, 1e-7] }]);
    expect((await scroll(name, { with_vector: true })).points[0]?.vector).toEqual([
      0.1, 0.2, 0.3, 1e-7,
    ]);
  });

  it("returns named vectors as a map and honours a list of names in with_vector", async () => {
    const name = await collection({
      a: { size: 2, distance: "Dot" },
      b: { size: 2, distance: "Dot" },
    });
    await upsert(name, [{ id: 1, vector: { a: [1, 2], b: [3, 4] } }]);
    expect((await scroll(name, { with_vector: true })).points[0]?.vector).toEqual({
      a: [1, 2],
      b: [3, 4],
    });
    expect((await scroll(name, { with_vector: ["b"] })).points[0]?.vector).toEqual({ b: [3, 4] });
  });
});

describe("Qdrant server: scroll and count", () => {
  async function seeded(n: number): Promise<string> {
    const name = await collection();
    await upsert(
      name,
      Array.from({ length: n }, (_, i) => ({ id: i + 1, vector: v(i), payload: { n: i + 1 } })),
    );
    return name;
  }

  it("pages 10 at a time with payload and without vectors by default", async () => {
    const name = await seeded(12);
    const page = await scroll(name);
    expect(page.points).toHaveLength(10);
    expect(page.points[0]).toEqual({ id: 1, payload: { n: 1 } });
    expect(page.next_page_offset).toBe(11);
  });

  it("treats offset as inclusive and ends with next_page_offset null", async () => {
    const name = await seeded(12);
    const page = await scroll(name, { offset: 11 });
    expect(page.points.map((p) => p.id)).toEqual([11, 12]);
    expect(page.next_page_offset).toBeNull();
  });

  it("visits every point exactly once when paging", async () => {
    const name = await seeded(25);
    const seen: (number | string)[] = [];
    let offset: number | string | null = null;
    do {
      const page = await scroll(name, { limit: 7, ...(offset === null ? {} : { offset }) });
      seen.push(...page.points.map((p) => p.id));
      offset = page.next_page_offset;
    } while (offset !== null);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
  });

  it("lists numeric ids before UUIDs", async () => {
    const name = await collection();
    const uuid = "00000000-0000-0000-0000-000000000001";
    await upsert(name, [
      { id: uuid, vector: v(1) },
      { id: 100, vector: v(1) },
      { id: 2, vector: v(1) },
    ]);
    expect((await scroll(name)).points.map((p) => p.id)).toEqual([2, 100, uuid]);
  });

  it("rejects limit 0 with the validator's 422", async () => {
    const name = await seeded(1);
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, { limit: 0 });
    expect(reply.status).toBe(422);
    expect(errorText(reply)).toMatch(
      /^Validation error in JSON body: \[.*limit: value 0 invalid, must be 1 or larger\]$/,
    );
  });

  it("includes or excludes payload keys on request", async () => {
    const name = await collection();
    await upsert(name, [{ id: 1, vector: v(1), payload: { a: 1, b: { c: 2, d: 3 }, e: 4 } }]);
    const include = await scroll(name, { with_payload: { include: ["a", "b.c"] } });
    expect(include.points[0]?.payload).toEqual({ a: 1, b: { c: 2 } });
    const exclude = await scroll(name, { with_payload: { exclude: ["a", "b.d"] } });
    expect(exclude.points[0]?.payload).toEqual({ b: { c: 2 }, e: 4 });
    const list = await scroll(name, { with_payload: ["e"] });
    expect(list.points[0]?.payload).toEqual({ e: 4 });
  });

  it("refuses order_by on a key without a range index", async () => {
    const name = await seeded(3);
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, {
      order_by: "n",
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(/^Wrong input: No range index for `order_by` key: `n`\. /);
  });

  it("orders by an indexed payload key, with no next page offset", async () => {
    const name = await seeded(5);
    const index = await rest(qdrant, "PUT", `/collections/${name}/index?wait=true`, {
      field_name: "n",
      field_schema: "integer",
    });
    expect(index.status).toBe(200);
    const page = await scroll(name, { order_by: { key: "n", direction: "desc" }, limit: 3 });
    expect(page.points.map((p) => [p.id, p.order_value])).toEqual([
      [5, 5],
      [4, 4],
      [3, 3],
    ]);
    expect(page.next_page_offset).toBeNull();
  });

  it("refuses offset together with order_by", async () => {
    const name = await seeded(3);
    await rest(qdrant, "PUT", `/collections/${name}/index?wait=true`, {
      field_name: "n",
      field_schema: "integer",
    });
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/scroll`, {
      order_by: "n",
      offset: 1,
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toContain("Cannot use an `offset` when using `order_by`");
  });

  it("counts the points a filter matches", async () => {
    const name = await seeded(10);
    const body = { filter: { must: [{ key: "n", range: { gt: 7 } }] }, exact: true };
    expect(result(await call("POST", `${POINTS}/count`, name, body))).toEqual({ count: 3 });
  });
});

describe("Qdrant server: deleting and updating points", () => {
  async function three(): Promise<string> {
    const name = await collection();
    await upsert(name, [
      { id: 1, vector: v(1), payload: { k: "a", keep: 1 } },
      { id: 2, vector: v(2), payload: { k: "b", keep: 2 } },
      { id: 3, vector: v(3), payload: { k: "a", keep: 3 } },
    ]);
    return name;
  }
  const ids = async (name: string) => (await scroll(name)).points.map((p) => p.id);
  const payloads = async (name: string) => (await scroll(name)).points.map((p) => p.payload);

  it("deletes by ids, ignoring ids that do not exist", async () => {
    const name = await three();
    result(await call("POST", `${POINTS}/delete`, name, { points: [2, 99] }, "?wait=true"));
    expect(await ids(name)).toEqual([1, 3]);
  });

  it("deletes by filter", async () => {
    const name = await three();
    const body = { filter: { must: [{ key: "k", match: { value: "a" } }] } };
    result(await call("POST", `${POINTS}/delete`, name, body, "?wait=true"));
    expect(await ids(name)).toEqual([2]);
  });

  it("merges payload with POST /payload", async () => {
    const name = await three();
    const body = { payload: { k: "z", extra: true }, points: [1] };
    result(await call("POST", `${POINTS}/payload`, name, body, "?wait=true"));
    expect((await payloads(name))[0]).toEqual({ k: "z", keep: 1, extra: true });
  });

  it("replaces payload with PUT /payload", async () => {
    const name = await three();
    const body = { payload: { only: 1 }, filter: { must: [{ key: "k", match: { value: "b" } }] } };
    result(await call("PUT", `${POINTS}/payload`, name, body, "?wait=true"));
    expect((await payloads(name))[1]).toEqual({ only: 1 });
  });

  it("sets payload under a nested key", async () => {
    const name = await three();
    const body = { payload: { c: 1 }, points: [1], key: "a.b" };
    result(await call("POST", `${POINTS}/payload`, name, body, "?wait=true"));
    expect((await payloads(name))[0]).toEqual({ k: "a", keep: 1, a: { b: { c: 1 } } });
  });

  it("deletes payload keys and clears payloads", async () => {
    const name = await three();
    const del = { keys: ["keep"], points: [1, 2] };
    result(await call("POST", `${POINTS}/payload/delete`, name, del, "?wait=true"));
    result(await call("POST", `${POINTS}/payload/clear`, name, { points: [3] }, "?wait=true"));
    expect(await payloads(name)).toEqual([{ k: "a" }, { k: "b" }, {}]);
  });

  it("refuses a payload update that names neither points nor a filter", async () => {
    const name = await three();
    const reply = await rest(qdrant, "POST", `/collections/${name}/points/payload?wait=true`, {
      payload: { a: 1 },
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toContain(
      "Format error in JSON body: Either list of point ids or filter must be provided",
    );
  });

  it("answers 404 when setting payload on a missing point", async () => {
    const name = await three();
    const reply = await call(
      "POST",
      `${POINTS}/payload`,
      name,
      { payload: { a: 1 }, points: [42] },
      "?wait=true",
    );
    expect(reply.status).toBe(404);
    expect(errorText(reply)).toBe("Not found: No point with id 42 found");
  });

  it("removes a key when a merged payload sets it to null", async () => {
    const name = await three();
    const body = { payload: { k: null, extra: 1 }, points: [1] };
    result(await call("POST", `${POINTS}/payload`, name, body, "?wait=true"));
    expect((await payloads(name))[0]).toEqual({ keep: 1, extra: 1 });
  });

  it("ignores key when overwriting a payload: the whole payload is replaced", async () => {
    const name = await three();
    const body = { payload: { only: 1 }, points: [1], key: "a.b" };
    result(await call("PUT", `${POINTS}/payload`, name, body, "?wait=true"));
    expect((await payloads(name))[0]).toEqual({ only: 1 });
  });

  it("sets payload on the listed points only when both points and a filter are given", async () => {
    const name = await three();
    const body = {
      payload: { hit: true },
      points: [2],
      filter: { must: [{ key: "k", match: { value: "a" } }] },
    };
    result(await call("POST", `${POINTS}/payload`, name, body, "?wait=true"));
    expect((await payloads(name)).map((p) => (p as { hit?: boolean }).hit ?? false)).toEqual([
      false,
      true,
      false,
    ]);
  });

  it("changes the points that exist before answering 404 for a missing one", async () => {
    const name = await three();
    const body = { payload: { touched: true }, points: [1, 42] };
    const reply = await call("POST", `${POINTS}/payload`, name, body, "?wait=true");
    expect(reply.status).toBe(404);
    expect((await payloads(name))[0]).toMatchObject({ touched: true });
  });

  it("acknowledges a write without wait even when an id is missing", async () => {
    const name = await three();
    const body = { payload: { a: 1 }, points: [42] };
    const reply = await call("POST", `${POINTS}/payload`, name, body, "?wait=false");
    expect(reply.status).toBe(200);
    expect(result<{ status: string }>(reply).status).toBe("acknowledged");
  });

  it("updates one named vector and keeps the others", async () => {
    const name = await collection({
      a: { size: 2, distance: "Dot" },
      b: { size: 2, distance: "Dot" },
    });
    await upsert(name, [{ id: 1, vector: { a: [1, 1], b: [2, 2] } }]);
    const body = { points: [{ id: 1, vector: { b: [5, 5] } }] };
    result(await call("PUT", `${POINTS}/vectors`, name, body, "?wait=true"));
    expect((await scroll(name, { with_vector: true })).points[0]?.vector).toEqual({
      a: [1, 1],
      b: [5, 5],
    });
  });

  it("deletes named vectors from points", async () => {
    const name = await collection({
      a: { size: 2, distance: "Dot" },
      b: { size: 2, distance: "Dot" },
    });
    await upsert(name, [{ id: 1, vector: { a: [1, 1], b: [2, 2] } }]);
    const body = { points: [1], vector: ["a"] };
    result(await call("POST", `${POINTS}/vectors/delete`, name, body, "?wait=true"));
    expect((await scroll(name, { with_vector: true })).points[0]?.vector).toEqual({ b: [2, 2] });
  });
});

describe("Qdrant server: batch updates", () => {
  it("runs operations in order and answers one UpdateResult each", async () => {
    const name = await collection();
    const body = {
      operations: [
        { upsert: { points: [{ id: 1, vector: v(1) }] } },
        { set_payload: { payload: { x: 1 }, points: [1] } },
        { overwrite_payload: { payload: { y: 2 }, points: [1] } },
      ],
    };
    const results = result<unknown[]>(
      await call("POST", `${POINTS}/batch`, name, body, "?wait=true"),
    );
    expect(results).toHaveLength(3);
    expect(results).toEqual(
      Array(3).fill({ operation_id: expect.any(Number), status: "completed" }),
    );
    expect((await scroll(name)).points).toEqual([{ id: 1, payload: { y: 2 } }]);
  });

  it("stops at the first failing operation and keeps the earlier ones", async () => {
    const name = await collection();
    const body = {
      operations: [
        { upsert: { points: [{ id: 1, vector: v(1) }] } },
        { set_payload: { payload: { x: 1 }, points: [404] } },
        { upsert: { points: [{ id: 2, vector: v(2) }] } },
      ],
    };
    const reply = await call("POST", `${POINTS}/batch`, name, body, "?wait=true");
    expect(reply.status).toBe(404);
    expect((await scroll(name)).points.map((p) => p.id)).toEqual([1]);
  });
});

describe("Qdrant server: updates that name no point", () => {
  it("refuses one with 400 Empty update request, even without wait", async () => {
    const name = await collection();
    await upsert(name, [{ id: 1, vector: v(1) }]);
    const empty: [string, string, unknown][] = [
      ["PUT", POINTS, { points: [] }],
      ["PUT", POINTS, { batch: { ids: [], vectors: [] } }],
      ["POST", `${POINTS}/delete`, { points: [] }],
      ["POST", `${POINTS}/payload`, { payload: { a: 1 }, points: [] }],
      ["PUT", `${POINTS}/payload`, { payload: { a: 1 }, points: [] }],
      ["POST", `${POINTS}/payload/delete`, { keys: ["a"], points: [] }],
      ["POST", `${POINTS}/payload/clear`, { points: [] }],
      ["POST", `${POINTS}/vectors/delete`, { points: [], vector: [""] }],
    ];
    for (const [method, template, body] of empty) {
      const reply = await call(method, template, name, body, "?wait=false");
      expect(reply.status, `${method} ${template}`).toBe(400);
      expect(errorText(reply)).toBe("Bad request: Empty update request");
    }
  });

  it("keeps the batch operations before an empty one", async () => {
    const name = await collection();
    const reply = await call(
      "POST",
      `${POINTS}/batch`,
      name,
      {
        operations: [{ upsert: { points: [{ id: 7, vector: v(1) }] } }, { delete: { points: [] } }],
      },
      "?wait=true",
    );
    expect(errorText(reply)).toBe("Bad request: Empty update request");
    expect((await scroll(name)).points.map((p) => p.id)).toEqual([7]);
  });

  it("answers 422 for a vector update without points and a vector delete without names", async () => {
    const name = await collection();
    await upsert(name, [{ id: 1, vector: v(1) }]);
    const noPoints = await rest(qdrant, "PUT", `/collections/${name}/points/vectors`, {
      points: [],
    });
    expect(noPoints.status).toBe(422);
    expect(errorText(noPoints)).toBe(
      "Validation error in JSON body: [points: must specify points to update]",
    );
    const noNames = await rest(qdrant, "POST", `/collections/${name}/points/vectors/delete`, {
      points: [1],
      vector: [],
    });
    expect(noNames.status).toBe(422);
    expect(errorText(noNames)).toBe(
      "Validation error in JSON body: [vector: must specify vector names to delete]",
    );
  });
});

describe("Qdrant server: timeout on point updates and reads", () => {
  it("accepts timeout=0 on an update and refuses a negative one", async () => {
    const name = await collection();
    const body = { points: [{ id: 1, vector: v(1) }] };
    const zero = await call("PUT", POINTS, name, body, "?timeout=0");
    expect(result<{ status: string }>(zero).status).toBe("acknowledged");
    const negative = await rest(qdrant, "PUT", `/collections/${name}/points?timeout=-1`, body);
    expect(negative.status).toBe(400);
    expect(errorText(negative)).toBe(
      "Deserialize error in query parameters: std::time::Duration cannot be negative",
    );
  });

  it("refuses timeout=0 on a read: reads take a nonzero u64", async () => {
    const name = await collection();
    for (const [method, path, body] of [
      ["POST", "/points/scroll", {}],
      ["POST", "/points/count", {}],
      ["POST", "/points", { ids: [1] }],
      ["GET", "/points/1", undefined],
      ["POST", "/points/query", {}],
    ] as const) {
      const reply = await rest(qdrant, method, `/collections/${name}${path}?timeout=0`, body);
      expect(reply.status, path).toBe(400);
      expect(errorText(reply)).toBe(
        "Deserialize error in query parameters: invalid value: integer `0`, expected a nonzero u64",
      );
    }
  });
});
