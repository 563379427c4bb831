import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./harness/child.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// `up --dry-run` runs each Qdrant step against a dry client: it lists the
// writes the step would send, and sends none.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant);

const BACKFILL = pathToFileURL(join(REPO_ROOT, "src", "toolkit", "data", "backfill.ts")).href;

declare global {
  var qmTransformCalls: number | undefined;
}

async function seed(collection: string, points = 5): Promise<void> {
  await qdrant.client.createCollection(collection, { vectors: { size: 2, distance: "Dot" } });
  await qdrant.client.upsert(collection, {
    wait: true,
    points: Array.from({ length: points }, (_, i) => ({ id: i + 1, vector: [i, 1], payload: {} })),
  });
}

describe("up --dry-run simulates the Qdrant steps", () => {
  it("lists the toolkit's and the client's writes in order, and changes nothing", async () => {
    const existing = uniqueName("sim");
    const fresh = uniqueName("sim_new");
    await seed(existing);
    await engine.project.writeMigration(
      "001_schema",
      `export default { qdrant: {
        up: async ({ schema, qdrant }) => {
          await schema.ensureCollection("${fresh}", {
            vectors: { content: { size: 4, distance: "Cosine" } },
            payloadIndexes: { user_id: "keyword" },
          });
          await schema.createPayloadIndex("${existing}", "lang", "keyword");
          await qdrant.upsert("${existing}", { points: [{ id: 9, vector: [1, 1] }] });
          await qdrant.delete("${existing}", { filter: { must: [{ key: "lang", match: { value: "x" } }] } });
        },
        down: async () => {},
      } };`,
    );
    const plan = await engine.migrator().plan({ simulate: true });
    expect(plan).toEqual([
      expect.objectContaining({
        name: "001_schema",
        operations: [
          `createCollection ${fresh}`,
          `createPayloadIndex ${fresh}.user_id ("keyword")`,
          `createPayloadIndex ${existing}.lang ("keyword")`,
          `upsert 1 point(s) of ${existing}`,
          `delete the points matching a filter of ${existing}`,
        ],
      }),
    ]);
    expect(plan[0]?.simulationStopped).toBeUndefined();
    expect((await qdrant.client.collectionExists(fresh)).exists).toBe(false);
    expect((await qdrant.client.getCollection(existing)).payload_schema).toEqual({});
    expect((await qdrant.client.count(existing, { exact: true })).count).toBe(5);
    expect((await engine.migrator().status()).migrations[0]?.state).toBe("pending");
  });

  it("counts a backfill's points without calling its transform", async () => {
    const collection = uniqueName("sim_backfill");
    await seed(collection, 7);
    globalThis.qmTransformCalls = 0;
    await engine.project.writeMigration(
      "001_backfill",
      `import { backfill } from ${JSON.stringify(BACKFILL)};
      export default { qdrant: {
        up: async (ctx) => {
          await backfill(ctx, "${collection}", { transform: () => {
            globalThis.qmTransformCalls++;
            return { payload: { v: 2 } };
          } });
        },
        down: async () => {},
      } };`,
    );
    const [entry] = await engine.migrator().plan({ simulate: true });
    expect(entry?.operations).toEqual([
      `backfill 7 point(s) of ${collection} (transform not called)`,
    ]);
    expect(globalThis.qmTransformCalls).toBe(0);
  });

  it("calls no transform when the step hands backfill a context with a wrapped client", async () => {
    const collection = uniqueName("sim_wrapped");
    await seed(collection, 3);
    globalThis.qmTransformCalls = 0;
    await engine.project.writeMigration(
      "001_backfill",
      `import { backfill } from ${JSON.stringify(BACKFILL)};
      export default { qdrant: {
        up: async (ctx) => {
          await backfill({ ...ctx, qdrant: new Proxy(ctx.qdrant, {}) }, "${collection}", {
            transform: () => {
              globalThis.qmTransformCalls++;
              return { payload: { v: 2 } };
            },
          });
        },
        down: async () => {},
      } };`,
    );
    const [entry] = await engine.migrator().plan({ simulate: true });
    expect(entry?.operations).toEqual([
      `backfill 3 point(s) of ${collection} (transform not called)`,
    ]);
    expect(globalThis.qmTransformCalls).toBe(0);
  });

  it("describes a blue-green change: the new collection, the copy and the alias switch", async () => {
    const physical = uniqueName("sim_docs");
    const alias = uniqueName("sim_alias");
    await seed(physical, 3);
    await qdrant.client.updateCollectionAliases({
      actions: [{ create_alias: { collection_name: physical, alias_name: alias } }],
    });
    await engine.project.writeMigration(
      "001_resize",
      `export default { qdrant: {
        up: async ({ schema }) => {
          await schema.changeVector("${alias}", "", { size: 3 }, {
            transform: (p) => ({ ...p, vector: [1, 2, 3] }),
          });
        },
        down: async () => {},
      } };`,
    );
    const [entry] = await engine.migrator().plan({ simulate: true });
    expect(entry?.simulationStopped).toBeUndefined();
    expect(entry?.operations).toEqual(
      expect.arrayContaining([
        `createCollection ${alias}_v1`,
        `copy 3 point(s) of ${physical} into ${alias}_v1`,
        `updateCollectionAliases: delete alias ${alias}; alias ${alias} → ${alias}_v1`,
      ]),
    );
    expect((await qdrant.client.collectionExists(`${alias}_v1`)).exists).toBe(false);
  });

  it("says where it stopped when the step needs what its Postgres step creates", async () => {
    const table = uniqueName("sim_t");
    await engine.project.writeMigration(
      "001_reads",
      `import { sql } from "kysely";
      export default {
        postgres: {
          up: async ({ db }) => { await db.schema.createTable("${table}").addColumn("id", "integer").execute(); },
          down: async () => {},
        },
        qdrant: {
          up: async ({ db }) => { await db.selectFrom("${table}").selectAll().execute(); },
          down: async () => {},
        },
      };`,
    );
    const [entry] = await engine.migrator().plan({ simulate: true });
    expect(entry?.operations).toEqual([]);
    expect(entry?.simulationStopped).toContain(`relation "${table}" does not exist`);
  });
});
