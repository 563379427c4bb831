import { type Kysely, sql } from "kysely";
import { QdrantMigrateError } from "../errors.js";
import { advisoryLockKey } from "../lock/lock-key.js";
import { isRecord } from "../util/objects.js";
import { tableExists } from "./catalog.js";
import { journalScope } from "./journal-scope.js";
import { JOURNAL_UPGRADES } from "./journal-upgrades.js";
import type { JournalDatabase, JournalTables } from "./table-types.js";

/**
 * Brings the journal's tables to this version's shape: reads the version row
 * (one query, the whole cost when the journal is current) and applies the
 * upgrades of `journal-upgrades.ts` it lacks, in one transaction under an
 * advisory lock of the journal's schema, which serializes upgraders (concurrent
 * `CREATE TABLE IF NOT EXISTS` can still fail on the unique index of pg_type).
 * The verbs that change anything call it holding the migration lock too. A
 * current journal takes no lock and creates nothing, so a role without
 * CREATE privilege can run against a prepared database.
 */
export async function ensureJournalTables(
  db: Kysely<JournalDatabase>,
  t: JournalTables,
): Promise<void> {
  const version = await journalVersion(db, t);
  if (version === JOURNAL_UPGRADES.length) return;
  refuseNewer(version, t);
  await db.transaction().execute(async (trx) => {
    const key = advisoryLockKey(`qdrant-migrate:journal-ddl:${t.schema}`);
    await sql`SELECT pg_advisory_xact_lock(${key.toString()}::bigint)`.execute(trx);
    if (!(await schemaExists(trx, t.schema))) {
      await trx.schema.createSchema(t.schema).ifNotExists().execute();
    }
    await sql`CREATE TABLE IF NOT EXISTS ${sql.id(t.schema, t.journalVersion)} (
      version integer NOT NULL,
      upgraded_at timestamptz NOT NULL DEFAULT now())`.execute(trx);
    // Another process may have upgraded it while this one waited for the lock.
    const from = await journalVersion(trx, t);
    refuseNewer(from, t);
    if (from === JOURNAL_UPGRADES.length) return;
    for (const upgrade of JOURNAL_UPGRADES.slice(from)) await upgrade.apply(trx, t);
    await sql`DELETE FROM ${sql.id(t.schema, t.journalVersion)}`.execute(trx);
    await sql`INSERT INTO ${sql.id(t.schema, t.journalVersion)} (version)
      VALUES (${JOURNAL_UPGRADES.length})`.execute(trx);
  });
}

/**
 * How many of the upgrades the journal has: 0 when it has no version table,
 * as a new journal and one from before the version table (0.1.0) have not.
 */
export async function journalVersion(
  db: Kysely<JournalDatabase>,
  t: JournalTables,
): Promise<number> {
  try {
    const { rows } = await sql<{ version: number }>`
      SELECT version FROM ${sql.id(t.schema, t.journalVersion)}`.execute(db);
    return rows[0]?.version ?? 0;
  } catch (error) {
    // undefined_table, a missing schema included: asking is cheaper than probing the catalog first.
    if (isRecord(error) && error.code === "42P01") return 0;
    throw error;
  }
}

/** A journal a later qdrant-migrate upgraded: this one does not know its shape. */
export class JournalTooNewError extends QdrantMigrateError {
  constructor(
    readonly version: number,
    readonly table: string,
  ) {
    super(
      "JOURNAL_TOO_NEW",
      `The journal's tables are at version ${version} (${table}), but this qdrant-migrate knows ` +
        `versions up to ${JOURNAL_UPGRADES.length}: a later release upgraded them. Run that ` +
        "release (or a later one); nothing was read or written.",
    );
  }
}

function refuseNewer(version: number, t: JournalTables): void {
  if (version > JOURNAL_UPGRADES.length) {
    throw new JournalTooNewError(version, `${t.schema}.${t.journalVersion}`);
  }
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

async function schemaExists(db: Kysely<JournalDatabase>, schema: string): Promise<boolean> {
  const { rows } = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = ${schema}) AS found`.execute(db);
  return rows[0]?.found === true;
}
