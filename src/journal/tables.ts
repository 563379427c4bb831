import { type CreateTableBuilder, type Kysely, sql } from "kysely";
import { advisoryLockKey } from "../lock/lock-key.js";
import { journalScope } from "./journal-scope.js";
import type { JournalDatabase, JournalRowStatus, JournalTables, RunStatus } from "./table-types.js";

/**
 * Creates the journal's schema and tables if they are missing. Safe to call
 * from many processes at once: the DDL runs under a transaction-level advisory
 * lock, because concurrent `CREATE TABLE IF NOT EXISTS` can still fail on the
 * unique index of pg_type. When the tables already exist nothing is locked or
 * created, so a role without CREATE privilege can run against a prepared database.
 */
export async function ensureJournalTables(
  db: Kysely<JournalDatabase>,
  t: JournalTables,
): Promise<void> {
  if (!(await journalTablesExist(db, t))) await createTables(db, t);
  if ((await missingColumns(db, t)).length > 0) await addLaterColumns(db, t);
  for (const later of LATER_STATUSES) {
    if ((await outdatedStatusChecks(db, t, later)).length > 0) await allowLaterStatus(db, t, later);
  }
}

/**
 * Creates what is missing: every table on a first run; the run log alone on
 * a journal from before it, seeded from the status rows (the one run of each
 * migration that journal kept), so `history` loses nothing on the upgrade.
 */
async function createTables(db: Kysely<JournalDatabase>, t: JournalTables): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const key = advisoryLockKey(`qdrant-migrate:journal-ddl:${t.schema}`);
    await sql`SELECT pg_advisory_xact_lock(${key.toString()}::bigint)`.execute(trx);
    if (!(await schemaExists(trx, t.schema))) {
      await trx.schema.createSchema(t.schema).ifNotExists().execute();
    }
    const scoped = journalScope(trx, t);
    await scoped.schema
      .createTable("journalMigrations")
      .ifNotExists()
      .addColumn("name", "text", (c) => c.primaryKey())
      .addColumn("checksum", "text", (c) => c.notNull())
      .$call((table) => runColumns(table, ROW_STATUSES))
      .addColumn("snapshots", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn("schemas_before", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn("aliases_before", "jsonb")
      .addColumn("created_collections", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn("changed_aliases", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn("touched_points", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
      .addColumn("applied_changes", "jsonb")
      .addColumn("versions_before", "jsonb")
      .addColumn("error", "text")
      .addColumn("runner", "text")
      .execute();
    await scoped.schema
      .createTable("journalSchemaVersions")
      .ifNotExists()
      .addColumn("id", "serial", (c) => c.primaryKey())
      .addColumn("collection_name", "text", (c) => c.notNull().unique())
      .addColumn("schema_version", "integer", (c) => c.notNull())
      .addColumn("vectors_config", "jsonb")
      .addColumn("payload_schema", "jsonb")
      .addColumn("aliases", "jsonb")
      .addColumn("config", "jsonb")
      .addColumn("last_migration", "text")
      .addColumn("created_at", "timestamptz", (c) => c.defaultTo(sql`now()`))
      .addColumn("updated_at", "timestamptz", (c) => c.defaultTo(sql`now()`))
      .execute();
    if (!(await tableExists(trx, t.schema, t.runs))) await createRunLog(scoped);
    if (!(await tableExists(trx, t.schema, t.createdObjects))) {
      await createObjectsLedger(scoped, t);
    }
  });
}

async function createRunLog(scoped: Kysely<JournalDatabase>): Promise<void> {
  await scoped.schema
    .createTable("journalRuns")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .$call((table) => runColumns(table, RUN_STATUSES))
    .addColumn("error", "text")
    .addColumn("runner", "text")
    .execute();
  await scoped
    .insertInto("journalRuns")
    .columns(RUN_FIELDS)
    .expression((eb) => eb.selectFrom("journalMigrations").select(RUN_FIELDS).orderBy("started_at"))
    .execute();
}

/**
 * Creates the created-objects ledger, seeded from what the status rows still
 * record (each row's latest attempt and its last applied `up`): on a journal
 * from before the ledger, files older attempts made are not known to be this
 * project's, and so are left alone.
 */
async function createObjectsLedger(
  scoped: Kysely<JournalDatabase>,
  t: JournalTables,
): Promise<void> {
  await scoped.schema
    .createTable("journalCreatedObjects")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("kind", "text", (c) =>
      c.notNull().check(sql`kind IN ('snapshot', 'collection', 'copy')`),
    )
    .addColumn("collection", "text", (c) => c.notNull())
    // Qdrant peer ids are 64-bit.
    .addColumn("peer_id", "bigint", (c) => c.notNull().defaultTo(-1))
    .addColumn("shard_id", "integer", (c) => c.notNull().defaultTo(-1))
    .addColumn("snapshot", "text", (c) => c.notNull().defaultTo(""))
    .addColumn("migration", "text", (c) => c.notNull())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint(`${t.createdObjects}_key`, [
      "kind",
      "collection",
      "peer_id",
      "shard_id",
      "snapshot",
    ])
    .execute();
  const migrations = sql.id(t.schema, t.migrations);
  const ledger = sql.id(t.schema, t.createdObjects);
  await sql`
    INSERT INTO ${ledger} (kind, collection, peer_id, shard_id, snapshot, migration)
    SELECT DISTINCT 'snapshot', s->>'collection', (r->>'peerId')::bigint, (r->>'shardId')::int,
      r->>'snapshot', m.name
    FROM ${migrations} m,
      jsonb_array_elements(m.snapshots || coalesce(m.applied_changes->'snapshots', '[]'::jsonb)) s,
      jsonb_array_elements(coalesce(s->'replicas', '[]'::jsonb)) r
    ON CONFLICT DO NOTHING`.execute(scoped);
  await sql`
    INSERT INTO ${ledger} (kind, collection, migration)
    SELECT DISTINCT 'collection', c, m.name
    FROM ${migrations} m,
      jsonb_array_elements_text(m.created_collections
        || coalesce(m.applied_changes->'createdCollections', '[]'::jsonb)) c
    ON CONFLICT DO NOTHING`.execute(scoped);
}

/**
 * Creates the checkpoints table of backfills and imports if it is missing.
 * Not part of `ensureJournalTables`: only projects that call `backfill` or
 * `importPoints` need it, so a role without CREATE privilege on a prepared
 * journal keeps working until then. The same DDL lock as the other tables.
 */
export async function ensureCheckpointsTable(
  db: Kysely<JournalDatabase>,
  t: JournalTables,
): Promise<void> {
  if (await tableExists(db, t.schema, t.checkpoints)) return;
  await db.transaction().execute(async (trx) => {
    const key = advisoryLockKey(`qdrant-migrate:journal-ddl:${t.schema}`);
    await sql`SELECT pg_advisory_xact_lock(${key.toString()}::bigint)`.execute(trx);
    if (!(await schemaExists(trx, t.schema))) {
      await trx.schema.createSchema(t.schema).ifNotExists().execute();
    }
    await journalScope(trx, t)
      .schema.createTable("journalCheckpoints")
      .ifNotExists()
      .addColumn("migration", "text", (c) => c.notNull())
      .addColumn("operation", "text", (c) => c.notNull())
      .addColumn("collection", "text", (c) => c.notNull())
      .addColumn("position", "jsonb", (c) => c.notNull())
      .addColumn("counts", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      .addColumn("finished", "boolean", (c) => c.notNull().defaultTo(false))
      .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
      .addPrimaryKeyConstraint(`${t.checkpoints}_pkey`, ["migration", "operation", "collection"])
      .execute();
  });
}

/** Whether `schema.table` exists (to_regclass: no error, and no privilege needed). */
export async function tableExists(
  db: Kysely<JournalDatabase>,
  schema: string,
  table: string,
): Promise<boolean> {
  const { rows } = await sql<{ found: string | null }>`
    SELECT to_regclass(${qualified(schema, table)})::text AS found`.execute(db);
  return rows[0]?.found != null;
}

/**
 * Columns of `qdrant_migrations` added after its first release, with their
 * DDL: tables created by an earlier version get them on the next run.
 */
/** The fields a run-log row copies from a status row, when the run log is first filled. */
const RUN_FIELDS = [
  "name",
  "direction",
  "status",
  "started_at",
  "finished_at",
  "duration_ms",
  "error",
  "runner",
] as const;

/** A migration row's statuses; `undoing` added later (`allowLaterRowStatuses`). */
const ROW_STATUSES: readonly JournalRowStatus[] = [
  "in_progress",
  "undoing",
  "applied",
  "failed",
  "rolled_back",
];
/** A run log row's statuses; `interrupted` added later (`allowLaterRunStatuses`). */
const RUN_STATUSES: readonly RunStatus[] = [
  "in_progress",
  "applied",
  "failed",
  "rolled_back",
  "interrupted",
];

/** What a migration's status row and each of its runs record alike: direction, status, timing. */
function runColumns<TB extends string, C extends string>(
  table: CreateTableBuilder<TB, C>,
  statuses: readonly string[],
) {
  return table
    .addColumn("direction", "text", (c) => c.notNull().check(sql`direction IN ('up', 'down')`))
    .addColumn("status", "text", (c) => c.notNull().check(statusCheck(statuses)))
    .addColumn("started_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("finished_at", "timestamptz")
    .addColumn("duration_ms", "integer");
}

const LATER_COLUMNS: Record<string, string> = {
  changed_aliases: "jsonb NOT NULL DEFAULT '[]'::jsonb",
  applied_changes: "jsonb",
  schemas_before: "jsonb NOT NULL DEFAULT '[]'::jsonb",
  touched_points: "jsonb NOT NULL DEFAULT '[]'::jsonb",
  versions_before: "jsonb",
};

async function missingColumns(db: Kysely<JournalDatabase>, t: JournalTables): Promise<string[]> {
  // pg_attribute, not information_schema: the latter hides columns a role has no privilege on.
  const { rows } = await sql<{ attname: string }>`
    SELECT attname FROM pg_attribute
    WHERE attrelid = to_regclass(${qualified(t.schema, t.migrations)}) AND attnum > 0
      AND NOT attisdropped`.execute(db);
  const present = new Set(rows.map((r) => r.attname));
  return Object.keys(LATER_COLUMNS).filter((c) => !present.has(c));
}

async function addLaterColumns(db: Kysely<JournalDatabase>, t: JournalTables): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const key = advisoryLockKey(`qdrant-migrate:journal-ddl:${t.schema}`);
    await sql`SELECT pg_advisory_xact_lock(${key.toString()}::bigint)`.execute(trx);
    for (const column of await missingColumns(trx, t)) {
      const type = LATER_COLUMNS[column] as string;
      await sql
        .raw(
          `ALTER TABLE ${qualified(t.schema, t.migrations)} ADD COLUMN IF NOT EXISTS ${column} ${type}`,
        )
        .execute(trx);
    }
  });
}

function statusCheck(statuses: readonly string[]) {
  return sql`status IN (${sql.join(statuses.map((v) => sql.lit(v)))})`;
}

/**
 * A status added after a journal could have been created: the table whose
 * CHECK on `status` must accept it, the statuses it accepts now, and what
 * rows written before need in the same transaction.
 */
interface LaterStatus {
  table: (t: JournalTables) => string;
  added: string;
  statuses: readonly string[];
  /** Rows that spelled the new status otherwise. */
  rewrite?: (trx: Kysely<JournalDatabase>, t: JournalTables) => Promise<void>;
}

const LATER_STATUSES: readonly LaterStatus[] = [
  { table: (t) => t.runs, added: "interrupted", statuses: RUN_STATUSES },
  {
    table: (t) => t.migrations,
    added: "undoing",
    statuses: ROW_STATUSES,
    // A run whose undo began or failed was `in_progress` with an error:
    // recovery treats both alike, and resumption must skip them.
    rewrite: async (trx, t) => {
      await journalScope(trx, t)
        .updateTable("journalMigrations")
        .set({ status: "undoing" })
        .where("status", "=", "in_progress")
        .where("error", "is not", null)
        .execute();
    },
  },
];

/** The table's CHECK constraints on `status` that predate `later.added`. */
async function outdatedStatusChecks(
  db: Kysely<JournalDatabase>,
  t: JournalTables,
  later: LaterStatus,
): Promise<string[]> {
  const { rows } = await sql<{ conname: string }>`
    SELECT conname FROM pg_constraint
    WHERE conrelid = to_regclass(${qualified(t.schema, later.table(t))}) AND contype = 'c'
      AND pg_get_constraintdef(oid) LIKE '%status%'
      AND pg_get_constraintdef(oid) NOT LIKE ${`%${later.added}%`}`.execute(db);
  return rows.map((r) => r.conname);
}

/** A table created by an earlier version accepts the status added since, and its rows say it. */
async function allowLaterStatus(
  db: Kysely<JournalDatabase>,
  t: JournalTables,
  later: LaterStatus,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const key = advisoryLockKey(`qdrant-migrate:journal-ddl:${t.schema}`);
    await sql`SELECT pg_advisory_xact_lock(${key.toString()}::bigint)`.execute(trx);
    // Another process may have done it while this one waited for the lock.
    const outdated = await outdatedStatusChecks(trx, t, later);
    if (outdated.length === 0) return;
    const table = sql.raw(qualified(t.schema, later.table(t)));
    for (const name of outdated) {
      await sql`ALTER TABLE ${table} DROP CONSTRAINT ${sql.id(name)}`.execute(trx);
    }
    await sql`ALTER TABLE ${table} ADD CHECK (${statusCheck(later.statuses)})`.execute(trx);
    await later.rewrite?.(trx, t);
  });
}

async function journalTablesExist(db: Kysely<JournalDatabase>, t: JournalTables): Promise<boolean> {
  const { rows } = await sql<{ missing: number }>`
    SELECT num_nulls(to_regclass(${qualified(t.schema, t.migrations)}),
      to_regclass(${qualified(t.schema, t.schemaVersions)}),
      to_regclass(${qualified(t.schema, t.runs)}),
      to_regclass(${qualified(t.schema, t.createdObjects)})) AS missing`.execute(db);
  return rows[0]?.missing === 0;
}

async function schemaExists(db: Kysely<JournalDatabase>, schema: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${schema}) AS found`.execute(db);
  return rows[0]?.found === true;
}

/** `"schema"."table"` as text for to_regclass, quoting so any name round-trips. */
function qualified(schema: string, table: string): string {
  const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;
  return `${quote(schema)}.${quote(table)}`;
}
