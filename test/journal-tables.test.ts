import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JOURNAL_UPGRADES } from "../src/journal/journal-upgrades.js";
import { type JournalDatabase, journalTables } from "../src/journal/table-types.js";
import { ensureJournalTables, journalVersion } from "../src/journal/tables.js";
import { useTestDatabase } from "./harness/database.js";

const database = useTestDatabase();
const opened: Kysely<JournalDatabase>[] = [];
let admin: pg.Client;

function connect(url = database.url): Kysely<JournalDatabase> {
  const db = new Kysely<JournalDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
  });
  opened.push(db);
  return db;
}

async function tablesIn(schema: string): Promise<string[]> {
  const { rows } = await admin.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1",
    [schema],
  );
  return rows.map((r) => r.table_name);
}

/**
 * A journal as the current release leaves it, made by a release from before
 * the version table (0.1.0): the same tables, no version. The tests below
 * then take it back to an older shape still.
 */
async function earlierRelease(
  schema: string,
): Promise<{ db: Kysely<JournalDatabase>; t: ReturnType<typeof journalTables> }> {
  const db = connect();
  const t = journalTables(schema, "qdrant_");
  await ensureJournalTables(db, t);
  await admin.query(`DROP TABLE ${schema}.qdrant_journal_version`);
  return { db, t };
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await Promise.all(opened.map((db) => db.destroy()));
  await admin.end();
});

describe("journalTables", () => {
  it("names the tables after the prefix", () => {
    expect(journalTables("ops", "qdrant_")).toEqual({
      schema: "ops",
      migrations: "qdrant_migrations",
      schemaVersions: "qdrant_schema_versions",
      checkpoints: "qdrant_checkpoints",
      runs: "qdrant_migration_runs",
      createdObjects: "qdrant_created_objects",
      journalVersion: "qdrant_journal_version",
    });
  });
});

describe("ensureJournalTables", () => {
  it("creates the schema and its tables", async () => {
    await ensureJournalTables(connect(), journalTables("journal_a", "qdrant_"));
    expect(await tablesIn("journal_a")).toEqual([
      "qdrant_created_objects",
      "qdrant_journal_version",
      "qdrant_migration_runs",
      "qdrant_migrations",
      "qdrant_schema_versions",
    ]);
  });

  it("uses a custom schema and prefix", async () => {
    await ensureJournalTables(connect(), journalTables("Ops Schema", "App_"));
    expect(await tablesIn("Ops Schema")).toEqual([
      "App_created_objects",
      "App_journal_version",
      "App_migration_runs",
      "App_migrations",
      "App_schema_versions",
    ]);
  });

  it("is idempotent", async () => {
    const db = connect();
    const t = journalTables("journal_b", "qdrant_");
    await ensureJournalTables(db, t);
    await admin.query(
      "INSERT INTO journal_b.qdrant_migrations (name, checksum, direction, status) VALUES ('m1', 'c', 'up', 'applied')",
    );
    await ensureJournalTables(db, t);
    const { rows } = await admin.query("SELECT name FROM journal_b.qdrant_migrations");
    expect(rows).toEqual([{ name: "m1" }]);
  });

  it("adds the columns of later versions to a journal created by an earlier one, keeping its rows", async () => {
    const { db, t } = await earlierRelease("journal_old");
    await admin.query(
      "ALTER TABLE journal_old.qdrant_migrations DROP COLUMN changed_aliases, DROP COLUMN applied_changes",
    );
    await admin.query(
      "INSERT INTO journal_old.qdrant_migrations (name, checksum, direction, status) VALUES ('m1', 'c', 'up', 'applied')",
    );
    await ensureJournalTables(db, t);
    const { rows } = await admin.query(
      "SELECT name, changed_aliases, applied_changes FROM journal_old.qdrant_migrations",
    );
    expect(rows).toEqual([{ name: "m1", changed_aliases: [], applied_changes: null }]);
  });

  it("adds the run log to a journal created before it, seeded with each migration's last run (issue 14)", async () => {
    const { db, t } = await earlierRelease("journal_pre_runs");
    await admin.query("DROP TABLE journal_pre_runs.qdrant_migration_runs");
    await admin.query(
      `INSERT INTO journal_pre_runs.qdrant_migrations (name, checksum, direction, status, error, runner)
       VALUES ('m1', 'c', 'up', 'failed', 'boom', 'host:1')`,
    );
    await ensureJournalTables(db, t);
    const { rows } = await admin.query(
      "SELECT name, direction, status, error, runner FROM journal_pre_runs.qdrant_migration_runs",
    );
    expect(rows).toEqual([
      { name: "m1", direction: "up", status: "failed", error: "boom", runner: "host:1" },
    ]);
  });

  it("adds the created-objects ledger to a journal created before it, seeded with what its rows record (issue 27)", async () => {
    const { db, t } = await earlierRelease("journal_pre_ledger");
    await admin.query("DROP TABLE journal_pre_ledger.qdrant_created_objects");
    const replica = (snapshot: string) => ({
      peerId: 7957339908172755,
      shardId: 0,
      snapshot,
      checksum: null,
      pointsCount: 1,
    });
    const attempt = [{ collection: "docs", replicas: [replica("docs-latest.snapshot")] }];
    const applied = {
      snapshots: [{ collection: "docs", replicas: [replica("docs-applied.snapshot")] }],
      createdCollections: ["docs_v2"],
    };
    await admin.query(
      `INSERT INTO journal_pre_ledger.qdrant_migrations
         (name, checksum, direction, status, snapshots, created_collections, applied_changes)
       VALUES ('m1', 'c', 'up', 'applied', $1, '["docs_v3"]', $2)`,
      [JSON.stringify(attempt), JSON.stringify(applied)],
    );
    await ensureJournalTables(db, t);
    const { rows } = await admin.query(
      `SELECT kind, collection, peer_id, shard_id, snapshot, migration
       FROM journal_pre_ledger.qdrant_created_objects ORDER BY kind, collection, snapshot`,
    );
    expect(rows).toEqual([
      {
        kind: "collection",
        collection: "docs_v2",
        peer_id: "-1",
        shard_id: -1,
        snapshot: "",
        migration: "m1",
      },
      {
        kind: "collection",
        collection: "docs_v3",
        peer_id: "-1",
        shard_id: -1,
        snapshot: "",
        migration: "m1",
      },
      {
        kind: "snapshot",
        collection: "docs",
        peer_id: "7957339908172755",
        shard_id: 0,
        snapshot: "docs-applied.snapshot",
        migration: "m1",
      },
      {
        kind: "snapshot",
        collection: "docs",
        peer_id: "7957339908172755",
        shard_id: 0,
        snapshot: "docs-latest.snapshot",
        migration: "m1",
      },
    ]);
  });

  it("lets a run log created before the interrupted status record it, keeping its rows", async () => {
    const { db, t } = await earlierRelease("journal_pre_interrupted");
    const runs = "journal_pre_interrupted.qdrant_migration_runs";
    const { rows: checks } = await admin.query(
      `SELECT conname FROM pg_constraint WHERE conrelid = '${runs}'::regclass AND contype = 'c'
         AND pg_get_constraintdef(oid) LIKE '%status%'`,
    );
    await admin.query(`ALTER TABLE ${runs} DROP CONSTRAINT ${checks[0]?.conname}`);
    await admin.query(
      `ALTER TABLE ${runs} ADD CHECK (status IN ('in_progress', 'applied', 'failed', 'rolled_back'))`,
    );
    await admin.query(
      `INSERT INTO ${runs} (name, direction, status) VALUES ('m0', 'up', 'applied')`,
    );

    await ensureJournalTables(db, t);

    await admin.query(
      `INSERT INTO ${runs} (name, direction, status) VALUES ('m1', 'up', 'interrupted')`,
    );
    const { rows } = await admin.query(`SELECT name, status FROM ${runs} ORDER BY name`);
    expect(rows).toEqual([
      { name: "m0", status: "applied" },
      { name: "m1", status: "interrupted" },
    ]);
    await expect(
      admin.query(`INSERT INTO ${runs} (name, direction, status) VALUES ('m2', 'up', 'done')`),
    ).rejects.toThrow(/check constraint/);
  });

  it("gives a migrations table from before the undoing status that status, and its undo-in-progress rows", async () => {
    const { db, t } = await earlierRelease("journal_pre_undoing");
    const migrations = "journal_pre_undoing.qdrant_migrations";
    const { rows: checks } = await admin.query(
      `SELECT conname FROM pg_constraint WHERE conrelid = '${migrations}'::regclass AND contype = 'c'
         AND pg_get_constraintdef(oid) LIKE '%status%'`,
    );
    await admin.query(`ALTER TABLE ${migrations} DROP CONSTRAINT ${checks[0]?.conname}`);
    await admin.query(
      `ALTER TABLE ${migrations} ADD CHECK (status IN ('in_progress', 'applied', 'failed', 'rolled_back'))`,
    );
    // How earlier versions spelled a run being undone: in_progress with its error.
    await admin.query(
      `INSERT INTO ${migrations} (name, checksum, direction, status, error) VALUES
         ('m1', 'c', 'up', 'in_progress', 'step failed'), ('m2', 'c', 'up', 'in_progress', NULL),
         ('m3', 'c', 'up', 'failed', 'step failed')`,
    );

    await ensureJournalTables(db, t);

    const { rows } = await admin.query(`SELECT name, status FROM ${migrations} ORDER BY name`);
    expect(rows).toEqual([
      { name: "m1", status: "undoing" },
      { name: "m2", status: "in_progress" },
      { name: "m3", status: "failed" },
    ]);
    await expect(
      admin.query(`UPDATE ${migrations} SET status = 'done' WHERE name = 'm1'`),
    ).rejects.toThrow(/check constraint/);
  });

  it("succeeds when 8 connections call it at once", async () => {
    const t = journalTables("journal_race", "qdrant_");
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => ensureJournalTables(connect(), t)),
    );
    expect(results.filter((r) => r.status === "rejected")).toEqual([]);
    expect(await tablesIn("journal_race")).toEqual([
      "qdrant_created_objects",
      "qdrant_journal_version",
      "qdrant_migration_runs",
      "qdrant_migrations",
      "qdrant_schema_versions",
    ]);
  });

  it("needs no CREATE privilege when the tables already exist", async () => {
    const t = journalTables("journal_ready", "qdrant_");
    await ensureJournalTables(connect(), t);
    const role = `qm_reader_${Date.now().toString(36)}`;
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'pw'`);
    try {
      await admin.query(`GRANT USAGE ON SCHEMA journal_ready TO ${role}`);
      await admin.query(`GRANT SELECT ON journal_ready.qdrant_journal_version TO ${role}`);
      const url = new URL(database.url);
      url.username = role;
      url.password = "pw";
      await expect(ensureJournalTables(connect(url.toString()), t)).resolves.toBeUndefined();
    } finally {
      await Promise.all(opened.splice(-1).map((db) => db.destroy()));
      await admin.query(`DROP OWNED BY ${role}`);
      await admin.query(`DROP ROLE ${role}`);
    }
  });

  it("records a new journal at the version of the last upgrade", async () => {
    const db = connect();
    const t = journalTables("journal_versioned", "qdrant_");
    await ensureJournalTables(db, t);
    expect(await journalVersion(db, t)).toBe(JOURNAL_UPGRADES.length);
    const { rows } = await admin.query(
      "SELECT version FROM journal_versioned.qdrant_journal_version",
    );
    expect(rows).toEqual([{ version: JOURNAL_UPGRADES.length }]);
  });

  it("applies to a versioned journal only the upgrades it lacks", async () => {
    const db = connect();
    const t = journalTables("journal_behind", "qdrant_");
    await ensureJournalTables(db, t);
    // At the version before the ledger: the ledger is missing, the undoing upgrade applied.
    await admin.query("DROP TABLE journal_behind.qdrant_created_objects");
    await admin.query(
      `UPDATE journal_behind.qdrant_journal_version SET version = ${JOURNAL_UPGRADES.length - 1}`,
    );
    // A row the undoing upgrade would rewrite, were it applied again.
    await admin.query(
      `INSERT INTO journal_behind.qdrant_migrations (name, checksum, direction, status, error)
       VALUES ('m1', 'c', 'up', 'in_progress', 'step failed')`,
    );

    await ensureJournalTables(db, t);

    expect(await tablesIn("journal_behind")).toContain("qdrant_created_objects");
    const { rows } = await admin.query("SELECT name, status FROM journal_behind.qdrant_migrations");
    expect(rows).toEqual([{ name: "m1", status: "in_progress" }]);
    expect(await journalVersion(db, t)).toBe(JOURNAL_UPGRADES.length);
  });

  it("refuses a journal a later release upgraded, changing nothing", async () => {
    const db = connect();
    const t = journalTables("journal_newer", "qdrant_");
    await ensureJournalTables(db, t);
    const later = JOURNAL_UPGRADES.length + 1;
    await admin.query(`UPDATE journal_newer.qdrant_journal_version SET version = ${later}`);

    await expect(ensureJournalTables(db, t)).rejects.toMatchObject({
      code: "JOURNAL_TOO_NEW",
      message: expect.stringContaining("journal_newer.qdrant_journal_version"),
    });
    expect(await journalVersion(db, t)).toBe(later);
  });

  it("rejects a status outside the four known ones", async () => {
    await ensureJournalTables(connect(), journalTables("journal_c", "qdrant_"));
    await expect(
      admin.query(
        "INSERT INTO journal_c.qdrant_migrations (name, checksum, direction, status) VALUES ('m', 'c', 'up', 'done')",
      ),
    ).rejects.toThrow(/check constraint/);
  });
});
