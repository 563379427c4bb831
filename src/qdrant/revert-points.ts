import type { Schemas } from "@qdrant/js-client-rest";
import type { QdrantConnection } from "./connect.js";
import { SnapshotRestoreError } from "./errors.js";
import { strictLimit } from "./strict-limits.js";
import { type PointId, pointKey } from "./touched-points.js";
import { digestOf } from "./writes-since-snapshot.js";

const BATCH = 256;
const IN_FLIGHT = 2;
const AGAIN =
  "Points written back so far stay so; running the rollback again writes every one back again.";

/**
 * Puts the points `ids` of `collection` back as `side` (a copy of the
 * collection's snapshot, snapshot-copy.ts) holds them: each is written back
 * whole (payload and vectors), or deleted when the snapshot did not hold it;
 * every other point is left as it is. The collection keeps answering
 * throughout (a shard recovery takes it away while it runs), and running it
 * again after an interruption gives the same result. Proven per batch by
 * reading the points back and comparing them with the snapshot's.
 */
export async function revertPoints(
  conn: QdrantConnection,
  collection: string,
  side: string,
  ids: readonly PointId[],
): Promise<void> {
  const unique = [...new Map(ids.map((id) => [pointKey(id), id])).values()];
  // Within the strict-mode limits of both collections, as they stand now.
  const [live, copy] = await Promise.all([
    conn.client.getCollection(collection),
    conn.client.getCollection(side),
  ]);
  const batch = Math.min(
    BATCH,
    strictLimit(live, "upsert_max_batchsize"),
    strictLimit(live, "max_query_limit"),
    strictLimit(copy, "max_query_limit"),
  );
  // Two batches in flight: one is read from the side copy while the other is written.
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < unique.length) {
      const ids = unique.slice(next, next + batch);
      next += batch;
      try {
        await revertBatch(conn, collection, side, ids);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const outcomes = await Promise.allSettled(Array.from({ length: IN_FLIGHT }, worker));
  const rejected = outcomes.find((o) => o.status === "rejected");
  if (rejected) throw rejected.reason;
}

async function revertBatch(
  conn: QdrantConnection,
  collection: string,
  side: string,
  ids: PointId[],
): Promise<void> {
  const content = { with_payload: true, with_vector: true } as const;
  const before = await conn.client.retrieve(side, { ids, ...content });
  const held = new Set(before.map((p) => pointKey(p.id)));
  const gone = ids.filter((id) => !held.has(pointKey(id)));
  if (before.length > 0) {
    await conn.client.upsert(collection, {
      wait: true,
      points: before.map((p) => ({
        id: p.id,
        payload: p.payload ?? {},
        vector: (p.vector ?? {}) as Schemas["VectorStruct"],
      })),
    });
  }
  if (gone.length > 0) await conn.client.delete(collection, { wait: true, points: gone });
  const after = await conn.client.retrieve(collection, { ids, ...content });
  const want = new Map(before.map((p) => [pointKey(p.id), digestOf(p)]));
  for (const point of after) {
    if (want.get(pointKey(point.id)) !== digestOf(point)) {
      throw new SnapshotRestoreError(
        collection,
        side,
        `point ${point.id} does not match the snapshot after it was written back`,
        AGAIN,
      );
    }
  }
  if (after.length !== before.length) {
    throw new SnapshotRestoreError(
      collection,
      side,
      `${after.length} of the ${before.length} points written back are there`,
      AGAIN,
    );
  }
}
