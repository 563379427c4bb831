import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config/load-config.js";

// Issue 15: a config-load error must not print a secret the config read from
// a file (a mounted secret), which the environment knows nothing about.
const SECRET = "sk-live-0123456789abcdef";
const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("loadConfig: secrets in load errors", () => {
  it("does not print a mounted secret file that is not valid JSON", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-config-"));
    made.push(dir);
    const secretFile = join(dir, "qdrant-secret");
    await writeFile(secretFile, SECRET);
    await writeFile(
      join(dir, "umzug.config.mjs"),
      `import { readFileSync } from "node:fs";
      const { apiKey } = JSON.parse(readFileSync(${JSON.stringify(secretFile)}, "utf8"));
      export default { qdrant: { apiKey } };`,
    );
    const error = await loadConfig({ cwd: dir, env: { DATABASE_URL: "postgres://db/app" } }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain("is not valid JSON");
    expect(error?.message).not.toContain(SECRET.slice(0, 10));
  });
});
