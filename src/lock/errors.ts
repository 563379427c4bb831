import { QdrantMigrateError } from "../errors.js";
import type { LockHolder } from "./lock-holder.js";

/** Another run held the migration lock for longer than the caller would wait. */
export class LockTimeoutError extends QdrantMigrateError {
  constructor(
    readonly holder: LockHolder | undefined,
    readonly timeoutMs: number,
  ) {
    super(
      "LOCK_TIMEOUT",
      `Timed out after ${Number((timeoutMs / 1000).toFixed(1))}s waiting for the migration lock: ` +
        `${describeHolder(holder)}. Let that run finish and try again, or wait longer ` +
        "(--lock-timeout).",
    );
  }
}

/** The connection holding the migration lock closed, so the lock is gone. */
export class LockLostError extends QdrantMigrateError {
  constructor(cause: unknown) {
    super(
      "LOCK_LOST",
      "Lost the migration lock: its Postgres connection closed " +
        `(${cause instanceof Error ? cause.message : String(cause)}). Another run may start now, ` +
        "so this one must stop; run the command again once Postgres is reachable.",
      { cause },
    );
  }
}

/** The lock's dedicated Postgres connection could not be opened. */
export class LockConnectionError extends QdrantMigrateError {
  constructor(safeUrl: string, safeReason: string, cause: unknown) {
    super(
      "LOCK_CONNECTION_FAILED",
      `Could not connect to Postgres at ${safeUrl} to take the migration lock: ${safeReason}. ` +
        "Check the database URL and that Postgres is running.",
      { cause },
    );
  }
}

function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) {
    return "another session holds it, but it could not be identified (it may have just released it)";
  }
  const runner = holder.pid > 0 ? `host ${holder.host}, pid ${holder.pid}` : "a session";
  return (
    `it is held by ${runner} since ${holder.since.toISOString()}. If that process is gone ` +
    `but its connection lingers, end it with SELECT pg_terminate_backend(${holder.backendPid})`
  );
}
