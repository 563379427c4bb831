import type { MigratorEvent } from "../index.js";
import type { Output } from "./output.js";

/** Turns migrator events into progress lines on stderr. */
export function logEvents(out: Output): (event: MigratorEvent) => void {
  return (event) => {
    const line = describe(event);
    if (line) out.log(line);
  };
}

function describe(e: MigratorEvent): string | undefined {
  switch (e.type) {
    case "lock-waiting":
      return `waiting for the migration lock${e.holder ? ` (held by ${e.holder})` : ""}`;
    case "lock-acquired":
      return undefined;
    case "recovering":
      return `recovering interrupted migration ${e.migration} from the journal`;
    case "recovered":
      return `recovered ${e.migration}: Qdrant restored, Postgres was never committed`;
    case "migration-start":
      return `[${e.index}/${e.total}] ${e.direction === "up" ? "applying" : "reverting"} ${e.migration}`;
    case "snapshot-taking":
      return `  snapshotting ${e.collection}`;
    case "snapshot-taken":
      return `  snapshot of ${e.snapshot.collection}: ${e.snapshot.replicas.length} shard replica(s), ${e.snapshot.pointsCount} points`;
    case "collection-creating":
      return `  creating ${e.collection}`;
    case "rolling-back":
      return `  failed: ${e.reason}; rolling back`;
    case "rolled-back":
      return "  rolled back: Postgres and Qdrant are as they were";
    case "migration-done":
      return `  done in ${e.durationMs} ms`;
    case "log":
      return `  ${e.level === "warn" ? "warning: " : ""}${e.message}`;
    default:
      return undefined;
  }
}
