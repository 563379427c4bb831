import type { QdrantClient } from "@qdrant/js-client-rest";
import type { ServerVersion } from "../collection-schema/server-version.js";
import type { MigrationLogger, StepEngine, StepProgress } from "../migration/step-types.js";

/**
 * What the `up` of the migration a `down` step reverts recorded about
 * aliases (its journal row's `applied_changes`): every alias before its first
 * change, the aliases it changed, and the collections it snapshotted.
 * `null` when that `up` recorded nothing (it was baselined, not run).
 */
export interface RecordedUp {
  aliasesBefore: readonly { alias: string; collection: string }[] | null;
  changedAliases: readonly string[];
  /** Collections that existed and were snapshotted before the `up` changed them. */
  snapshotted: readonly string[];
}

/** What the schema toolkit's operations run with: the step's tracked client, log, progress, signal and engine services. */
export interface ToolkitContext {
  qdrant: QdrantClient;
  log: MigrationLogger;
  progress(update: StepProgress): void;
  signal: AbortSignal;
  /** What the engine gave the step (the dry run's recorder); from its context. */
  engine?: StepEngine;
  /** The server's version (`GET /`), asked once per step. */
  version: ServerVersion;
  /** The step's migration and direction. */
  migration: { name: string; direction: "up" | "down" };
  /** In a `down` step: what the `up` being reverted recorded (`null`: nothing). */
  recordedUp?: RecordedUp | null;
}
