import type { QdrantClient } from "@qdrant/js-client-rest";
import { startQdrant } from "@qdrant-migrate/qdrant-server";
import { beforeAll, describe, expect, it } from "vitest";
import { connectQdrant, type QdrantConnection } from "../src/qdrant/connect.js";
import { createTrackingClient, type TrackingHooks } from "../src/qdrant/tracking-client.js";
import {
  CollectionNotAliasedError,
  PayloadIndexConflictError,
  SchemaChangeInvalidError,
  SchemaIncompatibleError,
} from "../src/toolkit/schema/errors.js";
import { createSchemaToolkit, type SchemaToolkit } from "../src/toolkit/schema-toolkit.js";
import {
  IN_PLACE_VECTORS,
  needsQdrant,
  testQdrantVersion,
  uniqueName,
  useQdrant,
} from "./harness/qdrant.js";

const inPlace = await needsQdrant(IN_PLACE_VECTORS);

// ctx.schema over a tracking client, as a step gets it: each operation does
// only what differs, and refuses with a typed error what cannot be done in place.
const qdrant = useQdrant();
let conn: QdrantConnection;

beforeAll(() => {
  conn = connectQdrant({ url: qdrant.url, apiKey: qdrant.apiKey, timeoutMs: 30_000 });
});

/** A toolkit over a fresh tracking client (one step), and the hook calls it made. */
function toolkit(client: QdrantClient = conn.client): { schema: SchemaToolkit; calls: string[] } {
  const calls: string[] = [];
  const hooks: TrackingHooks = {
    beforeMutate: async (c, kind) => void calls.push(`${kind} ${c}`),
    beforeDataWrite: async () => {},
    beforeCreate: async (c) => void calls.push(`create ${c}`),
    beforeAliasChange: async () => {},
    createRefused: async (c) => void calls.push(`refused ${c}`),
  };
  const qdrant = createTrackingClient(client, hooks);
  const log = { info: () => {}, warn: () => {} };
  return {
    schema: createSchemaToolkit({
      qdrant,
      log,
      progress: () => {},
      signal: new AbortController().signal,
      migration: { name: "001_toolkit", direction: "up" },
    }),
    calls,
  };
}

/** The live config parts the toolkit compares, for before/after equality. */
async function configOf(collection: string) {
  const info = await qdrant.client.getCollection(collection);
  const indexes = Object.fromEntries(
    Object.entries(info.payload_schema).map(([f, i]) => [f, i?.params ?? i?.data_type]),
  );
  return {
    vectors: info.config.params.vectors,
    sparse: info.config.params.sparse_vectors ?? {},
    hnswM: info.config.hnsw_config.m,
    quantization: info.config.quantization_config ?? null,
    indexes,
  };
}

/** Named vectors `text` (4, Cosine) and `multi` (2, Dot, multivector), sparse `sp`, index `lang`. */
async function seed(collection: string): Promise<void> {
  await qdrant.client.createCollection(collection, {
    vectors: {
      text: { size: 4, distance: "Cosine" },
      multi: { size: 2, distance: "Dot", multivector_config: { comparator: "max_sim" } },
    },
    sparse_vectors: { sp: {} },
  });
  await qdrant.client.createPayloadIndex(collection, {
    field_name: "lang",
    field_schema: "keyword",
    wait: true,
  });
}

describe("ensureCollection", () => {
  it("creates an absent collection with its payload indexes", async () => {
    const collection = uniqueName("sch_create");
    const { schema, calls } = toolkit();
    const result = await schema.ensureCollection(collection, {
      vectors: { text: { size: 4, distance: "Cosine" } },
      hnsw_config: { m: 24 },
      metadata: { owner: "search" },
      payloadIndexes: { lang: "keyword", n: { type: "integer", range: true } },
    });
    expect(result).toEqual({ created: true, changed: true, differences: [] });
    expect(calls).toEqual([`create ${collection}`]);
    const config = await configOf(collection);
    expect(config.vectors).toEqual({ text: { size: 4, distance: "Cosine" } });
    expect(config.hnswM).toBe(24);
    expect((await qdrant.client.getCollection(collection)).config.metadata).toEqual({
      owner: "search",
    });
    expect(Object.keys(config.indexes).sort()).toEqual(["lang", "n"]);
  });

  it.skipIf(inPlace.skip)(
    `reports every difference, the refused and the in-place ones, and changes nothing${inPlace.reason}`,
    async () => {
      const collection = uniqueName("sch_diff");
      await seed(collection);
      const before = await configOf(collection);
      const { schema, calls } = toolkit();
      const error = await schema
        .ensureCollection(collection, {
          vectors: {
            text: { size: 8, distance: "Dot", datatype: "float16", on_disk: true },
            multi: { size: 2, distance: "Dot" },
            image: { size: 3, distance: "Euclid" },
          },
          sparse_vectors: { sp: { modifier: "idf" }, sp2: {} },
          hnsw_config: { m: 32 },
          quantization_config: { scalar: { type: "int8" } },
          shard_number: 2,
          payloadIndexes: { lang: "integer", n: "float" },
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaIncompatibleError);
      const differences = (error as SchemaIncompatibleError).differences;
      const by = (resolution: string) =>
        differences.filter((d) => d.resolution === resolution).map((d) => d.field);
      expect(by("refused").sort()).toEqual(
        [
          "vectors.text.size",
          "vectors.text.distance",
          "vectors.text.datatype",
          "vectors.multi.multivector_config",
          "shard_number",
          "payloadIndexes.lang",
        ].sort(),
      );
      expect(by("in-place").sort()).toEqual(
        [
          "vectors.image",
          "sparse_vectors.sp2",
          "sparse_vectors.sp.modifier",
          "hnsw_config.m",
          "quantization_config",
          "vectors.text.on_disk",
          "payloadIndexes.n",
        ].sort(),
      );
      const size = differences.find((d) => d.field === "vectors.text.size");
      expect(size).toMatchObject({ live: 4, wanted: 8 });
      expect((error as Error).message).toContain(`Collection "${collection}"`);
      expect((error as Error).message).toContain("vectors.text.size: live 4, wanted 8");
      expect((error as SchemaIncompatibleError).code).toBe("SCHEMA_INCOMPATIBLE");
      expect(calls).toEqual([]);
      expect(await configOf(collection)).toEqual(before);
    },
  );

  it.skipIf(inPlace.skip)(
    `applies the in-place parts: payload indexes, named vectors, settings, on_disk${inPlace.reason}`,
    async () => {
      const collection = uniqueName("sch_apply");
      await seed(collection);
      const { schema, calls } = toolkit();
      const result = await schema.ensureCollection(collection, {
        vectors: {
          text: { size: 4, distance: "Cosine", on_disk: true, hnsw_config: { m: 8 } },
          image: { size: 3, distance: "Euclid", datatype: "uint8" },
        },
        sparse_vectors: { sp2: { modifier: "idf" } },
        hnsw_config: { m: 20 },
        quantization_config: { scalar: { type: "int8", quantile: 0.99 } },
        optimizers_config: { indexing_threshold: 5000 },
        payloadIndexes: { n: { type: "integer", range: true }, lang: "keyword" },
      });
      expect(result.created).toBe(false);
      expect(result.changed).toBe(true);
      expect(
        result.differences.filter((d) => d.resolution === "extra").map((d) => d.field),
      ).toEqual(["vectors.multi", "sparse_vectors.sp"]);
      expect(calls).toEqual([`schema ${collection}`]);
      const info = await qdrant.client.getCollection(collection);
      const vectors = info.config.params.vectors as Record<string, Record<string, unknown>>;
      expect(vectors.image).toEqual({ size: 3, distance: "Euclid", datatype: "uint8" });
      expect(vectors.text).toMatchObject({ on_disk: true, hnsw_config: { m: 8 } });
      expect(info.config.params.sparse_vectors?.sp2).toEqual({ modifier: "idf" });
      expect(info.config.hnsw_config.m).toBe(20);
      expect(info.config.quantization_config).toEqual({ scalar: { type: "int8", quantile: 0.99 } });
      expect(info.config.optimizer_config.indexing_threshold).toBe(5000);
      expect(Object.keys(info.payload_schema).sort()).toEqual(["lang", "n"]);
    },
  );

  it("refuses an unnamed-to-named change with SCHEMA_INCOMPATIBLE naming collection, field, live, wanted and the blue-green way", async () => {
    const collection = uniqueName("sch_shape");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    const { schema } = toolkit();
    const error = await schema
      .ensureCollection(collection, { vectors: { text: { size: 4, distance: "Dot" } } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaIncompatibleError);
    const message = (error as Error).message;
    expect(message).toContain(`"${collection}"`);
    expect(message).toContain('vectors: live {"distance":"Dot","size":4}');
    expect(message).toContain('wanted {"text":{"distance":"Dot","size":4}}');
    expect(message).toContain("blue-green");
    expect(message).toContain("ctx.schema.changeVector");
  });

  it("finds nothing to do when run again, and finishes what a crash left undone", async () => {
    const collection = uniqueName("sch_again");
    const spec = {
      vectors: { text: { size: 4, distance: "Cosine" as const } },
      sparse_vectors: { sp: { modifier: "idf" as const } },
      hnsw_config: { m: 20 },
      metadata: { owner: "search" },
      payloadIndexes: { lang: "keyword" as const, txt: { type: "text" as const } },
    };
    await toolkit().schema.ensureCollection(collection, spec);
    // As if a crash had come between the creation and the second index.
    await qdrant.client.deletePayloadIndex(collection, "txt", { wait: true });
    const resumed = await toolkit().schema.ensureCollection(collection, spec);
    expect(resumed.differences.map((d) => `${d.resolution} ${d.field}`)).toEqual([
      "in-place payloadIndexes.txt",
    ]);
    const { schema, calls } = toolkit();
    const again = await schema.ensureCollection(collection, spec);
    expect(again).toEqual({ created: false, changed: false, differences: [] });
    expect(calls).toEqual([]);
  });

  it("refuses spec values outside Qdrant's limits before changing anything", async () => {
    const collection = uniqueName("sch_spec_limits");
    await seed(collection);
    const before = await configOf(collection);
    const { schema, calls } = toolkit();
    const error = await schema
      .ensureCollection(collection, {
        hnsw_config: { ef_construct: 2 },
        write_consistency_factor: 0,
        payloadIndexes: { n: "integer" },
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaChangeInvalidError);
    expect((error as SchemaChangeInvalidError).problems).toEqual([
      "hnsw_config.ef_construct must be 4 or larger, got 2",
      "write_consistency_factor must be 1 or larger, got 0",
    ]);
    expect(calls).toEqual([]);
    expect(await configOf(collection)).toEqual(before);
  });
});

describe("updateCollection", () => {
  it("sends only the settings that differ, and nothing when none does", async () => {
    const collection = uniqueName("sch_update");
    await seed(collection);
    const { schema } = toolkit();
    const patch = {
      hnsw_config: { m: 24, ef_construct: 100 },
      vectors: { text: { on_disk: true } },
      params: { on_disk_payload: true },
      metadata: { owner: "search" },
    };
    const first = await schema.updateCollection(collection, patch);
    expect(first.differences.map((d) => d.field).sort()).toEqual(
      ["hnsw_config.m", "metadata.owner", "vectors.text.on_disk"].sort(),
    );
    const info = await qdrant.client.getCollection(collection);
    expect(info.config.hnsw_config.m).toBe(24);
    expect(info.config.metadata).toMatchObject({ owner: "search" });
    const { schema: again, calls } = toolkit();
    expect(await again.updateCollection(collection, patch)).toEqual({
      changed: false,
      differences: [],
    });
    expect(calls).toEqual([]);
  });

  it("refuses values outside Qdrant's limits, unknown vectors and fixed settings, each named, before sending anything", async () => {
    const collection = uniqueName("sch_limits");
    await seed(collection);
    const before = await configOf(collection);
    const { schema, calls } = toolkit();
    const error = await schema
      .updateCollection(collection, {
        hnsw_config: { ef_construct: 2, m: 20 },
        optimizers_config: { deleted_threshold: 1.5 },
        params: { replication_factor: 0 },
        quantization_config: { scalar: { type: "int8", quantile: 0.2 } },
        vectors: { nope: { on_disk: true }, text: { size: 8 } as { on_disk?: boolean } },
        ...({ shard_number: 3 } as object),
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaChangeInvalidError);
    const { problems } = error as SchemaChangeInvalidError;
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("hnsw_config.ef_construct must be 4 or larger, got 2"),
        expect.stringContaining("optimizers_config.deleted_threshold must be 1 or smaller"),
        expect.stringContaining("params.replication_factor must be 1 or larger, got 0"),
        expect.stringContaining("quantization_config.scalar.quantile must be 0.5 or larger"),
        expect.stringContaining("vectors.nope: the collection has no such dense vector"),
        expect.stringContaining("vectors.text.size cannot change in place"),
        expect.stringContaining("shard_number cannot be updated"),
      ]),
    );
    expect(problems).toHaveLength(7);
    expect(calls).toEqual([]);
    expect(await configOf(collection)).toEqual(before);
  });
});

describe("payload indexes", () => {
  it("createPayloadIndex does nothing for an equal index, defaults spelled out or not, and refuses another schema naming both", async () => {
    const collection = uniqueName("sch_index");
    await seed(collection);
    const { schema } = toolkit();
    expect(await schema.createPayloadIndex(collection, "txt", { type: "text" })).toEqual({
      changed: true,
    });
    expect(await schema.createPayloadIndex(collection, "lang", "keyword")).toEqual({
      changed: false,
    });
    expect(
      await schema.createPayloadIndex(collection, "txt", { type: "text", tokenizer: "word" }),
    ).toEqual({ changed: false });
    const error = await schema
      .createPayloadIndex(collection, "lang", { type: "keyword", is_tenant: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PayloadIndexConflictError);
    expect((error as Error).message).toContain(
      `"${collection}" already has a payload index on "lang" with schema "keyword", not the wanted {"is_tenant":true,"type":"keyword"}`,
    );
  });

  it("dropPayloadIndex drops an index, and does nothing when there is none", async () => {
    const collection = uniqueName("sch_drop");
    await seed(collection);
    const { schema } = toolkit();
    expect(await schema.dropPayloadIndex(collection, "lang")).toEqual({ changed: true });
    expect(await schema.dropPayloadIndex(collection, "lang")).toEqual({ changed: false });
    expect((await configOf(collection)).indexes).toEqual({});
  });
});

describe("named vectors", () => {
  it.skipIf(inPlace.skip)(
    `addVector adds in place, does nothing when the same vector exists, refuses another size${inPlace.reason}`,
    async () => {
      const collection = uniqueName("sch_addvec");
      await seed(collection);
      const { schema, calls } = toolkit();
      const image = { dense: { size: 3, distance: "Euclid" as const } };
      expect(await schema.addVector(collection, "image", image)).toEqual({ changed: true });
      expect(await schema.addVector(collection, "image", image)).toEqual({ changed: false });
      expect(await schema.addVector(collection, "sp2", { sparse: { modifier: "idf" } })).toEqual({
        changed: true,
      });
      const error = await schema
        .addVector(collection, "image", { dense: { size: 5, distance: "Euclid" } })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SchemaIncompatibleError);
      expect((error as Error).message).toContain("vectors.image.size: live 3, wanted 5");
      expect(calls).toEqual([`schema ${collection}`]);
      const { vectors, sparse } = await configOf(collection);
      expect(Object.keys(vectors ?? {}).sort()).toEqual(["image", "multi", "text"]);
      expect(Object.keys(sparse).sort()).toEqual(["sp", "sp2"]);
    },
  );

  it("addVector refuses to turn one unnamed vector into named vectors", async () => {
    const collection = uniqueName("sch_unnamed");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    const { schema, calls } = toolkit();
    const error = await schema
      .addVector(collection, "image", { dense: { size: 3, distance: "Dot" } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SchemaIncompatibleError);
    expect(calls).toEqual([]);
  });

  it.skipIf(inPlace.skip)(
    `removeVector removes a named vector (a data change: snapshot first), and does nothing when it is absent${inPlace.reason}`,
    async () => {
      const collection = uniqueName("sch_rmvec");
      await seed(collection);
      const { schema, calls } = toolkit();
      expect(await schema.removeVector(collection, "multi")).toEqual({ changed: true });
      expect(await schema.removeVector(collection, "multi")).toEqual({ changed: false });
      expect(await schema.removeVector(collection, "sp")).toEqual({ changed: true });
      expect(calls).toEqual([`data ${collection}`]);
      const { vectors, sparse } = await configOf(collection);
      expect(Object.keys(vectors ?? {})).toEqual(["text"]);
      expect(sparse).toEqual({});
    },
  );

  it("addVector and removeVector on a server older than 1.18 refuse a physical collection with COLLECTION_NOT_ALIASED, naming the version, and change nothing", async () => {
    // The real server itself when it is older (CI's 1.15.5), else an in-process one claiming 1.17.1.
    const old = inPlace.skip ? undefined : await startQdrant({ version: "1.17.1" });
    const version = old ? "1.17.1" : await testQdrantVersion();
    try {
      const client = old ? connectQdrant({ url: old.url, timeoutMs: 30_000 }).client : conn.client;
      const collection = uniqueName("sch_old");
      await client.createCollection(collection, {
        vectors: { text: { size: 4, distance: "Dot" }, old: { size: 2, distance: "Dot" } },
      });
      const { schema, calls } = toolkit(client);
      const adding = await schema
        .addVector(collection, "image", { dense: { size: 3, distance: "Dot" } })
        .catch((e: unknown) => e);
      expect(adding).toBeInstanceOf(CollectionNotAliasedError);
      expect((adding as Error).message).toContain(
        `Qdrant ${version} cannot add vector "image" to "${collection}" in place (that needs Qdrant 1.18 or newer`,
      );
      expect((adding as Error).message).toContain("adoptPhysical");
      expect((adding as Error).message).toContain("pause every writer");
      const removing = await schema.removeVector(collection, "old").catch((e: unknown) => e);
      expect(removing).toBeInstanceOf(CollectionNotAliasedError);
      expect((removing as Error).message).toContain('cannot remove vector "old"');
      const ensuring = await schema
        .ensureCollection(collection, { vectors: { image: { size: 3, distance: "Dot" } } })
        .catch((e: unknown) => e);
      expect(ensuring).toBeInstanceOf(SchemaIncompatibleError);
      expect((ensuring as Error).message).toContain(`Qdrant ${version} cannot add a named vector`);
      expect(calls).toEqual([]);
      const info = await client.getCollection(collection);
      expect(Object.keys(info.config.params.vectors ?? {}).sort()).toEqual(["old", "text"]);
    } finally {
      await old?.stop();
    }
  });
});
