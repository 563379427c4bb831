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
