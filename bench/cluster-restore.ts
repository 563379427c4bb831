import { startQdrant, startQdrantBinary } from "@qdrant-migrate/qdrant-server";
import { restoreClusterSnapshot, takeClusterSnapshot } from "../src/qdrant/cluster-snapshots.js";
import { connectQdrant, type QdrantConnection } from "../src/qdrant/connect.js";
import { readTopology } from "../src/qdrant/topology.js";
import { median, timed } from "./measure.js";
import type { BenchRow } from "./table.js";

/**
 * Rollback of a destructive change (half of the points deleted) on a
 * collection of 20,000 points of 384 dimensions, against the real binary when
 * QDRANT_BIN is set (else the in-process server). Baseline: Qdrant's own
 * recover call on the same shard snapshot, with nothing around it. Measured:
 * restoreClusterSnapshot (schema check, recovery by name, per-shard and total
 * proofs), the engine's rollback. (The download-and-upload restore it
 * replaced measured about 14x.) Each is the median of 3 runs, alternated so that drift hits all alike.
 */

const POINTS = 20_000;
const DIM = 384;
const BATCH = 256;
const RUNS = 3;

export async function benchClusterRestore(): Promise<BenchRow[]> {
  const binary = process.env.QDRANT_BIN;
  const server = binary ? await startQdrantBinary({ binary }) : await startQdrant();
  const where = binary ? "real Qdrant" : "in-process server";
  try {
    const conn = connectQdrant({ url: server.url, timeoutMs: 600_000 });
    const name = "bench_restore";
    await seed(conn, name);
    const topology = await readTopology(conn, {}, (url) =>
      connectQdrant({ url, timeoutMs: 600_000 }),
    );
    const record = await takeClusterSnapshot(topology, name);
    const baseline: number[] = [];
    const ours: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await destroy(conn, name);
      baseline.push(
        await timed(async () => {
          for (const r of record.replicas) {
            await conn.client.recoverShardFromSnapshot(name, r.shardId, {
              location: r.snapshot,
              priority: "no_sync",
              wait: true,
            });
          }
        }),
      );
      await destroy(conn, name);
      ours.push(await timed(() => restoreClusterSnapshot(topology, record)));
    }
    const base = median(baseline);
    return [
      {
        name: `Qdrant's own shard recover, ${POINTS.toLocaleString("en-US")} × ${DIM} (${where})`,
        value: Math.round(base),
        unit: "ms",
      },
      {
        name: "rollback: restoreClusterSnapshot (recover by name + proofs)",
        value: Math.round(median(ours)),
        unit: "ms",
        ratio: median(ours) / base,
        baseline: "Qdrant's own recover of the same snapshot (goal ≤ 1.2x)",
      },
    ];
  } finally {
    await server.stop();
  }
}

async function seed(conn: QdrantConnection, name: string): Promise<void> {
  await conn.client.createCollection(name, { vectors: { size: DIM, distance: "Cosine" } });
  let seedValue = 1;
  const next = () => {
    seedValue ^= seedValue << 13;
    seedValue ^= seedValue >>> 17;
    seedValue ^= seedValue << 5;
    return ((seedValue >>> 0) / 4294967296) * 2 - 1;
  };
  for (let start = 0; start < POINTS; start += BATCH) {
    const points = [];
    for (let id = start; id < Math.min(start + BATCH, POINTS); id++) {
      points.push({
        id,
        vector: Array.from({ length: DIM }, next),
        payload: { group: `g${id % 10}` },
      });
    }
    await conn.client.upsert(name, { wait: true, points });
  }
}

async function destroy(conn: QdrantConnection, name: string): Promise<void> {
  await conn.client.delete(name, {
    wait: true,
    filter: { must: [{ key: "group", match: { any: ["g0", "g1", "g2", "g3", "g4"] } }] },
  });
}
