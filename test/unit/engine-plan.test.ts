import { describe, expect, it } from "vitest";
import type { LoadedMigration } from "../../src/engine/apply-migration.js";
import { planMigrations } from "../../src/engine/plan.js";
import type { MigrationDefinition } from "../../src/index.js";

function loaded(migrations: Record<string, MigrationDefinition>): Map<string, LoadedMigration> {
  return new Map(
    Object.entries(migrations).map(([name, definition]) => [
      name,
      { file: { name, path: `/m/${name}.ts`, checksum: "x" }, definition },
    ]),
  );
}

describe("the --dry-run plan", () => {
  it("undoes declared collections that exist by inverse operations and creates those that do not", async () => {
    const plan = await planMigrations(
      loaded({ "001_a": { description: "add", collections: ["docs", "new"] } }),
      "up",
      async (c) => c === "docs",
    );
    expect(plan).toEqual([
      {
        name: "001_a",
        direction: "up",
        description: "add",
        snapshots: [],
        inverses: ["docs"],
        creates: ["new"],
      },
    ]);
  });

  it('snapshots declared collections that exist first when the migration asks snapshot: "always"', async () => {
    const plan = await planMigrations(
      loaded({ "001_a": { collections: ["docs"], snapshot: "always" } }),
      "up",
      async () => true,
    );
    expect(plan.map((p) => [p.snapshots, p.inverses])).toEqual([[["docs"], []]]);
  });

  it("counts a collection an earlier planned migration creates as existing for later ones", async () => {
    const plan = await planMigrations(
      loaded({ "001_a": { collections: ["new"] }, "002_b": { collections: ["new"] } }),
      "up",
      async () => false,
    );
    expect(plan.map((p) => [p.name, p.inverses, p.creates])).toEqual([
      ["001_a", [], ["new"]],
      ["002_b", ["new"], []],
    ]);
  });

  it("plans nothing for a migration that declares no collections, asking Qdrant nothing", async () => {
    const asked: string[] = [];
    const plan = await planMigrations(loaded({ "001_a": {} }), "down", async (c) => {
      asked.push(c);
      return true;
    });
    expect(plan).toEqual([
      {
        name: "001_a",
        direction: "down",
        description: undefined,
        snapshots: [],
        inverses: [],
        creates: [],
      },
    ]);
    expect(asked).toEqual([]);
  });
});
