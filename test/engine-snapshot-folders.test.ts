import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QdrantClient } from "@qdrant/js-client-rest";
import { type RunningQdrant, startQdrant } from "@qdrant-migrate/qdrant-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { type TestQdrant, uniqueName } from "./harness/qdrant.js";

const db = useTestDatabase();

// The snapshots folder must be readable here: the real server's when test:real
// names it (QDRANT_SNAPSHOTS_DIR), otherwise an in-process server of this file's own.
const realUrl = process.env.QDRANT_SNAPSHOTS_DIR ? process.env.QDRANT_URL : undefined;
let snapshotsDir = process.env.QDRANT_SNAPSHOTS_DIR ?? "";
let server: RunningQdrant | undefined;
let url = realUrl ?? "";
let client: QdrantClient | undefined;
const qdrant: TestQdrant = {
  get url() {
    return url;
  },
  apiKey: undefined,
  get client() {
    if (!client) throw new Error("read inside a test");
    return client;
  },
  external: realUrl !== undefined,
};

beforeAll(async () => {
  if (!realUrl) {
    snapshotsDir = await mkdtemp(join(tmpdir(), "qm-snapfolders-"));
    server = await startQdrant({ snapshotsDir });
    url = server.url;
  }
  client = new QdrantClient({ url, checkCompatibility: false });
});
afterAll(async () => {
  await server?.stop();
  if (server) await rm(snapshotsDir, { recursive: true, force: true });
});

const engine = useEngineProject(db, qdrant);

describe("snapshot folders after a rollback", () => {
  it("leaves no folder of a temporary restore collection in the server's snapshots directory", async () => {
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 2, distance: "Dot" } });
    await qdrant.client.upsert(collection, {
      wait: true,
      points: [1, 2, 3].map((id) => ({ id, vector: [id, 1] })),
    });
    await engine.project.writeMigration(
      "001_delete_then_fail",
      `export default {
        qdrant: {
          up: async ({ qdrant }) => { await qdrant.delete("${collection}", { wait: true, points: [1] }); },
          down: async () => {},
        },
        verify: async () => { throw new Error("verify fails on purpose"); },
      };`,
    );
    const result = await engine.migrator().up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(3);
    const folders = (await readdir(snapshotsDir)).filter((f) => f.startsWith(collection));
    expect(folders).toEqual([collection]);
  });
});
