import { type CreateTableBuilder, type Kysely, sql } from "kysely";
import { qualified, tableExists } from "./catalog.js";
import { journalScope } from "./journal-scope.js";
import type { JournalDatabase, JournalRowStatus, JournalTables, RunStatus } from "./table-types.js";

/**
 * One change to the journal's own tables. `tables.ts` applies each once, in
 * order, and records how many it applied in `<prefix>journal_version`.
 *
 * Each `apply` is also safe on a journal that already has its change: a
 * journal from before the version table was kept (0.1.0 and earlier) has no
 * version, so it runs the whole list from the start, and every older shape
 * those versions left must come out the same as a fresh journal.
 */
export interface JournalUpgrade {
  /** What changed, for the version table's readers and the docs. */
  name: string;
  apply: (trx: Kysely<JournalDatabase>, t: JournalTables) => Promise<void>;
}

/** A migration row's statuses before `undoing` (upgrade 9). */
const FIRST_ROW_STATUSES: readonly JournalRowStatus[] = [
  "in_progress",
  "applied",
  "failed",
  "rolled_back",
];
const ROW_STATUSES: readonly JournalRowStatus[] = [...FIRST_ROW_STATUSES, "undoing"];
/** A run-log row's statuses before `interrupted` (upgrade 8). */
const FIRST_RUN_STATUSES: readonly RunStatus[] = [
  "in_progress",
  "applied",
  "failed",
  "rolled_back",
];
const RUN_STATUSES: readonly RunStatus[] = [...FIRST_RUN_STATUSES, "interrupted"];

/** The journal's changes, oldest first. Append only: a released entry never changes. */
export const JOURNAL_UPGRADES: readonly JournalUpgrade[] = [
  { name: "migrations and schema versions tables", apply: createFirstTables },
  laterColumn("changed_aliases", "jsonb NOT NULL DEFAULT '[]'::jsonb"),
  laterColumn("applied_changes", "jsonb"),
  laterColumn("schemas_before", "jsonb NOT NULL DEFAULT '[]'::jsonb"),
  laterColumn("touched_points", "jsonb NOT NULL DEFAULT '[]'::jsonb"),
  laterColumn("versions_before", "jsonb"),
  { name: "run log, seeded with each migration's last run", apply: createRunLog },
  {
    name: "run log status interrupted",
    apply: (trx, t) => widenStatusCheck(trx, t.schema, t.runs, RUN_STATUSES),
  },
  {
    name: "migrations status undoing",
    apply: async (trx, t) => {
      await widenStatusCheck(trx, t.schema, t.migrations, ROW_STATUSES);
      // Earlier versions spelled a run being undone `in_progress` with its
      // error: recovery treats both alike, and resumption must skip them.
      await journalScope(trx, t)
        .updateTable("journalMigrations")
        .set({ status: "undoing" })
        .where("status", "=", "in_progress")
        .where("error", "is not", null)
        .execute();
    },
  },
  { name: "created-objects ledger, seeded from the rows", apply: createObjectsLedger },
];

async function createFirstTables(trx: Kysely<JournalDatabase>, t: JournalTables): Promise<void> {
  const scoped = journalScope(trx, t);
  await scoped.schema
    .createTable("journalMigrations")
    .ifNotExists()
    .addColumn("name", "text", (c) => c.primaryKey())
    .addColumn("checksum", "text", (c) => c.notNull())
    .$call((table) => runColumns(table, FIRST_ROW_STATUSES))
    .addColumn("snapshots", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn("aliases_before", "jsonb")
    .addColumn("created_collections", "jsonb", (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
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
}

function laterColumn(column: string, type: string): JournalUpgrade {
  return {
    name: `migrations column ${column}`,
    apply: async (trx, t) => {
      await sql`ALTER TABLE ${sql.id(t.schema, t.migrations)}
        ADD COLUMN IF NOT EXISTS ${sql.id(column)} ${sql.raw(type)}`.execute(trx);
    },
  };
}

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

/**
 * The run log, seeded from the status rows (the one run of each migration a
 * journal from before it kept), so `history` loses nothing on the upgrade.
 */
async function createRunLog(trx: Kysely<JournalDatabase>, t: JournalTables): Promise<void> {
  if (await tableExists(trx, t.schema, t.runs)) return;
  const scoped = journalScope(trx, t);
  await scoped.schema
    .createTable("journalRuns")
    .addColumn("id", "bigserial", (c) => c.primaryKey())
    .addColumn("name", "text", (c) => c.notNull())
    .$call((table) => runColumns(table, FIRST_RUN_STATUSES))
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
 * The created-objects ledger, seeded from what the status rows still record
 * (each row's latest attempt and its last applied `up`): on a journal from
 * before the ledger, files older attempts made are not known to be this
 * project's, and so are left alone.
 */
async function createObjectsLedger(trx: Kysely<JournalDatabase>, t: JournalTables): Promise<void> {
  if (await tableExists(trx, t.schema, t.createdObjects)) return;
  await journalScope(trx, t)
    .schema.createTable("journalCreatedObjects")
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
    ON CONFLICT DO NOTHING`.execute(trx);
  await sql`
    INSERT INTO ${ledger} (kind, collection, migration)
    SELECT DISTINCT 'collection', c, m.name
    FROM ${migrations} m,
      jsonb_array_elements_text(m.created_collections
        || coalesce(m.applied_changes->'createdCollections', '[]'::jsonb)) c
    ON CONFLICT DO NOTHING`.execute(trx);
}

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

function statusCheck(statuses: readonly string[]) {
  return sql`status IN (${sql.join(statuses.map((v) => sql.lit(v)))})`;
}

/** The table's CHECK on `status` replaced by one accepting `statuses` (whatever it was named). */
async function widenStatusCheck(
  trx: Kysely<JournalDatabase>,
  schema: string,
  table: string,
  statuses: readonly string[],
): Promise<void> {
  const { rows } = await sql<{ conname: string }>`
    SELECT conname FROM pg_constraint
    WHERE conrelid = ${qualified(schema, table)}::regclass AND contype = 'c'
      AND pg_get_constraintdef(oid) LIKE '%status%'`.execute(trx);
  for (const { conname } of rows) {
    await sql`ALTER TABLE ${sql.id(schema, table)} DROP CONSTRAINT ${sql.id(conname)}`.execute(trx);
  }
  await sql`ALTER TABLE ${sql.id(schema, table)} ADD CHECK (${statusCheck(statuses)})`.execute(trx);
}
