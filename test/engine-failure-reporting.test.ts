import { describe, expect, it } from "vitest";
import {
  createMigrator,
  defineMigration,
  type MigrationDefinition,
  type MigratorEvent,
} from "../src/index.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { makeProject } from "./harness/project.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Issue 27, item 6: what a failed run reports about itself is whole and true.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant, { migrations: "in code" });

/** A collection of four points. */
async function fourPoints(): Promise<string> {
  const collection = uniqueName("docs");
  await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
  await qdrant.client.upsert(collection, {
    wait: true,
    points: [1, 2, 3, 4].map((id) => ({ id, vector: [id, 0, 0, 0] })),
  });
  return collection;
}

/** A migration that deletes point 1 of `collection` (snapshotted first), then throws what `thrown` gives. */
const deletesThenThrows = (collection: string, thrown: () => unknown): MigrationDefinition =>
  defineMigration({
    qdrant: {
      up: async ({ qdrant }) => {
        await qdrant.delete(collection, { wait: true, points: [1] });
        throw thrown();
      },
    },
  });

/** Qdrant's REST API on the test server, with its key. */
function qdrantFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (qdrant.apiKey) headers.set("api-key", qdrant.apiKey);
  return fetch(`${qdrant.url}${path}`, { ...init, headers });
}

describe("what a failed run reports", () => {
  it("says in full what happens next when the journal refuses to record the failure", async () => {
    const collection = await fourPoints();
    engine.addMigration(
      "001_fails",
      deletesThenThrows(collection, () => new Error("boom")),
    );
    const warnings: string[] = [];
    const m = engine.migrator({
      onEvent: async (event: MigratorEvent) => {
        if (event.type === "log" && event.level === "warn") warnings.push(event.message);
        if (event.type === "rolling-back") {
          // The journal now refuses the `failed` mark the run is about to write.
          await queryRows(
            db.url,
            `ALTER TABLE "${engine.prefix}migrations"
             ADD CONSTRAINT never_failed CHECK (status <> 'failed') NOT VALID`,
          );
        }
      },
    });
    const result = await m.up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    const warning = warnings.find((w) => w.startsWith("could not record the failure"));
    expect(warning).toMatch(
      /the row stays unfinished: the next run \(or `qdrant-migrate repair`\) restores again and marks it failed$/,
    );
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(4);
  });

  it("records the run of a runner whose rollback failed as failed with that error, not as in progress", async () => {
    const collection = await fourPoints();
    engine.addMigration(
      "001_fails",
      deletesThenThrows(collection, () => new Error("boom")),
    );
    const m = engine.migrator({
      onEvent: async (event: MigratorEvent) => {
        if (event.type !== "rolling-back") return;
        // The snapshot the rollback needs is gone: restoring fails.
        const listed = await qdrantFetch(`/collections/${collection}/shards/0/snapshots`);
        const { result } = (await listed.json()) as { result: { name: string }[] };
        for (const { name } of result) {
          await qdrantFetch(`/collections/${collection}/shards/0/snapshots/${name}`, {
            method: "DELETE",
          });
        }
      },
    });
    const result = await m.up();
    expect(result.error?.code).toBe("ROLLBACK_FAILED");
    const runs = await m.runs();
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: "001_fails", status: "failed" });
    expect(runs[0]?.error).toContain("restoring Qdrant from its snapshots failed too");
    expect((await m.history())[0]?.status).toBe("undoing");
  });

  it("shows a thrown plain object as JSON, with the config's secrets redacted", async () => {
    const collection = await fourPoints();
    const secret = qdrant.apiKey ?? "sk-Thrown-4q-secret";
    const project = await makeProject({ postgres: db.url, qdrant: qdrant.url, apiKey: secret });
    const migration = deletesThenThrows(collection, () => ({
      code: "E_QUOTA",
      detail: "quota hit",
      key: secret,
    }));
    const m = createMigrator(
      project.config({
        tablePrefix: `${uniqueName("qm").toLowerCase()}_`,
        migrations: [{ name: "001_fails", migration }],
      }),
    );
    try {
      const result = await m.up();
      expect(result.error?.code).toBe("MIGRATION_FAILED");
      expect(result.error?.message).toContain('{"code":"E_QUOTA","detail":"quota hit","key":"');
      expect(result.error?.message).not.toContain("[object Object]");
      expect(result.error?.message).not.toContain(secret);
      const [run] = await m.runs();
      expect(run?.error).toContain('"code":"E_QUOTA"');
      expect(run?.error).not.toContain(secret);
    } finally {
      await m.close();
    }
  });
});
