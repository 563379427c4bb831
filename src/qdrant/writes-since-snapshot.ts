import { createHash } from "node:crypto";
import type { Schemas } from "@qdrant/js-client-rest";
import { canonicalJson } from "../util/canonical-json.js";
import type { QdrantConnection } from "./connect.js";
import { type PointId, pointKey, type TouchedPoints } from "./touched-points.js";

type LivePoint = Schemas["Record"];

/**
 * The writes that reached a collection after it was snapshotted and that the
 * migration did not make (others': an app, a job): what restoring the
 * snapshot would throw away.
 */
export interface WritesSinceSnapshot {
  collection: string;
  /**
   * False when the migration's own writes cannot be told from others' (it
   * rewrote every point, or more than are kept by id): nothing is listed then.
   */
  attributable: boolean;
  /** Points others added, changed or removed since the snapshot. */
  added: PointId[];
  changed: PointId[];
  removed: PointId[];
  /** The points the migration may have written: by id, or matched by its filters in the snapshot. */
  touched: PointId[];
}

const PAGE = 256;

/**
 * Compares a collection as it is now with `side`, a copy of its snapshot
 * (snapshot-copy.ts), leaving out every point the migration may have written
 * (`touched`, whose records name ids or filters: a migration that rewrote
 * every point, `all` or `overflow`, is not compared): both are scrolled with payloads and vectors, and each point's
 * content is compared by digest. Holds one digest per snapshotted point in
 * memory (about 100 bytes each) and the ids of the differing points.
 */
export async function findWritesSinceSnapshot(
  conn: QdrantConnection,
  collection: string,
  side: string,
  touched: readonly TouchedPoints[],
): Promise<WritesSinceSnapshot> {
  const mine = touched.filter((t) => t.collection === collection);
  const excludedIds = await touchedKeys(conn, side, mine);
  const excluded = new Set(excludedIds.keys());
  const before = new Map<string, { id: PointId; digest: string }>();
  for await (const page of scrollPages(conn, side, { withContent: true })) {
    for (const p of page) before.set(pointKey(p.id), { id: p.id, digest: digestOf(p) });
  }
  const result: WritesSinceSnapshot = {
    collection,
    attributable: true,
    added: [],
    changed: [],
    removed: [],
    touched: [...excludedIds.values()],
  };
  for await (const page of scrollPages(conn, collection, { withContent: true })) {
    for (const p of page) {
      const key = pointKey(p.id);
      const old = before.get(key);
      before.delete(key);
      if (excluded.has(key)) continue;
      if (!old) result.added.push(p.id);
      else if (old.digest !== digestOf(p)) result.changed.push(p.id);
    }
  }
  for (const [key, { id }] of before) if (!excluded.has(key)) result.removed.push(id);
  return result;
}

/**
 * The keys of the points the migration may have written: those it named by
 * id, and those its filters match in its snapshot.
 */
/**
 * The points a migration touched in `side`, its snapshot's copy, by key: the
 * ids as journaled and what its filters match there.
 */
export async function touchedKeys(
  conn: QdrantConnection,
  side: string,
  mine: readonly TouchedPoints[],
): Promise<Map<string, PointId>> {
  const keys = new Map(mine.flatMap((t) => (t.ids ?? []).map((id) => [pointKey(id), id] as const)));
  // Matched in the snapshot only: what the filter matches in the live
  // collection now includes points others added since, which are theirs.
  for (const filter of mine.flatMap((t) => (t.filter ? [t.filter] : []))) {
    for await (const page of scrollPages(conn, side, { filter, withContent: false })) {
      for (const p of page) keys.set(pointKey(p.id), p.id);
    }
  }
  return keys;
}

/** The number of points others wrote, in all. */
export function writesCount(w: WritesSinceSnapshot): number {
  return w.added.length + w.changed.length + w.removed.length;
}

export async function* scrollPages(
  conn: QdrantConnection,
  collection: string,
  opts: { filter?: Schemas["Filter"]; withContent: boolean },
): AsyncGenerator<LivePoint[]> {
  let offset: Schemas["ExtendedPointId"] | null | undefined;
  do {
    const page = await conn.client.scroll(collection, {
      limit: PAGE,
      offset: offset ?? undefined,
      filter: opts.filter,
      with_payload: opts.withContent,
      with_vector: opts.withContent,
    });
    yield page.points;
    offset = page.next_page_offset as Schemas["ExtendedPointId"] | null | undefined;
  } while (offset !== null && offset !== undefined);
}

/** A digest of a point's payload and vectors, independent of key order. */
export function digestOf(point: LivePoint): string {
  return createHash("sha1")
    .update(canonicalJson({ payload: point.payload ?? null, vector: point.vector ?? null }))
    .digest("base64");
}
