import type { QdrantClient } from "@qdrant/js-client-rest";
import { type RunningQdrantBinary, startQdrantBinary } from "@qdrant-migrate/qdrant-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exitCodeFor } from "../src/cli/exit-codes.js";
import { createMigrator } from "../src/engine/migrator.js";
import { connectQdrant } from "../src/qdrant/connect.js";
import { runCrashRunner } from "./harness/child.js";
import { useTestDatabase } from "./harness/database.js";
import { journalRecords } from "./harness/journal-records.js";
import { makeProject, type TestProject } from "./harness/project.js";
import { IN_PLACE_VECTORS, needsQdrant, uniqueName } from "./harness/qdrant.js";

const inPlace = await needsQdrant(IN_PLACE_VECTORS);

const POINTS = 300;
const binary = process.env.QDRANT_BIN;
const db = useTestDatabase();

/**
 * A migration that deletes half of the points, removes named vector `w` and
 * drops the payload index on `k`; then it is SIGKILLed (QM_KILL_MID=1) or,
 * with `failVerify`, fails in `verify`.
 */
function destructiveMigration(collection: string, failVerify: boolean): string {
  return `export default {
    qdrant: {
      up: async ({ qdrant }) => {
        const odd = Array.from({ length: ${POINTS / 2} }, (_, i) => i * 2 + 1);
        await qdrant.delete("${collection}", { points: odd });
        await qdrant.deleteVectorName("${collection}", "w");
        await qdrant.deletePayloadIndex("${collection}", "k");
        if (process.env.QM_KILL_MID === "1") process.kill(process.pid, "SIGKILL");
      },
      down: async () => {},
    },
    ${failVerify ? 'verify: async () => { throw new Error("verify says no"); },' : ""}
  };`;
}

const sortRows = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();

describe.skipIf(!binary)(
  "engine rollback on a 3-peer cluster (real binary only: needs QDRANT_BIN to start a cluster)",
  () => {
    let cluster: RunningQdrantBinary;
    /** Peer id → REST URL, as `qdrant.peers` takes it. */
    const peerUrls: Record<string, string> = {};
    const peerIds: number[] = [];
    const clients = new Map<string, QdrantClient>();
    const clientOf = (url: string): QdrantClient => {
      let client = clients.get(url);
      if (!client) {
        client = connectQdrant({ url, timeoutMs: 30_000, retries: 0 }).client;
        clients.set(url, client);
      }
      return client;
    };

    beforeAll(async () => {
      cluster = await startQdrantBinary({ binary, peers: 3 });
      for (const peer of cluster.peers) {
        // A plain request: the connection's client loads its module on first use,
        // so its low-level `api()` is not there before a call.
        const info = (await (await fetch(`${peer.url}/cluster`)).json()) as {
          result?: { peer_id?: number };
        };
        const id = info.result?.peer_id;
        if (id === undefined) throw new Error(`peer at ${peer.url} has no id`);
        peerUrls[String(id)] = peer.url;
        peerIds.push(id);
      }
    }, 120_000);
    afterAll(async () => {
      await cluster?.stop();
    });

    /** A project of its own per test: its migrations folder holds only that test's migration. */
    const projectWith = (collection: string, failVerify: boolean): Promise<TestProject> =>
      makeProject({ postgres: db.url, qdrant: cluster.url }).then(async (project) => {
        await project.writeMigration(
          `${collection}_001`,
          destructiveMigration(collection, failVerify),
        );
        return project;
      });

    /** 300 points with vectors `v` and `w` and payload, 3 shards × 2 replicas, `k` indexed. */
    async function seed(name: string): Promise<void> {
      const client = clientOf(cluster.url);
      await client.createCollection(name, {
        vectors: { v: { size: 4, distance: "Dot" }, w: { size: 2, distance: "Dot" } },
        shard_number: 3,
        replication_factor: 2,
      });
      await client.upsert(name, {
        wait: true,
        points: Array.from({ length: POINTS }, (_, i) => ({
          id: i + 1,
          vector: { v: [1, 2, 3, i], w: [i, 1] },
          payload: { k: `k${i % 7}`, n: i },
        })),
      });
      await client.createPayloadIndex(name, {
        field_name: "k",
        field_schema: "keyword",
        wait: true,
      });
    }

    /**
     * What every peer holds: its local replicas (shard, count, state), every
     * point with vectors and payload as all replicas agree on it
     * (`consistency: "all"`), and the collection's vectors and indexes.
     */
    async function everyReplica(name: string) {
      const peers: Record<string, unknown> = {};
      for (const [id, url] of Object.entries(peerUrls)) {
        const client = clientOf(url);
        const info = await client.collectionClusterInfo(name);
        const { points } = await client.scroll(name, {
          limit: POINTS + 10,
          with_payload: true,
          with_vector: true,
          consistency: "all",
        });
        const config = await client.getCollection(name);
        peers[id] = {
          replicas: info.local_shards
            .map((s) => [s.shard_id, s.points_count, s.state])
            .sort((a, b) => Number(a[0]) - Number(b[0])),
          points: points
            .map((p) => ({ id: p.id, vector: p.vector, payload: p.payload }))
            .sort((a, b) => Number(a.id) - Number(b.id)),
          vectors: Object.keys(config.config.params.vectors ?? {}).sort(),
          indexes: Object.keys(config.payload_schema ?? {}).sort(),
        };
      }
      return peers;
    }

    it.skipIf(inPlace.skip)(
      `a migration that deletes points, a vector and an index, then fails verify, is rolled back on every replica${inPlace.reason}`,
      async () => {
        const collection = uniqueName("cl_verify");
        await seed(collection);
        const before = await everyReplica(collection);
        const project = await projectWith(collection, true);
        const migrator = createMigrator(
          project.config({ tablePrefix: `${collection}_`, peers: peerUrls }),
        );
        try {
          const result = await migrator.up();
          expect(result.error?.code).toBe("MIGRATION_FAILED");
          expect(result.error?.message).toContain("verify says no");
          expect((await migrator.history())[0]?.status).toBe("failed");
        } finally {
          await migrator.close();
        }
        const after = await everyReplica(collection);
        expect(after).toEqual(before);
        expect(
          Object.values(after).every((p) => (p as { points: unknown[] }).points.length === POINTS),
        ).toBe(true);
      },
      60_000,
    );

    it.skipIf(inPlace.skip)(
      `a runner SIGKILLed during the Qdrant step: the next up restores every replica before it runs again${inPlace.reason}`,
      async () => {
        const collection = uniqueName("cl_crash");
        await seed(collection);
        const before = await everyReplica(collection);
        const project = await projectWith(collection, false);
        const config = project.config({ tablePrefix: `${collection}_`, peers: peerUrls });
        const child = await runCrashRunner([JSON.stringify(config), "none"], {
          env: { QM_KILL_MID: "1" },
        });
        expect(child.signal).toBe("SIGKILL");
        expect((await clientOf(cluster.url).count(collection, { exact: true })).count).toBe(
          POINTS / 2,
        );

        let recovered: unknown;
        const migrator = createMigrator(config, {
          onEvent: async (event) => {
            // Read between the recovery and the migration's new run.
            if (event.type === "recovered") recovered = await everyReplica(collection);
          },
        });
        try {
          const result = await migrator.up();
          expect(result.error).toBeUndefined();
          expect(result.recovered).toEqual([`${collection}_001`]);
        } finally {
          await migrator.close();
        }
        expect(recovered).toEqual(before);
      },
      60_000,
    );

    it("snapshots list shows every replica's snapshot on its peer, and prune deletes them there", async () => {
      const collection = uniqueName("cl_list");
      await seed(collection);
      const project = await projectWith(collection, true);
      const config = project.config({ tablePrefix: `${collection}_`, peers: peerUrls });
      const migrator = createMigrator(config);
      try {
        expect((await migrator.up()).error?.code).toBe("MIGRATION_FAILED");
        const [row] = await journalRecords(config);
        const taken = (row?.snapshots[0]?.replicas ?? []).map((r) => [
          r.peerId,
          r.shardId,
          r.snapshot,
        ]);
        expect(taken).toHaveLength(6);
        const listed = (await migrator.listSnapshots()).snapshots
          .filter((s) => s.collection === collection)
          .map((s) => [s.peerId, s.shardId, s.name]);
        expect(sortRows(listed)).toEqual(sortRows(taken));

        await migrator.pruneSnapshots({ keep: 0 });
        for (const [id, url] of Object.entries(peerUrls)) {
          const own = clientOf(url);
          for (const shard of (await own.collectionClusterInfo(collection)).local_shards) {
            expect(
              await own.listShardSnapshots(collection, shard.shard_id),
              `shard ${shard.shard_id} on peer ${id}`,
            ).toEqual([]);
          }
        }
      } finally {
        await migrator.close();
      }
    }, 60_000);

    it("a qdrant.peers without a peer holding replicas: refused before any change, naming the peer (exit 2)", async () => {
      const collection = uniqueName("cl_unmapped");
      await seed(collection);
      const before = await everyReplica(collection);
      const project = await projectWith(collection, true);
      const [missing, ...rest] = peerIds;
      const partial = Object.fromEntries(
        rest.map((id) => [String(id), peerUrls[String(id)] ?? ""]),
      );
      const migrator = createMigrator(
        project.config({ tablePrefix: `${collection}_`, peers: partial }),
      );
      try {
        const result = await migrator.up();
        expect(result.error?.code).toBe("QDRANT_PEER_NOT_CONFIGURED");
        expect(result.error?.message).toContain(`Peer ${missing} `);
        expect(result.error && exitCodeFor(result.error.code)).toBe(2);
      } finally {
        await migrator.close();
      }
      expect(await everyReplica(collection)).toEqual(before);
    }, 60_000);

    it("a peer down before the run: refused before any change, naming the peer", async () => {
      const collection = uniqueName("cl_down");
      await seed(collection);
      const project = await projectWith(collection, true);
      const down = cluster.peers[2];
      const downId = peerIds[2];
      if (!down) throw new Error("expected three peers");
      await down.kill();
      try {
        const migrator = createMigrator(
          project.config({ tablePrefix: `${collection}_`, peers: peerUrls }),
        );
        try {
          const result = await migrator.up();
          expect(result.error?.code).toBe("QDRANT_CLUSTER_NOT_READY");
          expect(result.error?.message).toContain(`on peer ${downId} cannot be reached`);
          expect(result.error?.message).toContain("nothing was changed");
        } finally {
          await migrator.close();
        }
        expect((await clientOf(cluster.url).count(collection, { exact: true })).count).toBe(POINTS);
      } finally {
        await down.restart();
      }
    }, 60_000);
  },
);
