import { rename } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "./harness/database.js";
import { cli, cliProject } from "./harness/in-process-cli.js";
import { useQdrant } from "./harness/qdrant.js";

// A mistyped migrations path must never look like "up to date": a container
// entrypoint would start the app on an unmigrated schema with CI green.
const db = useTestDatabase();
const qdrant = useQdrant();

const noop = "export default { postgres: { up: async () => {}, down: async () => {} } };";

/** A project whose config file names `migrations` as given. */
const projectWithPattern = (migrations: string) => cliProject(db, qdrant, { migrations });

interface ErrorBody {
  ok: boolean;
  error: { code: string; message: string };
}

describe("a migrations pattern whose folder does not exist", () => {
  it("up fails with exit 2 and MIGRATIONS_DIR_MISSING naming the resolved folder", async () => {
    const project = await projectWithPattern("migrashuns/*.mjs");
    await project.writeMigration("001_first", noop);
    const up = await cli(project, ["up", "--json"]);
    expect(up.code).toBe(2);
    const body = JSON.parse(up.stdout) as ErrorBody;
    expect(body.error.code).toBe("MIGRATIONS_DIR_MISSING");
    expect(body.error.message).toContain(`${join(project.dir, "migrashuns")} (from the pattern`);
    expect(up.stdout).not.toContain("up to date");
  });

  it("check fails with exit 2 instead of reporting ok", async () => {
    const project = await projectWithPattern("migrashuns/*.mjs");
    const check = await cli(project, ["check"]);
    expect(check.code).toBe(2);
    expect(check.stdout).not.toContain("ok");
    expect(check.stderr).toContain(join(project.dir, "migrashuns"));
  });

  it("status fails with exit 2 as well", async () => {
    const project = await projectWithPattern("migrashuns/*.mjs");
    const status = await cli(project, ["status", "--json"]);
    expect(status.code).toBe(2);
    expect((JSON.parse(status.stdout) as ErrorBody).error.code).toBe("MIGRATIONS_DIR_MISSING");
  });
});

describe("migration files the pattern does not match", () => {
  it("up on a fresh journal fails with exit 2 and MIGRATIONS_PATTERN_MISMATCH listing them", async () => {
    const project = await projectWithPattern("migrations/*.js");
    await project.writeMigration("001_first", noop);
    await project.writeMigration("002_second", noop);
    const up = await cli(project, ["up", "--json"]);
    expect(up.code, up.stderr).toBe(2);
    const body = JSON.parse(up.stdout) as ErrorBody;
    expect(body.error.code).toBe("MIGRATIONS_PATTERN_MISMATCH");
    expect(body.error.message).toContain('"migrations/*.js"');
    expect(body.error.message).toContain("001_first.mjs, 002_second.mjs");
  });

  it("check fails with exit 2 instead of reporting ok", async () => {
    const project = await projectWithPattern("migrations/*.js");
    await project.writeMigration("001_first", noop);
    const check = await cli(project, ["check"]);
    expect(check.code).toBe(2);
    expect(check.stdout).not.toContain("ok");
    expect(check.stderr).toContain("001_first.mjs");
  });

  it("status fails with exit 2 as well", async () => {
    const project = await projectWithPattern("migrations/*.js");
    await project.writeMigration("001_first", noop);
    const status = await cli(project, ["status", "--json"]);
    expect(status.code).toBe(2);
    expect((JSON.parse(status.stdout) as ErrorBody).error.code).toBe("MIGRATIONS_PATTERN_MISMATCH");
  });

  it("an applied migration renamed out of the pattern is reported, not taken as up to date", async () => {
    const project = await projectWithPattern("migrations/*.mjs");
    await project.writeMigration("001_first", noop);
    expect((await cli(project, ["up"])).code).toBe(0);
    // Deployed with the wrong extension: the folder is there, no file matches.
    await rename(
      join(project.migrationsDir, "001_first.mjs"),
      join(project.migrationsDir, "001_first.cjs"),
    );
    const check = await cli(project, ["check", "--json"]);
    expect(check.code).toBe(2);
    expect((JSON.parse(check.stdout) as ErrorBody).error.message).toContain("001_first.cjs");
  });

  it("up over an empty folder is still a no-op with exit 0 (no migrations yet)", async () => {
    const project = await projectWithPattern("migrations/*.mjs");
    const up = await cli(project, ["up"]);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain("nothing to do: up to date");
  });
});

describe("create under the configured pattern", () => {
  it("writes a file the pattern matches, which status then lists as pending", async () => {
    const project = await projectWithPattern("migrations/*.mjs");
    const created = await cli(project, ["create", "first", "--json"]);
    expect(created.code, created.stderr).toBe(0);
    const { path } = JSON.parse(created.stdout) as { path: string };
    expect(path).toMatch(/_first\.mjs$/);
    const status = await cli(project, ["status", "--json"]);
    expect(status.code, status.stderr).toBe(3);
    const { migrations } = JSON.parse(status.stdout) as {
      migrations: { name: string; state: string }[];
    };
    expect(migrations).toEqual([
      expect.objectContaining({ name: expect.stringMatching(/_first$/), state: "pending" }),
    ]);
  });

  it("fails with exit 2 naming the pattern when no file it can write would match", async () => {
    const project = await projectWithPattern("migrations/V*.mjs");
    const created = await cli(project, ["create", "first", "--json"]);
    expect(created.code).toBe(2);
    const body = JSON.parse(created.stdout) as ErrorBody;
    expect(body.error.code).toBe("MIGRATIONS_PATTERN_MISMATCH");
    expect(body.error.message).toContain('"migrations/V*.mjs"');
  });
});
