import { readFile } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pseudoEmbedding } from "../migrations/_pseudo-embedding.js";
import { createMigrator, defineConfig, type Migrator } from "../src/index.js";
import { REPO_ROOT } from "./harness/child.js";
import { useTestDatabase } from "./harness/database.js";
import {
  IN_PLACE_VECTORS,
  needsQdrant,
  testQdrantVersion,
  uniqueName,
  useQdrant,
} from "./harness/qdrant.js";

// The repository's example migrations, through the engine, one at a time, on
// whichever Qdrant the suite runs against: they change the bots' collections
// in place on 1.18+ and by blue-green behind each bot's alias before, so each
// step says which it expects. Every test goes on from the state the one
// before it left.
const inPlace = !(await needsQdrant(IN_PLACE_VECTORS)).skip;
const version = await testQdrantVersion();

const db = useTestDatabase();
const qdrant = useQdrant();
const MEMORIES = ["memory_elena", "memory_marcus"];
const NAMES = [...MEMORIES, "knowledge_base"];
const UUID_V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const EXAMPLES = [
  "20260101000000_bot_memory_collections",
  "20260102000000_relationship_vector",
  "20260103000000_content_embedding_v2",
  "20260104000000_import_chroma_documents",
];

let migrator: Migrator;
/** chroma id → UUID after the first import: a re-import must give the same ids. */
let firstImportIds: Map<string, string> | undefined;

beforeAll(async () => {
  // They create fixed collections and aliases: this file's Qdrant must not have them yet.
  expect(await leftBehind()).toEqual([]);
  migrator = createMigrator(
    defineConfig({
      migrations: join(REPO_ROOT, "migrations/*.ts"),
      schema: join(REPO_ROOT, "qdrant.schema.ts"),
      postgres: { url: db.url, tablePrefix: `${uniqueName("qm").toLowerCase()}_` },
      qdrant: { url: qdrant.url, apiKey: qdrant.apiKey },
    }),
  );
});
afterAll(async () => {
  await migrator?.close();
  // Against a shared real server, whatever a failed test left.
  const { aliases } = await qdrant.client.getAliases();
  for (const { alias_name } of aliases.filter((a) => NAMES.includes(a.alias_name))) {
    await qdrant.client.updateCollectionAliases({ actions: [{ delete_alias: { alias_name } }] });
  }
  for (const name of await leftBehind()) await qdrant.client.deleteCollection(name);
});

/** The examples' collections and aliases in this file's Qdrant (`<name>` or `<name>_v<N>`). */
async function leftBehind(): Promise<string[]> {
  const ours = (name: string) => NAMES.some((n) => name === n || name.startsWith(`${n}_v`));
  const { collections } = await qdrant.client.getCollections();
  const { aliases } = await qdrant.client.getAliases();
  return [...collections.map((c) => c.name), ...aliases.map((a) => a.alias_name)]
    .filter(ours)
    .sort();
}

async function aliasTarget(alias: string): Promise<string | undefined> {
  const { aliases } = await qdrant.client.getAliases();
  return aliases.find((a) => a.alias_name === alias)?.collection_name;
}

async function query<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

async function columns(table: string): Promise<string[]> {
  const rows = await query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name = '${table}' ORDER BY column_name`,
  );
  return rows.map((r) => r.column_name);
}

async function botSwitches(): Promise<string[]> {
  const rows = await query<{ v: string }>(
    "SELECT id || ':' || content_vector AS v FROM bots ORDER BY id",
  );
  return rows.map((r) => r.v);
}

async function vectorSizes(collection: string): Promise<Record<string, number | undefined>> {
  const { config } = await qdrant.client.getCollection(collection);
  const vectors = (config.params.vectors ?? {}) as Record<string, { size?: number }>;
  return Object.fromEntries(Object.entries(vectors).map(([name, v]) => [name, v.size]));
}

/** Three memories per bot, as the application writes them before any model switch. */
async function writeMemories(): Promise<void> {
  for (const collection of MEMORIES) {
    await qdrant.client.upsert(collection, {
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

async function upTo(name: string): Promise<void> {
  const run = await migrator.up({ to: name });
  expect(run.error).toBeUndefined();
  expect(run.results.map((r) => [r.name, r.status])).toEqual([[name, "success"]]);
}

/** Reverts the newest applied migration, which must be `name`. */
async function downOne(name: string): Promise<void> {
  const run = await migrator.down();
  expect(run.error).toBeUndefined();
  expect(run.results.map((r) => [r.name, r.status])).toEqual([[name, "success"]]);
}

// Loading the examples (through jiti, with the package's source) takes seconds on a loaded host.
describe(`the repository's example migrations, through the engine, on Qdrant ${version}`, {
  timeout: 120_000,
}, () => {
  it("bot_memory_collections creates the bots' tables and each bot's collection behind its alias, with three vectors and six indexes", async () => {
    await upTo(EXAMPLES[0] as string);
    expect(await botSwitches()).toEqual(["elena:content", "marcus:content"]);
    expect(await columns("user_relationships")).toEqual([
      "bot_id",
      "trust_level",
      "updated_at",
      "user_id",
    ]);
    for (const collection of MEMORIES) {
      expect(await aliasTarget(collection)).toBe(`${collection}_v1`);
      expect(await vectorSizes(collection)).toEqual({ content: 384, emotion: 384, semantic: 384 });
      const info = await qdrant.client.getCollection(collection);
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

  it(`relationship_vector adds the column and a fourth vector ${inPlace ? "in place" : "by blue-green behind the alias"}, keeping the memories`, async () => {
    await writeMemories();
    await upTo(EXAMPLES[1] as string);
    expect(await columns("user_relationships")).toContain("relationship_embedding");
    for (const collection of MEMORIES) {
      expect(await aliasTarget(collection)).toBe(`${collection}_v${inPlace ? 1 : 2}`);
      expect(await vectorSizes(collection)).toEqual({
        content: 384,
        emotion: 384,
        semantic: 384,
        relationship: 384,
      });
      expect((await qdrant.client.count(collection, { exact: true })).count).toBe(3);
    }
  });

  it("content_embedding_v2 backfills a 768-d vector for every memory, keeps the old one, and switches the bots to it", async () => {
    const [before] = await qdrant.client.retrieve("memory_elena", {
      ids: [2],
      with_vector: ["content"],
    });
    await upTo(EXAMPLES[2] as string);
    expect(await botSwitches()).toEqual(["elena:content_v2", "marcus:content_v2"]);
    for (const collection of MEMORIES) {
      expect(await aliasTarget(collection)).toBe(`${collection}_v${inPlace ? 1 : 3}`);
      expect((await vectorSizes(collection)).content_v2).toBe(768);
      const points = await qdrant.client.retrieve(collection, {
        ids: [1, 2, 3],
        with_payload: ["content"],
        with_vector: ["content_v2"],
      });
      expect(points).toHaveLength(3);
      for (const point of points) {
        const content = String(point.payload?.content);
        const vector = (point.vector as Record<string, number[]>).content_v2 ?? [];
        const expected = pseudoEmbedding(content, 768, "bge-base-en-v1.5");
        expect(vector.map((v) => v.toFixed(4))).toEqual(expected.map((v) => v.toFixed(4)));
      }
    }
    const [after] = await qdrant.client.retrieve("memory_elena", {
      ids: [2],
      with_vector: ["content"],
    });
    expect(after?.vector).toEqual(before?.vector);
  });

  it("import_chroma_documents imports every exported document under a stable UUID, in both stores", async () => {
    await upTo(EXAMPLES[3] as string);
    const exported = (await readFile(join(REPO_ROOT, "examples", "chroma-export.jsonl"), "utf8"))
      .trim()
      .split("\n")
      .flatMap((line) => (JSON.parse(line) as { ids: string[] }).ids);
    expect(exported).toHaveLength(10);
    const { points } = await qdrant.client.scroll("knowledge_base", {
      limit: 100,
      with_payload: ["_source_id"],
    });
    expect(points.map((p) => p.payload?._source_id).sort()).toEqual([...exported].sort());
    const rows = await query<{ id: string; chroma_id: string }>(
      "SELECT id::text, chroma_id FROM knowledge_documents",
    );
    expect(rows).toHaveLength(10);
    const idOf = new Map(rows.map((r) => [r.chroma_id, r.id]));
    for (const point of points) expect(point.id).toBe(idOf.get(String(point.payload?._source_id)));
    for (const id of idOf.values()) expect(id).toMatch(UUID_V5);
    firstImportIds = idOf;
    // Recorded per physical collection: in place, three migrations changed v1; by blue-green,
    // the collection 20260103 made starts at 1 (and v1, v2 keep theirs).
    const versions = new Map(
      (await migrator.status()).collections.map((c) => [c.collectionName, c.schemaVersion]),
    );
    expect(versions.get("knowledge_base")).toBe(1);
    for (const collection of MEMORIES) {
      expect(versions.get((await aliasTarget(collection)) as string)).toBe(inPlace ? 3 : 1);
    }
    expect((await migrator.check()).ok).toBe(true);
  });

  it("down reverts each migration exactly, newest first, back to stores without the examples' tables, collections or aliases", async () => {
    await downOne(EXAMPLES[3] as string);
    expect(await columns("knowledge_documents")).toEqual([]);
    expect((await qdrant.client.collectionExists("knowledge_base")).exists).toBe(false);

    await downOne(EXAMPLES[2] as string);
    expect(await botSwitches()).toEqual(["elena:content", "marcus:content"]);
    for (const collection of MEMORIES) {
      expect(await aliasTarget(collection)).toBe(`${collection}_v${inPlace ? 1 : 2}`);
      expect(Object.keys(await vectorSizes(collection))).not.toContain("content_v2");
    }

    await downOne(EXAMPLES[1] as string);
    expect(await columns("user_relationships")).not.toContain("relationship_embedding");
    for (const collection of MEMORIES) {
      expect(await aliasTarget(collection)).toBe(`${collection}_v1`);
      expect(Object.keys(await vectorSizes(collection)).sort()).toEqual([
        "content",
        "emotion",
        "semantic",
      ]);
      expect((await qdrant.client.count(collection, { exact: true })).count).toBe(3);
    }

    await downOne(EXAMPLES[0] as string);
    expect(await columns("bots")).toEqual([]);
    expect(await leftBehind()).toEqual([]);
    expect((await migrator.status()).collections).toEqual([]);
  });

  it("up runs all four again cleanly after down, giving the imported documents the same ids", async () => {
    const again = await migrator.up();
    expect(again.error).toBeUndefined();
    expect(again.results.map((r) => r.status)).toEqual([
      "success",
      "success",
      "success",
      "success",
    ]);
    expect(await botSwitches()).toEqual(["elena:content_v2", "marcus:content_v2"]);
    expect((await qdrant.client.count("knowledge_base", { exact: true })).count).toBe(10);
    const rows = await query<{ id: string; chroma_id: string }>(
      "SELECT id::text, chroma_id FROM knowledge_documents",
    );
    expect(new Map(rows.map((r) => [r.chroma_id, r.id]))).toEqual(firstImportIds);
    expect((await migrator.check()).ok).toBe(true);
  });

  it("their declared schema, qdrant.schema.ts, is what they produce (superseded blue-green versions aside)", async () => {
    const check = await migrator.check();
    expect(check.declaredSchema).toEqual([]);
    expect(check.ok).toBe(true);
  });
});
