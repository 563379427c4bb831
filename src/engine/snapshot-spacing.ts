import { setTimeout as sleep } from "node:timers/promises";

/** A little more than Qdrant's one-second snapshot-name resolution. */
const MIN_GAP_MS = 1100;

/**
 * Qdrant names a snapshot (of a collection, or of a shard on a peer) after
 * the second it was taken, and a second one of the same shard within that
 * second silently replaces the first file. Two migrations in one run that touch the same collection
 * (or `down --from-snapshot` right after `up`) would then lose the snapshot
 * the journal points at. This spaces snapshots of one collection apart.
 */
export class SnapshotSpacing {
  private readonly last = new Map<string, number>();

  /** Records that a snapshot of `collection` was taken at `atMs` (epoch ms). */
  note(collection: string, atMs: number): void {
    const previous = this.last.get(collection) ?? 0;
    if (atMs > previous) this.last.set(collection, atMs);
  }

  /** Waits until a new snapshot of `collection` cannot reuse an earlier one's name. */
  async waitTurn(collection: string, signal?: AbortSignal): Promise<void> {
    const last = this.last.get(collection);
    if (last === undefined) return;
    const wait = last + MIN_GAP_MS - Date.now();
    if (wait > 0) await sleep(wait, undefined, { signal });
  }
}
