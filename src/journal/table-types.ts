import type { ColumnType, Generated, Kysely } from "kysely";
// Type only: the record's shape is the one cluster-snapshots.ts takes and restores.
import type { ClusterSnapshotRecord } from "../qdrant/cluster-snapshots.js";
import type { SchemaStateRecord } from "../qdrant/schema-state.js";
import type { TouchedPoints } from "../qdrant/touched-points.js";

/**
 * The journal's schema: where its tables live, their rows as Kysely sees
 * them, and the records stored in their jsonb columns. A leaf: every other
 * journal module imports it, it imports none of them.
 */

/** Where the journal lives: a Postgres schema and the table names in it. */
export interface JournalTables {
  schema: string;
  migrations: string;
  schemaVersions: string;
  /** Backfill and import checkpoints (`src/schema/checkpoints.ts`), created on first use. */
  checkpoints: string;
  runs: string;
  /** What this project made in Qdrant (`created-objects.ts`): the ledger its retention acts on. */
  createdObjects: string;
  /** How many of `journal-upgrades.ts`'s changes the tables have had (one row). */
  journalVersion: string;
}

export function journalTables(schema: string, prefix: string): JournalTables {
  return {
    schema,
    migrations: `${prefix}migrations`,
    schemaVersions: `${prefix}schema_versions`,
    checkpoints: `${prefix}checkpoints`,
    runs: `${prefix}migration_runs`,
    createdObjects: `${prefix}created_objects`,
    journalVersion: `${prefix}journal_version`,
  };
}

/**
 * The status of a migration's journal row; its transitions are
 * `journal-states.ts`. `undoing`: the run failed and its undo began (or
 * failed): recovered, never resumed. Not what `status()` reports per
 * migration (`MigrationState`, which also knows files): a `rolled_back` row
 * is a `pending` migration, an `undoing` one `in_progress`, and a missing
 * file is only visible there.
 */
export type JournalRowStatus = "in_progress" | "undoing" | "applied" | "failed" | "rolled_back";

/**
 * The snapshots taken before a migration first changed a collection: one per
 * shard replica, each on the peer holding it (a single node is one peer), with
 * the collection's parameters and payload indexes and the exact point count.
 */
export interface SnapshotRecord extends ClusterSnapshotRecord {
  takenAt: string;
}

/** One alias as it pointed before a migration ran. */
export interface AliasRecord {
  alias: string;
  collection: string;
}

/**
 * What one migration run changed in Qdrant, enough to undo it: the run in
 * progress (the row's live columns) or the last committed `up`
 * (`applied_changes`, which a later `down` never touches, so
 * `down --from-snapshot` always finds the state from before the `up`).
 */
export interface QdrantChanges {
  snapshots: SnapshotRecord[];
  /**
   * Each changed collection's schema before its first change: schema-only
   * changes are undone by their inverse from it, with no snapshot.
   */
  schemasBefore: SchemaStateRecord[];
  createdCollections: string[];
  aliasesBefore: AliasRecord[] | null;
  changedAliases: string[];
  /**
   * The points the run's data writes may have changed in each snapshotted
   * collection: a rollback tells them from writes others made meanwhile.
   */
  touchedPoints: TouchedPoints[];
}

/**
 * A collection's schema as `qdrant_schema_versions` records it (the JSON form of
 * `src/collection-schema/`: `schemaFromRecord` reads it), and which version that is.
 */
export interface RecordedSchemaVersion {
  schemaVersion: number;
  vectorsConfig: unknown;
  payloadSchema: unknown;
  aliases: string[];
  config: unknown;
  /** The migration that set this version; null when `baseline` recorded it. */
  lastMigration: string | null;
}

/**
 * A collection's recorded schema version as an `up` found it, kept so a
 * `down` can put it back; `recorded` is null when it had no row (the `up`
 * created the collection, or was the first migration to touch it).
 */
export interface SchemaVersionBefore {
  collection: string;
  recorded: RecordedSchemaVersion | null;
}

/**
 * jsonb columns with a default: read as parsed JSON; written as JSON text
 * (node-postgres would send a JS array as a Postgres array, not as JSON).
 */
type Json<T> = ColumnType<T, string | undefined, string>;
/** Nullable jsonb columns, likewise written as JSON text. */
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface JournalMigrationsTable {
  name: string;
  checksum: string;
  direction: "up" | "down";
  status: JournalRowStatus;
  started_at: Timestamp;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  duration_ms: number | null;
  snapshots: Json<SnapshotRecord[]>;
  schemas_before: Json<SchemaStateRecord[]>;
  aliases_before: NullableJson<AliasRecord[]>;
  created_collections: Json<string[]>;
  changed_aliases: Json<string[]>;
  touched_points: Json<TouchedPoints[]>;
  applied_changes: NullableJson<QdrantChanges>;
  /** Written with `applied` only, like `applied_changes`: a later `down` finds it intact. */
  versions_before: NullableJson<SchemaVersionBefore[]>;
  error: string | null;
  runner: string | null;
}

/**
 * What one attempt ended as. Unlike a migration's row, a failed `down` is
 * `failed` here (its migration stays `applied`); an attempt whose runner died
 * is `interrupted`, ended when it was last seen, whether the next run resumed
 * it (a new attempt) or restored it.
 */
export type RunStatus = "in_progress" | "applied" | "rolled_back" | "failed" | "interrupted";

/** One run of one migration, appended when it starts and finished with its status row. */
export interface JournalRunsTable {
  id: Generated<number>;
  name: string;
  direction: "up" | "down";
  status: RunStatus;
  started_at: Timestamp;
  finished_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  duration_ms: number | null;
  error: string | null;
  runner: string | null;
}

export interface JournalSchemaVersionsTable {
  id: Generated<number>;
  collection_name: string;
  schema_version: number;
  vectors_config: NullableJson<unknown>;
  payload_schema: NullableJson<unknown>;
  aliases: NullableJson<string[]>;
  config: NullableJson<unknown>;
  last_migration: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/**
 * What a row of the created-objects ledger names: a shard snapshot file, a
 * collection a migration created, or a side copy an undo read a snapshot into.
 */
export type CreatedObjectKind = "snapshot" | "collection" | "copy";

/**
 * The created-objects ledger: append-only except that a row goes when this
 * project deletes what it names. Unlike a migration's row (overwritten by its
 * next attempt) it keeps everything every attempt made, so retention can act
 * on all of it and on nothing else on a shared server. `peer_id`, `shard_id`
 * and `snapshot` are -1/-1/"" for a collection or a copy, so one plain unique
 * constraint covers every kind.
 */
export interface JournalCreatedObjectsTable {
  id: Generated<number>;
  kind: CreatedObjectKind;
  collection: string;
  /** bigint: node-postgres reads it as a string. */
  peer_id: ColumnType<string, number | undefined, number | string>;
  shard_id: ColumnType<number, number | undefined, number>;
  snapshot: ColumnType<string, string | undefined, string>;
  /** The migration whose run made it. */
  migration: string;
  created_at: Timestamp;
}

/** One resumable operation's progress (`src/schema/checkpoints.ts`). */
export interface JournalCheckpointsTable {
  migration: string;
  operation: string;
  collection: string;
  /** Where to go on: a backfill's next scroll offset, an import's count of source records consumed. */
  position: Json<unknown>;
  counts: Json<Record<string, number>>;
  finished: boolean;
  updated_at: Timestamp;
}

/**
 * The journal's Kysely database type. The keys are logical names: query
 * through `journalScope(db, tables)`, which maps them to the configured
 * schema and table names.
 */
export interface JournalDatabase {
  journalMigrations: JournalMigrationsTable;
  journalSchemaVersions: JournalSchemaVersionsTable;
  journalCheckpoints: JournalCheckpointsTable;
  journalRuns: JournalRunsTable;
  journalCreatedObjects: JournalCreatedObjectsTable;
}

/** Options of the writes that may join the caller's transaction. */
export interface JournalWriteOptions {
  /** A transaction, so the write commits (or rolls back) with the migration's Postgres step. */
  db?: Kysely<JournalDatabase>;
}
