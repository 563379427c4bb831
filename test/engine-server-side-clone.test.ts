import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import type { MigratorEvent } from "../src/index.js";
import { captureCollectionState } from "./harness/collection-state.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { useJournalKysely } from "./harness/step-context.js";

// Issue 25: a plain copy (same server, no transform, no filter) is a snapshot
// of the source recovered under the new name on the server itself.
const database = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(database, qdrant);
const journal = useJournalKysely(database);

/** Vectors `text` (4, Cosine) and `tag` (2, Dot), HNSW m 8, indexes on `kind` and `n`, 30 points, one a UUID. */
async function seed(collection: string): Promise<void> {
  await qdrant.client.createCollection(collection, {
    vectors: { text: { size: 4, distance: "Cosine" }, tag: { size: 2, distance: "Dot" } },
    hnsw_config: { m: 8 },
  });
  for (const [field, schema] of [
    ["kind", "keyword"],
    ["n", "integer"],
  ] as const) {
    await qdrant.client.createPayloadIndex(collection, {
      field_name: field,
      field_schema: schema,
      wait: true,
    });
  }
  const ids: (number | string)[] = Array.from({ length: 29 }, (_, i) => i + 1);
  ids.push("7f1a6c0e-3b1d-4c2e-9a55-0d6f2b8e4a10");
  await qdrant.client.upsert(collection, {
    wait: true,
    points: ids.map((id, i) => ({
      id,
      vector: { text: [i + 1, 1, 0, 0], tag: [i, 1] },
      payload: { kind: i % 2 ? "a" : "b", n: i, nested: { tags: [`t${i}`] } },
    })),
  });
}

const copyMigration = (from: string, to: string, after = "") =>
  `export default {
    collections: ["${from}", "${to}"],
    qdrant: {
      up: async (ctx) => {
        const result = await ctx.schema.copyCollection("${from}", "${to}");
        await globalThis.qmProbe?.(JSON.stringify(result));
        ${after}
      },
      down: async () => {},
    },
  };`;

/** The ledger's snapshot files of `collection`. */
async function ledgerFiles(prefix: string, collection: string): Promise<string[]> {
  const { rows } = await sql<{ snapshot: string }>`SELECT snapshot FROM ${sql.table(
    `${prefix}created_objects`,
  )} WHERE kind = 'snapshot' AND collection = ${collection}`.execute(journal.db);
  return rows.map((r) => r.snapshot);
}

async function serverFiles(collection: string): Promise<string[]> {
  return (await qdrant.client.listShardSnapshots(collection, 0)).map((s) => s.name);
}

describe("copyCollection without transform, filter or source", () => {
  it("clones on the server: the same ids, vectors, payloads, payload indexes and config; its snapshot journaled while it exists, then deleted", async () => {
    const from = uniqueName("clone_src");
    const to = uniqueName("clone_dst");
    await seed(from);
    const before = await captureCollectionState(qdrant.client, from);
    let result: { cloned: boolean; count: number; sampled: number } | undefined;
    globalThis.qmProbe = async (json) => {
      result = JSON.parse(json);
    };
    const atSnapshot: { ledger: string[]; server: string[]; files: string[] }[] = [];
    const onEvent = async (e: MigratorEvent) => {
      if (e.type !== "clone-snapshot-taken") return;
      const [ledger, server] = [await ledgerFiles(engine.prefix, from), await serverFiles(from)];
      atSnapshot.push({ ledger, server, files: e.files });
    };
    await engine.project.writeMigration("001_copy", copyMigration(from, to));
    const run = await engine.migrator({ onEvent }).up();
    expect(run.error).toBeUndefined();

    expect(result).toMatchObject({ cloned: true, count: 30, sampled: 16 });
    const copied = await captureCollectionState(qdrant.client, to, { withoutStamp: true });
    const { aliases: _, ...source } = before ?? {};
    expect(copied).toEqual({ ...source, aliases: [] });
    expect(atSnapshot).toHaveLength(1);
    const [seen] = atSnapshot;
    expect(seen?.files).toHaveLength(1);
    expect(seen?.ledger).toEqual(seen?.files);
    expect(seen?.server).toEqual(expect.arrayContaining(seen?.files ?? ["?"]));
    expect(await ledgerFiles(engine.prefix, from)).toEqual([]);
    expect(await serverFiles(from)).toEqual([]);
  });

  it("that fails midway leaves no collection and no snapshot behind, and the source as it was", async () => {
    const from = uniqueName("clone_src");
    const to = uniqueName("clone_dst");
    await seed(from);
    const before = await captureCollectionState(qdrant.client, from);
    // The snapshot vanishes between its journaling and its recovery (say, a
    // `snapshots prune --force` elsewhere): the recovery fails.
    const onEvent = async (e: MigratorEvent) => {
      if (e.type !== "clone-snapshot-taken") return;
      for (const file of e.files) {
        await qdrant.client.deleteShardSnapshot(from, 0, file, { wait: true });
      }
    };
    await engine.project.writeMigration("001_copy", copyMigration(from, to));
    const run = await engine.migrator({ onEvent }).up();
    expect(run.error?.message).toMatch(new RegExp(to));

    expect((await qdrant.client.collectionExists(to)).exists).toBe(false);
    expect(await serverFiles(from)).toEqual([]);
    expect(await ledgerFiles(engine.prefix, from)).toEqual([]);
    expect(await captureCollectionState(qdrant.client, from)).toEqual(before);
  });

  it("rolled back with its migration (verify throws): the clone is dropped, the source as it was", async () => {
    const from = uniqueName("clone_src");
    const to = uniqueName("clone_dst");
    await seed(from);
    const before = await captureCollectionState(qdrant.client, from);
    await engine.project.writeMigration(
      "001_copy",
      copyMigration(from, to, `throw new Error("verify: not today");`),
    );
    const run = await engine.migrator().up();
    expect(run.error?.message).toMatch(/not today/);
    expect((await qdrant.client.collectionExists(to)).exists).toBe(false);
    expect(await captureCollectionState(qdrant.client, from)).toEqual(before);
    expect(await serverFiles(from)).toEqual([]);
  });
});
