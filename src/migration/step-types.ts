// The parts of a step's context that the toolkit's operations share with
// `StepContext`. A leaf: `StepContext` itself names the toolkit (`ctx.schema`),
// so the toolkit importing it would close an import cycle.
import type { CheckpointStore } from "../journal/checkpoints.js";
import type { CloneOutcome } from "../qdrant/collection-clone.js";
import type { DryRunRecorder } from "../qdrant/dry-client.js";

/**
 * The database as a migration sees it: any table, any column. Precise enough
 * for `db.schema`, `sql`, `insertInto("t").values({...})` and
 * `selectFrom("t").selectAll()` without casts, and free of `any`; column
 * values read back are `unknown` and must be narrowed by the migration.
 */
export type MigrationDatabase = Record<string, Record<string, unknown>>;

export interface MigrationLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** How far a long operation of a step is (see `StepContext.progress`). */
export interface StepProgress {
  /** What runs: "backfill", "copy", "import", or a step's own name for its loop. */
  operation: string;
  collection?: string;
  /** Units done so far (points, records), counting earlier runs' when resumed. */
  done: number;
  /** Units in all, when known. */
  total?: number;
}

/**
 * What the engine hands the toolkit's data operations (`backfill`,
 * `importPoints`, `ctx.schema`) for one run of one step. It travels in the
 * context, not beside it: a step that spreads `ctx` or wraps `ctx.qdrant`
 * passes it on, and a migration importing the toolkit from another copy of
 * the package still finds it.
 */
export interface StepEngine {
  /** Where resumable operations keep their checkpoints; without one, a run starts over. */
  checkpoints?: CheckpointStore;
  /** Under `up --dry-run`: the operations describe themselves here instead of running. */
  dryRun?: DryRunRecorder;
  /**
   * Fills `to`, a collection this step created empty with `from`'s vectors
   * and shard count, with `from`'s points on the server itself (a snapshot
   * recovered under the new name, its files journaled, then deleted), or says
   * why it cannot (a cluster). Without it, copies stream.
   */
  cloneCollection?(from: string, to: string): Promise<CloneOutcome>;
}
