import { join } from "node:path";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { REPO_ROOT, runVitest } from "./harness/child.js";

// test/setup/temp-dir.ts: each test file's temporary directory must be empty after it.
describe("test harness: every test removes what it creates", () => {
  it("fails a test file that leaves a folder in the temporary directory, naming it, and passes one that removes its own", async () => {
    const run = await runVitest(
      join(REPO_ROOT, "test", "fixtures", "leaky-run", "leaky.config.ts"),
    );
    const output = stripVTControlCharacters(run.output);
    expect(output).toMatch(/left 1 entry in the temporary directory.*qdrant-migrate-leftover-/);
    expect(output).not.toContain("qdrant-migrate-tidy-");
    expect(output).toMatch(/1 failed \| 1 passed/);
    expect(run.code).toBe(1);
  }, 120_000);
});
