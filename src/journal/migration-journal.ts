import { type InsertObject, type Kysely, type Selectable, sql, type UpdateObject } from "kysely";
import { QdrantMigrateError } from "../errors.js";
import type { SchemaStateRecord } from "../qdrant/schema-state.js";
import type { TouchedPoints } from "../qdrant/touched-points.js";
import { tableExists } from "./catalog.js";
import { clock, elapsedMs } from "./clock.js";
import {
  forgetRefusedCollection,
  recordCreatedCollection,
  recordSnapshotFiles,
} from "./created-objects.js";
import { ScopedJournalTable } from "./journal-scope.js";
import {
  endOf,
  JOURNAL_TRANSITIONS,
  type JournalEvent,
  type JournalRowState,
  JournalTransitionRefusedError,
  RECORDING,
  rowStatusesFrom,
  startsWithoutRow,
  UNFINISHED,
} from "./journal-states.js";
import { appendRun, endInterruptedRun, finishRun } from "./run-log.js";
import type {
  AliasRecord,
  JournalDatabase,
  JournalMigrationsTable,
  JournalRowStatus,
  JournalWriteOptions,
  QdrantChanges,
  RunStatus,
  SchemaVersionBefore,
  SnapshotRecord,
} from "./table-types.js";

export interface MigrationRecord {
  name: string;
  checksum: string;
  direction: "up" | "down";
  status: JournalRowStatus;
  startedAt: Date;
  finishedAt: Date | null;
  durationMs: number | null;
  snapshots: SnapshotRecord[];
  schemasBefore: SchemaStateRecord[];
  aliasesBefore: AliasRecord[] | null;
  createdCollections: string[];
  /** Aliases the current (or last) run changed. */
  changedAliases: string[];
  /** Points the current (or last) run's data writes may have changed, per snapshotted collection. */
  touchedPoints: TouchedPoints[];
  /** The last committed `up` run's changes; null when it was stamped, never run. */
  appliedChanges: QdrantChanges | null;
  /**
   * The schema versions the last committed `up` replaced, for `down` to put
   * back; null when it was stamped, or applied by a version that kept none.
   */
  versionsBefore: SchemaVersionBefore[] | null;
  error: string | null;
  runner: string | null;
}

/** A write addressed a migration that has no journal row (it was never started). */
export class JournalRowMissingError extends QdrantMigrateError {
  constructor(
    readonly migration: string,
    readonly table: string,
  ) {
    super(
      "JOURNAL_ROW_MISSING",
      `Migration ${migration} has no row in the journal table ${table}; it must be started ` +
        "before its progress is recorded. Was the row deleted while the migration ran?",
    );
  }
}

// Byte order, whatever the database's collation, so rows sort as the engine
// sorts migration file names (JavaScript string order).
const byName = sql`name COLLATE "C"`;

/** A row's record of what its run changed in Qdrant, before the run has changed anything. */
const NO_CHANGES = {
  snapshots: "[]",
  schemas_before: "[]",
  aliases_before: null,
  created_collections: "[]",
  changed_aliases: "[]",
  touched_points: "[]",
} as const;

/**
 * The `qdrant_migrations` table: one row per migration, its state and what
 * undoing it needs. Every status write is an event of `journal-states.ts`,
 * guarded by the statuses it starts from.
 */
export class MigrationJournal extends ScopedJournalTable {
  /**
   * Marks an `in_progress` row `undoing`, with why its run failed, before
   * the undo starts: an `undoing` row is recovered, never resumed (its
   * checkpoints may count writes the undo takes back).
   */
  async noteUndoing(name: string, error: string): Promise<void> {
    await this.#transition("undo begins", name, { error });
  }

  /**
   * Undoing a failed run failed too: the row becomes (or stays) `undoing`
   * for recovery, and the run ends `failed` with that error, so `history`
   * tells a runner that stopped on a failed rollback from one that died.
   */
  async noteRollbackFailed(name: string, error: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.#transition("undo fails", name, { error }, trx);
      await finishRun(trx, name, { status: "failed", error });
    });
  }

  /**
   * Marks the migration in progress (inserting or resetting its row, and
   * appending a run to the run log) and commits at once, so a crash later
   * leaves a trace for recovery.
   */
  async start(input: {
    name: string;
    checksum: string;
    direction: "up" | "down";
    runner: string;
    /**
     * Resuming an interrupted run: the row keeps what that run journaled
     * (snapshots, schemas, creations, aliases, touched points); only the
     * runner and start time are new.
     */
    resume?: boolean;
  }): Promise<void> {
    if (input.resume) {
      await this.db.transaction().execute(async (trx) => {
        // The dead attempt stays its own run, ended when it was last seen.
        await endInterruptedRun(trx, input.name, {
          died: "interrupted: its runner died",
          outcome: `resumed by ${input.runner}`,
          lastSeen: await this.#lastSeen(trx, input.name),
        });
        await this.#transition(
          "resume",
          input.name,
          { started_at: clock, runner: input.runner, error: null },
          trx,
        );
        await appendRun(trx, input);
      });
      return;
    }
    const fresh = {
      direction: input.direction,
      started_at: clock,
      finished_at: null,
      duration_ms: null,
      ...NO_CHANGES,
      error: null,
      runner: input.runner,
    };
    // A `down` keeps the checksum recorded when the migration was applied, so a
    // changed file is still reported as changed after a failed `down`.
    const update = input.direction === "up" ? { ...fresh, checksum: input.checksum } : fresh;
    await this.db.transaction().execute(async (trx) => {
      await this.#transition(`start ${input.direction}`, input.name, update, trx, {
        name: input.name,
        checksum: input.checksum,
        ...fresh,
      });
      await appendRun(trx, input);
    });
  }

  /**
   * Appends a snapshot record in one statement, so concurrent appends never
   * lose one, and records its files in the created-objects ledger in the
   * same transaction.
   */
  async addSnapshot(name: string, rec: SnapshotRecord): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.#record(
        name,
        { snapshots: sql<string>`snapshots || ${JSON.stringify([rec])}::jsonb` },
        trx,
      );
      await recordSnapshotFiles(trx, name, rec);
    });
  }

  /** Appends a collection's schema before its first change, in one statement. */
  async addSchemaBefore(name: string, rec: SchemaStateRecord): Promise<void> {
    await this.#record(name, {
      schemas_before: sql<string>`schemas_before || ${JSON.stringify([rec])}::jsonb`,
    });
  }

  /** Appends the points a data write may change, in one statement. */
  async addTouchedPoints(name: string, rec: TouchedPoints): Promise<void> {
    await this.#record(name, {
      touched_points: sql<string>`touched_points || ${JSON.stringify([rec])}::jsonb`,
    });
  }

  /** Records the alias state before the migration; keeps the first record if called again. */
  async setAliasesBefore(name: string, aliases: AliasRecord[]): Promise<void> {
    await this.#record(name, {
      aliases_before: sql<string>`coalesce(aliases_before, ${JSON.stringify(aliases)}::jsonb)`,
    });
  }

  /**
   * Records a collection the migration is about to create (once), so rollback
   * can drop it, and in the created-objects ledger, so `collections prune`
   * knows it after later attempts overwrite the row.
   */
  async addCreatedCollection(name: string, collection: string): Promise<void> {
    const item = JSON.stringify([collection]);
    await this.db.transaction().execute(async (trx) => {
      await this.#record(
        name,
        {
          created_collections: sql<string>`CASE WHEN created_collections @> ${item}::jsonb
            THEN created_collections ELSE created_collections || ${item}::jsonb END`,
        },
        trx,
      );
      await recordCreatedCollection(trx, name, collection);
    });
  }

  /** Records aliases the migration is about to change (each once), so recovery can put them back. */
  async addChangedAliases(name: string, aliases: readonly string[]): Promise<void> {
    if (aliases.length === 0) return;
    await this.#record(name, {
      changed_aliases: sql<string>`(SELECT coalesce(jsonb_agg(DISTINCT a), '[]'::jsonb)
        FROM jsonb_array_elements_text(changed_aliases || ${JSON.stringify(aliases)}::jsonb) AS a)`,
    });
  }

  /**
   * Forgets a collection recorded as created when Qdrant refused to create
   * it; the ledger forgets it too unless an earlier run of this project made it
   * (a refusal because it exists says nothing about who created it).
   */
  async removeCreatedCollection(name: string, collection: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await this.#record(
        name,
        { created_collections: sql<string>`created_collections - ${collection}::text` },
        trx,
      );
      await forgetRefusedCollection(trx, name, collection);
    });
  }

  /**
   * Marks an `up` applied and keeps what it changed in `applied_changes`, and
   * the schema versions it replaced in `versions_before`.
   */
  async markApplied(
    name: string,
    opts?: JournalWriteOptions & { versionsBefore?: readonly SchemaVersionBefore[] },
  ): Promise<void> {
    await this.#finish(
      "up commits",
      name,
      {
        applied_changes: sql<string>`jsonb_build_object('snapshots', snapshots,
          'schemasBefore', schemas_before, 'createdCollections', created_collections, 'aliasesBefore', aliases_before,
          'changedAliases', changed_aliases, 'touchedPoints', touched_points)`,
        versions_before: JSON.stringify(opts?.versionsBefore ?? []),
      },
      { status: "applied" },
      opts,
    );
  }

  async markRolledBack(name: string, opts?: JournalWriteOptions): Promise<void> {
    await this.#finish("down commits", name, {}, { status: "rolled_back" }, opts);
  }

  /**
   * Records why a run failed, once both stores are back: an `up` becomes
   * `failed`, a `down` leaves its migration `applied` (`up undone`, `down
   * undone`); the run ends `failed` either way.
   */
  async markFailed(name: string, error: string, direction: "up" | "down"): Promise<void> {
    await this.#finish(endOf("undone", direction), name, { error }, { status: "failed", error });
  }

  /** Deletes a failed migration's row (`clear`), so it is pending again. */
  async remove(name: string): Promise<void> {
    const from = rowStatusesFrom("clear");
    const result = await this.db
      .deleteFrom("journalMigrations")
      .where("name", "=", name)
      .where("status", "in", from)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) throw await this.#refusal("clear", name, this.db);
  }

  async get(name: string): Promise<MigrationRecord | undefined> {
    const row = await this.db
      .selectFrom("journalMigrations")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirst();
    return row && toRecord(row);
  }

  /** Every row, ordered by migration name. */
  async list(): Promise<MigrationRecord[]> {
    const rows = await this.db
      .selectFrom("journalMigrations")
      .selectAll()
      .orderBy(byName)
      .execute();
    return rows.map(toRecord);
  }

  /** Unfinished rows (`in_progress`, `undoing`): migrations whose runner died or is still running. */
  async unfinished(): Promise<MigrationRecord[]> {
    const rows = await this.db
      .selectFrom("journalMigrations")
      .selectAll()
      .where("status", "in", UNFINISHED)
      .orderBy(byName)
      .execute();
    return rows.map(toRecord);
  }

  /** Writes an applied row without running anything (for `baseline`). */
  async stamp(name: string, checksum: string): Promise<void> {
    const row = {
      checksum,
      direction: "up" as const,
      started_at: clock,
      finished_at: clock,
      duration_ms: 0,
      ...NO_CHANGES,
      applied_changes: null,
      versions_before: null,
      error: null,
      runner: null,
    };
    await this.db.transaction().execute(async (trx) => {
      await this.#transition("stamp", name, row, trx, { name, ...row });
      await appendRun(trx, { name, direction: "up", runner: null, finished: "applied" });
    });
  }

  /**
   * Marks a migration restored from the journal by recovery failed (a `down`
   * leaves it applied): its run ends `interrupted` when its runner died
   * mid-run, or keeps the error its runner ended it with after a failed
   * rollback; either way followed by the recovery's outcome.
   */
  async markInterrupted(
    name: string,
    recovery: { died: string; outcome: string },
    direction: "up" | "down",
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const lastSeen = await this.#lastSeen(trx, name);
      const error = await endInterruptedRun(trx, name, { ...recovery, lastSeen });
      await this.#transition(
        endOf("recovered", direction),
        name,
        { error, finished_at: clock, duration_ms: elapsedMs },
        trx,
      );
    });
  }

  /**
   * The last write a migration's run in progress is known to have made: its
   * latest snapshot or checkpoint (written per batch, outside its
   * transaction); null when it left neither.
   */
  async #lastSeen(db: Kysely<JournalDatabase>, name: string): Promise<Date | null> {
    const row = await db
      .selectFrom("journalMigrations")
      .select("snapshots")
      .where("name", "=", name)
      .executeTakeFirst();
    const times = (row?.snapshots ?? []).map((s) => new Date(s.takenAt).getTime());
    if (await tableExists(db, this.tables.schema, this.tables.checkpoints)) {
      const checkpoint = await db
        .selectFrom("journalCheckpoints")
        .select((eb) => eb.fn.max("updated_at").as("last"))
        .where("migration", "=", name)
        .executeTakeFirst();
      if (checkpoint?.last) times.push(new Date(checkpoint.last).getTime());
    }
    const valid = times.filter(Number.isFinite);
    return valid.length > 0 ? new Date(Math.max(...valid)) : null;
  }

  /**
   * Finishes the row and its run in the run log together: in the caller's
   * transaction when given (the migration's), else in one of their own.
   */
  async #finish(
    event: JournalEvent,
    name: string,
    change: Pick<
      UpdateObject<JournalDatabase, "journalMigrations">,
      "error" | "applied_changes" | "versions_before"
    >,
    run: { status: Exclude<RunStatus, "in_progress">; error?: string },
    opts?: JournalWriteOptions,
  ): Promise<void> {
    const write = async (scoped: Kysely<JournalDatabase>) => {
      await this.#transition(
        event,
        name,
        { ...change, finished_at: clock, duration_ms: elapsedMs },
        scoped,
      );
      await finishRun(scoped, name, run);
    };
    if (opts?.db) await write(this.scoped(opts));
    else await this.db.transaction().execute(write);
  }

  /**
   * Writes `event`'s status (and `set`) where the row is in a state the
   * event starts from; when it may start with no row, inserts `insert` if
   * there is none. Refused otherwise.
   */
  async #transition(
    event: JournalEvent,
    name: string,
    set: Omit<UpdateObject<JournalDatabase, "journalMigrations">, "status">,
    db: Kysely<JournalDatabase> = this.db,
    insert?: Omit<InsertObject<JournalDatabase, "journalMigrations">, "status">,
  ): Promise<void> {
    const { to } = JOURNAL_TRANSITIONS[event];
    if (to === "absent") throw new Error(`${event} deletes the row: remove() writes it`);
    const from = rowStatusesFrom(event);
    if (from.length > 0) {
      const updated = await db
        .updateTable("journalMigrations")
        .set({ ...set, status: to })
        .where("name", "=", name)
        .where("status", "in", from)
        .executeTakeFirst();
      if (updated.numUpdatedRows > 0n) return;
    }
    if (startsWithoutRow(event) && insert) {
      const inserted = await db
        .insertInto("journalMigrations")
        .values({ ...insert, status: to })
        .onConflict((oc) => oc.column("name").doNothing())
        .executeTakeFirst();
      if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) return;
    }
    throw await this.#refusal(event, name, db);
  }

  /** Appends to a run's records: only while its run is unfinished. */
  async #record(
    name: string,
    set: Omit<UpdateObject<JournalDatabase, "journalMigrations">, "status">,
    db: Kysely<JournalDatabase> = this.db,
  ): Promise<void> {
    const result = await db
      .updateTable("journalMigrations")
      .set(set)
      .where("name", "=", name)
      .where("status", "in", RECORDING)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw await this.#refusal("record", name, db);
  }

  /** Why a guarded write matched no row: the row is missing, or in another state. */
  async #refusal(
    event: JournalEvent | "record",
    name: string,
    db: Kysely<JournalDatabase>,
  ): Promise<QdrantMigrateError> {
    const row = await db
      .selectFrom("journalMigrations")
      .select("status")
      .where("name", "=", name)
      .executeTakeFirst();
    const expected: readonly JournalRowState[] =
      event === "record" ? RECORDING : JOURNAL_TRANSITIONS[event].from;
    if (!row && !expected.includes("absent")) {
      return new JournalRowMissingError(name, `${this.tables.schema}.${this.tables.migrations}`);
    }
    return new JournalTransitionRefusedError(name, event, expected, row?.status ?? "absent");
  }
}

function toRecord(row: Selectable<JournalMigrationsTable>): MigrationRecord {
  return {
    name: row.name,
    checksum: row.checksum,
    direction: row.direction,
    status: row.status,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: row.duration_ms,
    snapshots: row.snapshots,
    schemasBefore: row.schemas_before,
    aliasesBefore: row.aliases_before,
    createdCollections: row.created_collections,
    changedAliases: row.changed_aliases,
    touchedPoints: row.touched_points,
    // Rows applied before schemas (or touched points) were recorded have none.
    appliedChanges: row.applied_changes
      ? {
          ...row.applied_changes,
          schemasBefore: row.applied_changes.schemasBefore ?? [],
          touchedPoints: row.applied_changes.touchedPoints ?? [],
        }
      : null,
    versionsBefore: row.versions_before,
    error: row.error,
    runner: row.runner,
  };
}

/** The changes the interrupted run journaled in the row's live columns. */
export function changesOf(record: MigrationRecord): QdrantChanges {
  return {
    snapshots: record.snapshots,
    schemasBefore: record.schemasBefore,
    createdCollections: record.createdCollections,
    aliasesBefore: record.aliasesBefore,
    changedAliases: record.changedAliases,
    touchedPoints: record.touchedPoints,
  };
}
