import type { ConcurrentWritesReport, MigratorEvent } from "../index.js";
import { describeWrites } from "./engine-api.js";
import type { Output } from "./output.js";
import { ProgressView } from "./progress-view.js";

/**
 * Turns migrator events into lines on stderr, and `progress` events into a
 * bar on a terminal, a line every few seconds otherwise, or JSON lines under
 * `--json` (ProgressView).
 */
export function logEvents(out: Output): (event: MigratorEvent) => void {
  const view = new ProgressView(out, out.json ? "json" : out.interactive ? "bar" : "lines");
  return (event) => {
    if (event.type === "progress") {
      view.update(event);
      return;
    }
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
    case "resuming":
      return `resuming interrupted migration ${e.migration}: its Qdrant changes so far are kept, backfills and imports go on from their checkpoints`;
    case "migration-start":
      return `[${e.index}/${e.total}] ${e.direction === "up" ? "applying" : "reverting"} ${e.migration}`;
    case "snapshot-taking":
      return `  snapshotting ${e.collection}`;
    case "snapshot-taken":
      return `  snapshot of ${e.snapshot.collection}: ${e.snapshot.replicas.length} shard replica(s), ${e.snapshot.pointsCount} points`;
    case "collection-creating":
      return `  creating ${e.collection}`;
    case "clone-snapshot-taken":
      return `  cloning ${e.from} into ${e.to} on the server, from ${e.files.length} shard snapshot(s)`;
    case "rolling-back":
      return `  failed: ${e.reason}; rolling back`;
    case "rolled-back":
      return "  rolled back: Postgres and the migration's Qdrant changes are undone";
    case "concurrent-writes":
      return e.reports.map(describeReport).join("\n");
    case "migration-done":
      return `  done in ${e.durationMs} ms`;
    case "log":
      return `  ${e.level === "warn" ? "warning: " : ""}${e.message}`;
    default:
      return undefined;
  }
}

function describeReport(r: ConcurrentWritesReport): string {
  const writes = describeWrites(r);
  switch (r.outcome) {
    case "refused":
      return `  writes by others reached ${r.collection} after its snapshot: ${writes}; not restored (policy refuse)`;
    case "discarded":
      return `  warning: restoring ${r.collection} discarded writes by others since its snapshot: ${writes}`;
    case "kept":
      return `  kept writes by others in ${r.collection}: ${writes}; only the migration's points were put back`;
    case "unchecked":
      return `  warning: ${r.collection} was restored without checking for writes by others (the migration wrote more points than are tracked by id)`;
    default:
      return `  nobody else wrote to ${r.collection}`;
  }
}
