import type { Kysely } from "kysely";
import { tableExists } from "./catalog.js";
import { journalScope } from "./journal-scope.js";
import type { JournalDatabase, JournalTables } from "./table-types.js";
import { ensureCheckpointsTable } from "./tables.js";

/**
 * Checkpoints of resumable operations (`backfill`, `importPoints`): after each
 * batch, where to go on and the counts so far, keyed by migration, operation
 * and collection, in `<prefix>checkpoints` beside the journal.
 *
 * They are written on the runtime's pool, each in its own short transaction,
 * never in the step's transaction (`ctx.db`): that one rolls back when the
 * migration fails, and would take the checkpoints with it, and it commits only
 * at the end, so a checkpoint in it would never be seen by another runner.
 *
 * A checkpoint is only true while Qdrant still holds the writes it counts. The
 * engine undoes every write of a failed or interrupted attempt (snapshot
 * restore, dropped collections), so it clears a migration's checkpoints when
 * an attempt starts and when it commits (`clearCheckpoints`): a re-run after a
 * rollback starts over rather than skipping batches the restore took back.
 */
export interface Checkpoint {
  position: unknown;
  counts: Record<string, number>;
  finished: boolean;
}

export interface CheckpointKey {
  operation: string;
  collection: string;
}

/** Where a run of a step keeps its checkpoints. */
export interface CheckpointStore {
  read(key: CheckpointKey): Promise<Checkpoint | undefined>;
  write(key: CheckpointKey, checkpoint: Checkpoint): Promise<void>;
}

/** The checkpoints of one migration, on `db` (a pool: each write commits at once). */
export class PostgresCheckpoints implements CheckpointStore {
  #ready: Promise<void> | undefined;
  /** Whether this run wrote a checkpoint, so has some to clear when it commits. */
  written = false;

  constructor(
    private readonly db: Kysely<JournalDatabase>,
    private readonly tables: JournalTables,
    private readonly migration: string,
  ) {}

  async read(key: CheckpointKey): Promise<Checkpoint | undefined> {
    if (!(await tableExists(this.db, this.tables.schema, this.tables.checkpoints))) {
      return undefined;
    }
    const row = await journalScope(this.db, this.tables)
      .selectFrom("journalCheckpoints")
      .select(["position", "counts", "finished"])
      .where("migration", "=", this.migration)
      .where("operation", "=", key.operation)
      .where("collection", "=", key.collection)
      .executeTakeFirst();
    return row && { position: row.position, counts: row.counts, finished: row.finished };
  }

  async write(key: CheckpointKey, checkpoint: Checkpoint): Promise<void> {
    this.#ready ??= ensureCheckpointsTable(this.db, this.tables);
    await this.#ready;
    const values = {
      position: JSON.stringify(checkpoint.position),
      counts: JSON.stringify(checkpoint.counts),
      finished: checkpoint.finished,
      updated_at: new Date(),
    };
    await journalScope(this.db, this.tables)
      .insertInto("journalCheckpoints")
      .values({ migration: this.migration, ...key, ...values })
      .onConflict((oc) => oc.columns(["migration", "operation", "collection"]).doUpdateSet(values))
      .execute();
    this.written = true;
  }
}

/**
 * Forgets every checkpoint of `migration`. `db` may be the migration's
 * transaction, so that the checkpoints go when it commits, and only then.
 */
export async function clearCheckpoints(
  db: Kysely<JournalDatabase>,
  tables: JournalTables,
  migration: string,
  /**
   * The caller wrote checkpoints, so the table exists. Then it is not looked
   * up: in a transaction that began before another connection created it,
   * to_regclass can still answer from a cached "no such table".
   */
  opts: { tableExists?: true } = {},
): Promise<void> {
  if (!opts.tableExists && !(await tableExists(db, tables.schema, tables.checkpoints))) return;
  await journalScope(db, tables)
    .deleteFrom("journalCheckpoints")
    .where("migration", "=", migration)
    .execute();
}
