import { type Kysely, sql } from "kysely";
import type { ConcurrentWritesPolicy, RollbackRestore } from "../config/rollback-options.js";
import { messageOf } from "../errors.js";
import { clearCheckpoints, PostgresCheckpoints } from "../journal/checkpoints.js";
import type { MigrationRecord } from "../journal/migration-journal.js";
import type { QdrantChanges } from "../journal/table-types.js";
import { LockLostError } from "../lock/errors.js";
import type {
  MigrationDatabase,
  MigrationDefinition,
  MigrationLogger,
  StepContext,
  StepProgress,
} from "../migration/define-migration.js";
import type { MigrationFile } from "../migration/discover.js";
import { ClusterRefusalError } from "../qdrant/cluster-errors.js";
import { createTrackingClient } from "../qdrant/tracking-client.js";
import { createSchemaToolkit } from "../toolkit/schema-toolkit.js";
import type { RecordedUp } from "../toolkit/toolkit-context.js";
import { redactSecrets } from "../util/redact.js";
import { ChangeTracker } from "./change-tracker.js";
import { commitMigration } from "./commit-outcome.js";
import { ConcurrentWritesError, type ConcurrentWritesReport } from "./concurrent-writes.js";
import {
  CommitUnconfirmedError,
  MigrationFailedError,
  PostgresLockTimeoutError,
  RollbackFailedError,
  redacted,
  StepTimeoutError,
  TransactionConnectionLostError,
} from "./errors.js";
import type { MigratorEvent } from "./events.js";
import { isLockTimeout, type LockWaitWatch, watchLockWaits } from "./lock-waits.js";
import {
  type RecordedVersion,
  recordDownVersions,
  recordUpVersions,
  refreshRecordedAliases,
  stampSchemaVersions,
} from "./record-schema-versions.js";
import type { Runtime } from "./runtime.js";
import { stepCloner } from "./step-clone.js";
import { runStep } from "./step-limits.js";
import { progressReporter } from "./step-progress.js";
import { aliasScope, inspectUndo, undoQdrantChanges } from "./undo-qdrant-changes.js";

export interface LoadedMigration {
  file: MigrationFile;
  definition: MigrationDefinition;
}

export interface ApplyOptions {
  direction: "up" | "down";
  /** `down --from-snapshot`: undo the Qdrant half from the snapshots taken when it was applied. */
  restoreFrom?: QdrantChanges;
  /**
   * Resuming an interrupted run of a `resumable` migration: what that run
   * journaled. Kept (a failure undoes it too) and its checkpoints used.
   */
  resume?: QdrantChanges;
  runner: string;
  /** The config's `steps.timeoutMs`; a migration's own `timeoutMs` wins. */
  stepTimeoutMs: number | undefined;
  /** The config's `postgres.lockTimeoutMs`: `lock_timeout` of the migration's transaction. */
  lockTimeoutMs: number | undefined;
  /** What undoing does with others' writes since the snapshots (already resolved from CLI, migration and config). */
  concurrentWrites: ConcurrentWritesPolicy;
  /** The config's `rollback.restore`: how snapshotted collections are put back. */
  restore: RollbackRestore;
  signal: AbortSignal;
  emit: (event: MigratorEvent) => Promise<void>;
}

/**
 * Runs one migration in one direction under the coordination protocol
 * (docs/architecture.md): journal row committed first; the Postgres step in a
 * transaction held open until the Qdrant step (and `verify`) succeed; lazy
 * snapshots before each collection's first change; on success the schema
 * versions and the journal's final status commit with that transaction; on
 * failure Postgres rolls back and Qdrant is restored from the snapshots.
 */
export async function applyMigration(
  rt: Runtime,
  migration: LoadedMigration,
  options: ApplyOptions,
): Promise<{ durationMs: number }> {
  const { name, checksum } = migration.file;
  const { direction, emit, signal } = options;
  const started = Date.now();
  signal.throwIfAborted();
  // The step's tracking client wraps the official one method by method.
  await rt.qdrant.ready();
  // Read before the row is restarted: what `ctx.schema.revertAlias` switches back to.
  const recordedUp = direction === "down" ? recordedUpOf(await rt.journal.get(name)) : undefined;
  await rt.journal.start({
    name,
    checksum,
    direction,
    runner: options.runner,
    resume: options.resume !== undefined,
  });
  // Checkpoints left by an earlier attempt count writes that attempt's
  // rollback (or crash recovery) has undone: going on from them would skip
  // batches that are no longer in Qdrant. A resumed run kept those writes.
  if (!options.resume) await clearCheckpoints(rt.db, rt.tables, name);
  const checkpoints = new PostgresCheckpoints(rt.db, rt.tables, name);
  // Stops the steps on a timeout or a lost transaction connection, as the
  // caller's signal does on an interrupt or a lost lock.
  const stop = new AbortController();
  const stepSignal = AbortSignal.any([signal, stop.signal]);
  const tracker = new ChangeTracker(
    rt,
    name,
    emit,
    stepSignal,
    migration.definition.snapshot === "always",
  );
  if (options.resume) tracker.seed(options.resume);
  const { lockTimeoutMs } = options;
  const trx = await rt.db.startTransaction().execute();
  let unwatch = () => {};
  let lockWaits: LockWaitWatch | undefined;
  let versions: RecordedVersion[];
  try {
    // The transaction idles while the Qdrant step runs, which may take long;
    // a server-wide idle-in-transaction timeout must not kill it.
    const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid,
      set_config('idle_in_transaction_session_timeout', '0', true)`.execute(trx);
    const pid = rows[0]?.pid ?? 0;
    if (lockTimeoutMs !== undefined) {
      await sql`SELECT set_config('lock_timeout', ${`${lockTimeoutMs}ms`}, true)`.execute(trx);
      lockWaits = watchLockWaits(rt, pid, lockWaitPollMs(lockTimeoutMs));
    }
    unwatch = rt.connectionErrors.watch(pid, (error) =>
      stop.abort(new TransactionConnectionLostError(name, messageOf(error))),
    );
    // A step stopped mid-query would hold the connection, and the rollback
    // behind it, until the query ends.
    stepSignal.addEventListener("abort", () => void cancelQuery(rt, pid), { once: true });
    const qdrantClient = createTrackingClient(rt.qdrant.client, tracker.hooks, stepSignal);
    const log: MigrationLogger = {
      info: (message) => void emit({ type: "log", level: "info", migration: name, message }),
      warn: (message) => void emit({ type: "log", level: "warn", migration: name, message }),
    };
    const report = progressReporter(emit, name);
    // An abandoned step's loop must not draw progress after the run ended.
    const progress = (update: StepProgress) => {
      if (!stepSignal.aborted) report(update);
    };
    const engine = {
      checkpoints,
      cloneCollection: stepCloner(rt, tracker, name, emit, stepSignal),
    };
    const ctx: StepContext = {
      // The journal's Kysely and the migration's share one pool; a migration sees
      // the database through its own, untyped schema.
      db: trx as unknown as Kysely<MigrationDatabase>,
      qdrant: qdrantClient,
      schema: createSchemaToolkit({
        qdrant: qdrantClient,
        log,
        progress,
        signal: stepSignal,
        migration: { name, direction },
        recordedUp,
        engine,
      }),
      log,
      progress,
      signal: stepSignal,
      migration: { name, direction },
      dryRun: false,
      engine,
    };
    const { postgres, qdrant, verify } = migration.definition;
    const timeoutMs = migration.definition.timeoutMs ?? options.stepTimeoutMs;
    const step = (what: string, run: () => Promise<void> | undefined) =>
      runStep(
        run,
        stepSignal,
        timeoutMs === undefined
          ? undefined
          : {
              ms: timeoutMs,
              onTimeout: () => stop.abort(new StepTimeoutError(name, what, timeoutMs)),
            },
      );
    if (direction === "up") {
      await step("Postgres up", () => postgres?.up(ctx));
      await emit({ type: "postgres-step-done", migration: name });
      await step("Qdrant up", () => qdrant?.up(ctx));
      await emit({ type: "qdrant-step-done", migration: name });
      if (verify) {
        await step("verify", () => verify(ctx));
        await emit({ type: "verified", migration: name });
      }
    } else {
      if (options.restoreFrom) {
        const applied = options.restoreFrom;
        await step("Qdrant restore", () =>
          restoreAppliedState(rt, tracker, applied, {
            emit,
            name,
            policy: options.concurrentWrites,
            restore: options.restore,
          }),
        );
      } else {
        await step("Qdrant down", () => qdrant?.down?.(ctx));
      }
      await emit({ type: "qdrant-step-done", migration: name });
      await step("Postgres down", () => postgres?.down?.(ctx));
      await emit({ type: "postgres-step-done", migration: name });
    }
    const touched = tracker.touchedCollections();
    // Gone with the commit, and only then: the operations they describe are done.
    if (checkpoints.written) {
      await clearCheckpoints(trx, rt.tables, name, { tableExists: true });
    }
    await refreshRecordedAliases(rt, trx, tracker.aliasMoves(), touched);
    if (direction === "up") {
      const recorded = await recordUpVersions(rt, trx, touched, name);
      versions = recorded.versions;
      await emit({ type: "before-commit", migration: name });
      await rt.journal.markApplied(name, { db: trx, versionsBefore: recorded.before });
    } else {
      versions = await recordDownVersions(rt, trx, touched, name);
      await emit({ type: "before-commit", migration: name });
      await rt.journal.markRolledBack(name, { db: trx });
    }
    // Aborted, timed out, or the lock was lost (another runner may be
    // recovering this migration): never commit then.
    stepSignal.throwIfAborted();
    await commitMigration(rt, trx, { name, direction, pid }, (message) =>
      emit({ type: "log", level: "warn", migration: name, message }),
    );
  } catch (caught) {
    // Maybe committed: undoing Qdrant could split the two halves. The journal
    // row decides on the next run.
    if (caught instanceof CommitUnconfirmedError) throw redacted(caught, rt.secrets);
    // A stopped step is reported by why it was stopped, not by how the
    // abandoned work happened to fail.
    const stopped = stepSignal.aborted ? stepSignal.reason : caught;
    // Postgres' lock-timeout error names neither the relation nor the holder.
    const error =
      lockTimeoutMs !== undefined && isLockTimeout(stopped)
        ? new PostgresLockTimeoutError(
            name,
            direction,
            lockTimeoutMs,
            lockWaits?.last(lockTimeoutMs + 2 * lockWaitPollMs(lockTimeoutMs)),
          )
        : stopped;
    // Not twice: a second rollback would go to a connection handed back already.
    if (!trx.isRolledBack) {
      await trx
        .rollback()
        .execute()
        .catch(() => {});
    }
    if (signal.reason instanceof LockLostError) {
      // Another runner may hold the lock now and be recovering (or re-running)
      // this migration from the journal: undoing or marking here would race it.
      throw redacted(signal.reason, rt.secrets);
    }
    const reason = redactSecrets(messageOf(error), rt.secrets);
    if (migration.definition.resumable === true) {
      // Journaled (`undoing`) before the undo, so a crash during it is recovered, not
      // resumed: the checkpoints count writes the undo takes back. If this
      // fails nothing is undone, and the next run resumes over the writes as
      // they are, which the checkpoints still describe.
      try {
        await rt.journal.noteUndoing(name, reason);
      } catch (journalError) {
        throw new RollbackFailedError(
          name,
          redacted(error, rt.secrets),
          redacted(journalError, rt.secrets),
        );
      }
    }
    await emit({ type: "rolling-back", migration: name, reason });
    try {
      const reports = await undoQdrantChanges(rt, tracker.changes(), {
        migration: name,
        log: logTo(emit, name),
        policy: options.concurrentWrites,
        restore: options.restore,
      });
      await reportWrites(emit, name, reports);
    } catch (undoError) {
      if (undoError instanceof ConcurrentWritesError) {
        await reportWrites(emit, name, undoError.reports);
        throw redacted(
          new ConcurrentWritesError(undoError.reports, { migration: name, error }),
          rt.secrets,
        );
      }
      const failure = new RollbackFailedError(
        name,
        redacted(error, rt.secrets),
        redacted(undoError, rt.secrets),
      );
      // Best effort: unrecorded, the run reads as interrupted, and the row
      // (unfinished either way) is recovered all the same.
      await rt.journal
        .noteRollbackFailed(name, redactSecrets(failure.message, rt.secrets))
        .catch(() => {});
      throw failure;
    }
    try {
      await rt.journal.markFailed(name, reason, direction);
    } catch (journalError) {
      // Qdrant is restored and Postgres rolled back; the row stays
      // unfinished, and the next run restores again (idempotent) and marks it.
      const note = redactSecrets(messageOf(journalError), rt.secrets);
      await emit({
        type: "log",
        level: "warn",
        migration: name,
        message:
          `could not record the failure in the journal (${note}); Postgres is rolled back ` +
          "and Qdrant restored, but the row stays unfinished: the next run (or " +
          "`qdrant-migrate repair`) restores again and marks it failed",
      });
    }
    await emit({ type: "rolled-back", migration: name });
    // Not the migration's fault: a peer unmapped or down, named as such (a
    // config problem exits 2), not as a failed migration.
    if (error instanceof ClusterRefusalError) throw redacted(error, rt.secrets);
    // Not the migration's fault either: another session held a lock too long.
    if (error instanceof PostgresLockTimeoutError) throw redacted(error, rt.secrets);
    // A down that would discard others' writes stopped before changing anything.
    if (error instanceof ConcurrentWritesError) throw redacted(error, rt.secrets);
    throw new MigrationFailedError(name, direction, redacted(error, rt.secrets));
  } finally {
    unwatch();
    lockWaits?.stop();
  }
  // Committed: nothing below may undo the migration.
  await emit({ type: "committed", migration: name });
  await stampSchemaVersions(rt, versions, (message) =>
    emit({ type: "log", level: "warn", migration: name, message }),
  );
  return { durationMs: Date.now() - started };
}

/**
 * `down --from-snapshot`: snapshots the current state of everything the
 * original run changed (so this run can itself be undone), then restores the
 * state recorded when the migration was applied.
 */
async function restoreAppliedState(
  rt: Runtime,
  tracker: ChangeTracker,
  applied: QdrantChanges,
  run: {
    emit: (event: MigratorEvent) => Promise<void>;
    name: string;
    policy: ConcurrentWritesPolicy;
    restore: RollbackRestore;
  },
): Promise<void> {
  const { emit, name } = run;
  // Checked before this run changes anything: with `refuse`, a down that
  // would discard others' writes stops here, with nothing to undo.
  const inspection = await inspectUndo(rt, applied, {
    migration: name,
    log: logTo(emit, name),
    policy: run.policy,
    restore: run.restore,
  });
  try {
    for (const snapshot of applied.snapshots) {
      rt.snapshotSpacing.note(snapshot.collection, Date.parse(snapshot.takenAt));
    }
    for (const snapshot of applied.snapshots) {
      // Dropped by the up: the restore recreates it, so undoing this run drops it.
      if (!(await rt.qdrant.client.collectionExists(snapshot.collection)).exists) {
        await tracker.hooks.beforeCreate(snapshot.collection);
        continue;
      }
      await tracker.protect(snapshot.collection);
      // The restore rewrites the collection: if this run fails, all of it is this run's to undo.
      await tracker.hooks.beforeDataWrite({ collection: snapshot.collection, all: true });
    }
    for (const schema of applied.schemasBefore) await tracker.protect(schema.collection, "schema");
    // Restoring re-points the aliases the up changed: journal them first, so a
    // failure or crash of this run can put them back too. Only those: journaled
    // as changed, another application's aliases would be re-pointed by a
    // recovery and their collections recorded and stamped as this project's.
    await tracker.hooks.beforeAliasChange([...aliasScope(applied).aliases], []);
    for (const collection of applied.createdCollections) await tracker.protect(collection);
  } catch (error) {
    await inspection.close();
    throw error;
  }
  await reportWrites(emit, name, await inspection.apply());
}

/** What a `down` step's toolkit knows of the `up` it reverts: that run's alias records. */
function recordedUpOf(record: MigrationRecord | undefined): RecordedUp | null {
  const applied = record?.appliedChanges;
  if (!applied) return null;
  return {
    aliasesBefore: applied.aliasesBefore,
    changedAliases: applied.changedAliases,
    snapshotted: applied.snapshots.map((s) => s.collection),
  };
}

function logTo(emit: (event: MigratorEvent) => Promise<void>, migration: string) {
  return (message: string) => void emit({ type: "log", level: "info", migration, message });
}

/** Reports others' writes an undo found (and what it did with them), if any. */
export async function reportWrites(
  emit: (event: MigratorEvent) => Promise<void>,
  migration: string,
  reports: readonly ConcurrentWritesReport[],
): Promise<void> {
  const found = reports.filter((r) => r.outcome !== "none");
  if (found.length > 0) await emit({ type: "concurrent-writes", migration, reports: found });
}

/** How often a migration's transaction is checked for a lock wait: a few times within the timeout. */
function lockWaitPollMs(lockTimeoutMs: number): number {
  return Math.min(Math.max(Math.floor(lockTimeoutMs / 4), 20), 1_000);
}

/** Cancels whatever query backend `pid` runs; best effort (it may have ended, or died). */
async function cancelQuery(rt: Runtime, pid: number): Promise<void> {
  await sql`SELECT pg_cancel_backend(${pid})`.execute(rt.db).catch(() => {});
}
