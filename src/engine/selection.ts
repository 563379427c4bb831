import { MigrationNotAppliedError, UnknownMigrationError } from "./errors.js";
import type { MigrationState, MigrationStatusEntry } from "./history-status.js";
import type { DownOptions, UpOptions } from "./migrator-types.js";

/** The migrations `up` applies, oldest first: pending and failed ones, cut by `to` or `step`. */
export function selectPending(
  entries: readonly MigrationStatusEntry[],
  opts: Pick<UpOptions, "to" | "step">,
): string[] {
  const pending = namesIn(entries, ["pending", "failed"]);
  const { to } = opts;
  if (to !== undefined) {
    if (!entries.some((e) => e.name === to)) throw new UnknownMigrationError(to);
    return pending.filter((name) => name <= to);
  }
  return opts.step !== undefined ? pending.slice(0, opts.step) : pending;
}

/** Applied migrations to revert, newest first; a missing file still counts, so it is never skipped. */
export function selectApplied(
  entries: readonly MigrationStatusEntry[],
  opts: Pick<DownOptions, "to" | "step">,
): string[] {
  const applied = namesIn(entries, ["applied", "missing"]).reverse();
  if (opts.to === 0) return applied;
  if (opts.to !== undefined) {
    const index = applied.indexOf(opts.to);
    const entry = entries.find((e) => e.name === opts.to);
    if (index < 0 && entry) throw new MigrationNotAppliedError(opts.to, entry.state);
    if (index < 0) throw new UnknownMigrationError(opts.to);
    return applied.slice(0, index + 1);
  }
  return applied.slice(0, opts.step ?? 1);
}

/** The names of the migrations in one of `states`, in `entries`' order. */
export function namesIn(
  entries: readonly MigrationStatusEntry[],
  states: readonly MigrationState[],
): string[] {
  return entries.filter((e) => states.includes(e.state)).map((e) => e.name);
}
