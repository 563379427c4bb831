import { Umzug, type UmzugStorage } from "umzug";
import type { ConcurrentWritesPolicy } from "../config/rollback-options.js";
import type { QdrantChanges } from "../journal/table-types.js";
import { applyMigration, type LoadedMigration } from "./apply-migration.js";
import type { EngineContext } from "./engine-context.js";
import { MigrationFailedError, PostgresLockTimeoutError } from "./errors.js";
import type { MigrationRunResult } from "./migrator-types.js";
import { pruneAfterAttempt } from "./snapshot-retention.js";

/**
 * What Umzug does for us, exactly: it runs the migrations we selected, in
 * the order given, one at a time, and stops at the first that throws. Nothing
 * more. Selection (pending, failed, `--to`, `--step`, missing files), loading
 * and the history checks are ours, because the journal knows states Umzug's
 * storage contract cannot express (`failed`, `in_progress`, a missing file).
 *
 * Its storage is therefore a read-only view, `JournalView`: `executed()`
 * answers the names the journal holds as applied, and `logMigration` /
 * `unlogMigration` write nothing, since the journal's final status must commit
 * inside the migration's own Postgres transaction (protocol rule 5), which
 * Umzug's calls (made after the step returns) cannot join. Umzug wraps a
 * step's error in its own; we report the step's typed error instead.
 */
class JournalView implements UmzugStorage {
  constructor(private readonly applied: readonly string[]) {}

  async executed(): Promise<string[]> {
    return [...this.applied];
  }

  async logMigration(): Promise<void> {}

  async unlogMigration(): Promise<void> {}
}

export interface RunInOrderInput {
  direction: "up" | "down";
  loaded: ReadonlyMap<string, LoadedMigration>;
  /** The names the journal holds as applied (a missing file's included). */
  applied: readonly string[];
  /** `down --from-snapshot` (or a missing file): what to restore each migration's Qdrant half from. */
  restoreFrom: ReadonlyMap<string, QdrantChanges>;
  /** `up` of an interrupted resumable run: what that run journaled, to go on from. */
  resume: ReadonlyMap<string, QdrantChanges>;
  signal: AbortSignal;
  /** The CLI's `--concurrent-writes`: wins over each migration's and the config's policy. */
  concurrentWrites: ConcurrentWritesPolicy | undefined;
}

/** Whether any migration to run may call Qdrant (a Postgres-only run works without it). */
function needsQdrant(input: RunInOrderInput): boolean {
  return [...input.loaded].some(
    ([name, { definition }]) =>
      definition.qdrant !== undefined ||
      definition.verify !== undefined ||
      input.restoreFrom.has(name) ||
      input.resume.has(name),
  );
}

/** Snapshots recorded by earlier runs count for spacing too (another process may have just taken one). */
async function seedSnapshotSpacing({ rt }: EngineContext): Promise<void> {
  for (const record of await rt.journal.list()) {
    for (const s of [...record.snapshots, ...(record.appliedChanges?.snapshots ?? [])]) {
      rt.snapshotSpacing.note(s.collection, Date.parse(s.takenAt));
    }
  }
}

/**
 * Runs the loaded migrations through Umzug and records each one's outcome in
 * `results` as it goes (so a caller that catches the error still has them);
 * those after a failure are `not-executed` (as in Kysely's result set).
 */
export async function runInOrder(
  ctx: EngineContext,
  input: RunInOrderInput,
  results: MigrationRunResult[],
): Promise<void> {
  const { direction, loaded, signal } = input;
  const names = [...loaded.keys()];
  await seedSnapshotSpacing(ctx);
  if (needsQdrant(input)) {
    // Before the first journal row: a Qdrant that cannot be reached, refuses
    // TLS or the API key is reported as itself (QDRANT_UNREACHABLE, …), not as
    // a failed migration, and leaves no `failed` row, as nothing was attempted.
    await ctx.rt.qdrant.client.getCollections();
  }
  let index = 0;
  const run = async (name: string, migration: LoadedMigration) => {
    signal.throwIfAborted();
    index++;
    await ctx.emit({
      type: "migration-start",
      migration: name,
      direction,
      index,
      total: names.length,
    });
    const result: MigrationRunResult = { name, direction, status: "error" };
    results.push(result);
    let durationMs: number;
    try {
      ({ durationMs } = await applyMigration(ctx.rt, migration, {
        direction,
        restoreFrom: input.restoreFrom.get(name),
        resume: input.resume.get(name),
        runner: ctx.runner,
        stepTimeoutMs: ctx.config.steps.timeoutMs,
        lockTimeoutMs: ctx.config.postgres.lockTimeoutMs,
        concurrentWrites:
          input.concurrentWrites ??
          migration.definition.concurrentWrites ??
          ctx.config.rollback.concurrentWrites,
        restore: ctx.config.rollback.restore,
        signal,
        emit: ctx.emit,
      }));
    } catch (error) {
      // Rolled back: the attempt's snapshots served their purpose and count
      // for retention too (a migration retried until it works would keep all).
      if (error instanceof MigrationFailedError || error instanceof PostgresLockTimeoutError) {
        await pruneAfterAttempt(ctx, name);
      }
      throw error;
    }
    result.status = "success";
    result.durationMs = durationMs;
    await ctx.emit({ type: "migration-done", migration: name, direction, durationMs });
    await pruneAfterAttempt(ctx, name);
  };
  const umzug = new Umzug({
    migrations: [...loaded].map(([name, migration]) => ({
      name,
      path: migration.file.path || undefined,
      up: () => run(name, migration),
      down: () => run(name, migration),
    })),
    storage: new JournalView(input.applied),
    logger: undefined,
  });
  const before = results.length;
  try {
    if (direction === "up") await umzug.up({ migrations: names });
    else await umzug.down({ migrations: names });
  } catch (error) {
    for (const name of names.slice(results.length - before)) {
      results.push({ name, direction, status: "not-executed" });
    }
    throw error instanceof Error && error.cause !== undefined ? error.cause : error;
  }
}
