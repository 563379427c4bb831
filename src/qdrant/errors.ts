import { QdrantMigrateError, type QdrantRequestCode } from "../errors.js";

/** A Qdrant request failed (after any retries); the message never contains the API key. */
export class QdrantRequestError extends QdrantMigrateError {
  constructor(
    override readonly code: QdrantRequestCode,
    readonly operation: string,
    readonly collection: string | undefined,
    /** HTTP status, or undefined when no response arrived (refused, reset, timeout). */
    readonly status: number | undefined,
    /** Qdrant's own error text (`status.error` of the reply), when it sent one. */
    readonly qdrantMessage: string | undefined,
    message: string,
  ) {
    super(code, message);
  }
}

/** A migration step called a client method the tracking client cannot make safe to roll back. */
export class UnsupportedClientCallError extends QdrantMigrateError {
  constructor(readonly method: string) {
    super(
      "QDRANT_UNSUPPORTED_CALL",
      `QdrantClient.${method} cannot be used inside a migration step: qdrant-migrate cannot snapshot or roll back what it does. Use the typed collection, point, payload-index and alias methods instead, or do this outside the migration.`,
    );
  }
}

/**
 * A snapshot could not be restored. `outcome` says what state the collection
 * was left in: untouched, unless a proven copy exists under another name.
 */
export class SnapshotRestoreError extends QdrantMigrateError {
  constructor(
    readonly collection: string,
    readonly snapshot: string,
    reason: string,
    outcome = `The collection "${collection}" was left untouched; restore it by hand from another snapshot or a backup.`,
  ) {
    super(
      "SNAPSHOT_RESTORE_FAILED",
      `Cannot restore collection "${collection}" from snapshot "${snapshot}": ${reason}. ${outcome}`,
    );
  }
}

/** Aliases could not be put back as they were before the migration. */
export class AliasRestoreError extends QdrantMigrateError {
  constructor(
    readonly mismatches: string[],
    lastError: string | undefined,
  ) {
    super(
      "ALIAS_RESTORE_FAILED",
      `Could not put Qdrant aliases back as they were (after one retry): ${mismatches.join("; ")}${lastError ? ` (last error: ${lastError})` : ""}. Fix them with POST /collections/aliases.`,
    );
  }
}
