import type { ConcurrentWritesPolicy } from "../config/define-config.js";
import type { MigrationRecord } from "../journal/migration-journal.js";
import type { QdrantChanges } from "../journal/schema.js";
import { reportWrites } from "./apply-migration.js";
import { ConcurrentWritesError } from "./concurrent-writes.js";
import type { EngineContext } from "./engine-context.js";
import { undoQdrantChanges } from "./undo-qdrant-changes.js";

/**
 * Crash recovery (protocol rule 6): each `in_progress` row found while holding
 * the lock belongs to a runner that died before its Postgres transaction
 * committed, so only Qdrant needs putting back, from what the row journaled.
 * Returns the names recovered, each now marked failed (a `down` stays applied).
 */
export async function recoverInterrupted(
  { rt, emit, config }: EngineContext,
  records: readonly MigrationRecord[],
  /** The CLI's `--concurrent-writes`; else the config's (the migration's own file may be gone). */
  policy: ConcurrentWritesPolicy = config.rollback.concurrentWrites,
): Promise<string[]> {
  const recovered: string[] = [];
  for (const record of records.filter((r) => r.status === "in_progress")) {
    await emit({ type: "recovering", migration: record.name });
    const log = (message: string) =>
      void emit({ type: "log", level: "info", migration: record.name, message });
    try {
      await reportWrites(
        emit,
        record.name,
        await undoQdrantChanges(rt, changesOf(record), { log, policy }),
      );
    } catch (error) {
      if (error instanceof ConcurrentWritesError)
        await reportWrites(emit, record.name, error.reports);
      throw error;
    }
    await rt.journal.markInterrupted(
      record.name,
      `interrupted (runner ${record.runner ?? "unknown"} died); Qdrant restored from the journal`,
      { previousStatus: record.direction === "down" ? "applied" : undefined },
    );
    await emit({ type: "recovered", migration: record.name });
    recovered.push(record.name);
  }
  return recovered;
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
