import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  defineMigration,
  isReversible,
  type MigrationDatabase,
  MigrationDefinitionError,
  migrationShapeProblem,
} from "../src/migration/define-migration.js";
import { useTestDatabase } from "./harness/database.js";

const database = useTestDatabase();
const step = { up: async () => {}, down: async () => {} };

describe("defineMigration", () => {
  it("returns the definition it was given", () => {
    const def = { description: "d", postgres: step };
    expect(defineMigration(def)).toBe(def);
  });

  it("throws MigrationDefinitionError naming the problem for a bad shape", () => {
    const bad = { qdrant: { up: "not a function" } } as unknown as Parameters<
      typeof defineMigration
    >[0];
    expect(() => defineMigration(bad)).toThrow(MigrationDefinitionError);
    expect(() => defineMigration(bad)).toThrow(/qdrant\.up must be a function/);
  });
});

describe("migrationShapeProblem", () => {
  it("accepts a definition with every optional part", () => {
    const full = {
      description: "all",
      collections: ["documents"],
      snapshot: "always",
      postgres: step,
      qdrant: step,
      verify: async () => {},
      timeoutMs: 1000,
    };
    expect(migrationShapeProblem(full)).toBeUndefined();
  });

  it("accepts a single half without down", () => {
    expect(migrationShapeProblem({ qdrant: { up: step.up } })).toBeUndefined();
  });

  const cases: [string, unknown, RegExp][] = [
    ["a non-object", 42, /expected an object/],
    ["an array", [step], /expected an object.*an array/],
    ["an unknown top-level key", { postgres: step, qdrnat: step }, /unknown key "qdrnat"/],
    ["an unknown step key", { qdrant: { ...step, upp: step.up } }, /unknown key "qdrant\.upp"/],
    ["no halves at all", { description: "empty" }, /neither a postgres nor a qdrant step/],
    ["a step that is not an object", { postgres: step.up }, /postgres must be an object/],
    ["a missing up", { postgres: { down: step.down } }, /postgres\.up must be a function/],
    ["a down that is not a function", { qdrant: { up: step.up, down: 1 } }, /qdrant\.down/],
    ["a verify that is not a function", { postgres: step, verify: true }, /verify must be/],
    ["a non-string description", { postgres: step, description: 3 }, /description must/],
    ["collections that are not an array", { qdrant: step, collections: "docs" }, /collections/],
    ["an empty collection name", { qdrant: step, collections: ["a", ""] }, /collections\[1\]/],
    ["a snapshot other than always", { qdrant: step, snapshot: true }, /snapshot must be "always"/],
    ["a resumable that is not a boolean", { qdrant: step, resumable: "yes" }, /resumable must be/],
    [
      "an unknown concurrentWrites policy",
      { qdrant: step, concurrentWrites: "merge" },
      /concurrentWrites must be one of "refuse", "discard", "keep"/,
    ],
  ];
  for (const [what, value, message] of cases) {
    it(`rejects ${what}`, () => {
      expect(migrationShapeProblem(value)).toMatch(message);
    });
  }
});

describe("isReversible", () => {
  it("is true when every present half has down", () => {
    expect(isReversible({ postgres: step, qdrant: step })).toBe(true);
    expect(isReversible({ qdrant: step })).toBe(true);
  });

  it("is false when the postgres half lacks down", () => {
    expect(isReversible({ postgres: { up: step.up }, qdrant: step })).toBe(false);
  });

  it("is false when the qdrant half lacks down", () => {
    expect(isReversible({ postgres: step, qdrant: { up: step.up } })).toBe(false);
  });
});

describe("MigrationDatabase", () => {
  // This test is also the typecheck proof: tsc checks it with no casts and no `any`.
  it("lets a migration create, write and read a table without casts", async () => {
    const db = new Kysely<MigrationDatabase>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url }) }),
    });
    try {
      await db.schema
        .createTable("articles")
        .addColumn("id", "bigint", (c) => c.primaryKey())
        .addColumn("title", "text", (c) => c.notNull())
        .execute();
      await sql`ALTER TABLE articles ADD COLUMN tenant text`.execute(db);
      await db.insertInto("articles").values({ id: 1, title: "Hello", tenant: "acme" }).execute();
      await db.updateTable("articles").set({ title: "Hi" }).where("id", "=", 1).execute();
      const rows = await db.selectFrom("articles").selectAll().execute();
      expect(rows).toEqual([{ id: "1", title: "Hi", tenant: "acme" }]);
      const titles = await db
        .selectFrom("articles")
        .select("title")
        .where("tenant", "=", "acme")
        .execute();
      const title: unknown = titles[0]?.title;
      expect(title).toBe("Hi");
    } finally {
      await db.destroy();
    }
  });
});
