import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/program.js";
import { capture } from "./harness/capture.js";
import { REPO_ROOT } from "./harness/child.js";

describe("qdrant-migrate --version", () => {
  it("prints the package's version and exits 0", async () => {
    const { version } = JSON.parse(await readFile(join(REPO_ROOT, "package.json"), "utf8")) as {
      version: string;
    };
    for (const flag of ["--version", "-V"]) {
      const out = capture();
      const code = await runCli([flag], { stdout: out.stream, stderr: capture().stream });
      expect(code).toBe(0);
      expect(out.text().trim()).toBe(version);
    }
  });
});
