import { createHash } from "node:crypto";
import { createWriteStream, openAsBlob } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { type QdrantConnection, responseError } from "./connect.js";
import { QdrantRequestError, SnapshotFailedError, SnapshotRestoreError } from "./errors.js";
import { compareConfig, readLiveConfig } from "./live-config.js";

/** Which snapshot to restore; the journal's `SnapshotRecord` fits. */
export interface SnapshotToRestore {
  collection: string;
  snapshot: string;
  /** Exact point count when the snapshot was taken: the proof a restore worked. */
  pointsCount: number;
  /** sha256 Qdrant reported for the snapshot; checked against the download when given. */
  checksum?: string | null;
}

/** Qdrant's description of one snapshot: `{ name, creation_time, size, checksum }`. */
export type SnapshotDescription = Awaited<
  ReturnType<QdrantConnection["client"]["listSnapshots"]>
>[number];

export interface RestoreOptions {
  log?: (message: string) => void;
  /** Timeout of the snapshot download and each upload; at least 10 minutes by default. */
  transferTimeoutMs?: number;
}

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

/**
 * Restores `rec.collection` to the state of `rec.snapshot`, never dropping the
 * collection's last copy before a restored copy has been proven:
 *
 * 1. download the snapshot (through the REST API, so this works far from the
 *    server's disk; when the collection is gone, its snapshot files are still
 *    on the server but only reachable through a collection of that name, so an
 *    empty placeholder is created for the download);
 * 2. upload it into a temporary collection and prove it: it exists and its
 *    exact point count is `rec.pointsCount`;
 * 3. recover the collection in place when its vectors config and shard count
 *    match the snapshot's and that leaves no config drift; otherwise delete it
 *    and upload the snapshot under its name (its aliases are put back);
 * 4. verify the count, and only then delete the temporary copy.
 *
 * Safe to re-run after a crash at any point: the temporary collection's name
 * is derived from the snapshot, so a leftover one is reused when proven and
 * replaced when not.
 */
export async function restoreCollection(
  conn: QdrantConnection,
  rec: SnapshotToRestore,
  opts: RestoreOptions = {},
): Promise<void> {
  const log = opts.log ?? (() => {});
  const transferTimeoutMs = opts.transferTimeoutMs ?? transferTimeout(conn);
  const { collection, snapshot } = rec;
  const temp = restoreTempName(collection, snapshot);
  const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-restore-"));
  const file = join(dir, "collection.snapshot");
  const fail = (reason: string, outcome?: string) =>
    new SnapshotRestoreError(collection, snapshot, reason, outcome);
  const tempKept = `A verified copy of the snapshot is in collection "${temp}"; re-run the rollback, or rename it by hand.`;
  try {
    const proven =
      (await collectionExists(conn, temp)) && (await exactCount(conn, temp)) === rec.pointsCount;
    if (proven) log(`reusing verified temporary collection ${temp}`);

    // The downloaded snapshot: the recorded one, unless taken from the temporary copy.
    let source = snapshot;
    let checksum: string;
    let placeholder = false;
    if (await collectionExists(conn, collection)) {
      checksum = await download(
        conn,
        collection,
        snapshot,
        file,
        rec.checksum ?? null,
        transferTimeoutMs,
        fail,
      );
    } else if (proven) {
      // The name is gone, but the temporary copy is proven: take the file from it.
      source = (await takeSnapshot(conn, temp, { timeoutMs: transferTimeoutMs })).snapshot;
      checksum = await download(conn, temp, source, file, null, transferTimeoutMs, fail);
    } else {
      checksum = await downloadThroughPlaceholder(conn, rec, file, transferTimeoutMs, fail, log);
      placeholder = true;
    }

    if (!proven) {
      try {
        await proveCopy(
          conn,
          rec,
          temp,
          { file, source, checksum, timeoutMs: transferTimeoutMs },
          fail,
          log,
        );
      } catch (error) {
        // The name was absent before this restore; leave it absent, not an empty placeholder.
        if (placeholder) await conn.client.deleteCollection(collection);
        throw error;
      }
    }

    const upload = { file, source, checksum, timeoutMs: transferTimeoutMs };
    await restoreName(conn, rec, temp, upload, tempKept, fail, log);
    await deleteSnapshotIfPresent(conn, collection, uploadName(source));

    await deleteSnapshotsOf(conn, temp);
    await conn.client.deleteCollection(temp);
    log(`restored collection ${collection} from snapshot ${snapshot}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Recovers the snapshot into `temp` and proves it holds the recorded points; removes it otherwise. */
async function proveCopy(
  conn: QdrantConnection,
  rec: SnapshotToRestore,
  temp: string,
  upload: UploadSource,
  fail: Fail,
  log: (m: string) => void,
): Promise<void> {
  if (await collectionExists(conn, temp)) await conn.client.deleteCollection(temp);
  log(`recovering snapshot ${rec.snapshot} into temporary collection ${temp}`);
  const result = await uploadSnapshot(conn, temp, upload);
  const count = result.ok ? await countIfExists(conn, temp) : undefined;
  if (count === rec.pointsCount) return;
  if (await collectionExists(conn, temp)) await conn.client.deleteCollection(temp);
  throw fail(
    result.ok
      ? `the recovered copy holds ${count ?? 0} points, not the ${rec.pointsCount} recorded`
      : `Qdrant refused it (${result.error})`,
  );
}

/** Temporary collection name for restoring `snapshot`: the same on every run, so a crash leaves a reusable copy. */
export function restoreTempName(collection: string, snapshot: string): string {
  const tag = createHash("sha256").update(snapshot).digest("hex").slice(0, 10);
  return `${collection}__qm_restore_${tag}`;
}

/** Snapshot transfers get at least 10 minutes: their size, not the server's health, sets their time. */
function transferTimeout(conn: QdrantConnection): number {
  return Math.max(conn.timeoutMs, 600_000);
}

type Fail = (reason: string, outcome?: string) => SnapshotRestoreError;

interface UploadSource {
  file: string;
  /** Name of the downloaded snapshot; the upload is sent as `uploadName(source)`. */
  source: string;
  checksum: string;
  timeoutMs: number;
}

async function restoreName(
  conn: QdrantConnection,
  rec: SnapshotToRestore,
  temp: string,
  file: UploadSource,
  tempKept: string,
  fail: Fail,
  log: (m: string) => void,
): Promise<void> {
  const { collection, snapshot } = rec;
  const tempConfig = await readLiveConfig(conn, temp);
  const live = await readLiveConfig(conn, collection);
  if (live && tempConfig && (await compatible(conn, collection, temp))) {
    log(`recovering snapshot ${snapshot} into collection ${collection} in place`);
    const upload = await uploadSnapshot(conn, collection, file);
    const after = await readLiveConfig(conn, collection);
    // Recovery in place replaces the data but keeps collection-level settings
    // (payload indexes, HNSW, metadata) the step may have changed.
    if (
      upload.ok &&
      after &&
      compareConfig(tempConfig, { ...after, aliases: tempConfig.aliases }).length === 0
    ) {
      await verifyCount(conn, rec, tempKept, fail);
      return;
    }
    log(`in-place recovery of ${collection} left differences; replacing the collection`);
  }
  const aliases = live?.aliases ?? [];
  if (live) {
    log(`deleting collection ${collection} to recover the snapshot under its name`);
    await conn.client.deleteCollection(collection);
  }
  log(`recovering snapshot ${snapshot} as collection ${collection}`);
  const upload = await uploadSnapshot(conn, collection, file);
  if (!upload.ok) throw fail(`Qdrant refused the upload (${upload.error})`, tempKept);
  if (aliases.length > 0) {
    await conn.client.updateCollectionAliases({
      actions: aliases.map((alias) => ({
        create_alias: { alias_name: alias, collection_name: collection },
      })),
    });
  }
  await verifyCount(conn, rec, tempKept, fail);
}

async function verifyCount(
  conn: QdrantConnection,
  rec: SnapshotToRestore,
  tempKept: string,
  fail: Fail,
): Promise<void> {
  const count = await countIfExists(conn, rec.collection);
  if (count !== rec.pointsCount) {
    throw fail(
      `after recovery it holds ${count ?? "no collection and 0"} points, not the ${rec.pointsCount} recorded`,
      tempKept,
    );
  }
}

/** Recovery into an existing collection needs the same vectors config and shard count. */
async function compatible(conn: QdrantConnection, a: string, b: string): Promise<boolean> {
  const [ia, ib] = await Promise.all([conn.client.getCollection(a), conn.client.getCollection(b)]);
  const key = (p: typeof ia.config.params) =>
    JSON.stringify([p.vectors ?? null, p.shard_number ?? 1, p.sparse_vectors ?? null]);
  return key(ia.config.params) === key(ib.config.params);
}

async function downloadThroughPlaceholder(
  conn: QdrantConnection,
  rec: SnapshotToRestore,
  file: string,
  timeoutMs: number,
  fail: Fail,
  log: (m: string) => void,
): Promise<string> {
  log(`collection ${rec.collection} is gone; creating a placeholder to reach its snapshot`);
  await conn.client.createCollection(rec.collection, { vectors: { size: 1, distance: "Dot" } });
  try {
    return await download(
      conn,
      rec.collection,
      rec.snapshot,
      file,
      rec.checksum ?? null,
      timeoutMs,
      fail,
    );
  } catch (error) {
    await conn.client.deleteCollection(rec.collection);
    throw error;
  }
}

async function download(
  conn: QdrantConnection,
  collection: string,
  snapshot: string,
  file: string,
  expectedChecksum: string | null,
  timeoutMs: number,
  fail: Fail,
): Promise<string> {
  const path = `/collections/${encodeURIComponent(collection)}/snapshots/${encodeURIComponent(snapshot)}`;
  const res = await conn.fetchRaw(path, { timeoutMs });
  if (res.status === 404) {
    await res.body?.cancel();
    throw fail("the snapshot does not exist on the server");
  }
  if (!res.ok || !res.body) {
    const error = await responseError(res, "downloadSnapshot", collection, [conn.apiKey]);
    throw fail(`downloading it failed (${error.message})`);
  }
  const hash = createHash("sha256");
  const tee = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(
    Readable.fromWeb(res.body as NodeReadableStream<Uint8Array>),
    tee,
    createWriteStream(file),
  );
  const actual = hash.digest("hex");
  if (expectedChecksum && actual !== expectedChecksum.toLowerCase()) {
    throw fail(`the download's sha256 ${actual} differs from the recorded ${expectedChecksum}`);
  }
  return actual;
}

/** Uploads the snapshot file (streamed from disk) and recovers it as `collection`. */
async function uploadSnapshot(
  conn: QdrantConnection,
  collection: string,
  upload: UploadSource,
): Promise<{ ok: true } | { ok: false; error: string }> {
  const form = new FormData();
  form.append("snapshot", await openAsBlob(upload.file), uploadName(upload.source));
  const query = new URLSearchParams({
    wait: "true",
    priority: "snapshot",
    checksum: upload.checksum,
  });
  const res = await conn.fetchRaw(
    `/collections/${encodeURIComponent(collection)}/snapshots/upload?${query}`,
    { method: "POST", body: form, timeoutMs: upload.timeoutMs },
  );
  if (res.ok) {
    await res.body?.cancel();
    return { ok: true };
  }
  const error = await responseError(res, "uploadSnapshot", collection, [conn.apiKey]);
  return { ok: false, error: error.message };
}

/**
 * Qdrant keeps an uploaded file in the collection's snapshot folder under the
 * name it was sent with. A name of its own keeps the upload from overwriting
 * the recorded snapshot (a half-written overwrite would corrupt it), and lets
 * it be deleted afterwards.
 */
function uploadName(snapshot: string): string {
  return `qm-restore-${snapshot}`;
}

async function deleteSnapshotIfPresent(
  conn: QdrantConnection,
  collection: string,
  snapshot: string,
): Promise<void> {
  const present = (await listSnapshots(conn, collection)).some((s) => s.name === snapshot);
  if (present) await conn.client.deleteSnapshot(collection, snapshot, { wait: true });
}

/** Uploaded snapshot files stay in the collection's snapshot folder even after it is dropped. */
async function deleteSnapshotsOf(conn: QdrantConnection, collection: string): Promise<void> {
  for (const s of await listSnapshots(conn, collection)) {
    await conn.client.deleteSnapshot(collection, s.name, { wait: true });
  }
}

async function collectionExists(conn: QdrantConnection, name: string): Promise<boolean> {
  // Not `collectionExists`: it answers true for an alias of that name.
  const { collections } = await conn.client.getCollections();
  return collections.some((c) => c.name === name);
}

async function exactCount(conn: QdrantConnection, collection: string): Promise<number> {
  return (await conn.client.count(collection, { exact: true })).count;
}

async function countIfExists(
  conn: QdrantConnection,
  collection: string,
): Promise<number | undefined> {
  return (await collectionExists(conn, collection)) ? exactCount(conn, collection) : undefined;
}
