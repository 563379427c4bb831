import { describe, expect, it } from "vitest";
import { defineMigration, type StepProgress } from "../src/index.js";
import { createStepContext } from "../src/testing/index.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { kyselyFor } from "./harness/step-context.js";

const db = useTestDatabase();
const qdrant = useQdrant();

describe("qdrant-migrate/testing: createStepContext", () => {
  it("runs a migration's steps directly, with the real toolkit, collecting logs and progress", async () => {
    const [table, collection] = [uniqueName("steps"), uniqueName("steps")];
    const migration = defineMigration({
      postgres: {
        up: async ({ db }) => {
          await db.schema.createTable(table).addColumn("id", "integer").execute();
        },
      },
      qdrant: {
        up: async ({ schema, log, progress, migration }) => {
          await schema.ensureCollection(collection, { vectors: { size: 4, distance: "Dot" } });
          log.info(`${migration.name} ${migration.direction}`);
          progress({ operation: "seed", done: 1, total: 1 });
        },
      },
    });
    const kysely = kyselyFor<unknown>(db.url);
    const log: string[] = [];
    const progress: StepProgress[] = [];
    try {
      const ctx = createStepContext({
        qdrant: qdrant.client,
        db: kysely,
        migration: { name: "001_seed" },
        log,
        progress,
      });
      await migration.postgres?.up(ctx);
      await migration.qdrant?.up(ctx);
    } finally {
      await kysely.destroy();
    }
    expect(
      await queryRows(db.url, `SELECT to_regclass('public.${table}') IS NOT NULL AS t`),
    ).toEqual([{ t: true }]);
    expect((await qdrant.client.getCollection(collection)).config.params.vectors).toEqual({
      size: 4,
      distance: "Dot",
    });
    expect(log).toEqual(["001_seed up"]);
    expect(progress).toEqual([{ operation: "seed", done: 1, total: 1 }]);
  });
});
