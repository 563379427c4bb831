import type { MigrationRecord } from "../journal/migration-journal.js";
import type { JournalRowStatus } from "../journal/table-types.js";

/**
 * One migration's latest run as `Migrator.history()` reports it: what a
 * person or a script asks of the journal, not its storage record (snapshot
 * files, touched point ids, schemas before), which may change between
 * versions without a major release.
 */
export interface HistoryEntry {
  /** The migration's name (its file name without extension, or its provider `name`). */
  name: string;
  /** The direction of the latest run. */
  direction: "up" | "down";
  /** The journal's state: see the table in docs/architecture.md, "The journal's states". */
  status: JournalRowStatus;
  startedAt: Date;
  /** null while the run is unfinished. */
  finishedAt: Date | null;
  durationMs: number | null;
  /** `host:pid` of the process that ran it; null for a `baseline` stamp. */
  runner: string | null;
  /** The redacted error of a failed or unfinished run. */
  error: string | null;
  /** What the latest run changed in Qdrant. */
  counts: {
    /** Collections snapshotted before a data write (one snapshot per shard replica each). */
    snapshottedCollections: number;
    createdCollections: number;
    changedAliases: number;
  };
}

/** The public view of a journal row. */
export function historyEntryOf(record: MigrationRecord): HistoryEntry {
  return {
    name: record.name,
    direction: record.direction,
    status: record.status,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt,
    durationMs: record.durationMs,
    runner: record.runner,
    error: record.error,
    counts: {
      snapshottedCollections: record.snapshots.length,
      createdCollections: record.createdCollections.length,
      changedAliases: record.changedAliases.length,
    },
  };
}
