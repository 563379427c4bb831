import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { assertReachableByOthers, PostgresAccessError } from "../src/testing/postgres-access.js";

describe("startPostgres as root: folders the postgres OS user must reach", () => {
  let top: string;
  beforeEach(async () => {
    top = await mkdtemp(join(tmpdir(), "qm-access-"));
    await chmod(top, 0o755);
  });
  afterEach(async () => {
    await chmod(top, 0o755);
    await rm(top, { recursive: true, force: true });
  });

  it("accepts a path whose every folder others can enter", async () => {
    await mkdir(join(top, "a", "b"), { recursive: true, mode: 0o755 });
    await expect(assertReachableByOthers(join(top, "a", "b", "data"))).resolves.toBeUndefined();
  });

  it("names the closed folder and says how to fix it (a checkout in a mode-700 home)", async () => {
    const home = join(top, "home");
    await mkdir(join(home, "repo"), { recursive: true });
    await chmod(home, 0o700);
    const error = await assertReachableByOthers(join(home, "repo", "node_modules")).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PostgresAccessError);
    expect((error as PostgresAccessError).code).toBe("POSTGRES_FOLDER_INACCESSIBLE");
    expect((error as Error).message).toContain(`the folder ${home} is closed to other users`);
    expect((error as Error).message).toContain(`chmod o+x ${home}`);
  });
});
