import { messageOf, QdrantMigrateError } from "../errors.js";
import { ShardSnapshotMissingError } from "../qdrant/cluster-errors.js";
import { QdrantRequestError } from "../qdrant/errors.js";
import { redactSecrets } from "../util/redact.js";
import type { LockWait } from "./lock-waits.js";

/**
 * A migration's step or verify failed; both stores were put back as they were.
 * Its code is `STEP_TIMEOUT` when a step ran past its time limit, so a script
 * can tell a slow step from a broken one; `MIGRATION_FAILED` otherwise.
 */
export class MigrationFailedError extends QdrantMigrateError {
  constructor(
    readonly migration: string,
    readonly direction: "up" | "down",
    cause: unknown,
  ) {
    super(
      cause instanceof StepTimeoutError ? "STEP_TIMEOUT" : "MIGRATION_FAILED",
      `Migration ${migration} (${direction}) ${stoppedBy(cause)}: ${sentence(messageOf(cause))} ` +
        "Postgres was rolled back and every Qdrant collection it touched was restored; " +
        `${adviceFor(cause)}`,
      { cause },
    );
  }
}

/** `text` ending a sentence once: a full stop added unless it ends in one (or ? or !) already. */
function sentence(text: string): string {
  const trimmed = text.trimEnd();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** Ctrl-C (RUN_INTERRUPTED), or the caller's AbortSignal: with its own reason, or none. */
function isInterruption(cause: unknown): boolean {
  if (cause instanceof QdrantMigrateError) {
    return cause.code === "RUN_INTERRUPTED" || cause.code === "ABORTED";
  }
  return cause instanceof Error && cause.name === "AbortError";
}

function stoppedBy(cause: unknown): string {
  if (isInterruption(cause)) return "was interrupted";
  if (cause instanceof QdrantMigrateError && cause.code === "POSTGRES_CONNECTION_LOST") {
    return "lost its Postgres connection";
  }
  return "failed";
}

/**
 * What to do next, by what stopped the migration: only a failure of its own
 * code is fixed by fixing the migration.
 */
function adviceFor(cause: unknown): string {
  if (isInterruption(cause)) return "run the command again when ready.";
  if (cause instanceof CollectionBusyError) {
    return (
      `stop what writes to collection ${cause.collection} (or migrate a copy behind an alias) ` +
      "and run the command again."
    );
  }
  if (cause instanceof ShardSnapshotMissingError) {
    // Only `down --from-snapshot` (or `--allow-missing`) restores inside a migration.
    return (
      "without its snapshots --from-snapshot cannot revert it: revert it by its own down steps " +
      `(\`down\` without --from-snapshot; restore its file first if it is gone), or restore ` +
      `collection ${cause.collection} from a backup.`
    );
  }
  if (!(cause instanceof QdrantMigrateError)) return FIX_THE_MIGRATION;
  switch (cause.code) {
    case "POSTGRES_CONNECTION_LOST":
      return "run the command again once Postgres is back.";
    case "SNAPSHOT_FAILED":
      return "run the command again once that peer can write its snapshots.";
  }
  if (cause instanceof QdrantRequestError) {
    const { status } = cause;
    if (status === 401 || status === 403) {
      return "Qdrant refused the API key: check qdrant.apiKey / QDRANT_API_KEY and run the command again.";
    }
    if (status === undefined) {
      return "Qdrant did not answer: check that it is reachable (qdrant.url) and run the command again.";
    }
  }
  return FIX_THE_MIGRATION;
}

const FIX_THE_MIGRATION = "fix the migration and run the command again.";

/** A step (or `verify`) ran past its time limit and was stopped. */
export class StepTimeoutError extends QdrantMigrateError {
  constructor(
    readonly migration: string,
    readonly step: string,
    readonly timeoutMs: number,
  ) {
    super(
      "STEP_TIMEOUT",
      `the ${step} step of migration ${migration} did not finish within ${timeoutMs} ms and was ` +
        "stopped (raise the migration's timeoutMs, or steps.timeoutMs in the config, if it needs longer)",
    );
  }
}

/**
 * A statement of a migration's Postgres transaction waited longer than
 * `postgres.lockTimeoutMs` for a lock another session holds; the migration
 * was rolled back in both stores. Names what it waited on and who held it,
 * as pg_locks last showed them.
 */
export class PostgresLockTimeoutError extends QdrantMigrateError {
  constructor(
    readonly migration: string,
    readonly direction: "up" | "down",
    readonly timeoutMs: number,
    readonly wait: LockWait | undefined,
  ) {
    super(
      "POSTGRES_LOCK_TIMEOUT",
      `Migration ${migration} (${direction}) waited more than ${timeoutMs} ms ` +
        `(postgres.lockTimeoutMs) for ${describeWait(wait)}. Postgres was rolled back and every ` +
        "Qdrant collection it touched was restored; run it again when that session is done, " +
        "or raise postgres.lockTimeoutMs.",
    );
  }
}

function describeWait(wait: LockWait | undefined): string {
  if (!wait) return "a lock another session holds (which one was not seen before it gave up)";
  const holders = wait.blockers.map(
    (b) =>
      `pid ${b.backendPid}` +
      (b.applicationName ? ` (${b.applicationName})` : "") +
      (b.clientAddr ? ` from ${b.clientAddr}` : "") +
      (b.since ? `, in a transaction since ${b.since.toISOString()}` : ""),
  );
  const heldBy =
    holders.length > 0 ? `, held by session ${holders.join("; ")}` : ", held by another session";
  return `${wait.mode} on ${wait.target}${heldBy}`;
}

/** The run was stopped from outside (SIGINT/SIGTERM, or the caller's AbortSignal). */
export class RunInterruptedError extends QdrantMigrateError {
  constructor(readonly reason: string) {
    super("RUN_INTERRUPTED", reason);
  }
}

/** The connection holding a migration's transaction died (restart, failover, terminated backend). */
export class TransactionConnectionLostError extends QdrantMigrateError {
  constructor(
    readonly migration: string,
    reason: string,
  ) {
    super(
      "POSTGRES_CONNECTION_LOST",
      `the Postgres connection holding migration ${migration}'s transaction was lost (${reason}); ` +
        "Postgres restarted, failed over, or the backend was terminated, and the transaction " +
        "was not committed",
    );
  }
}

/**
 * The connection died while a migration's transaction was committing, and the
 * journal could not be read to learn whether the commit took effect. Nothing is
 * undone: the journal row decides on the next run.
 */
export class CommitUnconfirmedError extends QdrantMigrateError {
  constructor(
    readonly migration: string,
    reason: string,
    unread: string,
  ) {
    super(
      "COMMIT_UNCONFIRMED",
      `the Postgres connection was lost while migration ${migration}'s transaction was ` +
        `committing (${reason}), and whether the commit took effect is unknown (${unread}). ` +
        "Qdrant is left as the migration made it. Run `qdrant-migrate up` again once Postgres " +
        "answers: if the commit did not take effect, the journal row is still in_progress and " +
        "that run first restores Qdrant from the migration's snapshots.",
    );
  }
}

/**
 * Undoing a failed or interrupted migration's Qdrant changes failed. The journal row
 * stays unfinished (`undoing`, or `in_progress` for a recovery), so the next run (or `qdrant-migrate repair`) tries again.
 */
export class RollbackFailedError extends QdrantMigrateError {
  constructor(
    readonly migration: string,
    readonly original: unknown,
    cause: unknown,
  ) {
    super(
      "ROLLBACK_FAILED",
      // The restore error says where the data is (untouched, or a verified
      // copy in a temporary collection): a restore may fail after it deleted
      // the live collection, so this message claims nothing of its own.
      `Migration ${migration} failed (${messageOf(original)}) and restoring Qdrant from its ` +
        `snapshots failed too: ${sentence(messageOf(cause))} Its journal row stays ` +
        `unfinished. ${rollbackAdvice(cause)}`,
      { cause },
    );
  }
}

function rollbackAdvice(cause: unknown): string {
  if (cause instanceof ShardSnapshotMissingError) {
    // No retry brings the file back: repair finishes without it, and says what it could not restore.
    return (
      "Run `qdrant-migrate repair`: it undoes everything else, reports exactly what it could " +
      "not restore (restore that from a backup), and marks the migration failed, so the next " +
      "`up` runs it again."
    );
  }
  return "Fix the cause (is Qdrant reachable?) and run `qdrant-migrate repair`.";
}

/** `down` was asked of a migration that lacks a `down` step. */
export class IrreversibleMigrationError extends QdrantMigrateError {
  constructor(
    readonly migration: string,
    reason: string,
  ) {
    super("MIGRATION_IRREVERSIBLE", `Migration ${migration} cannot be reverted: ${reason}`);
  }
}

/**
 * A runner that waited for the lock found that the run it waited for had just
 * failed this migration. Retrying it would make every waiting runner (every
 * container of a deploy) run the failing migration again, each leaving snapshots.
 */
export class FailedWhileWaitingError extends QdrantMigrateError {
  constructor(
    readonly migration: string,
    runner: string | null,
    error: string | null,
  ) {
    super(
      "MIGRATION_FAILED_WHILE_WAITING",
      `Migration ${migration} failed in the run this runner waited for ` +
        `(runner ${runner ?? "unknown"}: ${error ?? "no error recorded"}). Not retrying it here; ` +
        "fix the migration and run `qdrant-migrate up` again.",
    );
  }
}

/** A run found an interrupted migration and was told not to recover it. */
export class InterruptedMigrationError extends QdrantMigrateError {
  constructor(
    readonly migrations: readonly string[],
    /** The command to run again after `repair`. */
    command = "up",
  ) {
    super(
      "MIGRATION_INTERRUPTED",
      `Migration ${migrations.join(", ")} was interrupted (its runner died mid-run). ` +
        `Run \`qdrant-migrate repair\` to restore Qdrant from the journal, then run \`${command}\` again.`,
    );
  }
}

/** `down --to` named a migration that has a file but is not applied. */
export class MigrationNotAppliedError extends QdrantMigrateError {
  constructor(
    readonly migration: string,
    state: string,
  ) {
    super(
      "MIGRATION_NOT_APPLIED",
      `Migration ${migration} is not applied (it is ${state}), so down cannot revert down to it; ` +
        "name an applied migration (see `qdrant-migrate status`).",
    );
  }
}

/** Applied history and migration files disagree (changed, missing or out-of-order files). */
export class HistoryMismatchError extends QdrantMigrateError {
  constructor(readonly problems: readonly string[]) {
    super(
      "HISTORY_MISMATCH",
      `Refusing to run: ${problems.join("; ")}. Restore the files, or pass ` +
        "--allow-changed / --allow-missing / --allow-out-of-order if this is intended.",
    );
  }
}

/** A name given to `--to` or `baseline` matches no migration file. */
export class UnknownMigrationError extends QdrantMigrateError {
  constructor(readonly migration: string) {
    super("MIGRATION_UNKNOWN", `No migration named ${migration} in the migrations folder.`);
  }
}

/**
 * A collection kept changing while the migration tried to snapshot it. Always
 * reported inside MigrationFailedError, which says what to do.
 */
export class CollectionBusyError extends QdrantMigrateError {
  constructor(
    readonly collection: string,
    readonly migration: string,
  ) {
    super(
      "COLLECTION_BUSY",
      `Collection ${collection} kept changing while migration ${migration} snapshotted it, so ` +
        "a rollback could not be proven; the migration did not change it.",
    );
  }
}

/**
 * The error with every secret taken out of its message, so an error kept as a
 * `cause` (which library users log) cannot leak one.
 */
export function redacted(error: unknown, secrets: readonly string[]): unknown {
  if (!(error instanceof Error)) return redactSecrets(messageOf(error), secrets);
  const message = redactSecrets(error.message, secrets);
  if (message === error.message) return error;
  try {
    // defineProperty, not assignment: some errors (DOMException) only have a getter.
    Object.defineProperty(error, "message", { value: message, configurable: true, writable: true });
    return error;
  } catch {
    return new Error(message);
  }
}
