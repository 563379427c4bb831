import type { SnapshotRecord } from "../journal/table-types.js";
import type { ConcurrentWritesReport } from "./concurrent-writes.js";

/** What a migrator reports while it works; the CLI turns these into log lines. */
export type MigratorEvent =
  | { type: "lock-waiting"; holder: string | undefined }
  | { type: "lock-acquired" }
  | { type: "recovering"; migration: string }
  | { type: "recovered"; migration: string }
  /** An interrupted resumable migration runs again over what its dead run left. */
  | { type: "resuming"; migration: string }
  | {
      type: "migration-start";
      migration: string;
      direction: "up" | "down";
      index: number;
      total: number;
    }
  | { type: "postgres-step-done"; migration: string }
  | { type: "snapshot-taking"; migration: string; collection: string }
  | { type: "snapshot-taken"; migration: string; snapshot: SnapshotRecord }
  | { type: "collection-creating"; migration: string; collection: string }
  /** A server-side copy snapshotted `from` (the files journaled) and recovers it as `to` next. */
  | { type: "clone-snapshot-taken"; migration: string; from: string; to: string; files: string[] }
  | { type: "qdrant-step-done"; migration: string }
  | { type: "verified"; migration: string }
  | { type: "before-commit"; migration: string }
  | { type: "committed"; migration: string }
  | { type: "rolling-back"; migration: string; reason: string }
  | { type: "rolled-back"; migration: string }
  /** An undo found writes others made since the snapshots: what it found, and did. */
  | { type: "concurrent-writes"; migration: string; reports: ConcurrentWritesReport[] }
  | { type: "migration-done"; migration: string; direction: "up" | "down"; durationMs: number }
  | { type: "log"; level: "info" | "warn"; migration: string; message: string }
  /** A step's long operation moved on (`ctx.progress`), with its rate since it started. */
  | {
      type: "progress";
      migration: string;
      operation: string;
      collection?: string;
      done: number;
      total?: number;
      /** Units per second since this operation's first report in this run. */
      perSecond: number;
    };

export type MigratorListener = (event: MigratorEvent) => void | Promise<void>;
