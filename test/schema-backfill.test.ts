import { describe, expect, it } from "vitest";
import { defineMigration, type MigrationDefinition, type MigratorEvent } from "../src/index.js";
import { journalScope } from "../src/journal/journal-scope.js";
import { journalTables } from "../src/journal/table-types.js";
import type { StepContext } from "../src/migration/define-migration.js";
import { type BackfillPatch, backfill } from "../src/toolkit/data/backfill.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { stepContext, useJournalKysely } from "./harness/step-context.js";

const database = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(database, qdrant, { migrations: "in code" });
const journal = useJournalKysely(database);

const POINTS = 300;

/** `POINTS` points, ids 1..POINTS, kind "a" for odd ids and "b" for even, vector `v1` only. */
async function seed(collection: string): Promise<void> {
  await qdrant.client.createCollection(collection, {
    vectors: { v1: { size: 2, distance: "Dot" }, v2: { size: 2, distance: "Dot" } },
  });
  for (let start = 1; start <= POINTS; start += 100) {
    await qdrant.client.upsert(collection, {
      wait: true,
      points: Array.from({ length: 100 }, (_, i) => start + i).map((id) => ({
        id,
        vector: { v1: [id, 1] },
        payload: { kind: id % 2 ? "a" : "b", n: id },
      })),
    });
  }
}

/** Stamps schema_version 2 and computes v2 from the payload. */
function stamp(point: {
  id: string | number;
  payload?: Record<string, unknown> | null;
}): BackfillPatch {
  return { payload: { schema_version: 2 }, vectors: { v2: [Number(point.payload?.n), 2] } };
}

async function allPoints(collection: string) {
  const { points } = await qdrant.client.scroll(collection, {
    limit: POINTS + 1,
    with_payload: true,
    with_vector: true,
  });
  return points;
}

/** A migration whose only step is the Qdrant `up`. */
const qdrantUp = (up: (ctx: StepContext) => Promise<void>): MigrationDefinition =>
  defineMigration({ qdrant: { up } });

const onlyA = { must: [{ key: "kind", match: { value: "a" } }] };

describe("backfill", () => {
  it("updates every point matching the filter, payload and vector, and no other", async () => {
    const collection = uniqueName("bf_all");
    await seed(collection);
    const ctx = stepContext({ qdrant: qdrant.client, db: journal.db, name: "001_stamp" });
    const result = await backfill(ctx, collection, {
      filter: onlyA,
      batchSize: 32,
      concurrency: 3,
      transform: (p) => (Number(p.payload?.n) === 1 ? null : stamp(p)),
    });
    expect(result).toEqual({ scanned: 150, updated: 149, skipped: 1, resumed: false });
    for (const p of await allPoints(collection)) {
      const n = Number(p.payload?.n);
      const vectors = p.vector as Record<string, number[]>;
      if (n % 2 === 1 && n !== 1) {
        expect(p.payload?.schema_version).toBe(2);
        expect(vectors.v2).toEqual([n, 2]);
      } else {
        expect(p.payload?.schema_version).toBeUndefined();
        expect(vectors.v2).toBeUndefined();
      }
      // The rest of the point is kept.
      expect(vectors.v1).toEqual([n, 1]);
      expect(p.payload?.kind).toBe(n % 2 ? "a" : "b");
    }
  });

  it("resumes after a failure mid-run from its checkpoint, without redoing finished batches", async () => {
    const collection = uniqueName("bf_resume");
    await seed(collection);
    const tables = journalTables("public", `${uniqueName("ck").toLowerCase()}_`);
    const name = "002_stamp";
    let transformed = 0;
    const failing = stepContext({ qdrant: qdrant.client, db: journal.db, name, tables });
    // Batches of 25, one at a time: the fifth batch fails, four are done.
    await expect(
      backfill(failing, collection, {
        batchSize: 25,
        concurrency: 1,
        transform: (p) => {
          if (++transformed > 100) throw new Error("embedding service went away");
          return stamp(p);
        },
      }),
    ).rejects.toThrow("embedding service went away");
    const checkpoint = await journalScope(journal.db, tables)
      .selectFrom("journalCheckpoints")
      .selectAll()
      .executeTakeFirstOrThrow();
    expect(checkpoint).toMatchObject({
      migration: name,
      operation: "backfill",
      collection,
      position: { next: 101 },
      counts: { scanned: 100, updated: 100, skipped: 0 },
      finished: false,
    });

    const seen: (string | number)[] = [];
    const again = stepContext({ qdrant: qdrant.client, db: journal.db, name, tables });
    const result = await backfill(again, collection, {
      batchSize: 25,
      concurrency: 3,
      transform: (p) => {
        seen.push(p.id);
        return stamp(p);
      },
    });
    expect(seen).toHaveLength(POINTS - 100);
    expect(Math.min(...seen.map(Number))).toBe(101);
    expect(result).toEqual({ scanned: POINTS, updated: POINTS, skipped: 0, resumed: true });
    for (const p of await allPoints(collection)) expect(p.payload?.schema_version).toBe(2);
  });
});

describe("backfill through the engine", () => {
  it("leaves no checkpoint once the migration is applied", async () => {
    const collection = uniqueName("bf_commit");
    await seed(collection);
    engine.addMigration(
      "001_backfill",
      qdrantUp(async (ctx) => {
        await backfill(ctx, collection, { batchSize: 50, transform: stamp });
      }),
    );
    expect((await engine.migrator().up()).error).toBeUndefined();
    const tables = journalTables("public", engine.prefix);
    expect(
      await journalScope(journal.db, tables).selectFrom("journalCheckpoints").selectAll().execute(),
    ).toEqual([]);
    for (const p of await allPoints(collection)) expect(p.payload?.schema_version).toBe(2);
  });

  it("reports its progress after each batch, as events with the total to reach", async () => {
    const collection = uniqueName("bf_progress");
    await seed(collection);
    engine.addMigration(
      "001_backfill",
      qdrantUp(async (ctx) => {
        await backfill(ctx, collection, { batchSize: 100, concurrency: 1, transform: stamp });
      }),
    );
    const events: MigratorEvent[] = [];
    expect(
      (await engine.migrator({ onEvent: (e) => void events.push(e) }).up()).error,
    ).toBeUndefined();
    const progress = events.flatMap((e) => (e.type === "progress" ? [e] : []));
    expect(progress.map((e) => [e.operation, e.collection, e.done, e.total])).toEqual([
      ["backfill", collection, 100, POINTS],
      ["backfill", collection, 200, POINTS],
      ["backfill", collection, 300, POINTS],
    ]);
    expect(progress.every((e) => e.migration === "001_backfill" && e.perSecond >= 0)).toBe(true);
  });

  it("goes on from its checkpoint when the step retries it after a transient failure", async () => {
    const collection = uniqueName("bf_retry");
    await seed(collection);
    const seen: (string | number)[] = [];
    let failures = 0;
    engine.addMigration(
      "001_backfill",
      qdrantUp(async (ctx) => {
        const run = () =>
          backfill(ctx, collection, {
            batchSize: 30,
            concurrency: 1,
            transform: (p) => {
              // The service fails once, at the 100th point.
              if (seen.length === 99 && failures++ === 0) throw new Error("503 from the model");
              seen.push(p.id);
              return stamp(p);
            },
          });
        await run().catch(run);
      }),
    );
    expect((await engine.migrator().up()).error).toBeUndefined();
    // Three batches of 30 were done; the fourth (91..120) is re-done, nothing before it.
    expect(seen).toHaveLength(POINTS + 9);
    expect(seen.slice(99, 100)).toEqual([91]);
    for (const p of await allPoints(collection)) expect(p.payload?.schema_version).toBe(2);
  });

  it("re-runs a rolled-back backfill from the start: the restore took its batches back", async () => {
    const collection = uniqueName("bf_rollback");
    await seed(collection);
    let calls = 0;
    let failAfter = 120;
    engine.addMigration(
      "001_backfill",
      qdrantUp(async (ctx) => {
        await backfill(ctx, collection, {
          batchSize: 40,
          concurrency: 1,
          transform: (p) => {
            if (++calls > failAfter) throw new Error("model timeout");
            return stamp(p);
          },
        });
      }),
    );
    expect((await engine.migrator().up()).error?.code).toBe("MIGRATION_FAILED");
    // Restored from the snapshot: nothing stamped.
    for (const p of await allPoints(collection)) expect(p.payload?.schema_version).toBeUndefined();
    calls = 0;
    failAfter = Number.POSITIVE_INFINITY;
    expect((await engine.migrator().up()).error).toBeUndefined();
    expect(calls).toBe(POINTS);
    for (const p of await allPoints(collection)) expect(p.payload?.schema_version).toBe(2);
  });
});
