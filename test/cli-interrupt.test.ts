import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./harness/child.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { makeProject } from "./harness/project.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Issue 15: SIGTERM/SIGINT stop a step that never returns, roll back, and
// exit 130; a second signal does not kill the process mid-rollback.
const db = useTestDatabase();
const qdrant = useQdrant();

describe("CLI interrupts", () => {
  it("SIGTERM during a step that never returns rolls back and exits 130, also when a second SIGTERM follows", async () => {
    const project = await makeProject({ postgres: db.url, qdrant: qdrant.url });
    const prefix = `${uniqueName("qm").toLowerCase()}_`;
    await writeFile(
      join(project.dir, "umzug.config.mjs"),
      `export default ${JSON.stringify({
        migrations: "migrations/*.mjs",
        postgres: { url: db.url, tablePrefix: prefix },
        qdrant: { url: qdrant.url, ...(qdrant.apiKey ? { apiKey: qdrant.apiKey } : {}) },
      })};`,
    );
    const collection = uniqueName("docs");
    const table = uniqueName("t");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    await project.writeMigration(
      "001_hangs",
      `export default {
        postgres: {
          up: async ({ db }) => { await db.schema.createTable("${table}").addColumn("id", "integer").execute(); },
          down: async () => {},
        },
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.upsert("${collection}", { points: [{ id: 1, vector: [1, 0, 0, 0] }] });
            process.kill(process.pid, "SIGTERM");
            setTimeout(() => process.kill(process.pid, "SIGTERM"), 20);
            await new Promise(() => {});
          },
          down: async () => {},
        },
      };`,
    );
    const started = Date.now();
    const run = await runCli(["up"], { cwd: project.dir, timeoutMs: 30_000 });
    expect(run.signal).toBeNull();
    expect(run.code, run.stderr).toBe(130);
    expect(Date.now() - started).toBeLessThan(25_000);
    expect(run.stderr).toContain(
      "received SIGTERM: stopping the running step of 001_hangs and rolling it back",
    );
    expect(run.stderr).toContain("was interrupted");
    expect(run.stderr).not.toContain("fix the migration");
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(0);
    const rows = await queryRows<{ t: string | null }>(
      db.url,
      "SELECT to_regclass($1)::text AS t",
      [table],
    );
    expect(rows[0]?.t).toBeNull();
  });
});
