import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runVitest as runVitestAt } from "./harness/child.js";

const FIXTURE = join(REPO_ROOT, "test", "fixtures", "failing-run");

/** Runs vitest in a child process with the given fixture config. The child
 * must start its own embedded Postgres: that is what installed the bad exit hook. */
const runVitest = (config: string) => runVitestAt(join(FIXTURE, config));

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
