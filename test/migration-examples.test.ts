import type { QdrantClient } from "@qdrant/js-client-rest";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type {
  MigrationDatabase,
  MigrationDefinition,
  StepContext,
} from "../src/migration/define-migration.js";
import { discoverMigrations } from "../src/migration/discover.js";
import { loadMigration } from "../src/migration/load-migration.js";
import { useTestDatabase } from "./harness/database.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Runs the example migrations' steps directly (the engine's own tests run them
// through the protocol): up, down and up again, checking both stores each time.
const database = useTestDatabase();
const qdrant = useQdrant();
// The examples name their collection `documents`; this file's client renames it
// so runs against a shared real Qdrant cannot collide.
const collection = uniqueName("documents");

let db: Kysely<MigrationDatabase>;
let client: QdrantClient;
let migrations: { name: string; def: MigrationDefinition }[];

beforeAll(async () => {
  db = new Kysely<MigrationDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url }) }),
  });
  client = renamingClient(qdrant.client, "documents", collection);
  const files = await discoverMigrations({ pattern: "*.ts", dir: "migrations" });
  migrations = await Promise.all(
    files.map(async (file) => ({ name: file.name, def: await loadMigration(file) })),
  );
});
afterAll(async () => {
  await db?.destroy();
  if (qdrant.external) await qdrant.client.deleteCollection(collection).catch(() => false);
});

function renamingClient(target: QdrantClient, from: string, to: string): QdrantClient {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      const value: unknown = Reflect.get(obj, prop, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) =>
        value.apply(obj, args[0] === from ? [to, ...args.slice(1)] : args);
    },
  });
}

async function run(index: number, direction: "up" | "down"): Promise<void> {
  const migration = migrations[index];
  if (!migration) throw new Error(`no example migration #${index}`);
  const { postgres, qdrant: vectors, verify } = migration.def;
  await db.transaction().execute(async (trx) => {
    const ctx: StepContext = {
      db: trx,
      qdrant: client,
      log: { info: () => {}, warn: () => {} },
      signal: new AbortController().signal,
      migration: { name: migration.name, direction },
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

async function columns(): Promise<string[]> {
  const { rows } = await sql<{ column_name: string }>`
    SELECT column_name FROM information_schema.columns
    WHERE table_schema = 'public' AND table_name = 'documents' ORDER BY column_name`.execute(db);
  return rows.map((r) => r.column_name);
}

async function vectorNames(): Promise<string[]> {
  const { config } = await qdrant.client.getCollection(collection);
  return Object.keys(config.params.vectors ?? {}).sort();
}

describe("example migrations", () => {
  it("are discovered in order and are reversible", () => {
    expect(migrations.map((m) => m.name)).toEqual([
      "20260101000000_create_documents",
      "20260102000000_add_title_vector",
    ]);
    for (const { def } of migrations) {
      expect(def.postgres?.down).toBeTypeOf("function");
      expect(def.qdrant?.down).toBeTypeOf("function");
    }
  });

  it("create_documents creates the table, the collection and the tenant index", async () => {
    await run(0, "up");
    expect(await columns()).toEqual(["body", "created_at", "id", "tenant"]);
    const info = await qdrant.client.getCollection(collection);
    expect(info.config.params.vectors).toEqual({
      text: expect.objectContaining({ size: 4, distance: "Cosine" }),
    });
    expect(info.payload_schema?.tenant?.data_type).toBe("keyword");
  });

  it("add_title_vector adds the column and the vector, keeping existing points", async () => {
    await db.insertInto("documents").values({ id: 1, tenant: "acme", body: "hello" }).execute();
    await qdrant.client.upsert(collection, {
      wait: true,
      points: [{ id: 1, vector: { text: [0.1, 0.2, 0.3, 0.4] }, payload: { tenant: "acme" } }],
    });
    await run(1, "up");
    expect(await columns()).toEqual(["body", "created_at", "id", "tenant", "title"]);
    expect(await vectorNames()).toEqual(["text", "title"]);
    const [point] = await qdrant.client.retrieve(collection, { ids: [1], with_vector: true });
    expect(point?.vector).toMatchObject({ text: expect.any(Array) });
  });

  it("down reverts add_title_vector, then create_documents", async () => {
    await run(1, "down");
    expect(await columns()).toEqual(["body", "created_at", "id", "tenant"]);
    expect(await vectorNames()).toEqual(["text"]);
    await run(0, "down");
    expect(await columns()).toEqual([]);
    expect((await qdrant.client.collectionExists(collection)).exists).toBe(false);
  });

  it("up runs again cleanly after down", async () => {
    await run(0, "up");
    await run(1, "up");
    expect(await columns()).toEqual(["body", "created_at", "id", "tenant", "title"]);
    expect(await vectorNames()).toEqual(["text", "title"]);
  });
});
