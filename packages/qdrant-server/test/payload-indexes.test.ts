import { describe, expect, it } from "vitest";
import { expectValidRequest, expectValidResponse } from "./harness/openapi.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { errorText, rest } from "./harness/qdrant-rest.js";

const qdrant = useQdrant();
const INDEX = "/collections/{collection_name}/index";

async function collection(): Promise<string> {
  const name = uniqueName("pi");
  await rest(qdrant, "PUT", `/collections/${name}`, { vectors: { size: 2, distance: "Dot" } });
  return name;
}

async function putIndex(name: string, body: unknown, wait = true) {
  expectValidRequest("put", INDEX, body);
  const reply = await rest(qdrant, "PUT", `/collections/${name}/index?wait=${wait}`, body);
  expectValidResponse("put", INDEX, reply.status, reply.body);
  return reply;
}

async function payloadSchema(name: string): Promise<Record<string, unknown>> {
  const reply = await rest(qdrant, "GET", `/collections/${name}`);
  expectValidResponse("get", "/collections/{collection_name}", reply.status, reply.body);
  return (reply.body as { result: { payload_schema: Record<string, unknown> } }).result
    .payload_schema;
}

describe("Qdrant server: payload indexes", () => {
  it("creates an index for every plain schema type and reports each in payload_schema", async () => {
    const name = await collection();
    const types = ["keyword", "integer", "float", "geo", "text", "bool", "datetime", "uuid"];
    for (const type of types) {
      const reply = await putIndex(name, { field_name: `f_${type}`, field_schema: type });
      expect(reply.status).toBe(200);
    }
    const schema = await payloadSchema(name);
    for (const type of types) {
      expect(schema[`f_${type}`]).toMatchObject({ data_type: type, points: 0 });
    }
  });

  it("answers an UpdateResult: completed with wait=true, acknowledged without", async () => {
    const name = await collection();
    const waited = await putIndex(name, { field_name: "a", field_schema: "keyword" });
    expect((waited.body as { result: unknown }).result).toMatchObject({ status: "completed" });
    const queued = await putIndex(name, { field_name: "b", field_schema: "keyword" }, false);
    expect((queued.body as { result: unknown }).result).toMatchObject({
      status: "acknowledged",
      operation_id: expect.any(Number),
    });
  });

  it("keeps a parameterised schema's params", async () => {
    const name = await collection();
    const field_schema = { type: "keyword", is_tenant: true };
    await putIndex(name, { field_name: "tenant", field_schema });
    expect((await payloadSchema(name)).tenant).toMatchObject({
      data_type: "keyword",
      params: field_schema,
    });
  });

  it("reports params as Qdrant 1.18 does: a text index's default tokenizer, unset integer, float and datetime options as null", async () => {
    const name = await collection();
    await putIndex(name, { field_name: "txt", field_schema: { type: "text", lowercase: true } });
    await putIndex(name, { field_name: "n", field_schema: { type: "integer", range: true } });
    await putIndex(name, { field_name: "f", field_schema: { type: "float" } });
    await putIndex(name, { field_name: "d", field_schema: { type: "datetime" } });
    await putIndex(name, { field_name: "k", field_schema: { type: "keyword" } });
    const schema = (await payloadSchema(name)) as Record<string, { params?: unknown }>;
    expect(schema.txt?.params).toEqual({ type: "text", tokenizer: "word", lowercase: true });
    expect(schema.n?.params).toEqual({
      type: "integer",
      lookup: null,
      range: true,
      is_principal: null,
    });
    expect(schema.f?.params).toEqual({ type: "float", is_principal: null });
    expect(schema.d?.params).toEqual({ type: "datetime", is_principal: null });
    expect(schema.k?.params).toEqual({ type: "keyword" });
  });

  it("replaces an index when it is created again with another type", async () => {
    const name = await collection();
    await putIndex(name, { field_name: "n", field_schema: "integer" });
    await putIndex(name, { field_name: "n", field_schema: "float" });
    expect((await payloadSchema(name)).n).toMatchObject({ data_type: "float" });
  });

  it("counts the points that have the indexed field", async () => {
    const name = await collection();
    await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, {
      points: [
        { id: 1, vector: [1, 0], payload: { city: "Berlin" } },
        { id: 2, vector: [0, 1], payload: { city: "Paris" } },
        { id: 3, vector: [1, 1], payload: {} },
      ],
    });
    await putIndex(name, { field_name: "city", field_schema: "keyword" });
    expect((await payloadSchema(name)).city).toMatchObject({ points: 2 });
  });

  it("answers 400 when the schema is missing", async () => {
    const name = await collection();
    const reply = await rest(qdrant, "PUT", `/collections/${name}/index`, { field_name: "x" });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toBe(
      "Bad request: Can't auto-detect field type, please specify `field_schema` in the request",
    );
  });

  it("answers 400 for a malformed field path and keeps the collection readable", async () => {
    const name = await collection();
    const reply = await rest(qdrant, "PUT", `/collections/${name}/index`, {
      field_name: "a..b",
      field_schema: "keyword",
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(/^Format error in JSON body: /);
    expect(await payloadSchema(name)).toEqual({});
  });

  it("indexes nested paths", async () => {
    const name = await collection();
    await rest(qdrant, "PUT", `/collections/${name}/points?wait=true`, {
      points: [{ id: 1, vector: [1, 0], payload: { meta: { langs: ["en", "de"] } } }],
    });
    await putIndex(name, { field_name: "meta.langs[]", field_schema: "keyword" });
    expect((await payloadSchema(name))["meta.langs[]"]).toMatchObject({
      data_type: "keyword",
      points: 1,
    });
  });

  it("deletes an index, and deleting an absent one is no error", async () => {
    const name = await collection();
    await putIndex(name, { field_name: "gone", field_schema: "keyword" });
    const first = await rest(qdrant, "DELETE", `/collections/${name}/index/gone?wait=true`);
    expectValidResponse("delete", `${INDEX}/{field_name}`, first.status, first.body);
    expect(first.status).toBe(200);
    expect(await payloadSchema(name)).toEqual({});
    const again = await rest(qdrant, "DELETE", `/collections/${name}/index/gone?wait=true`);
    expect(again.status).toBe(200);
  });

  it("works through an alias and through the official client", async () => {
    const name = await collection();
    const alias = uniqueName("pi_alias");
    await rest(qdrant, "POST", "/collections/aliases", {
      actions: [{ create_alias: { collection_name: name, alias_name: alias } }],
    });
    await qdrant.client.createPayloadIndex(alias, {
      field_name: "lang",
      field_schema: "keyword",
      wait: true,
    });
    expect((await payloadSchema(name)).lang).toMatchObject({ data_type: "keyword" });
  });
});
