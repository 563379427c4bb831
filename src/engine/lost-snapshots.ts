import type { TouchedPoints } from "../qdrant/touched-points.js";
import type { LostSnapshot } from "./undo-qdrant-changes.js";

/** Point ids a message lists before it only counts the rest. */
const IDS_SHOWN = 20;

/**
 * What `repair` could not put back because a snapshot is gone, in one
 * sentence naming the collection, each replica (peer, shard, file) and the
 * points the migration may have left changed, so an operator knows exactly
 * what to restore from a backup.
 */
export function describeLost(lost: LostSnapshot): string {
  const files = lost.replicas
    .map((r) => `shard ${r.shardId} on peer ${r.peerId} ("${r.snapshot}")`)
    .join(", ");
  const state = lost.recreatedEmpty
    ? "the migration had dropped it: it was recreated from its recorded parameters, without its points"
    : `its points were left as they are: ${describePoints(lost.points)}`;
  return `collection ${lost.collection} not restored: its snapshot of ${files} is gone; ${state}`;
}

function describePoints(points: readonly TouchedPoints[]): string {
  if (points.length === 0) return "the migration wrote none of them";
  if (points.some((p) => p.all || p.overflow)) return "the migration may have changed any of them";
  const ids = points.flatMap((p) => p.ids ?? []);
  const filters = points.filter((p) => p.filter !== undefined).map((p) => JSON.stringify(p.filter));
  const parts: string[] = [];
  if (ids.length > 0) {
    const shown = ids.slice(0, IDS_SHOWN).join(", ");
    const more = ids.length > IDS_SHOWN ? `, and ${ids.length - IDS_SHOWN} more` : "";
    parts.push(`the migration wrote ${ids.length} point(s) by id (${shown}${more})`);
  }
  if (filters.length > 0) parts.push(`it wrote the points matching ${filters.join(" or ")}`);
  return parts.join("; ");
}
