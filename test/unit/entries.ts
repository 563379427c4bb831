import type { MigrationState, MigrationStatusEntry } from "../../src/index.js";

/** A status entry as `historyStatus` makes them, for database-free tests of the pure engine logic. */
export function entry(
  name: string,
  state: MigrationState,
  flags: { changed?: boolean; outOfOrder?: boolean; resumes?: true } = {},
): MigrationStatusEntry {
  return {
    name,
    state,
    changed: flags.changed ?? false,
    outOfOrder: flags.outOfOrder ?? false,
    appliedAt: state === "applied" ? new Date(0) : null,
    error: state === "failed" ? "boom" : null,
    ...(flags.resumes ? { resumes: flags.resumes } : {}),
  };
}
