import { execFileSync } from "node:child_process";
import { access } from "node:fs/promises";
import { DEFAULT_QDRANT_VERSION } from "@qdrant-migrate/qdrant-server";
import { describe, expect, it } from "vitest";
import { type ChildResult, REPO_ROOT, spawnCaptured } from "./harness/child.js";

// Issue 11: `npm run demo` on a fresh clone, with nothing else running. The
// demo always starts its own sandbox (embedded Postgres, in-process Qdrant);
// under `npm run test:real` it inherits QDRANT_BIN and starts a Qdrant of its
// own from that binary instead, so the examples run on every version CI has.
const binary = process.env.QDRANT_BIN;
function npmRunDemo(): Promise<ChildResult> {
  return spawnCaptured("npm", ["run", "--silent", "demo"], {
    cwd: REPO_ROOT,
    env: process.env,
    timeoutMs: 230_000,
  });
}

/** What the binary says it is (`qdrant 1.15.5`), asked apart from the demo. */
function binaryVersion(path: string): string {
  return execFileSync(path, ["--version"], { encoding: "utf8" })
    .trim()
    .replace(/^qdrant /, "");
}

/** The demo's `before`/`after` lines of its state table, without the label. */
function stateLines(stdout: string, label: "before" | "after"): string[] {
  return stdout
    .split("\n")
    .filter((line) => line.trimStart().startsWith(`${label} `))
    .map((line) => line.trim().slice(label.length).trim());
}

describe("npm run demo", () => {
  it("applies the examples, shows a failed migration rolled back in both stores, reverts everything, and exits 0", {
    timeout: 240_000,
  }, async () => {
    const run = await npmRunDemo();
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toMatch(/\[4\/4\] down 20260101000000_bot_memory_collections/);
    expect(out).toMatch(/ROLLBACK {2}deliberate failure in verify/);
    expect(out).toContain(
      "rolled back: Postgres transaction undone, Qdrant restored from snapshots",
    );
    expect(out).toContain("up failed as intended (MIGRATION_FAILED)");
    expect(out).toContain(
      binary
        ? `(real Qdrant ${binaryVersion(binary)}, binary ${binary},`
        : `answering as Qdrant ${DEFAULT_QDRANT_VERSION}`,
    );
    // Both stores, as read before and after the failed migration, line for line.
    const before = stateLines(out, "before");
    expect(before.some((line) => line.startsWith("postgres"))).toBe(true);
    expect(before.filter((line) => line.startsWith("qdrant"))).toHaveLength(3);
    expect(stateLines(out, "after")).toEqual(before);
    expect(out).toContain("collections left: none");
    expect(out).toContain("applied migrations: 0");
    expect(out).toMatch(/done in \d+ ms/);
    const project = /migrations: 4 examples from migrations\/ \((.+)\)/.exec(out)?.[1];
    expect(project).toBeDefined();
    await expect(access(project as string)).rejects.toThrow(/ENOENT/);
  });
});
