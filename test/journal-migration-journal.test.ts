import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JournalRowMissingError, MigrationJournal } from "../src/journal/migration-journal.js";
import { type JournalDatabase, journalTables } from "../src/journal/table-types.js";
import { ensureJournalTables } from "../src/journal/tables.js";
import { useTestDatabase } from "./harness/database.js";

const database = useTestDatabase();
const tables = journalTables("ops", "app_");
let db: Kysely<JournalDatabase>;
let log: MigrationJournal;
let admin: pg.Client;

beforeAll(async () => {
  db = new Kysely<JournalDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url }) }),
  });
  await ensureJournalTables(db, tables);
  log = new MigrationJournal(db, tables);
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await db?.destroy();
  await admin?.end();
});

let counter = 0;
/** A migration name no other test in this file uses. */
function fresh(): string {
  counter += 1;
  return `20260101_${String(counter).padStart(4, "0")}_test`;
}

/** A migration whose `direction` run just started (a `down` of an applied one). */
async function started(direction: "up" | "down" = "up"): Promise<string> {
  const name = fresh();
  if (direction === "down") await log.stamp(name, "sha256:abc");
  await log.start({ name, checksum: "sha256:abc", direction, runner: "host-a:42" });
  return name;
}

const snapshot = (collection: string) => ({
  collection,
  pointsCount: 10,
  params: { vectors: { size: 4, distance: "Dot" as const } },
  payloadSchema: {},
  replicas: [
    {
      peerId: 1,
      shardId: 0,
      snapshot: `${collection}-1.snapshot`,
      checksum: null,
      pointsCount: 10,
    },
  ],
  takenAt: "2026-01-01T00:00:00.000Z",
});

const schema = (collection: string) => ({
  collection,
  vectorNames: ["text"],
  payloadSchema: { lang: { data_type: "keyword" } },
  settings: { hnsw_config: { m: 16 } },
});

describe("MigrationJournal.start", () => {
  it("inserts an in_progress row with the checksum, direction and runner", async () => {
    const name = await started("down");
    expect(await log.get(name)).toEqual({
      name,
      checksum: "sha256:abc",
      direction: "down",
      status: "in_progress",
      startedAt: expect.any(Date),
      finishedAt: null,
      durationMs: null,
      snapshots: [],
      schemasBefore: [],
      aliasesBefore: null,
      createdCollections: [],
      changedAliases: [],
      touchedPoints: [],
      appliedChanges: null,
      versionsBefore: null,
      error: null,
      runner: "host-a:42",
    });
  });

  it("resets an existing row's progress, error and finish time", async () => {
    const name = await started();
    await log.addSnapshot(name, snapshot("docs"));
    await log.addSchemaBefore(name, schema("docs"));
    await log.setAliasesBefore(name, [{ alias: "docs", collection: "docs_v1" }]);
    await log.addCreatedCollection(name, "docs_v2");
    await log.markFailed(name, "boom", "up");
    await log.start({ name, checksum: "sha256:new", direction: "up", runner: "host-b:7" });
    expect(await log.get(name)).toMatchObject({
      checksum: "sha256:new",
      status: "in_progress",
      finishedAt: null,
      durationMs: null,
      snapshots: [],
      schemasBefore: [],
      aliasesBefore: null,
      createdCollections: [],
      error: null,
      runner: "host-b:7",
    });
  });
});

describe("MigrationJournal progress records", () => {
  it("appends snapshots in order", async () => {
    const name = await started();
    await log.addSnapshot(name, snapshot("a"));
    await log.addSnapshot(name, snapshot("b"));
    expect((await log.get(name))?.snapshots).toEqual([snapshot("a"), snapshot("b")]);
  });

  it("keeps every snapshot when many are appended at once", async () => {
    const name = await started();
    const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
    await Promise.all(names.map((c) => log.addSnapshot(name, snapshot(c))));
    const recorded = (await log.get(name))?.snapshots.map((s) => s.collection);
    expect(recorded?.sort()).toEqual(names.sort());
  });

  it("keeps the first alias record when called again", async () => {
    const name = await started();
    await log.setAliasesBefore(name, [{ alias: "docs", collection: "docs_v1" }]);
    await log.setAliasesBefore(name, [{ alias: "docs", collection: "docs_v2" }]);
    expect((await log.get(name))?.aliasesBefore).toEqual([
      { alias: "docs", collection: "docs_v1" },
    ]);
  });

  it("records an empty alias list as recorded, not as missing", async () => {
    const name = await started();
    await log.setAliasesBefore(name, []);
    expect((await log.get(name))?.aliasesBefore).toEqual([]);
  });

  it("records each created collection once", async () => {
    const name = await started();
    await log.addCreatedCollection(name, "docs_v2");
    await log.addCreatedCollection(name, "docs_v3");
    await log.addCreatedCollection(name, "docs_v2");
    expect((await log.get(name))?.createdCollections).toEqual(["docs_v2", "docs_v3"]);
  });

  it("refuses to record progress for a migration that was never started", async () => {
    const name = fresh();
    const error = await log.addSnapshot(name, snapshot("a")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JournalRowMissingError);
    expect(error).toMatchObject({ code: "JOURNAL_ROW_MISSING", migration: name });
    expect((error as Error).message).toContain("ops.app_migrations");
    await expect(log.setAliasesBefore(name, [])).rejects.toThrow(JournalRowMissingError);
    await expect(log.addCreatedCollection(name, "x")).rejects.toThrow(JournalRowMissingError);
    await expect(log.markApplied(name)).rejects.toThrow(JournalRowMissingError);
  });
});

describe("MigrationJournal finishing", () => {
  it("marks a migration applied with its finish time and duration", async () => {
    const name = await started();
    await log.markApplied(name);
    const row = await log.get(name);
    expect(row?.status).toBe("applied");
    expect(row?.finishedAt?.getTime()).toBeGreaterThanOrEqual(row?.startedAt.getTime() ?? NaN);
    // Within a millisecond: the database rounds microseconds, JS dates truncate them.
    const elapsed = (row?.finishedAt?.getTime() ?? 0) - (row?.startedAt.getTime() ?? 0);
    expect(Math.abs((row?.durationMs ?? NaN) - elapsed)).toBeLessThanOrEqual(1);
  });

  it("leaves the row in_progress when markApplied's transaction rolls back", async () => {
    const name = await started();
    const rollback = new Error("postgres step failed");
    await expect(
      db.transaction().execute(async (trx) => {
        await log.markApplied(name, { db: trx });
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect((await log.get(name))?.status).toBe("in_progress");
  });

  it("joins a controlled transaction (startTransaction) the same way", async () => {
    const name = await started();
    const trx = await db.startTransaction().execute();
    await log.markApplied(name, { db: trx });
    expect((await log.get(name))?.status).toBe("in_progress");
    await trx.rollback().execute();
    expect((await log.get(name))?.status).toBe("in_progress");
  });

  it("marks applied when markApplied's transaction commits", async () => {
    const name = await started();
    await db.transaction().execute(async (trx) => {
      await log.markApplied(name, { db: trx });
    });
    expect((await log.get(name))?.status).toBe("applied");
  });

  it("records a failure's error message", async () => {
    const name = await started();
    await log.markFailed(name, "Qdrant said no", "up");
    expect(await log.get(name)).toMatchObject({
      status: "failed",
      error: "Qdrant said no",
      finishedAt: expect.any(Date),
    });
  });

  it("leaves a migration whose down failed applied, with the down's error", async () => {
    const name = await started("down");
    await log.markFailed(name, "down step failed", "down");
    expect(await log.get(name)).toMatchObject({ status: "applied", error: "down step failed" });
  });

  it("marks a down rolled back when its transaction commits", async () => {
    const name = await started("down");
    await db.transaction().execute(async (trx) => {
      await log.markRolledBack(name, { db: trx });
    });
    expect(await log.get(name)).toMatchObject({ status: "rolled_back", error: null });
  });

  it("removes a failed migration's row", async () => {
    const name = await started();
    await log.markFailed(name, "boom", "up");
    await log.remove(name);
    expect(await log.get(name)).toBeUndefined();
  });
});

describe("MigrationJournal reads and stamps", () => {
  it("lists rows by name and finds the unfinished ones (in_progress, undoing)", async () => {
    const local = new MigrationJournal(db, journalTables("ops", "listing_"));
    await ensureJournalTables(db, journalTables("ops", "listing_"));
    await local.start({ name: "0003_c", checksum: "c", direction: "up", runner: "h:1" });
    await local.start({ name: "0001_a", checksum: "a", direction: "up", runner: "h:1" });
    await local.start({ name: "0002_b", checksum: "b", direction: "up", runner: "h:1" });
    await local.markApplied("0002_b");
    expect((await local.list()).map((r) => r.name)).toEqual(["0001_a", "0002_b", "0003_c"]);
    await local.noteUndoing("0003_c", "step failed");
    expect((await local.unfinished()).map((r) => r.name)).toEqual(["0001_a", "0003_c"]);
  });

  it("lists in JavaScript string order even under a linguistic collation", async () => {
    const t = journalTables("ops", "collated_");
    await ensureJournalTables(db, t);
    await admin.query(
      'ALTER TABLE ops.collated_migrations ALTER COLUMN name TYPE text COLLATE "und-x-icu"',
    );
    const local = new MigrationJournal(db, t);
    const names = ["0001_b", "0001B", "0001a"];
    for (const name of names) await local.stamp(name, "c");
    expect((await local.list()).map((r) => r.name)).toEqual([...names].sort());
  });

  it("stamps a finished row without running anything", async () => {
    const name = fresh();
    await log.stamp(name, "sha256:s");
    expect(await log.get(name)).toMatchObject({
      name,
      checksum: "sha256:s",
      direction: "up",
      status: "applied",
      finishedAt: expect.any(Date),
      durationMs: 0,
      runner: null,
    });
  });

  it("stamps over a failed row, forgetting its run's records", async () => {
    const name = await started();
    await log.addSnapshot(name, snapshot("a"));
    await log.markFailed(name, "boom", "up");
    await log.stamp(name, "sha256:s");
    expect(await log.get(name)).toMatchObject({ status: "applied", snapshots: [], error: null });
  });

  it("writes to the configured schema and prefixed table", async () => {
    const name = await started();
    const { rows } = await admin.query("SELECT status FROM ops.app_migrations WHERE name = $1", [
      name,
    ]);
    expect(rows).toEqual([{ status: "in_progress" }]);
  });
});

describe("MigrationJournal: what undoing needs, kept across runs", () => {
  it("records each changed alias once", async () => {
    const name = await started();
    await log.addChangedAliases(name, ["docs", "search"]);
    await log.addChangedAliases(name, ["docs"]);
    expect((await log.get(name))?.changedAliases.sort()).toEqual(["docs", "search"]);
  });

  it("forgets a collection recorded as created when Qdrant refused to create it", async () => {
    const name = await started();
    await log.addCreatedCollection(name, "mine");
    await log.addCreatedCollection(name, "not_mine");
    await log.removeCreatedCollection(name, "not_mine");
    expect((await log.get(name))?.createdCollections).toEqual(["mine"]);
  });

  it("keeps an up's changes when it is applied, and a later down run leaves them and the checksum", async () => {
    const name = await started("up");
    await log.addSnapshot(name, snapshot("docs"));
    await log.addSchemaBefore(name, schema("docs"));
    await log.setAliasesBefore(name, [{ alias: "docs", collection: "docs_v1" }]);
    await log.addCreatedCollection(name, "docs_v2");
    await log.addChangedAliases(name, ["docs"]);
    await log.addTouchedPoints(name, { collection: "docs", ids: [1, "a"] });
    await log.markApplied(name);
    const applied = {
      snapshots: [snapshot("docs")],
      schemasBefore: [schema("docs")],
      createdCollections: ["docs_v2"],
      aliasesBefore: [{ alias: "docs", collection: "docs_v1" }],
      changedAliases: ["docs"],
      touchedPoints: [{ collection: "docs", ids: [1, "a"] }],
    };
    expect((await log.get(name))?.appliedChanges).toEqual(applied);

    await log.start({ name, checksum: "sha256:edited", direction: "down", runner: "host-b:7" });
    await log.addSnapshot(name, snapshot("other"));
    await log.markFailed(name, "down failed", "down");
    expect(await log.get(name)).toMatchObject({
      status: "applied",
      checksum: "sha256:abc",
      appliedChanges: applied,
    });
  });
});

describe("MigrationJournal: a write that lost a race", () => {
  it("refuses recovery's write to a row another runner's commit finished meanwhile, leaving it applied", async () => {
    const name = await started();
    const committing = await db.startTransaction().execute();
    await log.markApplied(name, { db: committing });
    // Recovery by a runner that thinks this one died: blocked until the commit
    // (first on the run the commit finished, then on the row).
    const recovery = log.markInterrupted(
      name,
      { died: "interrupted (runner died)", outcome: "restored" },
      "up",
    );
    recovery.catch(() => {});
    await waitForLockWait(`%${tables.runs}%`);
    await committing.commit().execute();

    await expect(recovery).rejects.toMatchObject({ code: "JOURNAL_TRANSITION_REFUSED" });
    expect(await log.get(name)).toMatchObject({ status: "applied", error: null });
  });
});

/** Waits until a session whose query matches `pattern` waits on a lock. */
async function waitForLockWait(pattern: string): Promise<void> {
  for (let tries = 0; ; tries++) {
    const { rows } = await admin.query(
      `SELECT 1 FROM pg_stat_activity
       WHERE wait_event_type = 'Lock' AND datname = current_database() AND query LIKE $1`,
      [pattern],
    );
    if (rows.length > 0) return;
    if (tries > 1000) throw new Error("no session ever waited on the row lock");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
