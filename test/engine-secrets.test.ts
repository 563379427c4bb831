import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { useTestDatabase } from "./harness/database.js";
import { useEngineProject } from "./harness/engine.js";
import { useQdrant } from "./harness/qdrant.js";

// Issue 15: a password given through PGPASSWORD is as secret as one in the URL.
const db = useTestDatabase();
const qdrant = useQdrant();
const engine = useEngineProject(db, qdrant);
const PASSWORD = "pg-env-password-4711";

describe("secrets from the environment", () => {
  let saved: string | undefined;
  beforeEach(() => {
    saved = process.env.PGPASSWORD;
    process.env.PGPASSWORD = PASSWORD;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.PGPASSWORD;
    else process.env.PGPASSWORD = saved;
  });

  it("masks PGPASSWORD in a migration's error and in the journal", async () => {
    await engine.project.writeMigration(
      "001_leaks",
      `export default { postgres: {
        up: async () => { throw new Error("cannot log in with " + process.env.PGPASSWORD); },
        down: async () => {},
      } };`,
    );
    const m = engine.migrator();
    const result = await m.up();
    expect(result.error?.message).toContain("cannot log in with ***");
    const [record] = await m.history();
    expect(record?.error).toContain("cannot log in with ***");
    expect(JSON.stringify(record)).not.toContain(PASSWORD);
  });
});
