import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ERROR_EXIT_CODES } from "../src/cli/exit-codes.js";
import { REPO_ROOT } from "./harness/child.js";

/** The README's table of `--json` error codes: code → exit code. */
function readmeCodes(): Map<string, number> {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const codes = new Map<string, number>();
  for (const line of readme.split("\n")) {
    const row = /^\| ((?:`[A-Z_]+`(?:, )?)+) \| (\d+) \|/.exec(line);
    if (!row) continue;
    for (const [, code] of (row[1] ?? "").matchAll(/`([A-Z_]+)`/g)) {
      codes.set(code as string, Number(row[2]));
    }
  }
  return codes;
}

describe("the README's table of error codes", () => {
  it("lists every code a CLI command can end with, with the exit code it maps it to", () => {
    const documented = readmeCodes();
    for (const [code, exit] of Object.entries(ERROR_EXIT_CODES)) {
      expect(documented.get(code), code).toBe(exit);
    }
  });

  it("documents no code the CLI does not know", () => {
    const unmapped = [...readmeCodes()].filter(([code]) => !(code in ERROR_EXIT_CODES));
    expect(unmapped).toEqual([]);
  });
});
