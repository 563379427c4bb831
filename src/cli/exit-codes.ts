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
  /** `status`/`check`: migrations are pending (nothing else wrong). */
  PENDING: 3,
  /** `status`/`check`: changed or missing files, out-of-order, failed or interrupted migrations, or schema drift. */
  INCONSISTENT: 4,
  /** Interrupted by SIGINT/SIGTERM. */
  INTERRUPTED: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
