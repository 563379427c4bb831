import type { ConcurrentWritesPolicy } from "../index.js";

/** The CLI's options as the commands receive them, parsed and typed by `program.ts`. */

/** Options every command accepts. */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
  /** Seconds to wait for Postgres and Qdrant to answer before the command runs. */
  wait?: number;
  dryRun?: boolean;
}

export interface UpFlags {
  to?: string;
  step?: number;
  /** False under `--no-auto-recover`. */
  autoRecover: boolean;
  allowChanged?: boolean;
  allowMissing?: boolean;
  allowOutOfOrder?: boolean;
  concurrentWrites?: ConcurrentWritesPolicy;
  /** False under `--no-simulate`: `--dry-run` then lists declared collections only. */
  simulate: boolean;
}

export interface DownFlags {
  /** A migration name, or "0" for all. */
  to?: string;
  step?: number;
  fromSnapshot?: boolean;
  allowChanged?: boolean;
  allowMissing?: boolean;
  concurrentWrites?: ConcurrentWritesPolicy;
}

export interface RepairFlags {
  concurrentWrites?: ConcurrentWritesPolicy;
}

export interface PruneFlags {
  keep?: number;
  /** Also delete snapshots that applied migrations need for `down --from-snapshot`. */
  force?: boolean;
}

export interface PruneCollectionsFlags {
  /** Unaliased versions to keep per alias. */
  keep?: number;
}

export interface GenerateFlags {
  /** What the declared schema is compared with: the journal's record (default) or the server. */
  from: "journal" | "live";
  /** Write the declared schema file from the managed collections instead of a migration. */
  schemaOnly?: boolean;
}
