import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "../harness/child.js";

// docs/architecture.md is the map of `src/`: its tables name each file in the
// row of its folder (a first cell such as `src/journal/`, or a section such as
// "The engine (`src/engine/`)"), relative to it, or by its path from the root.

const doc = readFileSync(join(REPO_ROOT, "docs", "architecture.md"), "utf8");

const sourceFiles = readdirSync(join(REPO_ROOT, "src"), { recursive: true, encoding: "utf8" })
  .filter((file) => file.endsWith(".ts"))
  .map((file) => `src/${file}`)
  .sort();

interface Row {
  /** The folders the row speaks of, e.g. `src/journal/`. */
  folders: string[];
  /** The `.ts` names in backticks anywhere in the row. */
  names: string[];
}

const ticked = (text: string) => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] as string);

/** Every row of every table of the doc, with the folders it is about. */
function rows(): Row[] {
  let sectionFolder: string | undefined;
  const result: Row[] = [];
  for (const line of doc.split("\n")) {
    if (line.startsWith("## ")) {
      sectionFolder = ticked(line).find((t) => t.startsWith("src/") && t.endsWith("/"));
    } else if (line.startsWith("| ")) {
      const firstCell = line.split(" | ")[0] ?? "";
      const cellFolders = ticked(firstCell).filter((t) => t.endsWith("/"));
      const folders = cellFolders.length > 0 ? cellFolders : sectionFolder ? [sectionFolder] : [];
      const names = ticked(line).filter((t) => /^[\w./-]+\.ts$/.test(t));
      result.push({ folders, names });
    }
  }
  return result;
}

/** The files a row's name may mean: relative to the row's folders, or from the root or `src/`. */
function candidates(row: Row, name: string): string[] {
  return [...row.folders.map((folder) => `${folder}${name}`), name, `src/${name}`];
}

describe("docs/architecture.md, the map of src/", () => {
  it("names every file of src/ in the row of its folder, or by its path", () => {
    const named = new Set(
      rows().flatMap((row) => row.names.flatMap((name) => candidates(row, name))),
    );
    expect(sourceFiles.filter((file) => !named.has(file))).toEqual([]);
  });

  it("names no file that does not exist", () => {
    const sources = new Set(sourceFiles);
    const byBasename = (name: string) => sourceFiles.filter((f) => basename(f) === name);
    const missing = rows().flatMap((row) =>
      row.names.filter(
        (name) =>
          !candidates(row, name).some(
            (file) => sources.has(file) || existsSync(join(REPO_ROOT, file)),
          ) &&
          // A file of another folder named in passing, by a name only it has.
          byBasename(name).length !== 1,
      ),
    );
    expect(missing).toEqual([]);
  });
});
