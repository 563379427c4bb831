import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/program.js";
import { capture } from "./harness/capture.js";

async function usage(argv: string[]): Promise<{ code: number; stderr: string }> {
  const stderr = capture();
  const code = await runCli(argv, { stdout: capture().stream, stderr: stderr.stream });
  return { code, stderr: stderr.text() };
}

describe("numeric options", () => {
  it("refuses --step 0 as bad usage (exit 2): a step counts migrations to run", async () => {
    for (const command of [["up"], ["down"]]) {
      const { code, stderr } = await usage([...command, "--step", "0"]);
      expect(code).toBe(2);
      expect(stderr).toContain("--step");
      expect(stderr).toContain("≥ 1");
    }
  });

  it("refuses a negative or fractional --keep and --wait as bad usage (exit 2)", async () => {
    for (const argv of [
      ["snapshots", "prune", "--keep", "-1"],
      ["status", "--wait", "1.5"],
    ]) {
      const { code, stderr } = await usage(argv);
      expect(code).toBe(2);
      expect(stderr).toContain("≥ 0");
    }
  });
});

describe("a Qdrant URL Node's fetch refuses", () => {
  it("is bad usage (exit 2) naming QDRANT_URL and the port, before any store is asked", async () => {
    const stderr = capture();
    const code = await runCli(["up", "--wait", "30"], {
      stdout: capture().stream,
      stderr: stderr.stream,
      cwd: tmpdir(),
      // Nothing listens on this Postgres: reaching it would fail otherwise, or wait 30 s.
      env: { DATABASE_URL: "postgres://app:pw@127.0.0.1:9/app", QDRANT_URL: "http://127.0.0.1:1" },
    });
    expect(code).toBe(2);
    expect(stderr.text()).toContain("qdrant.url (from the QDRANT_URL environment variable)");
    expect(stderr.text()).toContain("port 1, which Node's fetch refuses");
  });
});
