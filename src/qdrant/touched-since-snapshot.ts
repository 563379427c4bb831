import type { QdrantConnection } from "./connect.js";
import { type PointId, pointKey, type TouchedPoints } from "./touched-points.js";
import { scrollPages, touchedKeys, type WritesSinceSnapshot } from "./writes-since-snapshot.js";

const PAGE = 256;

/**
 * Compares only the points a migration touched (ids and filters, never `all`)
 * of a collection with `side`, a copy of its snapshot (snapshot-copy.ts), so
 * the cost follows the change, not the collection: the ids as journaled, the
 * points its filters match in the snapshot (the migration's), and the live
 * points its filters match now. A live match that is none of those was
 * written by others after the snapshot (added, or changed into the filter's
 * reach); restoring the touched points would throw it away. Points outside
 * the touched ones are never read: a restore of the touched points leaves
 * them, and others' writes to them, as they are.
 */
export async function findTouchedSinceSnapshot(
  conn: QdrantConnection,
  collection: string,
  side: string,
  touched: readonly TouchedPoints[],
): Promise<WritesSinceSnapshot> {
  const mine = touched.filter((t) => t.collection === collection);
  const filters = mine.flatMap((t) => (t.filter ? [t.filter] : []));
  const keys = await touchedKeys(conn, side, mine);
  const theirs = new Map<string, PointId>();
  for (const filter of filters) {
    for await (const page of scrollPages(conn, collection, { filter, withContent: false })) {
      for (const p of page) {
        const key = pointKey(p.id);
        if (!keys.has(key)) theirs.set(key, p.id);
      }
    }
  }
  const result: WritesSinceSnapshot = {
    collection,
    attributable: true,
    added: [],
    changed: [],
    removed: [],
    touched: [...keys.values()],
  };
  if (theirs.size === 0) return result;
  const held = new Set<string>();
  const ids = [...theirs.values()];
  for (let i = 0; i < ids.length; i += PAGE) {
    const page = ids.slice(i, i + PAGE);
    const found = await conn.client.retrieve(side, {
      ids: page,
      with_payload: false,
      with_vector: false,
    });
    for (const p of found) held.add(pointKey(p.id));
  }
  for (const [key, id] of theirs) (held.has(key) ? result.changed : result.added).push(id);
  return result;
}
