/**
 * What undoing a migration does with writes others made to a collection after
 * the migration snapshotted it (see `rollback.concurrentWrites`).
 */
export type ConcurrentWritesPolicy = "refuse" | "discard" | "keep";

export const CONCURRENT_WRITES_POLICIES: readonly ConcurrentWritesPolicy[] = [
  "refuse",
  "discard",
  "keep",
];

/**
 * How a rollback puts back a collection the migration wrote points of (see
 * `rollback.restore`): `side-copy` reads the snapshot into a side collection
 * and writes back only the points the migration touched, while the collection
 * keeps answering; `in-place` recovers the shard snapshots over it, which is
 * faster but fails or shortens reads of it while it runs.
 */
export type RollbackRestore = "side-copy" | "in-place";

export const ROLLBACK_RESTORE_MODES: readonly RollbackRestore[] = ["side-copy", "in-place"];
