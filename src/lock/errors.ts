import { messageOf, QdrantMigrateError } from "../errors.js";
import type { LockHolder } from "./lock-holder.js";

/** Another run held the migration lock for longer than the caller would wait. */
export class LockTimeoutError extends QdrantMigrateError {
  constructor(
    readonly holder: LockHolder | undefined,
    readonly timeoutMs: number,
  ) {
    const waited = `${Number((timeoutMs / 1000).toFixed(1))}s`;
    const advice =
      "Let that run finish and try again, or wait longer (lock.timeoutMs in the config file).";
    super(
      "LOCK_TIMEOUT",
      holder
        ? `Timed out after ${waited} waiting for the migration lock: it is held by ` +
            `${describeRunner(holder)} since ${holder.since.toISOString()}. ${advice} ` +
            "If that process is gone but its connection lingers, end it with " +
            `SELECT pg_terminate_backend(${holder.backendPid}).`
        : `Timed out after ${waited} waiting for the migration lock: another session holds ` +
            `it but could not be identified (it may have just released it). ${advice}`,
    );
  }
}

/**
 * The transaction holding the migration lock ended with its connection, so
 * the lock is gone: Postgres went away, an operator ended the session, or a
 * pooler's idle-transaction timeout closed it.
 */
export class LockLostError extends QdrantMigrateError {
  constructor(cause: unknown) {
    super(
      "LOCK_LOST",
      "Lost the migration lock: the Postgres connection holding it closed " +
        `(${messageOf(cause)}). Another run may start now, so this one stopped; ` +
        "an interrupted migration is restored by the next run. Run the command again once " +
        "Postgres is reachable; behind a pooler, raise its idle-transaction timeout " +
        "(pgbouncer: idle_transaction_timeout) above the longest migration, or set " +
        "postgres.directUrl to reach Postgres directly.",
      { cause },
    );
  }
}

/**
 * The lock's connection goes through a pooler that cannot keep one server
 * connection for a transaction (pgbouncer's statement mode), so no lock would
 * hold. Raised before anything is changed.
 */
export class PoolerUnsupportedError extends QdrantMigrateError {
  constructor(reason: string) {
    super(
      "POSTGRES_POOLER_UNSUPPORTED",
      `Cannot hold the migration lock through this Postgres connection: ${reason}. ` +
        "A pooler in statement mode (or one that moves a transaction between server " +
        "connections) cannot keep a lock or a migration's transaction together. Set " +
        "postgres.directUrl (or DIRECT_DATABASE_URL) to a direct or session-mode URL; " +
        "nothing was changed.",
    );
  }
}

/**
 * The lock's dedicated Postgres connection could not be opened. Built from
 * redacted text only, and without `cause`: the driver's error is unredacted.
 */
export class LockConnectionError extends QdrantMigrateError {
  constructor(safeUrl: string, safeReason: string) {
    super(
      "LOCK_CONNECTION_FAILED",
      `Could not connect to Postgres at ${safeUrl} to take the migration lock: ${safeReason}. ` +
        "Check the database URL and that Postgres is running.",
    );
  }
}

function describeRunner(holder: LockHolder): string {
  return holder.pid > 0
    ? `host ${holder.host}, pid ${holder.pid}`
    : `a session from ${holder.host} that is not a qdrant-migrate runner`;
}

/**
 * The typed error for a pooler's refusal of a transaction (pgbouncer's
 * statement mode: "transaction blocks not allowed in statement pooling
 * mode"), or undefined for any other error.
 */
export function poolerRefusal(error: unknown): PoolerUnsupportedError | undefined {
  const message = messageOf(error);
  return /pooling mode/i.test(message) ? new PoolerUnsupportedError(message) : undefined;
}
