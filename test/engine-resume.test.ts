import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import type { MigratorEvent } from "../src/index.js";
import { journalScope } from "../src/journal/journal-scope.js";
import { journalTables } from "../src/journal/table-types.js";
import { REPO_ROOT, runTs } from "./harness/child.js";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { useJournalKysely } from "./harness/step-context.js";

// A `resumable` migration whose runner dies mid-backfill: the next `up` goes
// on from the backfill's checkpoint instead of restoring and starting over.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant);
const journal = useJournalKysely(db);

const POINTS = 300;
const SCHEMA = pathToFileURL(join(REPO_ROOT, "src", "toolkit", "data", "backfill.ts")).href;

async function seed(collection: string): Promise<void> {
  await qdrant.client.createCollection(collection, { vectors: { size: 2, distance: "Dot" } });
  await qdrant.client.upsert(collection, {
    wait: true,
    points: Array.from({ length: POINTS }, (_, i) => ({ id: i + 1, vector: [i, 1], payload: {} })),
  });
}

/**
 * Stamps every point with the run that wrote it (`QM_PASS`, else "2"); the
 * runner SIGKILLs itself at the `QM_KILL_AT`th point, after two batches of
 * 50 were written and checkpointed. `resumable` unless told otherwise.
 */
function backfillMigration(
  collection: string,
  table: string,
  extra = "resumable: true,",
  /** The context the step hands `backfill`. */
  stepCtx = "ctx",
): string {
  return `import { backfill } from ${JSON.stringify(SCHEMA)};
  let seen = 0;
  export default { ${extra}
    postgres: {
      up: async ({ db }) => { await db.schema.createTable("${table}").addColumn("id", "integer").execute(); },
      down: async ({ db }) => { await db.schema.dropTable("${table}").execute(); },
    },
    qdrant: {
      up: async (ctx) => {
        await backfill(${stepCtx}, "${collection}", { batchSize: 50, concurrency: 1, transform: () => {
          seen++;
          if (String(seen) === process.env.QM_KILL_AT) process.kill(process.pid, "SIGKILL");
          return { payload: { pass: process.env.QM_PASS ?? "2" } };
        } });
      },
      down: async () => {},
    },
    verify: async () => { if (globalThis.qmFailVerify) throw new Error("verify says no"); },
  };`;
}

async function passes(collection: string): Promise<Record<string, number>> {
  const { points } = await qdrant.client.scroll(collection, { limit: 1000, with_payload: true });
  const counts: Record<string, number> = {};
  for (const p of points) {
    const pass = String(p.payload?.pass ?? "none");
    counts[pass] = (counts[pass] ?? 0) + 1;
  }
  return counts;
}

async function killMidBackfill(): Promise<void> {
  const config = engine.project.config({ tablePrefix: engine.prefix });
  const child = await runTs("test/fixtures/crash-runner.ts", [JSON.stringify(config), "none"], {
    env: { QM_KILL_AT: "120", QM_PASS: "1" },
  });
  expect(child.signal).toBe("SIGKILL");
}

declare global {
  var qmFailVerify: boolean | undefined;
}

describe("resuming an interrupted resumable migration", () => {
  it("goes on from the backfill's checkpoint: the dead run's batches are not redone", async () => {
    const collection = uniqueName("resume");
    await seed(collection);
    await engine.project.writeMigration(
      "001_backfill",
      backfillMigration(collection, uniqueName("t")),
    );
    await killMidBackfill();
    expect(await passes(collection)).toEqual({ 1: 100, none: 200 });

    const events: MigratorEvent[] = [];
    const m = engine.migrator({ onEvent: (e) => void events.push(e) });
    const result = await m.up();
    expect(result.error).toBeUndefined();
    expect(result.recovered).toEqual([]);
    expect(events).toContainEqual({ type: "resuming", migration: "001_backfill" });
    expect(await passes(collection)).toEqual({ 1: 100, 2: 200 });
    expect((await m.history())[0]?.status).toBe("applied");
    const left = await journalScope(journal.db, journalTables("public", engine.prefix))
      .selectFrom("journalCheckpoints")
      .selectAll()
      .execute();
    expect(left).toEqual([]);
  });

  it("goes on from the checkpoint when the step hands backfill a context with a wrapped client", async () => {
    const collection = uniqueName("resume_wrapped");
    await seed(collection);
    await engine.project.writeMigration(
      "001_backfill",
      backfillMigration(
        collection,
        uniqueName("t"),
        "resumable: true,",
        "{ ...ctx, qdrant: new Proxy(ctx.qdrant, {}) }",
      ),
    );
    await killMidBackfill();
    expect(await passes(collection)).toEqual({ 1: 100, none: 200 });

    const result = await engine.migrator().up();
    expect(result.error).toBeUndefined();
    expect(await passes(collection)).toEqual({ 1: 100, 2: 200 });
  });

  it("keeps the dead attempt in history as its own run, interrupted at its last checkpoint", async () => {
    const collection = uniqueName("resume_runs");
    await seed(collection);
    await engine.project.writeMigration(
      "001_backfill",
      backfillMigration(collection, uniqueName("t")),
    );
    await killMidBackfill();
    const [lastCheckpoint] = await journalScope(journal.db, journalTables("public", engine.prefix))
      .selectFrom("journalCheckpoints")
      .select((eb) => eb.fn.max("updated_at").as("last"))
      .execute();

    const m = engine.migrator();
    expect((await m.up()).error).toBeUndefined();

    const [dead, resumed, ...more] = await m.runs();
    expect(more).toEqual([]);
    expect(dead).toMatchObject({ status: "interrupted", finishedAt: lastCheckpoint?.last });
    expect(dead?.error).toContain("resumed by");
    // Its own duration, to the millisecond (the database rounds microseconds).
    const lifetime = (dead?.finishedAt?.getTime() ?? 0) - (dead?.startedAt.getTime() ?? 0);
    expect(Math.abs((dead?.durationMs ?? -9) - lifetime)).toBeLessThanOrEqual(1);
    expect(resumed).toMatchObject({ status: "applied", error: null });
    expect(resumed?.startedAt.getTime()).toBeGreaterThanOrEqual(dead?.finishedAt?.getTime() ?? 0);
  });

  it("puts Qdrant back as it was before the first attempt when the resumed run fails", async () => {
    const collection = uniqueName("resume_fail");
    await seed(collection);
    await engine.project.writeMigration(
      "001_backfill",
      backfillMigration(collection, uniqueName("t")),
    );
    await killMidBackfill();
    globalThis.qmFailVerify = true;
    try {
      const events: MigratorEvent[] = [];
      const result = await engine.migrator({ onEvent: (e) => void events.push(e) }).up();
      expect(result.error?.code).toBe("MIGRATION_FAILED");
      // Not snapshotted again over the half-done state: the first attempt's snapshot is the one restored.
      expect(events.filter((e) => e.type === "snapshot-taking")).toEqual([]);
    } finally {
      globalThis.qmFailVerify = undefined;
    }
    expect(await passes(collection)).toEqual({ none: POINTS });
  });

  it("restores and starts over a migration that is not resumable", async () => {
    const collection = uniqueName("no_resume");
    await seed(collection);
    await engine.project.writeMigration(
      "001_backfill",
      backfillMigration(collection, uniqueName("t"), ""),
    );
    await killMidBackfill();
    const result = await engine.migrator().up();
    expect(result.error).toBeUndefined();
    expect(result.recovered).toEqual(["001_backfill"]);
    expect(await passes(collection)).toEqual({ 2: POINTS });
  });

  it("keeps a restored attempt in history as its own interrupted run, before the new one", async () => {
    const collection = uniqueName("restore_runs");
    await seed(collection);
    await engine.project.writeMigration(
      "001_backfill",
      backfillMigration(collection, uniqueName("t"), ""),
    );
    await killMidBackfill();
    const m = engine.migrator();
    expect((await m.up()).error).toBeUndefined();

    const runs = await m.runs();
    expect(runs.map((r) => r.status)).toEqual(["interrupted", "applied"]);
    expect(runs[0]?.error).toContain("Qdrant restored from the journal");
    expect(runs[0]?.finishedAt?.getTime()).toBeLessThanOrEqual(runs[1]?.startedAt.getTime() ?? 0);
  });

  it("restores and starts over when the file changed since the interrupted run", async () => {
    const collection = uniqueName("resume_changed");
    const table = uniqueName("t");
    await seed(collection);
    await engine.project.writeMigration("001_backfill", backfillMigration(collection, table));
    await killMidBackfill();
    await engine.project.writeMigration(
      "001_backfill",
      `${backfillMigration(collection, table)}\n// edited`,
    );
    const result = await engine.migrator().up();
    expect(result.error).toBeUndefined();
    expect(result.recovered).toEqual(["001_backfill"]);
    expect(await passes(collection)).toEqual({ 2: POINTS });
  });

  it("--dry-run says the interrupted run is resumed", async () => {
    const collection = uniqueName("resume_plan");
    await seed(collection);
    await engine.project.writeMigration(
      "001_backfill",
      backfillMigration(collection, uniqueName("t")),
    );
    await killMidBackfill();
    const plan = await engine.migrator().plan();
    expect(plan).toEqual([expect.objectContaining({ name: "001_backfill", resumes: true })]);
  });
});
