import type { Schemas } from "@qdrant/js-client-rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  recordOf,
  schemaFromRecord,
  schemaOf,
} from "../src/collection-schema/collection-schema.js";
import type { CollectionSpec } from "../src/collection-schema/create-body.js";
import { diffSchemas } from "../src/collection-schema/diff-schemas.js";
import { connectQdrant, type QdrantConnection } from "../src/qdrant/connect.js";
import { diffCollection } from "../src/toolkit/schema/collection-diff.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

/**
 * `check` (the recorded schema against the live one) and `ensureCollection`
 * (the live collection against its spec) must name the same differences.
 * Each pair is a live collection and a wanted spec; the wanted spec is also
 * created on the server and recorded as `check` records it, so both read
 * what the server really reports. A spec compares only what it states, so
 * each wanted spec states the setting its case is about.
 */
const qdrant = useQdrant();
let conn: QdrantConnection;
const created: string[] = [];

beforeAll(() => {
  conn = connectQdrant({ url: qdrant.url, apiKey: qdrant.apiKey, timeoutMs: 30_000 });
});

afterAll(async () => {
  for (const name of created) await conn.client.deleteCollection(name);
});

const text = { size: 4, distance: "Cosine" } as const;
const scalar: Schemas["QuantizationConfig"] = { scalar: { type: "int8", always_ram: true } };

const pairs: { kind: string; live: CollectionSpec; wanted: CollectionSpec; fields: string[] }[] = [
  {
    kind: "vector size",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: { ...text, size: 8 } } },
    fields: ["vectors.t.size"],
  },
  {
    kind: "distance",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: { ...text, distance: "Dot" } } },
    fields: ["vectors.t.distance"],
  },
  {
    kind: "datatype",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: { ...text, datatype: "float16" } } },
    fields: ["vectors.t.datatype"],
  },
  {
    kind: "a vector's on_disk",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: { ...text, on_disk: true } } },
    fields: ["vectors.t.on_disk"],
  },
  {
    kind: "a vector's own HNSW",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: { ...text, hnsw_config: { m: 32 } } } },
    fields: ["vectors.t.hnsw_config.m"],
  },
  {
    kind: "a vector's quantization",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: { ...text, quantization_config: scalar } } },
    fields: ["vectors.t.quantization_config"],
  },
  {
    kind: "a missing named vector",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: text, u: text } },
    fields: ["vectors.u"],
  },
  {
    kind: "an extra named vector",
    live: { vectors: { t: text, u: text } },
    wanted: { vectors: { t: text } },
    fields: ["vectors.u"],
  },
  {
    kind: "unnamed against named",
    live: { vectors: text },
    wanted: { vectors: { t: text } },
    fields: ["vectors"],
  },
  {
    kind: "a missing sparse vector",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: text }, sparse_vectors: { s: {} } },
    fields: ["sparse_vectors.s"],
  },
  {
    kind: "a sparse modifier",
    live: { vectors: { t: text }, sparse_vectors: { s: {} } },
    wanted: { vectors: { t: text }, sparse_vectors: { s: { modifier: "idf" } } },
    fields: ["sparse_vectors.s.modifier"],
  },
  {
    kind: "a missing payload index",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: text }, payloadIndexes: { lang: "keyword" } },
    fields: ["payloadIndexes.lang"],
  },
  {
    kind: "a re-typed payload index",
    live: { vectors: { t: text }, payloadIndexes: { lang: "keyword" } },
    wanted: { vectors: { t: text }, payloadIndexes: { lang: "integer" } },
    fields: ["payloadIndexes.lang"],
  },
  {
    kind: "an extra payload index",
    live: { vectors: { t: text }, payloadIndexes: { lang: "keyword" } },
    wanted: { vectors: { t: text }, payloadIndexes: {} },
    fields: ["payloadIndexes.lang"],
  },
  {
    kind: "collection quantization",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: text }, quantization_config: scalar },
    fields: ["quantization_config"],
  },
  {
    kind: "collection HNSW",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: text }, hnsw_config: { ef_construct: 200 } },
    fields: ["hnsw_config.ef_construct"],
  },
  {
    kind: "optimizers",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: text }, optimizers_config: { indexing_threshold: 20_000 } },
    fields: ["optimizers_config.indexing_threshold"],
  },
  {
    kind: "WAL",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: text }, wal_config: { wal_capacity_mb: 64 } },
    fields: ["wal_config.wal_capacity_mb"],
  },
  {
    kind: "payload on disk",
    live: { vectors: { t: text } },
    wanted: { vectors: { t: text }, on_disk_payload: false },
    fields: ["on_disk_payload"],
  },
  {
    kind: "defaults spelled out against defaults left out (null or absent)",
    live: { vectors: { t: text }, sparse_vectors: { s: {} }, payloadIndexes: { lang: "keyword" } },
    wanted: {
      vectors: { t: { ...text, datatype: "float32", on_disk: false, hnsw_config: { m: 16 } } },
      sparse_vectors: { s: { modifier: "none" } },
      shard_number: 1,
      sharding_method: "auto",
      quantization_config: null,
      payloadIndexes: { lang: { type: "keyword", is_tenant: false } },
    },
    fields: [],
  },
];

const lives = new Map<string, Promise<Schemas["CollectionInfo"]>>();

/** Pairs that start from the same live collection share it: nothing changes it. */
function live(spec: CollectionSpec): Promise<Schemas["CollectionInfo"]> {
  const key = JSON.stringify(spec);
  let info = lives.get(key);
  if (!info) {
    info = create(spec);
    lives.set(key, info);
  }
  return info;
}

async function create(spec: CollectionSpec): Promise<Schemas["CollectionInfo"]> {
  const name = uniqueName("agree");
  const { payloadIndexes, ...body } = spec;
  await conn.client.createCollection(name, body);
  created.push(name);
  for (const [field, schema] of Object.entries(payloadIndexes ?? {})) {
    await conn.client.createPayloadIndex(name, {
      field_name: field,
      field_schema: schema,
      wait: true,
    });
  }
  return conn.client.getCollection(name);
}

// Concurrent: each pair has collections of its own, and most of the time is the server creating them.
describe.concurrent("check and ensureCollection name the same differences", () => {
  for (const pair of pairs) {
    it(`for ${pair.kind}`, async () => {
      const [current, wanted] = await Promise.all([live(pair.live), create(pair.wanted)]);
      const recorded = schemaFromRecord(recordOf(schemaOf(wanted)));
      const drift = diffSchemas(recorded, schemaOf(current)).map((c) => c.field);
      const plan = diffCollection(current, pair.wanted, { supported: true, version: "test" });
      const ensure = plan.differences.map((d) => d.field);
      expect({ drift: drift.sort(), ensure: ensure.sort() }).toEqual({
        drift: pair.fields,
        ensure: pair.fields,
      });
    });
  }
});
