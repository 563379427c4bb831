import type { QdrantClient } from "@qdrant/js-client-rest";
import type { Kysely } from "kysely";
import type { CheckpointStore } from "../journal/checkpoints.js";
import type {
  MigrationDatabase,
  StepContext,
  StepProgress,
} from "../migration/define-migration.js";
import { createSchemaToolkit } from "../toolkit/schema-toolkit.js";

export interface StepContextOptions<DB> {
  /** The client `ctx.qdrant` is. Its writes are not tracked: nothing is rolled back. */
  qdrant: QdrantClient;
  /** The Kysely `ctx.db` is: the engine's is the migration's transaction, this one is yours. */
  db: Kysely<DB>;
  /** `ctx.migration` (default `{ name: "test", direction: "up" }`). */
  migration?: { name: string; direction?: "up" | "down" };
  /**
   * Where `backfill` and `importPoints` keep their checkpoints, so a second
   * call with the same store goes on where the first stopped; without one
   * every call starts over, as in a migration run by hand.
   */
  checkpoints?: CheckpointStore;
  /** Collects what the step logs (`ctx.log.info`/`warn`), in order. */
  log?: string[];
  /** Collects what the step reports through `ctx.progress`, in order. */
  progress?: StepProgress[];
  /** `ctx.signal`: abort it to test how the step stops. */
  signal?: AbortSignal;
}

/**
 * A step context as the engine makes one, for calling a migration's step (or
 * a toolkit operation) directly in a unit test: `ctx.schema` is the real
 * toolkit over `qdrant`. Unlike a run, its writes go straight to Qdrant and
 * Postgres (no tracking, no transaction, no rollback).
 *
 * @example
 * import migration from "../migrations/20240101000000_add_lang.js";
 * const ctx = createStepContext({ qdrant: new QdrantClient({ url }), db });
 * await migration.qdrant?.up(ctx);
 * expect((await ctx.qdrant.getCollection("docs")).payload_schema.lang).toBeDefined();
 */
export function createStepContext<DB>(opts: StepContextOptions<DB>): StepContext {
  const { qdrant } = opts;
  const migration = {
    name: opts.migration?.name ?? "test",
    direction: opts.migration?.direction ?? "up",
  };
  const log = {
    info: (message: string) => void opts.log?.push(message),
    warn: (message: string) => void opts.log?.push(message),
  };
  const signal = opts.signal ?? new AbortController().signal;
  const progress = (update: StepProgress) => void opts.progress?.push(update);
  const engine = opts.checkpoints && { checkpoints: opts.checkpoints };
  return {
    // A step sees the database untyped (MigrationDatabase); the caller's own types do not matter to it.
    db: opts.db as unknown as Kysely<MigrationDatabase>,
    qdrant,
    schema: createSchemaToolkit({ qdrant, log, progress, signal, migration, engine }),
    log,
    progress,
    signal,
    migration,
    dryRun: false,
    engine,
  };
}
