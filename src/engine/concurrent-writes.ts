import type { ConcurrentWritesPolicy } from "../config/rollback-options.js";
import { messageOf, QdrantMigrateError } from "../errors.js";
import type { PointId } from "../qdrant/touched-points.js";
import { type WritesSinceSnapshot, writesCount } from "../qdrant/writes-since-snapshot.js";

/** What one collection's undo found and did about others' writes. */
export interface ConcurrentWritesReport {
  collection: string;
  added: number;
  changed: number;
  removed: number;
  /** Up to 20 of the ids, added first. */
  sample: PointId[];
  /**
   * `none`: nobody else wrote; `unchecked`: the migration wrote too many points
   * to tell them from others' (restored anyway); the rest as the policy said.
   */
  outcome: "none" | "unchecked" | "refused" | "discarded" | "kept";
}

const SAMPLE = 20;

export function reportOf(
  writes: WritesSinceSnapshot,
  policy: ConcurrentWritesPolicy,
): ConcurrentWritesReport {
  const outcome = !writes.attributable
    ? "unchecked"
    : writesCount(writes) === 0
      ? "none"
      : ({ refuse: "refused", discard: "discarded", keep: "kept" } as const)[policy];
  return {
    collection: writes.collection,
    added: writes.added.length,
    changed: writes.changed.length,
    removed: writes.removed.length,
    sample: [...writes.added, ...writes.changed, ...writes.removed].slice(0, SAMPLE),
    outcome,
  };
}

/** "20 points added, 1 changed and 0 removed (ids 4001, 4002, …)" */
export function describeWrites(r: ConcurrentWritesReport): string {
  const total = r.added + r.changed + r.removed;
  const ids = r.sample.join(", ") + (total > r.sample.length ? ", …" : "");
  return `${r.added} point(s) added, ${r.changed} changed and ${r.removed} removed (ids ${ids})`;
}

/**
 * Undoing a migration would throw away writes others made to its collections
 * after they were snapshotted, and the policy is `refuse`: nothing was undone.
 */
export class ConcurrentWritesError extends QdrantMigrateError {
  constructor(
    readonly reports: readonly ConcurrentWritesReport[],
    /** The migration whose failure needed the undo, and why it failed. */
    failed?: { migration: string; error: unknown },
  ) {
    const found = reports.filter((r) => r.outcome === "refused");
    const why = failed
      ? `Migration ${failed.migration} failed (${messageOf(failed.error).replace(/\.$/, "")}) and was not rolled back in Qdrant. `
      : "";
    super(
      "CONCURRENT_WRITES",
      `${why}Restoring from the snapshots would discard writes made since by something other than ` +
        `the migration: ${found.map((r) => `collection "${r.collection}": ${describeWrites(r)}`).join("; ")}. ` +
        "Nothing was restored: Qdrant is as the migration and those writes left it. Decide with " +
        "`--concurrent-writes keep` (put back only the points the migration wrote; others' " +
        "writes stay) or `--concurrent-writes discard` (restore the snapshots; they are lost), " +
        "on `qdrant-migrate repair` (or the `down` you ran); pause the writers first, so that nothing more is written meanwhile." +
        (failed ? " Its journal row stays unfinished; Postgres was rolled back." : ""),
    );
  }
}
