import { chmodSync, mkdtempSync } from "node:fs";
import { readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";

/**
 * Every test file gets a temporary directory of its own: `TMPDIR`, and so
 * `os.tmpdir()` in the file and in every process it spawns, points at it
 * while the file runs. After the file (its own `afterAll` hooks included),
 * anything left in it fails the file, naming what was left, and the folder
 * is removed: every test removes what it creates. A folder per file, not the
 * shared one, so that other runs on the machine cannot make this fail.
 */

/** Tool caches the file's child processes may create (tsx's compile cache): not a test's leftovers. */
const TOOL_CACHES = [/^tsx-\d+$/, /^jiti$/];

const outer = process.env.TMPDIR;
const dir = mkdtempSync(join(tmpdir(), "qdrant-migrate-test-file-"));
// As root, embedded Postgres runs as the `postgres` OS user, which must enter
// data folders made in here (mkdtemp makes 0700).
chmodSync(dir, 0o755);
process.env.TMPDIR = dir;

afterAll(async () => {
  if (outer === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = outer;
  const left = (await readdir(dir)).filter((name) => !TOOL_CACHES.some((t) => t.test(name)));
  await rm(dir, { recursive: true, force: true });
  if (left.length > 0) {
    throw new Error(
      `this test file left ${left.length} entr${left.length === 1 ? "y" : "ies"} in the temporary ` +
        `directory (every test must remove what it creates): ${left.sort().join(", ")}`,
    );
  }
});
