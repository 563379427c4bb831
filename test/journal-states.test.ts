import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  JOURNAL_TRANSITIONS,
  type JournalEvent,
  type JournalRowState,
} from "../src/journal/journal-states.js";
import { MigrationJournal } from "../src/journal/migration-journal.js";
import { type JournalDatabase, journalTables } from "../src/journal/table-types.js";
import { ensureJournalTables } from "../src/journal/tables.js";
import { REPO_ROOT } from "./harness/child.js";
import { useTestDatabase } from "./harness/database.js";

const database = useTestDatabase();
const tables = journalTables("public", "fsm_");
let db: Kysely<JournalDatabase>;
let journal: MigrationJournal;
let admin: pg.Client;

beforeAll(async () => {
  db = new Kysely<JournalDatabase>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url }) }),
  });
  await ensureJournalTables(db, tables);
  journal = new MigrationJournal(db, tables);
  admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
});

afterAll(async () => {
  await db?.destroy();
  await admin?.end();
});

const STATES: readonly JournalRowState[] = [
  "absent",
  "in_progress",
  "undoing",
  "applied",
  "failed",
  "rolled_back",
];
const EVENTS = Object.keys(JOURNAL_TRANSITIONS) as JournalEvent[];

/** The journal call that makes each event, on a migration named `name`. */
const WRITES: Record<JournalEvent, (name: string) => Promise<void>> = {
  "start up": (name) => journal.start({ name, checksum: "c", direction: "up", runner: "h:1" }),
  "start down": (name) => journal.start({ name, checksum: "c", direction: "down", runner: "h:1" }),
  resume: (name) =>
    journal.start({ name, checksum: "c", direction: "up", runner: "h:2", resume: true }),
  "undo begins": (name) => journal.noteUndoing(name, "step failed"),
  "undo fails": (name) => journal.noteRollbackFailed(name, "restore failed"),
  "up commits": (name) => journal.markApplied(name),
  "down commits": (name) => journal.markRolledBack(name),
  "up undone": (name) => journal.markFailed(name, "step failed", "up"),
  "down undone": (name) => journal.markFailed(name, "step failed", "down"),
  "up recovered": (name) =>
    journal.markInterrupted(name, { died: "runner died", outcome: "restored" }, "up"),
  "down recovered": (name) =>
    journal.markInterrupted(name, { died: "runner died", outcome: "restored" }, "down"),
  stamp: (name) => journal.stamp(name, "c"),
  clear: (name) => journal.remove(name),
};

let counter = 0;
/** A migration whose row is in `state` (none for `absent`). */
async function rowIn(state: JournalRowState): Promise<string> {
  counter += 1;
  const name = `m${String(counter).padStart(4, "0")}`;
  if (state !== "absent") {
    await admin.query(
      `INSERT INTO public.fsm_migrations (name, checksum, direction, status) VALUES ($1, 'c', 'up', $2)`,
      [name, state],
    );
  }
  return name;
}

async function stateOf(name: string): Promise<JournalRowState> {
  return (await journal.get(name))?.status ?? "absent";
}

describe("the journal's transitions", () => {
  const allowed = EVENTS.flatMap((event) =>
    JOURNAL_TRANSITIONS[event].from.map((from) => ({
      event,
      from,
      to: JOURNAL_TRANSITIONS[event].to,
    })),
  );
  it.each(allowed)("$event takes a row from $from to $to", async ({ event, from, to }) => {
    const name = await rowIn(from);
    await WRITES[event](name);
    expect(await stateOf(name)).toBe(to);
  });

  const refused = EVENTS.flatMap((event) =>
    STATES.filter((s) => !(JOURNAL_TRANSITIONS[event].from as readonly string[]).includes(s)).map(
      (from) => ({ event, from }),
    ),
  );
  it.each(refused)(
    "$event refuses a row that is $from, and writes nothing",
    async ({ event, from }) => {
      const name = await rowIn(from);
      const before = await journal.get(name);
      await expect(WRITES[event](name)).rejects.toMatchObject({
        code: from === "absent" ? "JOURNAL_ROW_MISSING" : "JOURNAL_TRANSITION_REFUSED",
      });
      expect(await journal.get(name)).toEqual(before);
    },
  );

  it("names the migration, the event and both states when it refuses", async () => {
    const name = await rowIn("applied");
    await expect(journal.markApplied(name)).rejects.toThrow(
      `Migration ${name}'s journal row is applied, so "up commits" (from in_progress) was refused`,
    );
  });

  it("refuses a run's records once its row is finished", async () => {
    const name = await rowIn("failed");
    await expect(journal.addChangedAliases(name, ["docs"])).rejects.toMatchObject({
      code: "JOURNAL_TRANSITION_REFUSED",
    });
    expect((await journal.get(name))?.changedAliases).toEqual([]);
  });
});

/** The rows of docs/architecture.md's transition table: event, from states, to state. */
function documentedTransitions(): Record<string, { from: string[]; to: string }> {
  const doc = readFileSync(join(REPO_ROOT, "docs", "architecture.md"), "utf8");
  const start = doc.indexOf("<!-- journal-transitions -->");
  const end = doc.indexOf("<!-- /journal-transitions -->");
  const rows: Record<string, { from: string[]; to: string }> = {};
  for (const line of doc.slice(start, end).split("\n")) {
    const cells = /^\| `([^`]+)` \| ([^|]+) \| `([a-z_]+)` \|/.exec(line);
    if (!cells) continue;
    const from = [...(cells[2] ?? "").matchAll(/`([a-z_]+)`/g)].map((m) => m[1] as string);
    rows[cells[1] as string] = { from, to: cells[3] as string };
  }
  return rows;
}

describe("docs/architecture.md's table of the journal's transitions", () => {
  it("is the code's table, row for row", () => {
    const code = Object.fromEntries(
      EVENTS.map((e) => [
        e,
        { from: [...JOURNAL_TRANSITIONS[e].from], to: JOURNAL_TRANSITIONS[e].to },
      ]),
    );
    expect(documentedTransitions()).toEqual(code);
  });
});
