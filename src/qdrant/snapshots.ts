import { type QdrantConnection, responseError } from "./connect.js";
import { QdrantRequestError, SnapshotFailedError } from "./errors.js";

/** Qdrant's description of one snapshot: `{ name, creation_time, size, checksum }`. */
export type SnapshotDescription = Awaited<
  ReturnType<QdrantConnection["client"]["listSnapshots"]>
>[number];

/**
 * Snapshots a collection; the exact point count is read first. Sent through
 * `fetchRaw` with the transfer timeout: snapshotting a large collection takes
 * longer than an ordinary call may.
 */
export async function takeSnapshot(
  conn: QdrantConnection,
  collection: string,
  opts: { timeoutMs?: number } = {},
): Promise<{ snapshot: string; pointsCount: number; checksum: string | null }> {
  const pointsCount = await exactCount(conn, collection);
  const res = await conn.fetchRaw(
    `/collections/${encodeURIComponent(collection)}/snapshots?wait=true`,
    { method: "POST", timeoutMs: opts.timeoutMs ?? transferTimeout(conn) },
  );
  if (res.status !== 200) {
    const error = await responseError(res, "createSnapshot", collection, [conn.apiKey]);
    // A refused key is the caller's problem; anything else is the server failing to write it.
    if (error.code === "QDRANT_AUTH_FAILED" || res.status === 404) throw error;
    throw new SnapshotFailedError(collection, res.status, error.qdrantMessage);
  }
  const body = (await res.json()) as { result?: Partial<SnapshotDescription> };
  const name = body.result?.name;
  if (typeof name !== "string") {
    throw new QdrantRequestError(
      "QDRANT_REQUEST_FAILED",
      "createSnapshot",
      collection,
      res.status,
      undefined,
      `Qdrant createSnapshot on collection "${collection}" answered without a snapshot name; cannot roll back without it.`,
    );
  }
  return { snapshot: name, pointsCount, checksum: body.result?.checksum ?? null };
}

/** The collection's snapshots, oldest first; empty when the collection does not exist. */
export async function listSnapshots(
  conn: QdrantConnection,
  collection: string,
): Promise<SnapshotDescription[]> {
  let list: SnapshotDescription[];
  try {
    list = await conn.client.listSnapshots(collection);
  } catch (error) {
    if (error instanceof QdrantRequestError && error.status === 404) return [];
    throw error;
  }
  return [...list].sort(
    (a, b) =>
      (a.creation_time ?? "").localeCompare(b.creation_time ?? "") || a.name.localeCompare(b.name),
  );
}

/** Deletes the oldest snapshots beyond the newest `keep`, never a `protect`ed one; returns the deleted names. */
export async function pruneSnapshots(
  conn: QdrantConnection,
  collection: string,
  keep: number,
  protect: readonly string[],
): Promise<string[]> {
  const all = await listSnapshots(conn, collection);
  const protectedNames = new Set(protect);
  const doomed = all
    .slice(0, Math.max(0, all.length - keep))
    .filter((s) => !protectedNames.has(s.name));
  for (const s of doomed) await conn.client.deleteSnapshot(collection, s.name, { wait: true });
  return doomed.map((s) => s.name);
}

/** Snapshot transfers get at least 10 minutes: their size, not the server's health, sets their time. */
export function transferTimeout(conn: QdrantConnection): number {
  return Math.max(conn.timeoutMs, 600_000);
}

/** The exact number of points in `collection`. */
export async function exactCount(conn: QdrantConnection, collection: string): Promise<number> {
  return (await conn.client.count(collection, { exact: true })).count;
}
