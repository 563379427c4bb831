import type { Collection, PointId, StoredPoint } from "./model.js";
import { comparePointIds } from "./point-ids.js";

/**
 * Point ids in Qdrant's order (integers, then UUIDs), cached per points map so
 * that paging through a large collection does not sort it for every page.
 * Update operations call `invalidateOrder`; the size check also catches
 * changes made elsewhere (collection recreation, snapshot recovery).
 */

const cache = new WeakMap<Collection["points"], { size: number; ids: PointId[] }>();

export function invalidateOrder(collection: Collection): void {
  cache.delete(collection.points);
}

export function sortedIds(collection: Collection): PointId[] {
  const hit = cache.get(collection.points);
  if (hit && hit.size === collection.points.size) return hit.ids;
  const ids = [...collection.points.keys()].sort(comparePointIds);
  cache.set(collection.points, { size: ids.length, ids });
  return ids;
}

/** Points from `offset` (inclusive) on, in id order. */
export function* pointsFrom(
  collection: Collection,
  offset: PointId | undefined,
): Generator<StoredPoint> {
  const ids = sortedIds(collection);
  let lo = 0;
  if (offset !== undefined) {
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (comparePointIds(ids[mid] as PointId, offset) < 0) lo = mid + 1;
      else hi = mid;
    }
  }
  for (let i = lo; i < ids.length; i++) {
    const point = collection.points.get(ids[i] as PointId);
    if (point) yield point;
  }
}
