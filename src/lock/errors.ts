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

/** The connection holding the migration lock closed, so the lock is gone. */
export class LockLostError extends QdrantMigrateError {
  constructor(cause: unknown) {
    super(
      "LOCK_LOST",
      "Lost the migration lock: its Postgres connection closed " +
        `(${messageOf(cause)}). Another run may start now, ` +
        "so this one must stop; run the command again once Postgres is reachable.",
      { cause },
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
