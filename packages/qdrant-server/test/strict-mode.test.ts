import { describe, expect, it } from "vitest";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { errorText, rest } from "./harness/qdrant-rest.js";

const qdrant = useQdrant();

/** A collection with strict mode on: at most 5 per query, 3 per upsert. */
async function strictCollection(): Promise<string> {
  const name = uniqueName("strict");
  const reply = await rest(qdrant, "PUT", `/collections/${name}`, {
    vectors: { size: 2, distance: "Dot" },
    strict_mode_config: { enabled: true, max_query_limit: 5, upsert_max_batchsize: 3 },
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return name;
}

describe("Qdrant server: strict mode limits (as Qdrant 1.18.1 answers them)", () => {
  it("refuses a scroll, query or search limit above max_query_limit with 400, and takes one at it", async () => {
    const name = await strictCollection();
    const message =
      'Bad request: Limit exceeded 6 > 5 for "limit". Help: Reduce the "limit" parameter to or below 5.';
    for (const [path, body] of [
      ["points/scroll", { limit: 6 }],
      ["points/query", { limit: 6 }],
      ["points/search", { vector: [1, 1], limit: 6 }],
    ] as const) {
      const refused = await rest(qdrant, "POST", `/collections/${name}/${path}`, body);
      expect(refused.status, path).toBe(400);
      expect(errorText(refused)).toBe(message);
      const taken = await rest(qdrant, "POST", `/collections/${name}/${path}`, {
        ...body,
        limit: 5,
      });
      expect(taken.status, path).toBe(200);
    }
  });

  it("refuses an upsert of more points than upsert_max_batchsize with 400, writing none", async () => {
    const name = await strictCollection();
    const points = [1, 2, 3, 4].map((id) => ({ id, vector: [1, 1] }));
    const refused = await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, { points });
    expect(refused.status).toBe(400);
    expect(errorText(refused)).toBe(
      'Bad request: Limit exceeded 4 > 3 for "upsert limit". Help: Reduce the "upsert limit" parameter to or below 3.',
    );
    const count = await rest(qdrant, "POST", `/collections/${name}/points/count`, { exact: true });
    expect(count.body).toMatchObject({ result: { count: 0 } });
  });
});
