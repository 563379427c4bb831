import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { QdrantClient } from "@qdrant/js-client-rest";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pseudoEmbedding } from "../migrations/_pseudo-embedding.js";
import type {
  MigrationDatabase,
  MigrationDefinition,
  StepContext,
} from "../src/migration/define-migration.js";
import { discoverMigrations } from "../src/migration/discover.js";
import { loadMigration } from "../src/migration/import-migration.js";
import { createSchemaToolkit } from "../src/toolkit/schema-toolkit.js";
import { REPO_ROOT } from "./harness/child.js";
import { useTestDatabase } from "./harness/database.js";
import { IN_PLACE_VECTORS, needsQdrant, uniqueName, useQdrant } from "./harness/qdrant.js";

// The examples add named vectors in place, so they need Qdrant 1.18+
// (migrations/_in-place-vectors.ts refuses older servers before any change).
const inPlace = await needsQdrant(IN_PLACE_VECTORS);

// Runs the example migrations' steps directly (the engine's own tests run them
// through the protocol): each up, then down in reverse, then up again, checking
// both stores each time.
const database = useTestDatabase();
const qdrant = useQdrant();
// The examples use fixed collection names; this file's client suffixes every
// collection name so runs against a shared real Qdrant cannot collide.
const suffix = uniqueName("x").toLowerCase();
const named = (collection: string) => `${collection}_${suffix}`;
const MEMORIES = ["memory_elena", "memory_marcus"];

let db: Kysely<MigrationDatabase>;
let client: QdrantClient;
let migrations: { name: string; def: MigrationDefinition }[];
/** chroma id → UUID after the first import: a re-import must give the same ids. */
let firstImportIds: Map<string, string> | undefined;
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

beforeAll(async () => {
  db = new Kysely<MigrationDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url }) }),
  });
  client = suffixingClient(qdrant.client);
  const files = await discoverMigrations({ pattern: "*.ts", dir: join(REPO_ROOT, "migrations") });
  migrations = await Promise.all(
    files.map(async (file) => ({ name: file.name, def: await loadMigration(file) })),
  );
});
afterAll(async () => {
  await db?.destroy();
  if (qdrant.external) {
    for (const c of [...MEMORIES, "knowledge_base"]) {
      await qdrant.client.deleteCollection(named(c)).catch(() => false);
    }
  }
});

/** The client with every collection name (the first argument of each call used here) suffixed. */
function suffixingClient(target: QdrantClient): QdrantClient {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        value.apply(obj, typeof args[0] === "string" ? [named(args[0]), ...args.slice(1)] : args);
    },
  });
}

async function run(name: string, direction: "up" | "down"): Promise<void> {
  const migration = migrations.find((m) => m.name.endsWith(name));
  if (!migration) throw new Error(`no example migration named ${name}`);
  const { postgres, qdrant: vectors, verify } = migration.def;
  await db.transaction().execute(async (trx) => {
    const log = { info: () => {}, warn: () => {} };
    const signal = new AbortController().signal;
    const ctx: StepContext = {
      db: trx,
      qdrant: client,
      schema: createSchemaToolkit({
        qdrant: client,
        log,
        progress: () => {},
        signal,
        migration: { name: migration.name, direction },
      }),
      log,
      progress: () => {},
      signal,
      migration: { name: migration.name, direction },
      dryRun: false,
    };
    if (direction === "up") {
      await postgres?.up(ctx);
      await vectors?.up(ctx);
      await verify?.(ctx);
    } else {
      await vectors?.down?.(ctx);
      await postgres?.down?.(ctx);
    }
  });
}

async function columns(table: string): Promise<string[]> {
  const { rows } = await sql<{ column_name: string }>`
    SELECT column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = ${table} ORDER BY column_name`.execute(db);
  return rows.map((r) => r.column_name);
}

async function vectorSizes(collection: string): Promise<Record<string, number | undefined>> {
  const { config } = await qdrant.client.getCollection(named(collection));
  const vectors = (config.params.vectors ?? {}) as Record<string, { size?: number }>;
  return Object.fromEntries(Object.entries(vectors).map(([name, v]) => [name, v.size]));
}

async function exists(collection: string): Promise<boolean> {
  return (await qdrant.client.collectionExists(named(collection))).exists;
}

/** Three memories per bot, as the application writes them before any model switch. */
async function writeMemories(): Promise<void> {
  for (const collection of MEMORIES) {
    await qdrant.client.upsert(named(collection), {
      wait: true,
      points: [1, 2, 3].map((id) => {
        const content = `${collection} memory ${id}`;
        const embed = (kind: string) => pseudoEmbedding(`${kind}:${content}`, 384, "test");
        return {
          id,
          vector: { content: embed("c"), emotion: embed("e"), semantic: embed("s") },
          payload: { content, user_id: "u1", memory_type: "fact", timestamp_unix: id },
        };
      }),
    });
  }
}

async function botSwitches(): Promise<string[]> {
  const rows = await db.selectFrom("bots").select(["id", "content_vector"]).orderBy("id").execute();
  return rows.map((r) => `${String(r.id)}:${String(r.content_vector)}`);
}

describe("example migrations", () => {
  it("are discovered in order, skip the _ helper files, and are all reversible", () => {
    expect(migrations.map((m) => m.name)).toEqual([
      "20260101000000_bot_memory_collections",
      "20260102000000_relationship_vector",
      "20260103000000_content_embedding_v2",
      "20260104000000_import_chroma_documents",
    ]);
    for (const { def } of migrations) {
      expect(def.postgres?.down).toBeTypeOf("function");
      expect(def.qdrant?.down).toBeTypeOf("function");
    }
  });

  it("bot_memory_collections creates the bots, their tables, and a collection per bot with three vectors and six indexes", async () => {
    await run("bot_memory_collections", "up");
    expect(await botSwitches()).toEqual(["elena:content", "marcus:content"]);
    expect(await columns("user_relationships")).toEqual([
      "bot_id",
      "trust_level",
      "updated_at",
      "user_id",
    ]);
    for (const collection of MEMORIES) {
      expect(await vectorSizes(collection)).toEqual({ content: 384, emotion: 384, semantic: 384 });
      const info = await qdrant.client.getCollection(named(collection));
      const types = Object.fromEntries(
        Object.entries(info.payload_schema ?? {}).map(([field, s]) => [field, s?.data_type]),
      );
      expect(types).toEqual({
        user_id: "keyword",
        memory_type: "keyword",
        timestamp_unix: "float",
        semantic_key: "keyword",
        emotional_context: "keyword",
        content_hash: "integer",
      });
    }
  });

  it.skipIf(inPlace.skip)(
    `relationship_vector adds the column and a fourth vector in place, keeping the memories${inPlace.reason}`,
    async () => {
      await writeMemories();
      await run("relationship_vector", "up");
      expect(await columns("user_relationships")).toContain("relationship_embedding");
      for (const collection of MEMORIES) {
        expect(await vectorSizes(collection)).toEqual({
          content: 384,
          emotion: 384,
          semantic: 384,
          relationship: 384,
        });
        expect((await qdrant.client.count(named(collection), { exact: true })).count).toBe(3);
      }
    },
  );

  it.skipIf(inPlace.skip)(
    `content_embedding_v2 backfills a 768-d vector for every memory and switches the bots to it${inPlace.reason}`,
    async () => {
      const [before] = await qdrant.client.retrieve(named("memory_elena"), {
        ids: [2],
        with_vector: ["content"],
      });
      await run("content_embedding_v2", "up");
      expect(await botSwitches()).toEqual(["elena:content_v2", "marcus:content_v2"]);
      for (const collection of MEMORIES) {
        expect((await vectorSizes(collection)).content_v2).toBe(768);
        const points = await qdrant.client.retrieve(named(collection), {
          ids: [1, 2, 3],
          with_payload: ["content"],
          with_vector: ["content_v2"],
        });
        for (const point of points) {
          const content = String(point.payload?.content);
          const vector = (point.vector as Record<string, number[]>).content_v2 ?? [];
          const expected = pseudoEmbedding(content, 768, "bge-base-en-v1.5");
          expect(vector.map((v) => v.toFixed(4))).toEqual(expected.map((v) => v.toFixed(4)));
        }
      }
      const [after] = await qdrant.client.retrieve(named("memory_elena"), {
        ids: [2],
        with_vector: ["content"],
      });
      expect(after?.vector).toEqual(before?.vector);
    },
  );

  it("import_chroma_documents imports every exported document under a stable UUID, in both stores", async () => {
    await run("import_chroma_documents", "up");
    const exported = (await readFile(join(REPO_ROOT, "examples", "chroma-export.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .flatMap((line) => (JSON.parse(line) as { ids: string[] }).ids);
    expect(exported).toHaveLength(10);
    const { points } = await qdrant.client.scroll(named("knowledge_base"), {
      limit: 100,
      with_payload: ["_source_id"],
    });
    expect(points.map((p) => p.payload?._source_id).sort()).toEqual([...exported].sort());
    const rows = await db.selectFrom("knowledge_documents").select(["id", "chroma_id"]).execute();
    expect(rows).toHaveLength(10);
    const idOf = new Map(rows.map((r) => [String(r.chroma_id), String(r.id)]));
    for (const point of points) expect(point.id).toBe(idOf.get(String(point.payload?._source_id)));
    for (const id of idOf.values()) expect(id).toMatch(UUID_V5);
    firstImportIds = idOf;
  });

  it.skipIf(inPlace.skip)(
    `down reverts each migration in reverse order, back to empty stores${inPlace.reason}`,
    async () => {
      await run("import_chroma_documents", "down");
      expect(await exists("knowledge_base")).toBe(false);
      expect(await columns("knowledge_documents")).toEqual([]);

      await run("content_embedding_v2", "down");
      expect(await botSwitches()).toEqual(["elena:content", "marcus:content"]);
      expect(Object.keys(await vectorSizes("memory_elena"))).not.toContain("content_v2");

      await run("relationship_vector", "down");
      expect(await columns("user_relationships")).not.toContain("relationship_embedding");
      expect(Object.keys(await vectorSizes("memory_marcus")).sort()).toEqual([
        "content",
        "emotion",
        "semantic",
      ]);

      await run("bot_memory_collections", "down");
      expect(await columns("bots")).toEqual([]);
      expect(await exists("memory_elena")).toBe(false);
      expect(await exists("memory_marcus")).toBe(false);
    },
  );

  it.skipIf(inPlace.skip)(
    `up runs all four again cleanly after down, giving the imported documents the same ids${inPlace.reason}`,
    async () => {
      await run("bot_memory_collections", "up");
      await writeMemories();
      await run("relationship_vector", "up");
      await run("content_embedding_v2", "up");
      await run("import_chroma_documents", "up");
      expect(await botSwitches()).toEqual(["elena:content_v2", "marcus:content_v2"]);
      expect(
        (
          await qdrant.client.count(named("memory_marcus"), {
            exact: true,
            filter: { must: [{ has_vector: "content_v2" }] },
          })
        ).count,
      ).toBe(3);
      expect((await qdrant.client.count(named("knowledge_base"), { exact: true })).count).toBe(10);
      const rows = await db.selectFrom("knowledge_documents").select(["id", "chroma_id"]).execute();
      expect(new Map(rows.map((r) => [String(r.chroma_id), String(r.id)]))).toEqual(firstImportIds);
    },
  );
});
