import type { StepProgress } from "../migration/define-migration.js";
import type { MigratorEvent } from "./events.js";

/**
 * A step's `ctx.progress`: each update becomes a `progress` event with the
 * rate since the operation's first update in this run (a resumed operation's
 * earlier units do not count towards the rate).
 */
export function progressReporter(
  emit: (event: MigratorEvent) => Promise<void>,
  migration: string,
  now: () => number = Date.now,
): (update: StepProgress) => void {
  const first = new Map<string, { at: number; done: number }>();
  return (update) => {
    const key = `${update.operation}\u0000${update.collection ?? ""}`;
    let start = first.get(key);
    if (!start) {
      start = { at: now(), done: update.done };
      first.set(key, start);
    }
    const seconds = (now() - start.at) / 1000;
    const perSecond = seconds > 0 ? (update.done - start.done) / seconds : 0;
    void emit({ type: "progress", migration, ...update, perSecond });
  };
}
