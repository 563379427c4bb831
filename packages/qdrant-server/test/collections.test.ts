import { describe, expect, it } from "vitest";
import { expectValidRequest, expectValidResponse } from "./harness/openapi.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { errorText, rest } from "./harness/qdrant-rest.js";

const qdrant = useQdrant();
const ONE = "/collections/{collection_name}";

async function create(name: string, body: unknown = { vectors: { size: 4, distance: "Dot" } }) {
  expectValidRequest("put", ONE, body);
  const reply = await rest(qdrant, "PUT", `/collections/${name}`, body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
}

async function info(name: string): Promise<Record<string, unknown>> {
  const reply = await rest(qdrant, "GET", `/collections/${name}`);
  expectValidResponse("get", ONE, reply.status, reply.body);
  expect(reply.status).toBe(200);
  return (reply.body as { result: Record<string, unknown> }).result;
}

describe("Qdrant server: creating collections", () => {
  it("creates a collection and answers true in Qdrant's envelope", async () => {
    const name = uniqueName("coll_create");
    const reply = await rest(qdrant, "PUT", `/collections/${name}`, {
      vectors: { size: 4, distance: "Dot" },
    });
    expectValidResponse("put", ONE, reply.status, reply.body);
    expect(reply.body).toMatchObject({ result: true, status: "ok" });
  });

  it("reports the config as given plus Qdrant's defaults", async () => {
    const name = uniqueName("coll_defaults");
    await create(name, { vectors: { size: 4, distance: "Cosine" } });
    const result = await info(name);
    expect(result).toMatchObject({ status: "green", optimizer_status: "ok", points_count: 0 });
    expect(result.payload_schema).toEqual({});
    const config = result.config as Record<string, Record<string, unknown>>;
    expect(config.params).toMatchObject({
      vectors: { size: 4, distance: "Cosine" },
      shard_number: 1,
      replication_factor: 1,
      write_consistency_factor: 1,
      on_disk_payload: true,
    });
    expect(config.hnsw_config).toMatchObject({
      m: 16,
      ef_construct: 100,
      full_scan_threshold: 10000,
      max_indexing_threads: 0,
    });
    expect(config.optimizer_config).toMatchObject({
      deleted_threshold: 0.2,
      flush_interval_sec: 5,
    });
    expect(config.wal_config).toMatchObject({ wal_capacity_mb: 32, wal_segments_ahead: 0 });
    expect(config.quantization_config).toBeNull();
  });

  it("reports a fresh collection's config key for key as Qdrant 1.18.1 does, without strict_mode_config", async () => {
    const name = uniqueName("coll_exact");
    await create(name, { vectors: { size: 4, distance: "Dot" } });
    expect((await info(name)).config).toEqual({
      params: {
        vectors: { size: 4, distance: "Dot" },
        shard_number: 1,
        replication_factor: 1,
        write_consistency_factor: 1,
        on_disk_payload: true,
      },
      hnsw_config: {
        m: 16,
        ef_construct: 100,
        full_scan_threshold: 10000,
        max_indexing_threads: 0,
        on_disk: false,
      },
      optimizer_config: {
        deleted_threshold: 0.2,
        vacuum_min_vector_number: 1000,
        default_segment_number: 0,
        max_segment_size: null,
        memmap_threshold: null,
        indexing_threshold: 10000,
        flush_interval_sec: 5,
        max_optimization_threads: null,
        prevent_unoptimized: null,
      },
      wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0, wal_retain_closed: 1 },
      quantization_config: null,
    });
  });

  it("reports strict_mode_config once set, with only the keys given", async () => {
    const name = uniqueName("coll_strict");
    await create(name, { vectors: { size: 4, distance: "Dot" } });
    const patched = await rest(qdrant, "PATCH", `/collections/${name}`, {
      strict_mode_config: { max_query_limit: 5 },
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const config = (await info(name)).config as Record<string, unknown>;
    expect(config.strict_mode_config).toEqual({ max_query_limit: 5 });
  });

  it("keeps named dense vectors, sparse vectors, *_config overrides and metadata", async () => {
    const name = uniqueName("coll_named");
    await create(name, {
      vectors: {
        text: { size: 8, distance: "Euclid", datatype: "float16" },
        colbert: { size: 2, distance: "Dot", multivector_config: { comparator: "max_sim" } },
      },
      sparse_vectors: { keywords: { modifier: "idf" } },
      hnsw_config: { m: 32 },
      optimizers_config: { default_segment_number: 3 },
      metadata: { schema_version: 7 },
    });
    const config = (await info(name)).config as Record<string, Record<string, unknown>>;
    expect(config.params?.vectors).toEqual({
      text: { size: 8, distance: "Euclid", datatype: "float16" },
      colbert: { size: 2, distance: "Dot", multivector_config: { comparator: "max_sim" } },
    });
    expect(config.params?.sparse_vectors).toEqual({ keywords: { modifier: "idf" } });
    expect(config.hnsw_config?.m).toBe(32);
    expect(config.hnsw_config?.ef_construct).toBe(100);
    expect(config.optimizer_config?.default_segment_number).toBe(3);
    expect(config.metadata).toEqual({ schema_version: 7 });
  });

  it("lists collections by name", async () => {
    const name = uniqueName("coll_list");
    await create(name);
    const reply = await rest(qdrant, "GET", "/collections");
    expectValidResponse("get", "/collections", reply.status, reply.body);
    const names = (reply.body as { result: { collections: { name: string }[] } }).result
      .collections;
    expect(names).toContainEqual({ name });
  });

  it("refuses to create a collection twice with 409", async () => {
    const name = uniqueName("coll_twice");
    await create(name);
    const reply = await rest(qdrant, "PUT", `/collections/${name}`, {
      vectors: { size: 4, distance: "Dot" },
    });
    expectValidResponse("put", ONE, reply.status, reply.body);
    expect(reply.status).toBe(409);
    expect(errorText(reply)).toBe(`Wrong input: Collection \`${name}\` already exists!`);
  });

  it("refuses a collection named like an existing alias", async () => {
    const target = uniqueName("coll_alias_target");
    const alias = uniqueName("coll_alias_name");
    await create(target);
    await rest(qdrant, "POST", "/collections/aliases", {
      actions: [{ create_alias: { collection_name: target, alias_name: alias } }],
    });
    const reply = await rest(qdrant, "PUT", `/collections/${alias}`, {
      vectors: { size: 4, distance: "Dot" },
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toBe(
      `Wrong input: Can't create collection with name ${alias}. Alias with the same name already exists`,
    );
  });

  it("rejects an unknown distance as serde does, with 400", async () => {
    const reply = await rest(qdrant, "PUT", `/collections/${uniqueName("coll_bad")}`, {
      vectors: { size: 4, distance: "Bogus" },
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(
      /^Format error in JSON body: data did not match any variant of untagged enum VectorsConfig/,
    );
  });

  it("rejects a vector size of 0", async () => {
    const reply = await rest(qdrant, "PUT", `/collections/${uniqueName("coll_zero")}`, {
      vectors: { size: 0, distance: "Dot" },
    });
    expect(reply.status).toBeGreaterThanOrEqual(400);
    expect(reply.status).toBeLessThan(500);
    expect(errorText(reply)).toMatch(/error in JSON body/);
  });

  it("keeps a valid quantization config and rejects a malformed one with 400", async () => {
    const name = uniqueName("coll_quant");
    const quantization_config = { scalar: { type: "int8", quantile: 0.99, always_ram: true } };
    await create(name, { vectors: { size: 4, distance: "Dot" }, quantization_config });
    expect(((await info(name)).config as Record<string, unknown>).quantization_config).toEqual(
      quantization_config,
    );
    const bad = await rest(qdrant, "PUT", `/collections/${uniqueName("coll_quant_bad")}`, {
      vectors: { size: 4, distance: "Dot" },
      quantization_config: { scalar: { type: "int4" } },
    });
    expect(bad.status).toBe(400);
    expect(errorText(bad)).toMatch(/^Format error in JSON body: /);
  });

  it('removes quantization with "Disabled" in PATCH', async () => {
    const name = uniqueName("coll_quant_off");
    await create(name, {
      vectors: { size: 4, distance: "Dot" },
      quantization_config: { binary: {} },
    });
    const reply = await rest(qdrant, "PATCH", `/collections/${name}`, {
      quantization_config: "Disabled",
    });
    expect(reply.status).toBe(200);
    expect(((await info(name)).config as Record<string, unknown>).quantization_config).toBeNull();
  });

  it("answers 422 naming the field when a config value is out of range", async () => {
    const reply = await rest(qdrant, "PUT", `/collections/${uniqueName("coll_ef")}`, {
      vectors: { size: 4, distance: "Dot" },
      hnsw_config: { ef_construct: 0 },
    });
    expect(reply.status).toBe(422);
    expect(errorText(reply)).toMatch(
      /^Validation error in JSON body: \[.*hnsw_config\.ef_construct/,
    );
  });

  it("answers 400 `Format error in JSON body` for malformed JSON", async () => {
    const reply = await rest(qdrant, "PUT", `/collections/${uniqueName("coll_json")}`, "{nope");
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(/^Format error in JSON body: /);
  });

  it("answers 422 for timeout=0", async () => {
    const reply = await rest(qdrant, "PUT", `/collections/${uniqueName("coll_to")}?timeout=0`, {
      vectors: { size: 4, distance: "Dot" },
    });
    expect(reply.status).toBe(422);
    expect(errorText(reply)).toContain("timeout: value 0 invalid");
  });

  it("refuses to create a collection whose name has a forbidden character", async () => {
    const reply = await rest(qdrant, "PUT", `/collections/${uniqueName("coll")}:x`, {
      vectors: { size: 4, distance: "Dot" },
    });
    expect(reply.status).toBe(422);
    expect(errorText(reply)).toMatch(/^Validation error in path parameters: /);
  });

  it("refuses a collection name longer than 255 characters with 422", async () => {
    const reply = await rest(qdrant, "GET", `/collections/${"x".repeat(256)}`);
    expect(reply.status).toBe(422);
    expect(errorText(reply)).toMatch(/^Validation error in path parameters: \[collection_name: /);
  });

  it("is usable through the official client", async () => {
    const name = uniqueName("coll_client");
    await qdrant.client.createCollection(name, { vectors: { size: 3, distance: "Euclid" } });
    expect((await qdrant.client.collectionExists(name)).exists).toBe(true);
    const got = await qdrant.client.getCollection(name);
    expect(got.config.params.vectors).toEqual({ size: 3, distance: "Euclid" });
    expect(await qdrant.client.deleteCollection(name)).toBe(true);
  });
});

describe("Qdrant server: reading and deleting collections", () => {
  it("answers 404 with Qdrant's text for an unknown collection", async () => {
    const name = uniqueName("coll_missing");
    const reply = await rest(qdrant, "GET", `/collections/${name}`);
    expectValidResponse("get", ONE, reply.status, reply.body);
    expect(reply.status).toBe(404);
    expect(errorText(reply)).toBe(`Not found: Collection \`${name}\` doesn't exist!`);
  });

  it("tells whether a collection exists, resolving aliases", async () => {
    const name = uniqueName("coll_exists");
    const alias = uniqueName("coll_exists_alias");
    await create(name);
    await rest(qdrant, "POST", "/collections/aliases", {
      actions: [{ create_alias: { collection_name: name, alias_name: alias } }],
    });
    for (const [probe, exists] of [
      [name, true],
      [alias, true],
      [uniqueName("coll_nope"), false],
    ] as const) {
      const reply = await rest(qdrant, "GET", `/collections/${probe}/exists`);
      expectValidResponse("get", `${ONE}/exists`, reply.status, reply.body);
      expect((reply.body as { result: unknown }).result).toEqual({ exists });
    }
  });

  it("reads a collection's info through an alias", async () => {
    const name = uniqueName("coll_by_alias");
    const alias = uniqueName("coll_by_alias_a");
    await create(name, { vectors: { size: 5, distance: "Dot" } });
    await rest(qdrant, "POST", "/collections/aliases", {
      actions: [{ create_alias: { collection_name: name, alias_name: alias } }],
    });
    const config = (await info(alias)).config as Record<string, Record<string, unknown>>;
    expect(config.params?.vectors).toEqual({ size: 5, distance: "Dot" });
  });

  it("deletes a collection (true) and answers false when it is absent", async () => {
    const name = uniqueName("coll_delete");
    await create(name);
    const first = await rest(qdrant, "DELETE", `/collections/${name}`);
    expectValidResponse("delete", ONE, first.status, first.body);
    expect((first.body as { result: unknown }).result).toBe(true);
    const second = await rest(qdrant, "DELETE", `/collections/${name}`);
    expect(second.status).toBe(200);
    expect((second.body as { result: unknown }).result).toBe(false);
  });

  it("deletes nothing when given an alias, and drops a deleted collection's aliases", async () => {
    const name = uniqueName("coll_del_alias");
    const alias = uniqueName("coll_del_alias_a");
    await create(name);
    await rest(qdrant, "POST", "/collections/aliases", {
      actions: [{ create_alias: { collection_name: name, alias_name: alias } }],
    });
    const byAlias = await rest(qdrant, "DELETE", `/collections/${alias}`);
    expect((byAlias.body as { result: unknown }).result).toBe(false);
    expect((await rest(qdrant, "GET", `/collections/${name}`)).status).toBe(200);

    await rest(qdrant, "DELETE", `/collections/${name}`);
    const aliases = await rest(qdrant, "GET", "/aliases");
    const names = (aliases.body as { result: { aliases: { alias_name: string }[] } }).result
      .aliases;
    expect(names.map((a) => a.alias_name)).not.toContain(alias);
  });
});

describe("Qdrant server: updating collections in place", () => {
  it("merges metadata, and a null value deletes its key", async () => {
    const name = uniqueName("coll_meta");
    await create(name, { vectors: { size: 4, distance: "Dot" }, metadata: { a: 1, b: 2 } });
    const body = { metadata: { b: null, c: "three" } };
    expectValidRequest("patch", ONE, body);
    const reply = await rest(qdrant, "PATCH", `/collections/${name}`, body);
    expectValidResponse("patch", ONE, reply.status, reply.body);
    expect((reply.body as { result: unknown }).result).toBe(true);
    expect(((await info(name)).config as Record<string, unknown>).metadata).toEqual({
      a: 1,
      c: "three",
    });
  });

  it("merges hnsw and optimizer changes and keeps the vector size", async () => {
    const name = uniqueName("coll_patch");
    await create(name);
    await rest(qdrant, "PATCH", `/collections/${name}`, {
      hnsw_config: { m: 8 },
      optimizers_config: { indexing_threshold: 500 },
      params: { replication_factor: 2 },
      vectors: { "": { on_disk: true } },
    });
    const config = (await info(name)).config as Record<string, Record<string, unknown>>;
    expect(config.hnsw_config).toMatchObject({ m: 8, ef_construct: 100 });
    expect(config.optimizer_config).toMatchObject({
      indexing_threshold: 500,
      flush_interval_sec: 5,
    });
    expect(config.params).toMatchObject({
      replication_factor: 2,
      vectors: { size: 4, distance: "Dot", on_disk: true },
    });
  });

  it("ignores what PATCH cannot change: shard number, WAL config, vector size", async () => {
    const name = uniqueName("coll_patch_fixed");
    await create(name);
    const reply = await rest(qdrant, "PATCH", `/collections/${name}`, {
      params: { shard_number: 3 },
      wal_config: { wal_capacity_mb: 64 },
      vectors: { "": { size: 8, distance: "Cosine" } },
    });
    expect(reply.status).toBe(200);
    const config = (await info(name)).config as Record<string, Record<string, unknown>>;
    expect(config.params).toMatchObject({ shard_number: 1, vectors: { size: 4, distance: "Dot" } });
    expect(config.wal_config).toMatchObject({ wal_capacity_mb: 32 });
  });

  it("refuses replication_factor 0 in PATCH as a serde error at the value (400), not a validation error", async () => {
    const name = uniqueName("coll_patch_zero");
    await create(name);
    const reply = await rest(qdrant, "PATCH", `/collections/${name}`, {
      params: { replication_factor: 0 },
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toBe(
      "Format error in JSON body: invalid value: integer `0`, expected a nonzero u32 at line 1 column 33",
    );
  });

  it("refuses to update a vector name the collection lacks", async () => {
    const name = uniqueName("coll_patch_bad");
    await create(name, { vectors: { text: { size: 4, distance: "Dot" } } });
    const reply = await rest(qdrant, "PATCH", `/collections/${name}`, {
      vectors: { image: { on_disk: true } },
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toBe("Wrong input: Not existing vector name error: image");
  });

  it("keeps the parts applied before an unknown vector name fails, as Qdrant does", async () => {
    const name = uniqueName("coll_patch_partial");
    await create(name, { vectors: { text: { size: 4, distance: "Dot" } } });
    const reply = await rest(qdrant, "PATCH", `/collections/${name}`, {
      optimizers_config: { indexing_threshold: 777 },
      vectors: { image: { on_disk: true } },
      metadata: { never: true },
    });
    expect(reply.status).toBe(400);
    const config = (await info(name)).config as Record<string, Record<string, unknown>>;
    expect(config.optimizer_config?.indexing_threshold).toBe(777);
    expect(config.metadata ?? null).toBeNull();
  });

  it("answers 404 when patching an unknown collection", async () => {
    const name = uniqueName("coll_patch_missing");
    const reply = await rest(qdrant, "PATCH", `/collections/${name}`, { metadata: { a: 1 } });
    expect(reply.status).toBe(404);
    expect(errorText(reply)).toBe(`Not found: Collection \`${name}\` doesn't exist!`);
  });
});
