import type { ConcurrentWritesPolicy } from "../config/rollback-options.js";
import type { DeclaredSchemaDifference } from "../declared-schema/generate-migration.js";
import type { ErrorCode, QdrantMigrateError } from "../errors.js";
import type { SchemaVersionRecord } from "../journal/schema-versions.js";
import type { AliasRecord } from "../journal/table-types.js";
import type { ReplicaSnapshotFile } from "../qdrant/replica-snapshots.js";
import type { ConcurrentWritesReport } from "./concurrent-writes.js";
import type { MigratorListener } from "./events.js";
import type { MigrationStatusEntry } from "./history-status.js";
import type { LostSnapshot } from "./undo-qdrant-changes.js";

/** The options and results of the `Migrator`'s verbs: the engine's public vocabulary. */

export interface MigratorOptions {
  /** Progress and log events, in order; awaited before the migrator goes on. */
  onEvent?: MigratorListener;
  /** Aborting stops before the next step; the running migration rolls back. */
  signal?: AbortSignal;
}

export interface UpOptions {
  /** Apply up to and including this migration. */
  to?: string;
  /** Apply at most this many migrations. */
  step?: number;
  /** Restore interrupted migrations from the journal first (default true). */
  autoRecover?: boolean;
  allowChanged?: boolean;
  allowMissing?: boolean;
  allowOutOfOrder?: boolean;
  /**
   * What rolling back (or recovering) does with writes others made since the
   * snapshots; overrides the migration's and the config's policy.
   */
  concurrentWrites?: ConcurrentWritesPolicy;
}

export interface DownOptions {
  /** Revert down to and including this migration; 0 reverts all (Umzug's semantics). */
  to?: string | 0;
  /** Revert this many migrations (default 1). */
  step?: number;
  /** Undo the Qdrant half from the snapshots recorded when each migration was applied. */
  fromSnapshot?: boolean;
  /** Revert even though a migration's file changed since it was applied. */
  allowChanged?: boolean;
  /**
   * Revert an applied migration whose file is gone: only its Qdrant half can
   * be reverted (from the snapshots recorded when it was applied).
   */
  allowMissing?: boolean;
  /**
   * What restoring (`fromSnapshot`) or rolling back does with writes others
   * made since the snapshots; overrides the migration's and the config's policy.
   */
  concurrentWrites?: ConcurrentWritesPolicy;
}

export interface RepairOptions {
  /** What recovering does with writes others made since the snapshots; overrides the config's policy. */
  concurrentWrites?: ConcurrentWritesPolicy;
}

/**
 * `plan()`: the options of `up`, or of `down` with `direction: "down"`
 * (`allowChanged` and `allowMissing` apply to either). A plan is refused
 * exactly when the run would be, with the same error.
 */
export type PlanOptions = UpOptions & {
  direction?: "up" | "down";
  /** With `direction: "down"`: plan `down --from-snapshot`, with what it would discard. */
  downFromSnapshot?: boolean;
  /**
   * For `up`: run each Qdrant step against a dry client (reads go to Qdrant,
   * writes are only described) and list what it would send (`operations`).
   */
  simulate?: boolean;
  downTo?: string | 0;
  downStep?: number;
};

export interface MigrationRunResult {
  name: string;
  direction: "up" | "down";
  status: "success" | "error" | "not-executed";
  durationMs?: number;
}

/** Like Kysely's MigrationResultSet: what ran, and the error that stopped the run. */
export interface RunResult {
  results: MigrationRunResult[];
  /** Interrupted migrations restored from the journal before this run. */
  recovered: string[];
  error?: QdrantMigrateError;
}

export interface PlanEntry {
  name: string;
  direction: "up" | "down";
  description: string | undefined;
  /** Existing declared collections snapshotted before their first change of any kind (`snapshot: "always"`). */
  snapshots: string[];
  /**
   * Existing declared collections whose schema-only changes are undone by
   * their exact inverse, with no snapshot; one is snapshotted only before a
   * first write that may delete or overwrite data.
   */
  inverses: string[];
  /** Collections it declares that do not exist yet (created, nothing to snapshot). */
  creates: string[];
  /** Present on an `up` whose last run was interrupted: that run is restored first, then it runs again. */
  recovers?: true;
  /** Present on an `up` of a `resumable` migration whose last run was interrupted: it goes on over what that run left. */
  resumes?: true;
  /** `down --from-snapshot`: the collections restored from the snapshots taken when it was applied. */
  restores?: string[];
  /**
   * `down --from-snapshot`: per restored collection, the writes others made
   * since its snapshot, which restoring it discards (policy `discard`), keeps
   * (`keep`) or refuses over (`refuse`); only collections that have any.
   */
  discards?: ConcurrentWritesReport[];
  /** `plan({ simulate: true })`: the Qdrant writes the step would send, in order. */
  operations?: string[];
  /** Why the simulation stopped before the step's end (it ran without the Postgres step). */
  simulationStopped?: string;
  /**
   * The code of the typed error that stopped it (a toolkit refusal such as
   * `SCHEMA_INCOMPATIBLE`, which the real run would meet too); absent for
   * untyped errors (say, a table the Postgres step would create).
   */
  simulationStoppedCode?: ErrorCode;
}

export interface StatusResult {
  migrations: MigrationStatusEntry[];
  collections: SchemaVersionRecord[];
  /**
   * Each collection whose declared schema (`qdrant.schema.ts`) differs from
   * what the applied migrations produced (the journal's record); empty
   * without a schema file.
   */
  declaredSchema: DeclaredSchemaDifference[];
  /** The project's aliases (those `check` compares) and the collection each points at now. */
  aliases: AliasRecord[];
}

export interface DriftEntry {
  collection: string;
  differences: string[];
}

export interface CheckResult {
  ok: boolean;
  pending: string[];
  changed: string[];
  missing: string[];
  failed: string[];
  /** Interrupted runs the next `up` restores from the journal (or `repair` does). */
  interrupted: string[];
  /** Interrupted runs of `resumable` migrations the next `up` goes on with. */
  resumes: string[];
  outOfOrder: string[];
  drift: DriftEntry[];
  /**
   * Each collection whose declared schema differs from what the applied
   * migrations produced (the journal's record), difference by difference;
   * empty without a schema file. `generate` writes the migration that closes it.
   */
  declaredSchema: DeclaredSchemaDifference[];
}

/** A snapshot `repair` found gone, and the migration whose row it finished without it. */
export interface UnrestoredCollection extends LostSnapshot {
  migration: string;
}

export interface RepairResult {
  recovered: string[];
  cleared: string[];
  /**
   * What the recovery could not put back because a snapshot was gone (each
   * named in the migration's run in the run log too); the rows were finished
   * regardless, so the next `up` runs those migrations again.
   */
  unrestored: UnrestoredCollection[];
}

export interface BaselineResult {
  stamped: string[];
  collections: string[];
}

/** One shard snapshot this project's migration took, on the peer that holds it (a single node is one peer). */
export interface SnapshotListEntry extends ReplicaSnapshotFile {
  /** The migration whose run took it. */
  migration: string;
}

/** `listSnapshots()`: this project's snapshots, and how many others it left out. */
export interface SnapshotListing {
  snapshots: SnapshotListEntry[];
  /**
   * Snapshots on the collections this project snapshotted that its journal
   * does not record (another project's on a shared server, or one a runner
   * took and died before journaling): never listed nor deleted.
   */
  leftAlone: number;
}

/** Who still needs a snapshot: a run in flight (or interrupted) to roll back, or an applied migration's `down --from-snapshot`. */
export interface SnapshotNeed {
  migration: string;
  reason: "in_progress" | "applied";
}

export interface PrunedSnapshots {
  collection: string;
  deleted: string[];
  /**
   * Old enough to go, but kept: the migration `neededBy` needs it, to roll
   * back (`in_progress`, even with `force`) or for `down --from-snapshot`
   * (`applied`, deleted with `force`).
   */
  kept: { name: string; neededBy: string; reason: SnapshotNeed["reason"] }[];
  /** Snapshots of the collection this project's journal does not record: left alone. */
  leftAlone: number;
}

export interface PruneCollectionsOptions {
  /** Unaliased versions to keep per name, newest first (default 1). */
  keep?: number;
  /** Only say what would be deleted. */
  dryRun?: boolean;
}

/** `pruneCollections()`: the physical versions `<name>_v<N>` behind one alias `<name>`. */
export interface PrunedCollections {
  /** The alias. */
  name: string;
  /** Deleted (with `dryRun`: would be). */
  deleted: string[];
  /**
   * Kept: an alias points at it, the `down` of an applied migration (`neededBy`)
   * would point its alias back at it, or it is among the newest `keep` of the others.
   */
  kept: { collection: string; reason: "aliased" | "needed" | "newest"; neededBy?: string }[];
}
