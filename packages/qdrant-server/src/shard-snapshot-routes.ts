import { join } from "node:path";
import { isRecord, resolveCollection } from "./collections-store.js";
import { badInput, formatError, notFound, QdrantHttpError } from "./errors.js";
import { ok, type QdrantRequest, type Router } from "./http.js";
import type { Collection } from "./model.js";
import type { ServerContext } from "./server-context.js";
import { collectionSnapshotBytes, readCollectionSnapshot } from "./snapshot-file.js";
import { fetchSnapshot, verifyChecksum } from "./snapshot-recovery.js";
import { downloadReply } from "./snapshot-routes.js";
import { SnapshotStore } from "./snapshot-store.js";
import { assertValidName } from "./validation.js";

const PRIORITIES = ["no_sync", "snapshot", "replica"];

/**
 * Shard snapshots (`/collections/{c}/shards/{shard_id}/snapshots…`,
 * src/actix/api/snapshot_api.rs), as a single node answers them. This server
 * keeps every point in shard 0 (see cluster-routes.ts), so a snapshot of shard
 * 0 holds every point and one of any other shard holds none; recovering a
 * shard replaces only that shard's points and never the collection's config.
 * A recovery `location` is an http(s) URL or, as in Qdrant 1.18.1, the bare
 * name of a snapshot in the shard's own snapshot folder.
 */
export function registerShardSnapshotRoutes(
  router: Router,
  ctx: ServerContext,
  now: () => Date = () => new Date(),
): void {
  const store = new SnapshotStore(ctx.options.snapshotsDir, ctx.options.peerId, now);
  const shardOf = (
    req: QdrantRequest,
  ): { collection: Collection; shardId: number; dir: string } => {
    const name = req.params.collection_name as string;
    assertValidName(name, false);
    const collection = resolveCollection(ctx.state, name);
    const shardId = Number(req.params.shard_id);
    if (!Number.isInteger(shardId) || shardId < 0 || shardId >= shardCount(collection)) {
      throw notFound(`shard ${req.params.shard_id} not found`);
    }
    return { collection, shardId, dir: store.shardDir(collection.name, shardId) };
  };
  // Qdrant names the missing file by its full path, or echoes a name that would leave the folder.
  const missing = (dir: string, name: string) =>
    store.path(dir, name)
      ? notFound(`Snapshot ${JSON.stringify(join(dir, name))} not found`)
      : notFound(`Snapshot ${name} not found`);

  router.add("POST", "/collections/{collection_name}/shards/{shard_id}/snapshots", async (req) => {
    const { collection, shardId, dir } = shardOf(req);
    const bytes = collectionSnapshotBytes(
      shardId === 0 ? collection : { ...collection, points: new Map() },
    );
    return ok(await store.save(dir, store.shardSnapshotName(collection.name, shardId), bytes));
  });

  router.add("GET", "/collections/{collection_name}/shards/{shard_id}/snapshots", async (req) =>
    ok(await store.list(shardOf(req).dir)),
  );

  // The file as Qdrant streams it; a missing one is the OS error, as plain text.
  router.add(
    "GET",
    "/collections/{collection_name}/shards/{shard_id}/snapshots/{snapshot_name}",
    (req) =>
      downloadReply(async () => {
        const { dir } = shardOf(req);
        const bytes = await store.read(dir, req.params.snapshot_name as string);
        if (!bytes)
          throw new QdrantHttpError(404, "File not found: No such file or directory (os error 2)");
        return bytes;
      }),
  );

  router.add(
    "DELETE",
    "/collections/{collection_name}/shards/{shard_id}/snapshots/{snapshot_name}",
    async (req) => {
      const { dir } = shardOf(req);
      const name = req.params.snapshot_name as string;
      if (!(await store.remove(dir, name))) throw missing(dir, name);
      return ok(true);
    },
  );

  router.add(
    "PUT",
    "/collections/{collection_name}/shards/{shard_id}/snapshots/recover",
    async (req) => {
      ctx.checkpoint();
      const { collection, shardId, dir } = shardOf(req);
      const body = req.json();
      if (!isRecord(body) || typeof body.location !== "string") {
        throw formatError("missing field `location`");
      }
      if (body.priority != null && !PRIORITIES.includes(String(body.priority))) {
        throw formatError(
          `unknown variant \`${String(body.priority)}\`, expected one of \`no_sync\`, \`snapshot\`, \`replica\``,
        );
      }
      const location = body.location;
      const checksum = typeof body.checksum === "string" ? body.checksum : undefined;
      let bytes: Buffer;
      if (/^https?:\/\//i.test(location)) {
        const apiKey = typeof body.api_key === "string" ? body.api_key : undefined;
        bytes = await fetchSnapshot(location, ctx.options.snapshotsDir, apiKey);
      } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
        throw badInput(
          `Invalid snapshot URL ${location}: URLs with ${location.split(":")[0]} scheme are not supported`,
        );
      } else {
        const read = await store.read(dir, location);
        if (!read) throw missing(dir, location);
        bytes = read;
      }
      verifyChecksum(bytes, checksum);
      const recovered = readCollectionSnapshot(bytes, collection.name);
      if (!recovered) {
        throw new QdrantHttpError(
          500,
          "Service internal error: File IO error: not a snapshot archive",
        );
      }
      // Every point lives in shard 0 here; another shard's snapshot holds none.
      if (shardId === 0) collection.points = recovered.points;
      return ok(true);
    },
    { mutates: true },
  );
}

function shardCount(collection: Collection): number {
  const params = collection.config.params as Record<string, unknown>;
  return params.sharding_method === "custom" ? 0 : Number(params.shard_number ?? 1);
}
