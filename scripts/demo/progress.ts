import type { MigratorEvent, MigratorListener } from "../../src/index.js";

/**
 * Turns the migrator's events into lines a person can follow: which store
 * each step touched and how long after the migration's start it finished.
 */
export function progressPrinter(print: (line: string) => void): MigratorListener {
  let startedAt = Date.now();
  const at = () => `+${String(Date.now() - startedAt).padStart(4)} ms`;
  return (event: MigratorEvent) => {
    switch (event.type) {
      case "lock-acquired":
        print("  lock    advisory lock taken (one runner at a time)");
        return;
      case "migration-start":
        startedAt = Date.now();
        print(`  [${event.index}/${event.total}] ${event.direction} ${event.migration}`);
        return;
      case "postgres-step-done":
        print(`    ${at()}  postgres  step done (in the open transaction)`);
        return;
      case "collection-creating":
        print(`    ${at()}  qdrant    creating ${event.collection}`);
        return;
      case "snapshot-taken":
        print(
          `    ${at()}  qdrant    snapshot of ${event.snapshot.collection} before its first change`,
        );
        return;
      case "qdrant-step-done":
        print(`    ${at()}  qdrant    step done`);
        return;
      case "verified":
        print(`    ${at()}  verify    passed`);
        return;
      case "committed":
        print(`    ${at()}  postgres  committed, with the journal row`);
        return;
      case "rolling-back":
        print(`    ${at()}  ROLLBACK  ${event.reason}`);
        return;
      case "rolled-back":
        print(
          `    ${at()}  rolled back: Postgres transaction undone, Qdrant restored from snapshots`,
        );
        return;
      case "migration-done":
        print(`    done in ${event.durationMs} ms`);
        return;
      case "log":
        print(`    ${at()}  log       ${event.message}`);
        return;
      default:
        return;
    }
  };
}
