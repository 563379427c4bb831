import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { createMigrator, type Migrator, type RollbackRestore } from "../src/index.js";
import { captureCollectionState } from "./harness/collection-state.js";
import { useTestDatabase } from "./harness/database.js";
import { makeProject } from "./harness/project.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Issue 25: a rollback's cost follows what the migration touched. Every
// request the migrator sends goes through a recording proxy, so a test sees
// which points it read back: only the touched ones, whatever the collection holds.
const db = useTestDatabase();
const qdrant = useQdrant();

const SEEDED = 60;

interface Recorded {
  method: string;
  path: string;
  /** The point ids in the answer to a point read (retrieve, scroll, query). */
  readIds: string[];
}

const servers: Server[] = [];
const migrators: Migrator[] = [];
afterAll(async () => {
  await Promise.all(migrators.map((m) => m.close()));
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
});

/** Forwards everything to the test's Qdrant and records each request and the point ids it read. */
async function startRecordingProxy(): Promise<{ url: string; requests: Recorded[] }> {
  const target = new URL(qdrant.url);
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const entry: Recorded = { method: req.method ?? "GET", path: req.url ?? "/", readIds: [] };
    requests.push(entry);
    const upstream = request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host, "accept-encoding": "identity" },
      },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on("data", (c: Buffer) => chunks.push(c));
        answer.on("end", () => {
          const body = Buffer.concat(chunks);
          if (/\/points(\/scroll|\/query)?$/.test(entry.path.split("?")[0] ?? "")) {
            entry.readIds = pointIdsIn(body);
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(body);
        });
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function pointIdsIn(body: Buffer): string[] {
  try {
    const { result } = JSON.parse(body.toString("utf8")) as { result?: unknown };
    const points = Array.isArray(result)
      ? result
      : ((result as { points?: unknown[] } | undefined)?.points ?? []);
    return points.map((p) => String((p as { id: unknown }).id));
  } catch {
    return [];
  }
}

/**
 * Runs `up` of one migration (`source`, whose step fails in verify) with its
 * Qdrant requests going through a recording proxy; returns what was recorded.
 */
async function failedUpThroughProxy(
  source: string,
  restore?: RollbackRestore,
): Promise<Recorded[]> {
  const proxy = await startRecordingProxy();
  const project = await makeProject({ postgres: db.url, qdrant: proxy.url, apiKey: qdrant.apiKey });
  await project.writeMigration("001_fails", source);
  const m = createMigrator(
    project.config({
      tablePrefix: `${uniqueName("qm").toLowerCase()}_`,
      ...(restore ? { restore } : {}),
    }),
  );
  migrators.push(m);
  const result = await m.up();
  expect(result.error?.code).toBe("MIGRATION_FAILED");
  return proxy.requests;
}

/** Named dense and sparse vectors and a payload on every point: what a restore must give back exactly. */
async function seed(collection: string): Promise<void> {
  await qdrant.client.createCollection(collection, {
    vectors: { text: { size: 3, distance: "Cosine" } },
    sparse_vectors: { words: {} },
  });
  await qdrant.client.upsert(collection, {
    wait: true,
    points: Array.from({ length: SEEDED }, (_, i) => ({
      id: i + 1,
      vector: {
        text: [i + 1, 0.5, -1],
        words: { indices: [i, i + 100], values: [0.25, i + 1] },
      },
      payload: { n: i + 1, tags: [`t${i % 3}`] },
    })),
  });
}

/** The ids of points the migrator read back from `collection` or its side copies. */
function idsRead(requests: Recorded[], collection: string): Set<string> {
  return new Set(
    requests
      .filter((r) => r.path.startsWith(`/collections/${collection}`))
      .flatMap((r) => r.readIds),
  );
}

/** A migration whose Qdrant step runs `body`, then fails in verify. */
const failing = (body: string) =>
  `export default {
    qdrant: { up: async ({ qdrant }) => { ${body} }, down: async () => {} },
    verify: async () => { throw new Error("verify says no"); },
  };`;

describe("a rollback reads only what the migration touched", () => {
  it("puts back points written by id exactly, reading no other point", async () => {
    const collection = uniqueName("cost_ids");
    await seed(collection);
    const before = await captureCollectionState(qdrant.client, collection);
    const requests = await failedUpThroughProxy(
      failing(
        `await qdrant.delete("${collection}", { points: [1, 2, 3] });
         await qdrant.updateVectors("${collection}", { points: [{ id: 4, vector: { text: [9, 9, 9], words: { indices: [1], values: [1] } } }] });
         await qdrant.setPayload("${collection}", { points: [5], payload: { n: -5 } });
         await qdrant.upsert("${collection}", { points: [{ id: 500, vector: { text: [1, 1, 1] } }] });`,
      ),
    );
    expect(await captureCollectionState(qdrant.client, collection)).toEqual(before);
    // 500, in no snapshot and deleted again, comes back from no read.
    expect([...idsRead(requests, collection)].sort()).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("puts back points written by filter exactly, reading only those the filter matches", async () => {
    const collection = uniqueName("cost_filter");
    await seed(collection);
    const before = await captureCollectionState(qdrant.client, collection);
    const requests = await failedUpThroughProxy(
      failing(
        `await qdrant.delete("${collection}", { filter: { must: [{ key: "n", range: { lte: 3 } }] } });
         await qdrant.setPayload("${collection}", { filter: { must: [{ key: "n", range: { gte: 4, lte: 6 } }] }, payload: { n: 0 } });`,
      ),
    );
    expect(await captureCollectionState(qdrant.client, collection)).toEqual(before);
    // The snapshot's matches (1–6), and the live points matching now: 4–6, rewritten to n = 0 (outside both).
    expect([...idsRead(requests, collection)].sort()).toEqual(["1", "2", "3", "4", "5", "6"]);
  });
});

describe('rollback.restore: "in-place"', () => {
  it("recovers the shard snapshot over the collection, exactly, with no side copy", async () => {
    const collection = uniqueName("cost_inplace");
    await seed(collection);
    const before = await captureCollectionState(qdrant.client, collection);
    const requests = await failedUpThroughProxy(
      failing(
        `await qdrant.delete("${collection}", { points: [1, 2, 3] });
         await qdrant.setPayload("${collection}", { points: [5], payload: { n: -5 } });`,
      ),
      "in-place",
    );
    expect(await captureCollectionState(qdrant.client, collection)).toEqual(before);
    const paths = requests.map((r) => `${r.method} ${r.path.split("?")[0]}`);
    expect(paths).toContain(`PUT /collections/${collection}/shards/0/snapshots/recover`);
    expect(paths.filter((p) => p.includes("__qdrant_migrate_copy_"))).toEqual([]);
    expect(idsRead(requests, collection).size).toBe(0);
  });
});
