import { describe, expect, it } from "vitest";
import {
  type ConcurrentWritesReport,
  defineMigration,
  type MigrationDefinition,
  type MigratorEvent,
} from "../src/index.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// Rollback under live traffic: writes others (an app) make to the points a
// migration touched, after it snapshotted their collection, are found before
// anything is restored, and refused over, discarded or kept, as the policy
// says; writes to points it did not touch are left as they are (`discard`
// compares the whole collection and gives back the snapshot).
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant, { migrations: "in code" });

const SEEDED = 40;

async function seed(collection: string): Promise<void> {
  await qdrant.client.createCollection(collection, { vectors: { size: 2, distance: "Dot" } });
  await qdrant.client.upsert(collection, {
    wait: true,
    points: Array.from({ length: SEEDED }, (_, i) => ({
      id: i + 1,
      vector: [i + 1, 1],
      payload: { n: i + 1, by: "seed" },
    })),
  });
}

/** Every point as id → payload, sorted: what the app and the migration wrote. */
async function pointsOf(collection: string): Promise<Record<string, unknown>> {
  const { points } = await qdrant.client.scroll(collection, { limit: 1000, with_payload: true });
  return Object.fromEntries(points.map((p) => [String(p.id), p.payload]));
}

/** The app's writes elsewhere: two new points, one changed, one deleted (none the migration touches). */
async function appWritesElsewhere(collection: string): Promise<void> {
  await qdrant.client.upsert(collection, {
    wait: true,
    points: [
      { id: 1001, vector: [1, 1], payload: { by: "app" } },
      { id: 1002, vector: [1, 2], payload: { by: "app" } },
    ],
  });
  await qdrant.client.setPayload(collection, { wait: true, points: [20], payload: { by: "app" } });
  await qdrant.client.delete(collection, { wait: true, points: [30] });
}

/**
 * Those, and a new point 2000 within the migration's filter (`n` ≤ 5, which
 * it deleted): restoring what the filter matched would delete it.
 */
async function appWrites(collection: string): Promise<void> {
  await appWritesElsewhere(collection);
  await qdrant.client.upsert(collection, {
    wait: true,
    points: [{ id: 2000, vector: [2, 2], payload: { n: 3, by: "app" } }],
  });
}

const LOW_N = { must: [{ key: "n", range: { lte: 5 } }] };

/**
 * Deletes points 1–5 (by filter) and rewrites 6's payload (a snapshot first),
 * awaits `appWrites` (the app writing meanwhile), upserts 500, then fails in verify.
 */
const failingMigration = (
  collection: string,
  appWrites: () => Promise<void>,
  extra: Pick<MigrationDefinition, "concurrentWrites" | "resumable"> = {},
): MigrationDefinition =>
  defineMigration({
    ...extra,
    qdrant: {
      up: async ({ qdrant }) => {
        await qdrant.delete(collection, { filter: LOW_N });
        await qdrant.setPayload(collection, { points: [6], payload: { by: "migration" } });
        await appWrites();
        await qdrant.upsert(collection, {
          points: [{ id: 500, vector: [5, 5], payload: { by: "migration" } }],
        });
      },
      down: async () => {},
    },
    verify: async () => {
      throw new Error("verify says no");
    },
  });

/** Deletes points with `n` ≤ 10 by filter, awaits `appWrites`, then fails in verify. */
const failingFilterDelete = (
  collection: string,
  appWrites: () => Promise<void>,
  extra: Pick<MigrationDefinition, "concurrentWrites"> = {},
): MigrationDefinition =>
  defineMigration({
    ...extra,
    qdrant: {
      up: async ({ qdrant }) => {
        await qdrant.delete(collection, { filter: { must: [{ key: "n", range: { lte: 10 } }] } });
        await appWrites();
      },
      down: async () => {},
    },
    verify: async () => {
      throw new Error("verify says no");
    },
  });

function reportsOf(events: MigratorEvent[]): ConcurrentWritesReport[] {
  return events.flatMap((e) => (e.type === "concurrent-writes" ? e.reports : []));
}

/** What the app's writes look like on top of `before`. */
function withAppWrites(before: Record<string, unknown>): Record<string, unknown> {
  const after: Record<string, unknown> = { ...before, 1001: { by: "app" }, 1002: { by: "app" } };
  after[2000] = { n: 3, by: "app" };
  after[20] = { n: 20, by: "app" };
  delete after[30];
  return after;
}

describe("rollback with writes by others since the snapshot", () => {
  it("refuses by default: restores nothing, names the writes, and leaves the row for repair", async () => {
    const collection = uniqueName("cw_refuse");
    await seed(collection);
    engine.addMigration(
      "001_breaks",
      failingMigration(collection, () => appWrites(collection)),
    );
    const events: MigratorEvent[] = [];
    const m = engine.migrator({ onEvent: (e) => void events.push(e) });
    const result = await m.up();
    expect(result.error?.code).toBe("CONCURRENT_WRITES");
    expect(result.error?.message).toContain("Migration 001_breaks failed (verify says no)");
    expect(result.error?.message).toContain("1 point(s) added, 0 changed and 0 removed");
    expect(result.error?.message).toContain("--concurrent-writes keep");
    const [report] = reportsOf(events);
    expect(report).toMatchObject({
      collection,
      added: 1,
      changed: 0,
      removed: 0,
      outcome: "refused",
    });
    expect(report?.sample.map(String)).toEqual(["2000"]);
    // Nothing restored: the migration's writes and the app's are both still there.
    const now = await pointsOf(collection);
    expect(now[500]).toEqual({ by: "migration" });
    expect(now[1001]).toEqual({ by: "app" });
    expect((await m.history())[0]?.status).toBe("in_progress");
  });

  it("refuses again on the next up, and repair --concurrent-writes keep puts back only the migration's points", async () => {
    const collection = uniqueName("cw_repair");
    await seed(collection);
    const before = await pointsOf(collection);
    let appWritesNow = true;
    engine.addMigration(
      "001_breaks",
      failingMigration(collection, async () => {
        if (appWritesNow) await appWrites(collection);
      }),
    );
    await engine.migrator().up();
    appWritesNow = false;
    const again = await engine.migrator().up();
    expect(again.error?.code).toBe("CONCURRENT_WRITES");
    const repaired = await engine.migrator().repair({ concurrentWrites: "keep" });
    expect(repaired.recovered).toEqual(["001_breaks"]);
    expect(await pointsOf(collection)).toEqual(withAppWrites(before));
  });

  it("discards them when told to, and reports exactly which", async () => {
    const collection = uniqueName("cw_discard");
    await seed(collection);
    const before = await pointsOf(collection);
    engine.addMigration(
      "001_breaks",
      failingMigration(collection, () => appWrites(collection)),
    );
    const events: MigratorEvent[] = [];
    const result = await engine
      .migrator({ onEvent: (e) => void events.push(e) })
      .up({ concurrentWrites: "discard" });
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(await pointsOf(collection)).toEqual(before);
    // Compared whole: the writes elsewhere are found and discarded too.
    expect(reportsOf(events)).toEqual([
      expect.objectContaining({
        collection,
        added: 3,
        changed: 1,
        removed: 1,
        outcome: "discarded",
      }),
    ]);
  });

  it('keeps them under a migration\'s own concurrentWrites: "keep", undoing only its own points', async () => {
    const collection = uniqueName("cw_keep");
    await seed(collection);
    const before = await pointsOf(collection);
    engine.addMigration(
      "001_breaks",
      failingMigration(collection, () => appWrites(collection), { concurrentWrites: "keep" }),
    );
    const events: MigratorEvent[] = [];
    const result = await engine.migrator({ onEvent: (e) => void events.push(e) }).up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(await pointsOf(collection)).toEqual(withAppWrites(before));
    expect(reportsOf(events)).toEqual([expect.objectContaining({ outcome: "kept", added: 1 })]);
  });

  it("keeps them under the config's rollback.concurrentWrites", async () => {
    const collection = uniqueName("cw_config");
    await seed(collection);
    const before = await pointsOf(collection);
    engine.addMigration(
      "001_breaks",
      failingMigration(collection, () => appWrites(collection)),
    );
    await engine.migrator({}, { concurrentWrites: "keep" }).up();
    expect(await pointsOf(collection)).toEqual(withAppWrites(before));
  });

  it("tells the migration's filter-based writes from others' writes", async () => {
    const collection = uniqueName("cw_filter");
    await seed(collection);
    engine.addMigration(
      "001_breaks",
      failingFilterDelete(collection, () => appWrites(collection)),
    );
    const events: MigratorEvent[] = [];
    await engine.migrator({ onEvent: (e) => void events.push(e) }).up();
    expect(reportsOf(events)).toEqual([
      expect.objectContaining({ added: 1, changed: 0, removed: 0, outcome: "refused" }),
    ]);
  });

  it("counts a point others added after the migration's filter-based write as theirs, even when it matches the filter", async () => {
    const collection = uniqueName("cw_filter_late");
    await seed(collection);
    engine.addMigration(
      "001_breaks",
      failingFilterDelete(
        collection,
        async () => {
          await qdrant.client.upsert(collection, {
            wait: true,
            points: [{ id: 2000, vector: [1, 1], payload: { n: 5, by: "app" } }],
          });
        },
        { concurrentWrites: "keep" },
      ),
    );
    const events: MigratorEvent[] = [];
    await engine.migrator({ onEvent: (e) => void events.push(e) }).up();
    expect(reportsOf(events)).toEqual([expect.objectContaining({ added: 1, outcome: "kept" })]);
    const now = await pointsOf(collection);
    expect(now[2000]).toEqual({ n: 5, by: "app" });
    expect(Object.keys(now)).toHaveLength(SEEDED + 1);
  });

  it("does not resume a resumable migration whose rollback was refused: the next up refuses again", async () => {
    const collection = uniqueName("cw_resumable");
    await seed(collection);
    let appWritesNow = true;
    engine.addMigration(
      "001_breaks",
      failingMigration(
        collection,
        async () => {
          if (appWritesNow) await appWrites(collection);
        },
        { resumable: true },
      ),
    );
    expect((await engine.migrator().up()).error?.code).toBe("CONCURRENT_WRITES");
    appWritesNow = false;
    const events: MigratorEvent[] = [];
    const again = await engine.migrator({ onEvent: (e) => void events.push(e) }).up();
    expect(again.error?.code).toBe("CONCURRENT_WRITES");
    expect(events.some((e) => e.type === "resuming")).toBe(false);
  });

  it("leaves others' writes to points the migration did not touch as they are, refusing nothing", async () => {
    const collection = uniqueName("cw_elsewhere");
    await seed(collection);
    const before = await pointsOf(collection);
    engine.addMigration(
      "001_breaks",
      failingMigration(collection, () => appWritesElsewhere(collection)),
    );
    const events: MigratorEvent[] = [];
    const result = await engine.migrator({ onEvent: (e) => void events.push(e) }).up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    const expected = withAppWrites(before);
    delete expected[2000];
    expect(await pointsOf(collection)).toEqual(expected);
    expect(reportsOf(events)).toEqual([]);
  });

  it("restores as before, reporting nothing, when nobody else wrote", async () => {
    const collection = uniqueName("cw_none");
    await seed(collection);
    const before = await pointsOf(collection);
    engine.addMigration(
      "001_breaks",
      failingMigration(collection, async () => {}),
    );
    const events: MigratorEvent[] = [];
    const result = await engine.migrator({ onEvent: (e) => void events.push(e) }).up();
    expect(result.error?.code).toBe("MIGRATION_FAILED");
    expect(await pointsOf(collection)).toEqual(before);
    expect(reportsOf(events)).toEqual([]);
  });

  it("leaves no side collection behind", async () => {
    const collection = uniqueName("cw_side");
    await seed(collection);
    engine.addMigration(
      "001_breaks",
      failingMigration(collection, () => appWrites(collection)),
    );
    await engine.migrator().up();
    await engine.migrator().up({ concurrentWrites: "discard" });
    const { collections } = await qdrant.client.getCollections();
    expect(collections.map((c) => c.name).filter((n) => n.startsWith(collection))).toEqual([
      collection,
    ]);
  });
});

describe("down --from-snapshot with writes by others since the up", () => {
  /** Applies a migration that deletes points 1–5 by filter (snapshot first), then lets the app write. */
  async function appliedThenAppWrote(collection: string): Promise<Record<string, unknown>> {
    await seed(collection);
    const before = await pointsOf(collection);
    engine.addMigration(
      "001_prune",
      defineMigration({
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.delete(collection, { filter: LOW_N });
          },
        },
      }),
    );
    const up = await engine.migrator().up();
    expect(up.error).toBeUndefined();
    await appWrites(collection);
    return before;
  }

  it("--dry-run lists what restoring would discard, and changes nothing", async () => {
    const collection = uniqueName("cwd_plan");
    await appliedThenAppWrote(collection);
    const now = await pointsOf(collection);
    const plan = await engine.migrator().plan({ direction: "down", downFromSnapshot: true });
    expect(plan).toEqual([
      expect.objectContaining({
        name: "001_prune",
        restores: [collection],
        discards: [expect.objectContaining({ collection, added: 3, changed: 1, removed: 1 })],
      }),
    ]);
    expect(await pointsOf(collection)).toEqual(now);
  });

  it("refuses by default and changes nothing", async () => {
    const collection = uniqueName("cwd_refuse");
    await appliedThenAppWrote(collection);
    const now = await pointsOf(collection);
    const m = engine.migrator();
    const result = await m.down({ fromSnapshot: true });
    expect(result.error?.code).toBe("CONCURRENT_WRITES");
    expect(await pointsOf(collection)).toEqual(now);
    expect((await m.history())[0]?.status).toBe("applied");
  });

  it("with keep, puts back only what the up changed", async () => {
    const collection = uniqueName("cwd_keep");
    const before = await appliedThenAppWrote(collection);
    const result = await engine.migrator().down({ fromSnapshot: true, concurrentWrites: "keep" });
    expect(result.error).toBeUndefined();
    expect(await pointsOf(collection)).toEqual(withAppWrites(before));
  });

  it("with discard, restores the snapshot", async () => {
    const collection = uniqueName("cwd_discard");
    const before = await appliedThenAppWrote(collection);
    const result = await engine
      .migrator()
      .down({ fromSnapshot: true, concurrentWrites: "discard" });
    expect(result.error).toBeUndefined();
    expect(await pointsOf(collection)).toEqual(before);
  });
});
