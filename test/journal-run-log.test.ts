import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MigrationJournal } from "../src/journal/migration-journal.js";
import { RunLog } from "../src/journal/run-log.js";
import { type JournalDatabase, journalTables } from "../src/journal/table-types.js";
import { ensureJournalTables } from "../src/journal/tables.js";
import { useTestDatabase } from "./harness/database.js";

// Issue 14: the journal keeps one row per migration; the run log keeps every attempt.
const database = useTestDatabase();
const tables = journalTables("ops", "app_");
let db: Kysely<JournalDatabase>;
let journal: MigrationJournal;
let runs: RunLog;

beforeAll(async () => {
  db = new Kysely<JournalDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url }) }),
  });
  await ensureJournalTables(db, tables);
  journal = new MigrationJournal(db, tables);
  runs = new RunLog(db, tables);
});

afterAll(async () => {
  await db?.destroy();
});

let counter = 0;
function fresh(): string {
  counter += 1;
  return `20260101_${String(counter).padStart(4, "0")}_test`;
}

const start = (name: string, direction: "up" | "down" = "up") =>
  journal.start({ name, checksum: "sha256:abc", direction, runner: "host-a:42" });

const runsOf = async (name: string) => (await runs.list()).filter((r) => r.name === name);

describe("RunLog", () => {
  it("keeps a failed attempt after the next attempt of the same migration succeeds, oldest first", async () => {
    const name = fresh();
    await start(name);
    await journal.markFailed(name, "the step threw", "up");
    await start(name);
    await journal.markApplied(name);
    expect(await runsOf(name)).toEqual([
      expect.objectContaining({ direction: "up", status: "failed", error: "the step threw" }),
      expect.objectContaining({ direction: "up", status: "applied", error: null }),
    ]);
    expect((await journal.get(name))?.status).toBe("applied");
  });

  it("records the runner, start, finish and duration of each run", async () => {
    const name = fresh();
    await start(name);
    await journal.markApplied(name);
    const [run] = await runsOf(name);
    expect(run?.runner).toBe("host-a:42");
    expect(run?.finishedAt?.getTime()).toBeGreaterThanOrEqual(run?.startedAt.getTime() ?? NaN);
    expect(run?.durationMs).toBeGreaterThanOrEqual(0);
  });

  it("records a failed down as a failed run, while its migration stays applied", async () => {
    const name = fresh();
    await start(name);
    await journal.markApplied(name);
    await start(name, "down");
    await journal.markFailed(name, "down threw", "down");
    expect((await runsOf(name)).at(-1)).toMatchObject({ direction: "down", status: "failed" });
    expect((await journal.get(name))?.status).toBe("applied");
  });

  it("leaves the run in_progress when the transaction finishing it rolls back", async () => {
    const name = fresh();
    await start(name);
    const rollback = new Error("postgres step failed");
    await expect(
      db.transaction().execute(async (trx) => {
        await journal.markApplied(name, { db: trx });
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect((await runsOf(name)).map((r) => r.status)).toEqual(["in_progress"]);
  });

  it("keeps the runs of a failed migration that repair cleared from the journal", async () => {
    const name = fresh();
    await start(name);
    await journal.markFailed(name, "boom", "up");
    await journal.remove(name);
    expect((await runsOf(name)).map((r) => r.status)).toEqual(["failed"]);
  });

  it("records a baseline stamp as a finished run with no runner", async () => {
    const name = fresh();
    await journal.stamp(name, "sha256:s");
    expect(await runsOf(name)).toEqual([
      expect.objectContaining({ status: "applied", durationMs: 0, runner: null }),
    ]);
  });
});
