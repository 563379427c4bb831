import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { QdrantMigrateError } from "../../src/errors.js";
import { REPO_ROOT } from "../harness/child.js";

const SRC = join(REPO_ROOT, "src");

/** Every `.ts` file under `dir`, recursively. */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

/**
 * The entry point a file's error classes must be exported from: the testing
 * helpers' from `qdrant-migrate/testing`, the rest from `qdrant-migrate`. The
 * sandbox's are the CLI's own (`qdrant-migrate sandbox`): no library call raises them.
 */
function entryOf(file: string): string | undefined {
  const path = relative(SRC, file);
  if (path.startsWith("sandbox/")) return undefined;
  return path.startsWith("testing/") ? "src/testing/index.ts" : "src/index.ts";
}

/** Each error class declared under src/ (a subclass of QdrantMigrateError), by the entry point that must export it. */
async function errorClasses(): Promise<
  { name: string; file: string; entry: string; value: unknown }[]
> {
  const found = [];
  for (const file of sourceFiles(SRC)) {
    const entry = entryOf(file);
    if (!entry || !/^export (abstract )?class \w+ extends/m.test(readFileSync(file, "utf8"))) {
      continue;
    }
    const module: Record<string, unknown> = await import(file);
    for (const [name, value] of Object.entries(module)) {
      if (typeof value === "function" && value.prototype instanceof QdrantMigrateError) {
        found.push({ name, file: relative(REPO_ROOT, file), entry, value });
      }
    }
  }
  return found;
}

describe("the public error classes", () => {
  it("exports every error class declared under src/ from its entry point, so callers can catch it by class", async () => {
    const classes = await errorClasses();
    const entries = new Map<string, Record<string, unknown>>();
    for (const entry of new Set(classes.map((c) => c.entry))) {
      entries.set(entry, await import(join(REPO_ROOT, entry)));
    }
    const unexported = classes
      .filter((c) => entries.get(c.entry)?.[c.name] !== c.value)
      .map((c) => `${c.name} (${c.file}) from ${c.entry}`);
    expect(unexported).toEqual([]);
    // The scan found the classes, not nothing.
    expect(classes.map((c) => c.name)).toContain("CommitUnconfirmedError");
  });
});
