import { createHash } from "node:crypto";
import { createWriteStream, openAsBlob } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as NodeReadableStream } from "node:stream/web";
import { type QdrantConnection, responseError } from "./connect.js";
import { SnapshotRestoreError } from "./errors.js";
import { compareConfig, readLiveConfig } from "./live-config.js";
import { exactCount, listSnapshots, takeSnapshot, transferTimeout } from "./snapshots.js";

/** Which snapshot to restore; the journal's `SnapshotRecord` fits. */
export interface SnapshotToRestore {
  collection: string;
  snapshot: string;
  /** Exact point count when the snapshot was taken: the proof a restore worked. */
  pointsCount: number;
  /** sha256 Qdrant reported for the snapshot; checked against the download when given. */
  checksum?: string | null;
}

export interface RestoreOptions {
  log?: (message: string) => void;
  /** Timeout of the snapshot download and each upload; at least 10 minutes by default. */
  transferTimeoutMs?: number;
}

/** One restore: what it restores, where the download goes, and how it reports. */
interface Restore {
  conn: QdrantConnection;
  rec: SnapshotToRestore;
  /** The temporary collection the snapshot is proven in before it replaces anything. */
  temp: string;
  /** Local path of the downloaded snapshot file. */
  file: string;
  transferTimeoutMs: number;
  log: (message: string) => void;
  /** The typed error for this restore; `outcome` says what was left behind. */
  fail: (reason: string, outcome?: string) => SnapshotRestoreError;
  /** The outcome once the temporary copy is proven and kept. */
  tempKept: string;
}

/** The downloaded file as it is uploaded: under `uploadName(source)`, with its sha256. */
interface Upload {
  source: string;
  checksum: string;
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
  const { collection, snapshot } = rec;
  const temp = restoreTempName(collection, snapshot);
  const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-restore-"));
  const r: Restore = {
    conn,
    rec,
    temp,
    file: join(dir, "collection.snapshot"),
    transferTimeoutMs: opts.transferTimeoutMs ?? transferTimeout(conn),
    log: opts.log ?? (() => {}),
    fail: (reason, outcome) => new SnapshotRestoreError(collection, snapshot, reason, outcome),
    tempKept: `A verified copy of the snapshot is in collection "${temp}"; re-run the rollback, or rename it by hand.`,
  };
  try {
    const proven =
      (await collectionExists(conn, temp)) && (await exactCount(conn, temp)) === rec.pointsCount;
    if (proven) r.log(`reusing verified temporary collection ${temp}`);

    // The downloaded snapshot: the recorded one, unless taken from the temporary copy.
    let upload: Upload;
    let placeholder = false;
    if (await collectionExists(conn, collection)) {
      upload = { source: snapshot, checksum: await download(r, collection, snapshot) };
    } else if (proven) {
      // The name is gone, but the temporary copy is proven: take the file from it.
      const source = (await takeSnapshot(conn, temp, { timeoutMs: r.transferTimeoutMs })).snapshot;
      upload = { source, checksum: await download(r, temp, source, null) };
    } else {
      upload = { source: snapshot, checksum: await downloadThroughPlaceholder(r) };
      placeholder = true;
    }

    if (!proven) {
      try {
        await proveCopy(r, upload);
      } catch (error) {
        // The name was absent before this restore; leave it absent, not an empty placeholder.
        if (placeholder) await conn.client.deleteCollection(collection);
        throw error;
      }
    }

    await restoreName(r, upload);
    await deleteSnapshotIfPresent(conn, collection, uploadName(upload.source));

    await deleteSnapshotsOf(conn, temp);
    await conn.client.deleteCollection(temp);
    r.log(`restored collection ${collection} from snapshot ${snapshot}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Temporary collection name for restoring `snapshot`: the same on every run, so a crash leaves a reusable copy. */
export function restoreTempName(collection: string, snapshot: string): string {
  const tag = createHash("sha256").update(snapshot).digest("hex").slice(0, 10);
  return `${collection}__qm_restore_${tag}`;
}

/** Recovers the snapshot into `temp` and proves it holds the recorded points; removes it otherwise. */
async function proveCopy(r: Restore, upload: Upload): Promise<void> {
  const { conn, rec, temp } = r;
  if (await collectionExists(conn, temp)) await conn.client.deleteCollection(temp);
  r.log(`recovering snapshot ${rec.snapshot} into temporary collection ${temp}`);
  const result = await uploadSnapshot(r, temp, upload);
  const count = result.ok ? await countIfExists(conn, temp) : undefined;
  if (count === rec.pointsCount) return;
  if (await collectionExists(conn, temp)) await conn.client.deleteCollection(temp);
  throw r.fail(
    result.ok
      ? `the recovered copy holds ${count ?? 0} points, not the ${rec.pointsCount} recorded`
      : `Qdrant refused it (${result.error})`,
  );
}

/** Puts the proven snapshot back under the collection's own name. */
async function restoreName(r: Restore, upload: Upload): Promise<void> {
  const { conn, temp } = r;
  const { collection, snapshot } = r.rec;
  const tempConfig = await readLiveConfig(conn, temp);
  const live = await readLiveConfig(conn, collection);
  if (live && tempConfig && (await compatible(conn, collection, temp))) {
    r.log(`recovering snapshot ${snapshot} into collection ${collection} in place`);
    const inPlace = await uploadSnapshot(r, collection, upload);
    const after = await readLiveConfig(conn, collection);
    // Recovery in place replaces the data but keeps collection-level settings
    // (payload indexes, HNSW, metadata) the step may have changed.
    if (
      inPlace.ok &&
      after &&
      compareConfig(tempConfig, { ...after, aliases: tempConfig.aliases }).length === 0
    ) {
      await verifyCount(r);
      return;
    }
    r.log(`in-place recovery of ${collection} left differences; replacing the collection`);
  }
  const aliases = live?.aliases ?? [];
  if (live) {
    r.log(`deleting collection ${collection} to recover the snapshot under its name`);
    await conn.client.deleteCollection(collection);
  }
  r.log(`recovering snapshot ${snapshot} as collection ${collection}`);
  const replaced = await uploadSnapshot(r, collection, upload);
  if (!replaced.ok) throw r.fail(`Qdrant refused the upload (${replaced.error})`, r.tempKept);
  if (aliases.length > 0) {
    await conn.client.updateCollectionAliases({
      actions: aliases.map((alias) => ({
        create_alias: { alias_name: alias, collection_name: collection },
      })),
    });
  }
  await verifyCount(r);
}

async function verifyCount(r: Restore): Promise<void> {
  const count = await countIfExists(r.conn, r.rec.collection);
  if (count !== r.rec.pointsCount) {
    throw r.fail(
      `after recovery it holds ${count ?? "no collection and 0"} points, not the ${r.rec.pointsCount} recorded`,
      r.tempKept,
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

async function downloadThroughPlaceholder(r: Restore): Promise<string> {
  const { conn, rec } = r;
  r.log(`collection ${rec.collection} is gone; creating a placeholder to reach its snapshot`);
  await conn.client.createCollection(rec.collection, { vectors: { size: 1, distance: "Dot" } });
  try {
    return await download(r, rec.collection, rec.snapshot);
  } catch (error) {
    await conn.client.deleteCollection(rec.collection);
    throw error;
  }
}

/**
 * Downloads `snapshot` of `collection` to the restore's file and returns its
 * sha256, checked against `expectedChecksum` (by default the recorded one).
 */
async function download(
  r: Restore,
  collection: string,
  snapshot: string,
  expectedChecksum: string | null = r.rec.checksum ?? null,
): Promise<string> {
  const { conn } = r;
  const path = `/collections/${encodeURIComponent(collection)}/snapshots/${encodeURIComponent(snapshot)}`;
  const res = await conn.fetchRaw(path, { timeoutMs: r.transferTimeoutMs });
  if (res.status === 404) {
    await res.body?.cancel();
    throw r.fail("the snapshot does not exist on the server");
  }
  if (!res.ok || !res.body) {
    const error = await responseError(res, "downloadSnapshot", collection, [conn.apiKey]);
    throw r.fail(`downloading it failed (${error.message})`);
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
    createWriteStream(r.file),
  );
  const actual = hash.digest("hex");
  if (expectedChecksum && actual !== expectedChecksum.toLowerCase()) {
    throw r.fail(`the download's sha256 ${actual} differs from the recorded ${expectedChecksum}`);
  }
  return actual;
}

/** Uploads the snapshot file (streamed from disk) and recovers it as `collection`. */
async function uploadSnapshot(
  r: Restore,
  collection: string,
  upload: Upload,
): Promise<{ ok: true } | { ok: false; error: string }> {
  const { conn } = r;
  const form = new FormData();
  form.append("snapshot", await openAsBlob(r.file), uploadName(upload.source));
  const query = new URLSearchParams({
    wait: "true",
    priority: "snapshot",
    checksum: upload.checksum,
  });
  const res = await conn.fetchRaw(
    `/collections/${encodeURIComponent(collection)}/snapshots/upload?${query}`,
    { method: "POST", body: form, timeoutMs: r.transferTimeoutMs },
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

async function countIfExists(
  conn: QdrantConnection,
  collection: string,
): Promise<number | undefined> {
  return (await collectionExists(conn, collection)) ? exactCount(conn, collection) : undefined;
}
