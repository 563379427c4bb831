import { isUnfinished } from "../journal/journal-states.js";
import type { MigrationRecord } from "../journal/migration-journal.js";
import type { MigrationFile } from "../migration/discover.js";

export type MigrationState =
  /** Applied and recorded. */
  | "applied"
  /** Not applied yet (never run, reverted, or failed and rolled back). */
  | "pending"
  /** The last run failed and was rolled back; `up` will try it again. */
  | "failed"
  /**
   * A runner died mid-run; the next run restores from the journal first, or,
   * when the entry `resumes`, goes on with it.
   */
  | "in_progress"
  /** Recorded as applied, but its file is gone. */
  | "missing";

export interface MigrationStatusEntry {
  name: string;
  state: MigrationState;
  /** Applied, and the file's checksum differs from the one recorded. */
  changed: boolean;
  /** Pending, yet sorts before an applied migration. */
  outOfOrder: boolean;
  appliedAt: Date | null;
  error: string | null;
  /**
   * Present on an interrupted `up` of a `resumable: true` migration whose file
   * is unchanged: the next `up` goes on with it instead of restoring it.
   */
  resumes?: true;
}

/**
 * Joins migration files with journal rows into one status per migration;
 * `resumable` names the interrupted runs the next `up` resumes (`resume.ts`).
 */
export function historyStatus(
  files: readonly MigrationFile[],
  records: readonly MigrationRecord[],
  resumable: ReadonlySet<string> = new Set(),
): MigrationStatusEntry[] {
  const byName = new Map(records.map((r) => [r.name, r]));
  const fileNames = new Set(files.map((f) => f.name));
  const lastApplied = records
    .filter((r) => r.status === "applied")
    .map((r) => r.name)
    .sort()
    .at(-1);
  const entries: MigrationStatusEntry[] = files.map((file) => {
    const record = byName.get(file.name);
    const state = stateOf(record);
    return {
      name: file.name,
      state,
      changed: state === "applied" && record?.checksum !== file.checksum,
      outOfOrder:
        (state === "pending" || state === "failed") &&
        lastApplied !== undefined &&
        file.name < lastApplied,
      appliedAt: state === "applied" ? (record?.finishedAt ?? null) : null,
      error: record?.status === "failed" ? record.error : null,
      ...(state === "in_progress" && resumable.has(file.name) ? { resumes: true as const } : {}),
    };
  });
  for (const record of records) {
    if (fileNames.has(record.name)) continue;
    if (record.status !== "applied" && !isUnfinished(record.status)) continue;
    entries.push({
      name: record.name,
      state: record.status === "applied" ? "missing" : "in_progress",
      changed: false,
      outOfOrder: false,
      appliedAt: record.finishedAt,
      error: null,
    });
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function stateOf(record: MigrationRecord | undefined): MigrationState {
  if (!record) return "pending";
  switch (record.status) {
    case "applied":
      return "applied";
    case "in_progress":
    case "undoing":
      return "in_progress";
    case "failed":
      return "failed";
    case "rolled_back":
      return "pending";
  }
}

/** Problems that make `up` refuse to run unless explicitly allowed. */
export function historyProblems(
  entries: readonly MigrationStatusEntry[],
  allow: { changed?: boolean; missing?: boolean; outOfOrder?: boolean } = {},
): string[] {
  const problems: string[] = [];
  for (const e of entries) {
    if (e.changed && !allow.changed)
      problems.push(`applied migration ${e.name} was changed since it ran (checksum differs)`);
    if (e.state === "missing" && !allow.missing)
      problems.push(`applied migration ${e.name} has no file any more`);
    if (e.outOfOrder && !allow.outOfOrder)
      problems.push(`pending migration ${e.name} sorts before an applied migration`);
  }
  return problems;
}
