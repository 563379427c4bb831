import { QdrantClient } from "@qdrant/js-client-rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningQdrantBinary, startQdrantBinary } from "../src/qdrant-binary.js";

const binary = process.env.QDRANT_BIN;

describe("startQdrantBinary: single node", () => {
  it("refuses a binary path that does not exist, naming it", async () => {
    await expect(startQdrantBinary({ binary: "/nonexistent/qdrant" })).rejects.toThrow(
      "the Qdrant binary /nonexistent/qdrant does not exist or is not executable",
    );
  });

  it("refuses a peer count below one", async () => {
    await expect(startQdrantBinary({ binary: process.execPath, peers: 0 })).rejects.toThrow(
      "peers must be a whole number of at least 1, got 0",
    );
  });
});

describe.skipIf(!binary)(
  "startQdrantBinary: a 3-peer cluster (real binary only: needs QDRANT_BIN, set by npm run test:real)",
  () => {
    let cluster: RunningQdrantBinary;
    beforeAll(async () => {
      cluster = await startQdrantBinary({ peers: 3 });
    }, 90_000);
    afterAll(async () => {
      await cluster?.stop();
    });

    it("starts three peers that see each other as one cluster", async () => {
      const info = (await (await fetch(`${cluster.url}/cluster`)).json()) as {
        result: { status: string; peers: Record<string, unknown> };
      };
      expect(info.result.status).toBe("enabled");
      expect(Object.keys(info.result.peers)).toHaveLength(3);
      expect(new Set(cluster.peers.map((p) => p.url)).size).toBe(3);
    });

    it("brings a killed peer back on its storage, with its replicas", async () => {
      const client = new QdrantClient({ url: cluster.url, checkCompatibility: false });
      await client.createCollection("harness_cluster", {
        vectors: { size: 2, distance: "Dot" },
        shard_number: 3,
        replication_factor: 2,
      });
      const last = cluster.peers[2];
      if (!last) throw new Error("expected three peers");
      const before = await (await fetch(`${last.url}/collections/harness_cluster/cluster`)).json();
      await last.kill();
      expect(last.running).toBe(false);
      await last.restart();
      expect(last.running).toBe(true);
      const after = (await (
        await fetch(`${last.url}/collections/harness_cluster/cluster`)
      ).json()) as {
        result: { local_shards: { shard_id: number }[] };
      };
      const ids = (r: { result: { local_shards: { shard_id: number }[] } }) =>
        r.result.local_shards.map((s) => s.shard_id).sort();
      expect(ids(before as typeof after).length).toBeGreaterThan(0);
      expect(ids(after)).toEqual(ids(before as typeof after));
    }, 60_000);
  },
);
