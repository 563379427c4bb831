import type { QdrantClient } from "@qdrant/js-client-rest";
import type { Kysely } from "kysely";
import {
  CONCURRENT_WRITES_POLICIES,
  type ConcurrentWritesPolicy,
} from "../config/define-config.js";
import { QdrantMigrateError } from "../errors.js";
import type { CheckpointStore } from "../journal/checkpoints.js";
import type { CloneOutcome } from "../qdrant/collection-clone.js";
import type { DryRunRecorder } from "../qdrant/dry-client.js";
import type { SchemaToolkit } from "../toolkit/schema-toolkit.js";
import { isRecord } from "../util/objects.js";

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

/** What each step receives. */
export interface StepContext {
  /** The migration's Postgres transaction: it commits only if the Qdrant step and `verify` succeed. */
  db: Kysely<MigrationDatabase>;
  /** A Qdrant client whose changes are tracked (snapshotted first) for rollback. */
  qdrant: QdrantClient;
  /**
   * Idempotent schema operations (ensureCollection, updateCollection, payload
   * indexes, named vectors) over `qdrant`, so they are rolled back alike.
   */
  schema: SchemaToolkit;
  log: MigrationLogger;
  /**
   * Reports how far a long operation is, as often as it likes (after each
   * batch): the CLI draws a bar on a terminal, a line every few seconds
   * otherwise, and JSON lines under `--json`; API users get `progress` events.
   */
  progress(update: StepProgress): void;
  /** Aborted when the run is cancelled; pass it on to long loops and requests. */
  signal: AbortSignal;
  migration: { name: string; direction: "up" | "down" };
  /**
   * True while `up --dry-run` simulates the Qdrant step: `qdrant` then
   * describes its writes instead of sending them, and `db` is read-only.
   * Skip costly outside work (an embedding service) when it is set.
   */
  dryRun: boolean;
  /**
   * Set by the engine for the toolkit; a migration passes `ctx` on and need
   * not read it. Absent in a context built by hand (a step called directly in
   * a unit test), whose operations then run for real and are not resumable.
   */
  engine?: StepEngine;
}

export interface MigrationStep {
  up(ctx: StepContext): Promise<void>;
  /** Without it the step cannot be reverted (Qdrant halves can still be restored from snapshots). */
  down?(ctx: StepContext): Promise<void>;
}

/** A migration file's default export. */
export interface MigrationDefinition {
  description?: string;
  /** Qdrant collections the migration changes or creates; `plan` says how each is rolled back. */
  collections?: string[];
  /**
   * `"always"`: snapshot every existing collection before its first change of
   * any kind. By default only a change that may delete or overwrite data is
   * preceded by a snapshot; schema-only changes (payload indexes, adding a
   * named vector, collection settings) are undone by their exact inverse.
   */
  snapshot?: "always";
  /**
   * What undoing this migration does with writes others made to its
   * collections after they were snapshotted (overrides the config's
   * `rollback.concurrentWrites`; the CLI's `--concurrent-writes` wins).
   */
  concurrentWrites?: ConcurrentWritesPolicy;
  /**
   * `true`: when this migration's runner dies mid-run (killed, OOM, node
   * lost), the next `up` runs it again over what the dead run left, instead
   * of first putting Qdrant back: `backfill` and `importPoints` go on from
   * their checkpoints. Its Qdrant step must be safe to run again over its own
   * half-done work (the toolkit's operations are). Postgres is never
   * committed by a dead run, so its step runs again from the start. If the
   * resumed run fails, Qdrant is put back as it was before the first attempt;
   * `repair` abandons the run instead (puts Qdrant back).
   */
  resumable?: boolean;
  postgres?: MigrationStep;
  qdrant?: MigrationStep;
  /** Runs after both `up` steps, before the Postgres transaction commits; throwing rolls back both. */
  verify?(ctx: StepContext): Promise<void>;
  /**
   * Time limit of each of this migration's steps, in ms (overrides the
   * config's `steps.timeoutMs`): a step still running then is stopped and the
   * migration rolled back.
   */
  timeoutMs?: number;
}

/** `defineMigration` was given something that is not a migration definition. */
export class MigrationDefinitionError extends QdrantMigrateError {
  constructor(readonly problem: string) {
    super("MIGRATION_DEFINITION_INVALID", `Invalid migration definition: ${problem}.`);
  }
}

/**
 * Returns `def` unchanged after checking its shape at run time, so a mistake
 * fails when the file is loaded rather than halfway through a run.
 */
export function defineMigration(def: MigrationDefinition): MigrationDefinition {
  const problem = migrationShapeProblem(def);
  if (problem !== undefined) throw new MigrationDefinitionError(problem);
  return def;
}

/** False when a present half (postgres or qdrant) has no `down`. */
export function isReversible(def: MigrationDefinition): boolean {
  return [def.postgres, def.qdrant].every((step) => step === undefined || step.down !== undefined);
}

const DEFINITION_KEYS = [
  "description",
  "collections",
  "snapshot",
  "concurrentWrites",
  "resumable",
  "postgres",
  "qdrant",
  "verify",
  "timeoutMs",
];
const STEP_KEYS = ["up", "down"];

/**
 * Why `value` is not a `MigrationDefinition`, as a phrase naming the key and
 * the fix; `undefined` when it is one.
 */
export function migrationShapeProblem(value: unknown): string | undefined {
  if (!isRecord(value))
    return `expected an object such as defineMigration({ ... }), got ${kind(value)}`;
  const unknownKey = Object.keys(value).find((key) => !DEFINITION_KEYS.includes(key));
  if (unknownKey !== undefined) {
    return `unknown key "${unknownKey}" (allowed: ${DEFINITION_KEYS.join(", ")})`;
  }
  if (value.description !== undefined && typeof value.description !== "string") {
    return `description must be a string, got ${kind(value.description)}`;
  }
  const { collections } = value;
  if (collections !== undefined) {
    if (!Array.isArray(collections)) {
      return `collections must be an array of collection names, got ${kind(collections)}`;
    }
    const bad = collections.findIndex((c) => typeof c !== "string" || c === "");
    if (bad >= 0) return `collections[${bad}] must be a non-empty string`;
  }
  if (value.snapshot !== undefined && value.snapshot !== "always") {
    return `snapshot must be "always" (or left out), got ${kind(value.snapshot)}`;
  }
  if (
    value.concurrentWrites !== undefined &&
    !CONCURRENT_WRITES_POLICIES.some((p) => p === value.concurrentWrites)
  ) {
    return `concurrentWrites must be one of ${CONCURRENT_WRITES_POLICIES.map((p) => `"${p}"`).join(", ")}, got ${kind(value.concurrentWrites)}`;
  }
  if (value.resumable !== undefined && typeof value.resumable !== "boolean") {
    return `resumable must be true or false, got ${kind(value.resumable)}`;
  }
  if (value.postgres === undefined && value.qdrant === undefined) {
    return "it has neither a postgres nor a qdrant step; add at least one";
  }
  for (const half of ["postgres", "qdrant"] as const) {
    const problem = stepShapeProblem(value[half], half);
    if (problem !== undefined) return problem;
  }
  if (value.verify !== undefined && typeof value.verify !== "function") {
    return `verify must be a function, got ${kind(value.verify)}`;
  }
  const { timeoutMs } = value;
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== "number" || !Number.isInteger(timeoutMs) || timeoutMs < 1)
  ) {
    return `timeoutMs must be a whole number of milliseconds ≥ 1, got ${kind(timeoutMs)}`;
  }
  return undefined;
}

function stepShapeProblem(step: unknown, half: string): string | undefined {
  if (step === undefined) return undefined;
  if (!isRecord(step))
    return `${half} must be an object with up and down functions, got ${kind(step)}`;
  const unknownKey = Object.keys(step).find((key) => !STEP_KEYS.includes(key));
  if (unknownKey !== undefined) {
    return `unknown key "${half}.${unknownKey}" (allowed: ${STEP_KEYS.join(", ")})`;
  }
  if (typeof step.up !== "function") return `${half}.up must be a function, got ${kind(step.up)}`;
  if (step.down !== undefined && typeof step.down !== "function") {
    return `${half}.down must be a function or absent, got ${kind(step.down)}`;
  }
  return undefined;
}

function kind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value === undefined) return "nothing";
  return `a ${typeof value}`;
}
