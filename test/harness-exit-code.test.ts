import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./harness/child.js";

const FIXTURE = join(REPO_ROOT, "test", "fixtures", "failing-run");
const VITEST = join(REPO_ROOT, "node_modules", "vitest", "vitest.mjs");

/** Runs vitest in a child process with the given config; resolves its exit code. */
function runVitest(config: string): Promise<{ code: number | null; output: string }> {
  const env = { ...process.env };
  // The child must start its own embedded Postgres: that is what installed the bad exit hook.
  delete env.TEST_DATABASE_URL;
  delete env.VITEST;
  delete env.VITEST_WORKER_ID;
  delete env.VITEST_POOL_ID;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VITEST, "run", "--config", join(FIXTURE, config)], {
      cwd: FIXTURE,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, output }));
  });
}

describe("test harness: a failing test fails the run", () => {
  it("exits non-zero under the repository's global setup, which starts embedded Postgres", async () => {
    const { code, output } = await runVitest("repo-harness.config.ts");
    expect(output).toContain("1 failed");
    expect(code).toBe(1);
  }, 120_000);

  it("exits non-zero when a user's global setup calls startPostgres() from qdrant-migrate/testing", async () => {
    const { code, output } = await runVitest("user-harness.config.ts");
    expect(output).toContain("1 failed");
    expect(code).toBe(1);
  }, 120_000);
});
