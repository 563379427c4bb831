import type { Schemas } from "@qdrant/js-client-rest";
import { describe, expect, it } from "vitest";
import {
  recordOf,
  schemaFromRecord,
  schemaOf,
} from "../../src/collection-schema/collection-schema.js";
import { describeChange, diffSchemas } from "../../src/collection-schema/diff-schemas.js";
import { serverVersionOf, versionAtLeast } from "../../src/collection-schema/server-version.js";

/** A collection's info as `GET /collections/{c}` answers, with `config` overridden. */
function info(
  config: Record<string, unknown>,
  payloadSchema: Record<string, unknown> = {},
): Schemas["CollectionInfo"] {
  const { params, ...rest } = config;
  return {
    status: "green",
    optimizer_status: "ok",
    segments_count: 1,
    payload_schema: payloadSchema,
    config: {
      params: { vectors: { text: { size: 4, distance: "Cosine" } }, ...(params as object) },
      hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10_000 },
      optimizer_config: { deleted_threshold: 0.2, max_segment_size: null },
      wal_config: { wal_capacity_mb: 32 },
      quantization_config: null,
      ...rest,
    },
  } as unknown as Schemas["CollectionInfo"];
}

const text = { size: 4, distance: "Cosine" };

describe("schemaOf", () => {
  it("reads a setting reported as null and one left out as the same", () => {
    const withNulls = info({ quantization_config: null, params: { read_fan_out_factor: null } });
    const without = info({ params: {} });
    delete (without.config as Record<string, unknown>).quantization_config;
    expect(schemaOf(withNulls)).toEqual(schemaOf(without));
  });

  it("fills in the defaults Qdrant leaves out until they are set explicitly", () => {
    const spelled = info({
      params: {
        vectors: { text: { ...text, datatype: "float32", on_disk: false, hnsw_config: { m: 16 } } },
        sparse_vectors: { words: { modifier: "none" } },
        shard_number: 1,
        sharding_method: "auto",
      },
    });
    const left = info({ params: { vectors: { text }, sparse_vectors: { words: {} } } });
    expect(schemaOf(spelled)).toEqual(schemaOf(left));
    expect(schemaOf(left).vectors).toEqual({
      text: { ...text, datatype: "float32", on_disk: false },
    });
  });

  it("keeps a vector's own HNSW setting that differs from the collection's", () => {
    const own = schemaOf(
      info({ params: { vectors: { text: { ...text, hnsw_config: { m: 32 } } } } }),
    );
    expect(own.vectors).toMatchObject({ text: { hnsw_config: { m: 32 } } });
  });

  it("reads payload indexes in one form, without point counts or spelled-out defaults", () => {
    const live = schemaOf(
      info(
        {},
        {
          lang: { data_type: "keyword", points: 10 },
          tenant: { data_type: "keyword", params: { type: "keyword", is_tenant: true }, points: 3 },
          n: { data_type: "integer", params: { type: "integer", lookup: true, range: true } },
        },
      ),
    );
    expect(live.payloadIndexes).toEqual({
      lang: { type: "keyword" },
      tenant: { type: "keyword", is_tenant: true },
      n: { type: "integer" },
    });
  });

  it("leaves this tool's own stamp out of the metadata", () => {
    const stamped = info({ metadata: { owner: "search", qdrant_migrate: { schema_version: 2 } } });
    expect(schemaOf(stamped).metadata).toEqual({ owner: "search" });
  });

  it("reads back from its journal record as it was recorded", () => {
    const schema = schemaOf(
      info(
        { params: { sparse_vectors: { words: {} } }, metadata: { owner: "search" } },
        {
          lang: { data_type: "keyword" },
        },
      ),
      ["docs"],
    );
    expect(schemaFromRecord(JSON.parse(JSON.stringify(recordOf(schema))))).toEqual(schema);
  });

  it("reads a row recorded before this module (raw payload indexes and config) as the live collection", () => {
    const live = info(
      { params: { shard_number: 1 } },
      { lang: { data_type: "keyword", points: 4 } },
    );
    const { params, ...rest } = live.config;
    const { vectors, ...restParams } = params;
    const oldRow = {
      vectorsConfig: vectors,
      payloadSchema: { lang: { data_type: "keyword" } },
      config: { ...rest, params: restParams, metadata: {} },
      aliases: [],
    };
    expect(diffSchemas(schemaFromRecord(oldRow), schemaOf(live))).toEqual([]);
  });
});

describe("diffSchemas", () => {
  it("describes each difference in one readable line, named as in the create body", () => {
    const recorded = schemaOf(info({}, { lang: { data_type: "keyword" } }), ["docs"]);
    const live = schemaOf(
      info({ params: { vectors: { text: { ...text, size: 8 } } }, hnsw_config: { m: 32 } }),
      ["docs", "docs_v2"],
    );
    expect(diffSchemas(recorded, live).map(describeChange)).toEqual([
      "vectors.text.size: 4 → 8",
      "hnsw_config.ef_construct: 100 → (absent)",
      "hnsw_config.full_scan_threshold: 10000 → (absent)",
      "hnsw_config.m: 16 → 32",
      'payloadIndexes.lang: {"type":"keyword"} → (absent)',
      'aliases: ["docs"] → ["docs","docs_v2"]',
    ]);
  });

  it("names a vector only one side has once, as a whole", () => {
    const one = schemaOf(info({}));
    const two = schemaOf(
      info({ params: { vectors: { text, image: { size: 2, distance: "Dot" } } } }),
    );
    expect(diffSchemas(one, two).map((c) => c.field)).toEqual(["vectors.image"]);
  });

  it("compares a quantization config as one value and metadata key by key", () => {
    const a = schemaOf(info({ metadata: { owner: "a", team: { id: 1 } } }));
    const b = schemaOf(
      info({
        quantization_config: { scalar: { type: "int8" } },
        metadata: { owner: "a", team: { id: 2 } },
      }),
    );
    expect(diffSchemas(a, b).map((c) => c.field)).toEqual(["metadata.team", "quantization_config"]);
  });

  it("finds nothing between a schema and itself", () => {
    const s = schemaOf(info({ metadata: { owner: "a" } }, { lang: { data_type: "keyword" } }), [
      "x",
    ]);
    expect(diffSchemas(s, structuredClone(s))).toEqual([]);
  });
});

describe("serverVersionOf", () => {
  it("asks each client once, and again after a failure", async () => {
    let calls = 0;
    const client = {
      async versionInfo() {
        calls++;
        if (calls === 1) throw new Error("not up yet");
        return { version: "1.18.1" };
      },
    };
    await expect(serverVersionOf(client)).rejects.toThrow("not up yet");
    expect(await serverVersionOf(client)).toBe("1.18.1");
    expect(await serverVersionOf(client)).toBe("1.18.1");
    expect(calls).toBe(2);
  });

  it("gates on major and minor, a dev build's version counting as recent", () => {
    expect(versionAtLeast("1.17.9", [1, 18])).toBe(false);
    expect(versionAtLeast("v1.18.0", [1, 18])).toBe(true);
    expect(versionAtLeast("2.0.0", [1, 18])).toBe(true);
    expect(versionAtLeast("dev", [1, 18])).toBe(true);
  });
});
