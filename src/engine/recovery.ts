import type { MigrationRecord } from "../journal/migration-journal.js";
import type { QdrantChanges } from "../journal/schema.js";
import type { EngineContext } from "./engine-context.js";
import { undoQdrantChanges } from "./undo-qdrant-changes.js";

/**
 * Crash recovery (protocol rule 6): each `in_progress` row found while holding
 * the lock belongs to a runner that died before its Postgres transaction
 * committed, so only Qdrant needs putting back, from what the row journaled.
 * Returns the names recovered, each now marked failed (a `down` stays applied).
 */
export async function recoverInterrupted(
  { rt, emit }: EngineContext,
  records: readonly MigrationRecord[],
): Promise<string[]> {
  const recovered: string[] = [];
  for (const record of records.filter((r) => r.status === "in_progress")) {
    await emit({ type: "recovering", migration: record.name });
    await undoQdrantChanges(rt, changesOf(record), (message) => {
      void emit({ type: "log", level: "info", migration: record.name, message });
    });
    await rt.journal.markFailed(
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
function changesOf(record: MigrationRecord): QdrantChanges {
  return {
    snapshots: record.snapshots,
    schemasBefore: record.schemasBefore,
    createdCollections: record.createdCollections,
    aliasesBefore: record.aliasesBefore,
    changedAliases: record.changedAliases,
  };
}
