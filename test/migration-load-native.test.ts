import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { runTs } from "./harness/child.js";

describe("loading an .mjs migration with Node's own loader", () => {
  it("says at which line and column its syntax error is", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qm-native-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, "001_bad.mjs");
    await writeFile(
      file,
      "export default {\n  postgres: {\n    up: async ({ db }) => { await db.; },\n  },\n};\n",
    );
    const { stdout } = await runTs("test/fixtures/load-migration.ts", [file]);
    expect(stdout).toContain(`Migration 001_bad (${file}) failed to load`);
    expect(stdout).toContain("Unexpected token ';' at line 3, column 38");
  });
});
