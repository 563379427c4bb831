import type { ConcurrentWritesPolicy } from "../config/rollback-options.js";
import { isUnfinished } from "../journal/journal-states.js";
import { changesOf, type MigrationRecord } from "../journal/migration-journal.js";
import { ShardSnapshotMissingError } from "../qdrant/cluster-errors.js";
import { reportWrites } from "./apply-migration.js";
import { ConcurrentWritesError } from "./concurrent-writes.js";
import type { EngineContext } from "./engine-context.js";
import { RollbackFailedError } from "./errors.js";
import { describeLost } from "./lost-snapshots.js";
import type { UnrestoredCollection } from "./migrator-types.js";
import { type LostSnapshot, undoQdrantChanges } from "./undo-qdrant-changes.js";

export interface RecoveryOptions {
  /** The CLI's `--concurrent-writes`; else the config's (the migration's own file may be gone). */
  policy?: ConcurrentWritesPolicy;
  /**
   * `repair`: a snapshot whose files are gone does not stop the recovery;
   * everything else is undone and the row finished as `failed`, naming what
   * could not be restored (collected here). Without it (`up`), such a row
   * stops the run, which says to run `repair`.
   */
  unrestored?: UnrestoredCollection[];
}

/**
 * Crash recovery (protocol rule 6): each unfinished (`in_progress`, `undoing`) row found while holding
 * the lock belongs to a runner that died before its Postgres transaction
 * committed, so only Qdrant needs putting back, from what the row journaled.
 * Returns the names recovered, each now marked failed (a `down` stays applied).
 */
export async function recoverInterrupted(
  { rt, emit, config }: EngineContext,
  records: readonly MigrationRecord[],
  opts: RecoveryOptions = {},
): Promise<string[]> {
  const policy = opts.policy ?? config.rollback.concurrentWrites;
  const recovered: string[] = [];
  for (const record of records.filter((r) => isUnfinished(r.status))) {
    await emit({ type: "recovering", migration: record.name });
    const log = (message: string) =>
      void emit({ type: "log", level: "info", migration: record.name, message });
    const died = `interrupted (runner ${record.runner ?? "unknown"} died)`;
    const lost: LostSnapshot[] = [];
    try {
      await reportWrites(
        emit,
        record.name,
        await undoQdrantChanges(rt, changesOf(record), {
          migration: record.name,
          log,
          policy,
          restore: config.rollback.restore,
          ...(opts.unrestored ? { onLostSnapshot: (l: LostSnapshot) => lost.push(l) } : {}),
        }),
      );
    } catch (error) {
      if (error instanceof ConcurrentWritesError)
        await reportWrites(emit, record.name, error.reports);
      if (error instanceof ShardSnapshotMissingError) {
        throw new RollbackFailedError(record.name, died, error);
      }
      throw error;
    }
    for (const l of lost) {
      await emit({ type: "log", level: "warn", migration: record.name, message: describeLost(l) });
      opts.unrestored?.push({ ...l, migration: record.name });
    }
    const outcome =
      lost.length === 0
        ? "Qdrant restored from the journal"
        : `Qdrant restored from the journal except what its lost snapshots held: ${lost.map(describeLost).join("; ")}`;
    await rt.journal.markInterrupted(record.name, { died, outcome }, record.direction);
    await emit({ type: "recovered", migration: record.name });
    recovered.push(record.name);
  }
  return recovered;
}
