import { resolveCollection } from "./collections-store.js";
import { ok, type Router } from "./http.js";
import type { ServerContext } from "./server-context.js";

/**
 * `GET /cluster` and `GET /collections/{c}/cluster` as a single Qdrant node
 * with distributed mode disabled answers them (src/actix/api/cluster_api.rs,
 * collection_api.rs; shapes checked against Qdrant 1.18.1): one peer, every
 * shard local and Active, nothing remote, no transfers.
 */
export function registerClusterRoutes(router: Router, ctx: ServerContext): void {
  router.add("GET", "/cluster", () => ok({ status: "disabled" }));

  router.add("GET", "/collections/{collection_name}/cluster", (req) => {
    const collection = resolveCollection(ctx.state, req.params.collection_name as string);
    const params = collection.config.params as Record<string, unknown>;
    // Custom sharding starts with no shards; shard keys need distributed mode.
    const shardCount = params.sharding_method === "custom" ? 0 : Number(params.shard_number ?? 1);
    // Qdrant spreads points over shards by a hash ring of their ids; this
    // server keeps them all in shard 0 (totals agree, the spread does not).
    const localShards = Array.from({ length: shardCount }, (_, shardId) => ({
      shard_id: shardId,
      points_count: shardId === 0 ? collection.points.size : 0,
      state: "Active",
    }));
    return ok({
      peer_id: Number(ctx.options.peerId),
      shard_count: shardCount,
      local_shards: localShards,
      remote_shards: [],
      shard_transfers: [],
    });
  });
}
