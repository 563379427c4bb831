import { describe, expect, it } from "vitest";
import { expectValidRequest, expectValidResponse } from "./harness/openapi.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { errorText, rest } from "./harness/qdrant-rest.js";

const qdrant = useQdrant();
const VECTOR = "/collections/{collection_name}/vectors/{vector_name}";

async function vectorsConfig(name: string): Promise<Record<string, unknown>> {
  const reply = await rest(qdrant, "GET", `/collections/${name}`);
  const params = (reply.body as { result: { config: { params: Record<string, unknown> } } }).result
    .config.params;
  return params;
}

async function putVector(name: string, vector: string, body: unknown) {
  expectValidRequest("put", VECTOR, body);
  const reply = await rest(qdrant, "PUT", `/collections/${name}/vectors/${vector}?wait=true`, body);
  expectValidResponse("put", VECTOR, reply.status, reply.body);
  return reply;
}

describe("Qdrant server: named vectors added and removed in place (v1.18+)", () => {
  it("adds a dense vector to a named-vector collection", async () => {
    const name = uniqueName("nv_add");
    await rest(qdrant, "PUT", `/collections/${name}`, {
      vectors: { text: { size: 4, distance: "Dot" } },
    });
    const reply = await putVector(name, "image", { dense: { size: 3, distance: "Cosine" } });
    expect(reply.status).toBe(200);
    expect((reply.body as { result: { status: string } }).result.status).toBe("completed");
    expect((await vectorsConfig(name)).vectors).toEqual({
      text: { size: 4, distance: "Dot" },
      image: { size: 3, distance: "Cosine" },
    });
  });

  it("turns an unnamed-vector collection into a map keyed by the empty name", async () => {
    const name = uniqueName("nv_unnamed");
    await rest(qdrant, "PUT", `/collections/${name}`, { vectors: { size: 4, distance: "Dot" } });
    await putVector(name, "extra", { dense: { size: 2, distance: "Euclid" } });
    expect((await vectorsConfig(name)).vectors).toEqual({
      "": { size: 4, distance: "Dot" },
      extra: { size: 2, distance: "Euclid" },
    });
  });

  it("treats the same schema again as a no-op and a different one as 400", async () => {
    const name = uniqueName("nv_same");
    await rest(qdrant, "PUT", `/collections/${name}`, {
      vectors: { text: { size: 4, distance: "Dot" } },
    });
    const same = await putVector(name, "text", { dense: { size: 4, distance: "Dot" } });
    expect(same.status).toBe(200);
    const different = await putVector(name, "text", { dense: { size: 8, distance: "Dot" } });
    expect(different.status).toBe(400);
    expect(errorText(different)).toBe(
      "Wrong input: Vector `text` already exists with a different configuration",
    );
  });

  it("adds a sparse vector", async () => {
    const name = uniqueName("nv_sparse");
    await rest(qdrant, "PUT", `/collections/${name}`, {
      vectors: { text: { size: 4, distance: "Dot" } },
    });
    await putVector(name, "keywords", { sparse: { modifier: "idf" } });
    expect((await vectorsConfig(name)).sparse_vectors).toEqual({ keywords: { modifier: "idf" } });
  });

  it("deletes a vector from the config and from every point", async () => {
    const name = uniqueName("nv_delete");
    await rest(qdrant, "PUT", `/collections/${name}`, {
      vectors: { a: { size: 2, distance: "Dot" }, b: { size: 2, distance: "Dot" } },
    });
    const upsert = await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, {
      points: [{ id: 1, vector: { a: [1, 2], b: [3, 4] } }],
    });
    expect(upsert.status).toBe(200);
    const reply = await rest(qdrant, "DELETE", `/collections/${name}/vectors/b?wait=true`);
    expectValidResponse("delete", VECTOR, reply.status, reply.body);
    expect(reply.status).toBe(200);
    expect((await vectorsConfig(name)).vectors).toEqual({ a: { size: 2, distance: "Dot" } });
    const point = await rest(qdrant, "GET", `/collections/${name}/points/1`);
    const vector = (point.body as { result: { vector: Record<string, unknown> } }).result.vector;
    expect(Object.keys(vector)).toEqual(["a"]);
  });

  it("compares datatype as set: an explicit float32 differs from an unset one", async () => {
    const name = uniqueName("nv_datatype");
    await rest(qdrant, "PUT", `/collections/${name}`, {
      vectors: { text: { size: 4, distance: "Dot" } },
    });
    const reply = await putVector(name, "text", {
      dense: { size: 4, distance: "Dot", datatype: "float32" },
    });
    expect(reply.status).toBe(400);
  });

  it("refuses a dense vector under a sparse vector's name, and the reverse", async () => {
    const name = uniqueName("nv_kinds");
    await rest(qdrant, "PUT", `/collections/${name}`, {
      vectors: { text: { size: 4, distance: "Dot" } },
      sparse_vectors: { words: {} },
    });
    const dense = await putVector(name, "words", { dense: { size: 4, distance: "Dot" } });
    expect(dense.status).toBe(400);
    expect(errorText(dense)).toBe("Wrong input: Vector `words` already exists as a sparse vector");
    const sparse = await putVector(name, "text", { sparse: {} });
    expect(sparse.status).toBe(400);
    expect(errorText(sparse)).toBe("Wrong input: Vector `text` already exists as a dense vector");
  });

  it("answers 422 for a size of 0 or above 65536", async () => {
    const name = uniqueName("nv_size");
    await rest(qdrant, "PUT", `/collections/${name}`, { vectors: {} });
    for (const size of [0, 65537]) {
      const reply = await rest(qdrant, "PUT", `/collections/${name}/vectors/v?wait=true`, {
        dense: { size, distance: "Cosine" },
      });
      expect(reply.status).toBe(422);
      expect(errorText(reply)).toContain("size");
    }
  });

  it("deletes an absent vector name without error", async () => {
    const name = uniqueName("nv_absent");
    await rest(qdrant, "PUT", `/collections/${name}`, {
      vectors: { text: { size: 4, distance: "Dot" } },
    });
    const reply = await rest(qdrant, "DELETE", `/collections/${name}/vectors/nope?wait=true`);
    expect(reply.status).toBe(200);
  });

  it("answers 404 for an unknown collection", async () => {
    const name = uniqueName("nv_missing");
    const reply = await putVector(name, "v", { dense: { size: 2, distance: "Dot" } });
    expect(reply.status).toBe(404);
    expect(errorText(reply)).toBe(`Not found: Collection \`${name}\` doesn't exist!`);
  });
});
