import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { createMigrator, type Migrator } from "../src/index.js";
import { useTestDatabase } from "./harness/database.js";
import { makeProject } from "./harness/project.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Issue 27, item 6: a Qdrant behind a reverse proxy under a path prefix
// (http://host/qdrant/) is reached through the client's `prefix` option.
const db = useTestDatabase();
const qdrant = useQdrant();

const PREFIX = "/qdrant";
const servers: Server[] = [];
const migrators: Migrator[] = [];
afterAll(async () => {
  await Promise.all(migrators.map((m) => m.close()));
  for (const server of servers) server.closeAllConnections();
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
});

/**
 * A reverse proxy that forwards `PREFIX/…` to the test's Qdrant without the
 * prefix, and answers 404 to anything else; counts both.
 */
async function startProxy(): Promise<{ url: string; forwarded: number; refused: number }> {
  const target = new URL(qdrant.url);
  const counts = { url: "", forwarded: 0, refused: 0 };
  const server = createServer((req, res) => {
    const path = req.url ?? "/";
    if (!path.startsWith(`${PREFIX}/`)) {
      counts.refused++;
      res.writeHead(404).end("not behind the prefix");
      return;
    }
    counts.forwarded++;
    const upstream = request(
      {
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: path.slice(PREFIX.length),
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    req.pipe(upstream);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  counts.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PREFIX}/`;
  return counts;
}

/** A migrator whose Qdrant URL is `url`, over a migrations folder of its own. */
async function migratorAt(url: string) {
  const project = await makeProject({ postgres: db.url, qdrant: url, apiKey: qdrant.apiKey });
  const m = createMigrator(project.config({ tablePrefix: `${uniqueName("qm").toLowerCase()}_` }));
  migrators.push(m);
  return { project, m };
}

describe("a Qdrant URL with a path prefix", () => {
  it("applies a migration through the proxy, every request under the prefix", async () => {
    const proxy = await startProxy();
    const { project, m } = await migratorAt(proxy.url);
    const collection = uniqueName("docs");
    await project.writeMigration(
      "001_create",
      `export default { qdrant: { up: async ({ qdrant }) => {
        await qdrant.createCollection("${collection}", { vectors: { size: 4, distance: "Dot" } });
        await qdrant.upsert("${collection}", { wait: true, points: [{ id: 1, vector: [1, 0, 0, 0] }] });
      } } };`,
    );
    const result = await m.up();
    expect(result.error).toBeUndefined();
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(1);
    expect(proxy.forwarded).toBeGreaterThan(0);
    expect(proxy.refused).toBe(0);
  });

  it("rolls a failed migration back from its snapshot through the proxy", async () => {
    const proxy = await startProxy();
    const { project, m } = await migratorAt(proxy.url);
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    await qdrant.client.upsert(collection, {
      wait: true,
      points: [1, 2, 3].map((id) => ({ id, vector: [id, 0, 0, 0] })),
    });
    await project.writeMigration(
      "001_fails",
      `export default { qdrant: { up: async ({ qdrant }) => {
        await qdrant.delete("${collection}", { wait: true, points: [1, 2] });
        throw new Error("boom");
      } } };`,
    );
    const result = await m.up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect((await m.history())[0]?.status).toBe("failed");
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(3);
    expect(proxy.refused).toBe(0);
  });
});
