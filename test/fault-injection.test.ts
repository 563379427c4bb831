import { rm, writeFile } from "node:fs/promises";
import type { QdrantClient } from "@qdrant/js-client-rest";
import { afterEach, describe, expect, it } from "vitest";
import type { ResolvedConfig } from "../src/config/resolve-config.js";
import { createMigrator, type MigratorOptions, type RunResult } from "../src/index.js";
import { type CollectionState, captureCollectionState } from "./harness/collection-state.js";
import { type CrashableQdrant, crashableQdrants } from "./harness/crashable-qdrant.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { makeProject } from "./harness/project.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Faults an operator meets in production, injected at the worst moment: the
// Qdrant process dies mid-step, Postgres ends the migration's session or the
// lock's, snapshots cannot be written, and many containers start at once.
const db = useTestDatabase();
const qdrant = useQdrant();

afterEach(() => {
  globalThis.qmProbe = undefined;
});

/** A collection with everything a restore must bring back: named vectors, payloads, an index, an alias, metadata. */
async function seedCollection(
  client: QdrantClient,
): Promise<{ collection: string; alias: string }> {
  const collection = uniqueName("docs");
  const alias = uniqueName("docs_live");
  await client.createCollection(collection, {
    vectors: { text: { size: 4, distance: "Cosine" } },
    metadata: { owner: "search", tier: 2 },
  });
  await client.createPayloadIndex(collection, {
    field_name: "tenant",
    field_schema: "keyword",
    wait: true,
  });
  await client.upsert(collection, {
    wait: true,
    points: [
      { id: 1, vector: { text: [1, 0, 0, 0] }, payload: { tenant: "a", tags: ["x", "y"] } },
      { id: 2, vector: { text: [0, 1, 0, 0] }, payload: { tenant: "b", nested: { k: 1 } } },
      { id: 3, vector: { text: [0, 0, 1, 0] }, payload: { tenant: "c" } },
    ],
  });
  await client.updateCollectionAliases({
    actions: [{ create_alias: { collection_name: collection, alias_name: alias } }],
  });
  return { collection, alias };
}

/**
 * Inserts a row into `table`, then changes points (through the alias too),
 * calls `qmProbe` (where the test injects its fault), and adds an index.
 */
function changingMigration(table: string, collection: string, alias: string): string {
  return `export default {
    postgres: {
      up: async ({ db }) => { await db.insertInto("${table}").values({ id: 1 }).execute(); },
      down: async ({ db }) => { await db.deleteFrom("${table}").execute(); },
    },
    qdrant: {
      up: async ({ qdrant }) => {
        await qdrant.setPayload("${collection}", { points: [1], payload: { tenant: "changed" } });
        await qdrant.delete("${collection}", { points: [2] });
        await qdrant.upsert("${alias}", { points: [{ id: 4, vector: { text: [0, 0, 0, 1] }, payload: { tenant: "d" } }] });
        await globalThis.qmProbe?.("qdrant-step");
        await qdrant.createPayloadIndex("${collection}", { field_name: "stage", field_schema: "keyword" });
      },
      down: async () => {},
    },
  };`;
}

/** Runs `up` with a migrator of its own and closes it. */
async function up(config: ResolvedConfig, options: MigratorOptions = {}): Promise<RunResult> {
  const migrator = createMigrator(config, options);
  try {
    return await migrator.up();
  } finally {
    await migrator.close();
  }
}

/** `up` that records the collection's state at the moment recovery finished, before anything re-runs. */
async function upCapturingRecovery(
  config: ResolvedConfig,
  client: QdrantClient,
  collection: string,
): Promise<{ result: RunResult; restored: CollectionState | null | undefined }> {
  let restored: CollectionState | null | undefined;
  const result = await up(config, {
    onEvent: async (event) => {
      if (event.type === "recovered") restored = await captureCollectionState(client, collection);
    },
  });
  return { result, restored };
}

async function rowCount(table: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db.url, `SELECT count(*)::int AS n FROM "${table}"`);
  return row?.n ?? -1;
}

/** The collection after `changingMigration` ran exactly once on the seeded state. */
async function expectMigratedOnce(client: QdrantClient, collection: string, table: string) {
  expect(await rowCount(table)).toBe(1);
  const { points } = await client.scroll(collection, { limit: 10, with_payload: true });
  expect(points.map((p) => [p.id, p.payload?.tenant])).toEqual([
    [1, "changed"],
    [3, "c"],
    [4, "d"],
  ]);
  const info = await client.getCollection(collection);
  expect(Object.keys(info.payload_schema ?? {}).sort()).toEqual(["stage", "tenant"]);
}

/** Sessions of this test's database whose application_name matches `pattern` (SQL LIKE). */
/**
 * Terminates the sessions whose application_name matches `pattern`, telling
 * `onFound` how many before the first is terminated: the engine stops the step
 * as soon as a session dies, so `up()` may resolve before this function does.
 */
async function terminateSessions(pattern: string, onFound: (count: number) => void): Promise<void> {
  const rows = await queryRows<{ pid: number }>(
    db.url,
    `SELECT pid FROM pg_stat_activity
     WHERE datname = current_database() AND application_name LIKE $1 AND pid <> pg_backend_pid()`,
    [pattern],
  );
  onFound(rows.length);
  for (const { pid } of rows) {
    await queryRows(db.url, "SELECT pg_terminate_backend($1)", [pid]);
  }
}

async function freshProject(qdrantUrl: string, apiKey?: string) {
  const project = await makeProject({ postgres: db.url, qdrant: qdrantUrl, apiKey });
  const config = project.config({ tablePrefix: `${uniqueName("qm").toLowerCase()}_` });
  const table = uniqueName("t");
  await queryRows(db.url, `CREATE TABLE "${table}" (id integer primary key)`);
  return { project, config, table };
}

for (const kind of crashableQdrants) {
  const skipped = kind.unavailable ? ` (skipped: ${kind.unavailable})` : "";

  describe(`against its own ${kind.label}`, () => {
    let server: CrashableQdrant | undefined;
    afterEach(async () => {
      await server?.stop();
      server = undefined;
    });

    it.skipIf(kind.unavailable)(
      `Qdrant killed during a migration's Qdrant step and restarted on its storage: up restores the collection exactly, then applies once${skipped}`,
      async () => {
        const q = await kind.start();
        server = q;
        const { project, config, table } = await freshProject(q.url);
        const { collection, alias } = await seedCollection(q.client);
        const before = await captureCollectionState(q.client, collection);
        await project.writeMigration("001_retag", changingMigration(table, collection, alias));
        let crashed = false;
        globalThis.qmProbe = async () => {
          if (crashed) return;
          crashed = true;
          await q.crash();
        };

        const failed = await up(config);
        // Qdrant was gone, so its half could not be undone: left for recovery.
        expect(failed.error?.code).toBe("ROLLBACK_FAILED");
        expect(await rowCount(table)).toBe(0);

        await q.restart();
        const { result, restored } = await upCapturingRecovery(config, q.client, collection);
        expect(result.error).toBeUndefined();
        expect(result.recovered).toEqual(["001_retag"]);
        expect(restored).toEqual(before);
        await expectMigratedOnce(q.client, collection, table);
      },
      90_000,
    );

    it.skipIf(kind.unavailable)(
      `an unwritable snapshots directory makes the migration stop before it changes anything${skipped}`,
      async () => {
        const q = await kind.start();
        server = q;
        const { project, config, table } = await freshProject(q.url);
        const { collection, alias } = await seedCollection(q.client);
        const before = await captureCollectionState(q.client, collection);
        await project.writeMigration("001_retag", changingMigration(table, collection, alias));
        // A file where the folder was: no snapshot can be written, whoever runs the server.
        await rm(q.snapshotsDir, { recursive: true, force: true });
        await writeFile(q.snapshotsDir, "not a folder");

        const result = await up(config);
        expect(result.error?.code).toBe("MIGRATION_FAILED");
        expect(result.error?.cause).toMatchObject({ code: "SNAPSHOT_FAILED", collection });
        expect(result.error?.message).toContain("so the change was not sent");
        expect(await captureCollectionState(q.client, collection)).toEqual(before);
        expect(await rowCount(table)).toBe(0);
      },
      60_000,
    );
  });
}

describe("Postgres faults mid-run", () => {
  it("the migration's Postgres session terminated during its Qdrant step: Qdrant restored exactly, nothing committed, the next up applies once", async () => {
    const { project, config, table } = await freshProject(qdrant.url, qdrant.apiKey);
    const { collection, alias } = await seedCollection(qdrant.client);
    const before = await captureCollectionState(qdrant.client, collection);
    await project.writeMigration("001_retag", changingMigration(table, collection, alias));
    let terminated = 0;
    globalThis.qmProbe = async () => {
      if (terminated > 0) return;
      // The pool's sessions, the migration's open transaction among them; not the lock's.
      await terminateSessions("qdrant-migrate", (count) => {
        terminated = count;
      });
    };

    const failed = await up(config);
    expect(terminated).toBeGreaterThan(0);
    expect(failed.error?.code).toBe("MIGRATION_FAILED");
    expect(await captureCollectionState(qdrant.client, collection)).toEqual(before);
    expect(await rowCount(table)).toBe(0);

    expect((await up(config)).error).toBeUndefined();
    await expectMigratedOnce(qdrant.client, collection, table);
  });

  it("the lock holder's session terminated during the Qdrant step: the run stops uncommitted, the next up restores Qdrant exactly and applies once", async () => {
    const { project, config, table } = await freshProject(qdrant.url, qdrant.apiKey);
    const { collection, alias } = await seedCollection(qdrant.client);
    const before = await captureCollectionState(qdrant.client, collection);
    await project.writeMigration("001_retag", changingMigration(table, collection, alias));
    let terminated = 0;
    globalThis.qmProbe = async () => {
      if (terminated > 0) return;
      // This process's lock session (its name is cut at 63 characters, so no host here).
      await terminateSessions(`qdrant-migrate pid=${process.pid} host=%`, (count) => {
        terminated = count;
      });
      // Let the lock's client see its connection close.
      await new Promise((r) => setTimeout(r, 300));
    };

    const failed = await up(config);
    expect(terminated).toBe(1);
    expect(failed.error?.code).toBe("LOCK_LOST");
    expect(await rowCount(table)).toBe(0);

    const { result, restored } = await upCapturingRecovery(config, qdrant.client, collection);
    expect(result.error).toBeUndefined();
    expect(result.recovered).toEqual(["001_retag"]);
    expect(restored).toEqual(before);
    await expectMigratedOnce(qdrant.client, collection, table);
  });
});

describe("many runners at once", () => {
  it("32 concurrent up calls, each with its own connections and lock session, apply each migration exactly once", async () => {
    const { project, config, table } = await freshProject(qdrant.url, qdrant.apiKey);
    const collection = uniqueName("docs");
    await project.writeMigration(
      "001_create",
      `export default {
        postgres: { up: async ({ db }) => { await db.insertInto("${table}").values({ id: 1 }).execute(); }, down: async () => {} },
        qdrant: {
          up: async ({ qdrant }) => { await qdrant.createCollection("${collection}", { vectors: { size: 4, distance: "Dot" } }); },
          down: async ({ qdrant }) => { await qdrant.deleteCollection("${collection}"); },
        },
      };`,
    );
    await project.writeMigration(
      "002_fill",
      `export default {
        postgres: { up: async ({ db }) => { await db.insertInto("${table}").values({ id: 2 }).execute(); }, down: async () => {} },
        qdrant: {
          up: async ({ qdrant }) => { await qdrant.upsert("${collection}", { points: [{ id: 1, vector: [1, 2, 3, 4] }] }); },
          down: async () => {},
        },
      };`,
    );
    const runs = await Promise.all(Array.from({ length: 32 }, () => up(config)));

    expect(runs.map((r) => r.error?.message).filter(Boolean)).toEqual([]);
    const applied = runs.flatMap((r) => r.results.filter((x) => x.status === "success"));
    expect(applied.map((r) => r.name).sort()).toEqual(["001_create", "002_fill"]);
    expect(await queryRows(db.url, `SELECT id FROM "${table}" ORDER BY id`)).toEqual([
      { id: 1 },
      { id: 2 },
    ]);
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(1);
  }, 120_000);
});
