import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/program.js";
import { REPO_ROOT } from "./harness/child.js";

function capture(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

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
