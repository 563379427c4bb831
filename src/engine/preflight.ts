import { isUnfinished } from "../journal/journal-states.js";
import type { MigrationRecord } from "../journal/migration-journal.js";
import type { MigrationFile } from "../migration/discover.js";
import type { LoadedMigration } from "./apply-migration.js";
import { checkRevertable, planRevert, type RevertPlan } from "./down-preconditions.js";
import { HistoryMismatchError, InterruptedMigrationError } from "./errors.js";
import { historyProblems, historyStatus, type MigrationStatusEntry } from "./history-status.js";
import {
  loadMigrations,
  loadMigrationsToRevert,
  type MigrationToRevert,
} from "./load-migrations.js";
import type { DownOptions, UpOptions } from "./migrator-types.js";
import { namesIn, selectApplied, selectPending } from "./selection.js";

/** The migration files and journal rows a verb decides from, read once. */
export interface HistoryState {
  files: MigrationFile[];
  records: MigrationRecord[];
}

export interface UpPreflight {
  /** Pending and failed migrations to apply, oldest first, loaded. */
  loaded: Map<string, LoadedMigration>;
  /** Migrations applied once interrupted runs are recovered or resumed. */
  applied: string[];
}

export interface DownPreflight extends RevertPlan {
  /** Applied migrations to revert, newest first, loaded (a missing file as its stand-in). */
  loaded: Map<string, MigrationToRevert>;
  applied: string[];
}

/**
 * Everything `up` refuses before it changes anything, and what it would
 * apply; `up` and its `--dry-run` plan both call this, so a plan is refused
 * exactly when the run would be, with the same error. Decided on the journal
 * as it will be once interrupted runs are dealt with: an interrupted `up`
 * ends failed (recovered) or runs again (resumed), an interrupted `down` ends
 * applied.
 */
export async function preflightUp(
  { files, records }: HistoryState,
  opts: UpOptions,
): Promise<UpPreflight> {
  const interrupted = records.filter((r) => isUnfinished(r.status));
  if (interrupted.length > 0 && opts.autoRecover === false) {
    throw new InterruptedMigrationError(interrupted.map((r) => r.name));
  }
  const entries = historyStatus(files, records.map(afterRecovery));
  const problems = historyProblems(entries, {
    changed: opts.allowChanged,
    missing: opts.allowMissing,
    outOfOrder: opts.allowOutOfOrder,
  });
  if (problems.length > 0) throw new HistoryMismatchError(problems);
  const loaded = await loadMigrations(files, selectPending(entries, opts));
  return { loaded, applied: namesIn(entries, ["applied"]) };
}

/**
 * Everything `down` refuses before it changes anything (an interrupted
 * migration, a changed or missing file, a step with no way back), and how it
 * would revert; shared by `down` and its `--dry-run` plan.
 */
export async function preflightDown(
  { files, records }: HistoryState,
  opts: DownOptions,
): Promise<DownPreflight> {
  const interrupted = records.filter((r) => isUnfinished(r.status)).map((r) => r.name);
  if (interrupted.length > 0) throw new InterruptedMigrationError(interrupted, "down");
  const entries: MigrationStatusEntry[] = historyStatus(files, records);
  const names = selectApplied(entries, opts);
  checkRevertable(entries, names, opts);
  const loaded = await loadMigrationsToRevert(files, records, names);
  return {
    loaded,
    applied: namesIn(entries, ["applied", "missing"]),
    ...planRevert(loaded, records, opts),
  };
}

/** A row as recovery or resumption leaves it (`recovery.ts`, `resume.ts`). */
function afterRecovery(record: MigrationRecord): MigrationRecord {
  if (!isUnfinished(record.status)) return record;
  return { ...record, status: record.direction === "down" ? "applied" : "failed" };
}
