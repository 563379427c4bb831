// Files stay only for the refusals of a changed or deleted FILE.
import { rm, writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  defineMigration,
  type ErrorCode,
  type MigrationDefinition,
  type UpOptions,
} from "../src/index.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { type EngineHarness, useEngineProject } from "./harness/engine.js";
import { useQdrant } from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant, { migrations: "in code" });
const files = useEngineProject(db, qdrant);

const reversibleSource =
  "export default { postgres: { up: async () => {}, down: async () => {} } };";
const reversible = (): MigrationDefinition =>
  defineMigration({ postgres: { up: async () => {}, down: async () => {} } });
const upOnly = (): MigrationDefinition => defineMigration({ postgres: { up: async () => {} } });

/** Marks a migration's journal row `in_progress`, as a runner that died mid-run leaves it. */
async function interrupt(harness: EngineHarness, name: string, direction: "up" | "down") {
  await queryRows(
    db.url,
    `UPDATE "${harness.prefix}migrations" SET status = 'in_progress', direction = $2 WHERE name = $1`,
    [name, direction],
  );
}

interface Refusal {
  title: string;
  /** Brings the project and journal to the state the run refuses. */
  arrange: (harness: EngineHarness) => Promise<void>;
  direction: "up" | "down";
  /** Arranged in the project's folder: the refusal is of a changed or deleted file. */
  files?: true;
  options?: UpOptions;
  code: ErrorCode;
}

const refusals: Refusal[] = [
  {
    title: "up of a history whose applied file changed",
    direction: "up",
    code: "HISTORY_MISMATCH",
    files: true,
    async arrange(h) {
      const path = await h.project.writeMigration("001_first", reversibleSource);
      expect((await h.migrator().up()).error).toBeUndefined();
      await writeFile(path, `${reversibleSource}\n// edited after it ran`);
      await h.project.writeMigration("002_second", reversibleSource);
    },
  },
  {
    title: "up of a history whose applied file is gone",
    direction: "up",
    code: "HISTORY_MISMATCH",
    files: true,
    async arrange(h) {
      const path = await h.project.writeMigration("001_first", reversibleSource);
      expect((await h.migrator().up()).error).toBeUndefined();
      await rm(path);
      await h.project.writeMigration("002_second", reversibleSource);
    },
  },
  {
    title: "up of a pending migration that sorts before an applied one",
    direction: "up",
    code: "HISTORY_MISMATCH",
    async arrange(h) {
      h.addMigration("002_second", reversible());
      expect((await h.migrator().up()).error).toBeUndefined();
      h.addMigration("001_first", reversible());
    },
  },
  {
    title: "up --no-auto-recover over an interrupted migration",
    direction: "up",
    options: { autoRecover: false },
    code: "MIGRATION_INTERRUPTED",
    async arrange(h) {
      h.addMigration("001_first", reversible());
      expect((await h.migrator().up()).error).toBeUndefined();
      await interrupt(h, "001_first", "up");
    },
  },
  {
    title: "down of a migration without a down",
    direction: "down",
    code: "MIGRATION_IRREVERSIBLE",
    async arrange(h) {
      h.addMigration("001_first", upOnly());
      expect((await h.migrator().up()).error).toBeUndefined();
    },
  },
  {
    title: "down of a migration whose file changed",
    direction: "down",
    code: "HISTORY_MISMATCH",
    files: true,
    async arrange(h) {
      const path = await h.project.writeMigration("001_first", reversibleSource);
      expect((await h.migrator().up()).error).toBeUndefined();
      await writeFile(path, `${reversibleSource}\n// edited after it ran`);
    },
  },
  {
    title: "down of a migration whose file is gone",
    direction: "down",
    code: "HISTORY_MISMATCH",
    files: true,
    async arrange(h) {
      const path = await h.project.writeMigration("001_first", reversibleSource);
      expect((await h.migrator().up()).error).toBeUndefined();
      await rm(path);
    },
  },
  {
    title: "down over an interrupted migration",
    direction: "down",
    code: "MIGRATION_INTERRUPTED",
    async arrange(h) {
      h.addMigration("001_first", reversible());
      h.addMigration("002_second", reversible());
      expect((await h.migrator().up()).error).toBeUndefined();
      await interrupt(h, "002_second", "down");
    },
  },
];

describe("a dry run refuses exactly what the run refuses", () => {
  it.each(refusals)("$title: the plan and the run both refuse with $code", async (refusal) => {
    const h = refusal.files ? files : engine;
    await refusal.arrange(h);
    const before = await h.migrator().runs();

    const plan = h.migrator().plan({ ...refusal.options, direction: refusal.direction });
    await expect(plan).rejects.toMatchObject({ code: refusal.code });

    const run =
      refusal.direction === "up"
        ? await h.migrator().up(refusal.options)
        : await h.migrator().down();
    expect(run.error?.code).toBe(refusal.code);
    // Refused before anything ran: no new attempt in the run log.
    expect(await h.migrator().runs()).toHaveLength(before.length);
  });
});

describe("up refuses a bad history before recovering anything", () => {
  it("leaves an interrupted migration interrupted when an applied file changed", async () => {
    const path = await files.project.writeMigration("001_first", reversibleSource);
    await files.project.writeMigration("002_second", reversibleSource);
    expect((await files.migrator().up()).error).toBeUndefined();
    await interrupt(files, "002_second", "up");
    await writeFile(path, `${reversibleSource}\n// edited after it ran`);

    const run = await files.migrator().up();

    expect(run.error?.code).toBe("HISTORY_MISMATCH");
    expect(run.recovered).toEqual([]);
    const { migrations } = await files.migrator().status();
    expect(migrations.find((m) => m.name === "002_second")?.state).toBe("in_progress");
  });
});
