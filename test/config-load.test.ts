import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError } from "../src/config/errors.js";
import { loadConfig } from "../src/config/load-config.js";

const DEFINE_CONFIG = JSON.stringify(resolve("src/config/define-config.js"));
const PG = "postgres://app:pw@db:5432/app";

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temp project folder holding the given files (path relative to it → contents). */
async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-config-"));
  made.push(dir);
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), contents);
  }
  return dir;
}

async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConfigError)) throw new Error(`expected ConfigError, got ${error}`);
  return error;
}

describe("loadConfig: finding the config file", () => {
  it("uses defaults from the environment when there is no config file", async () => {
    const cwd = await project({});
    const config = await loadConfig({ cwd, env: { DATABASE_URL: PG } });
    expect(config.configFile).toBeUndefined();
    expect(config.rootDir).toBe(cwd);
    expect(config.postgres.url).toBe(PG);
    expect(config.migrations).toMatchObject({ dir: join(cwd, "migrations") });
  });

  it("loads umzug.config.ts through jiti, types and imports included", async () => {
    const cwd = await project({
      "umzug.config.ts": `import { defineConfig, type QdrantMigrateConfig } from ${DEFINE_CONFIG};
        const snapshots: QdrantMigrateConfig["snapshots"] = { keep: 7 };
        export default defineConfig({ migrations: "db/*.ts", snapshots });`,
    });
    const config = await loadConfig({ cwd, env: { DATABASE_URL: PG } });
    expect(config.configFile).toBe(join(cwd, "umzug.config.ts"));
    expect(config.snapshots.keep).toBe(7);
    expect(config.migrations).toMatchObject({ dir: join(cwd, "db") });
  });

  it("prefers umzug.config.ts over .mts, .js and .mjs", async () => {
    const cwd = await project({
      "umzug.config.mjs": "export default { snapshots: { keep: 4 } };",
      "umzug.config.js": "export default { snapshots: { keep: 3 } };",
      "umzug.config.mts": "export default { snapshots: { keep: 2 } };",
      "umzug.config.ts": "export default { snapshots: { keep: 1 } };",
    });
    expect((await loadConfig({ cwd, env: { DATABASE_URL: PG } })).snapshots.keep).toBe(1);
  });

  it("finds umzug.config.mjs when it is the only one", async () => {
    const cwd = await project({ "umzug.config.mjs": "export default { lock: { timeoutMs: 5 } };" });
    const config = await loadConfig({ cwd, env: { DATABASE_URL: PG } });
    expect(config.configFile).toBe(join(cwd, "umzug.config.mjs"));
    expect(config.lock.timeoutMs).toBe(5);
  });

  it("resolves configPath against cwd and paths in it against the config's folder", async () => {
    const cwd = await project({
      "deploy/qm.config.ts": 'export default { migrations: "changes/*.ts" };',
    });
    const config = await loadConfig({
      cwd,
      configPath: "deploy/qm.config.ts",
      env: { DATABASE_URL: PG },
    });
    expect(config.configFile).toBe(join(cwd, "deploy/qm.config.ts"));
    expect(config.rootDir).toBe(join(cwd, "deploy"));
    expect(config.migrations).toMatchObject({ dir: join(cwd, "deploy/changes") });
  });

  it("reads a config file's new contents when loaded again", async () => {
    const cwd = await project({ "umzug.config.mjs": "export default { snapshots: { keep: 1 } };" });
    await loadConfig({ cwd, env: { DATABASE_URL: PG } });
    await writeFile(join(cwd, "umzug.config.mjs"), "export default { snapshots: { keep: 2 } };");
    expect((await loadConfig({ cwd, env: { DATABASE_URL: PG } })).snapshots.keep).toBe(2);
  });
});

describe("loadConfig: .env files", () => {
  it("adds variables from .env beside the config file", async () => {
    const cwd = await project({
      "umzug.config.ts": "export default {};",
      ".env": `DATABASE_URL=${PG}\n`,
    });
    const env: NodeJS.ProcessEnv = {};
    expect((await loadConfig({ cwd, env })).postgres.url).toBe(PG);
    expect(env.DATABASE_URL).toBe(PG);
  });

  it("never overrides a variable already set in the environment", async () => {
    const cwd = await project({
      ".env": "DATABASE_URL=postgres://from-dotenv/db\nQDRANT_URL=http://from-dotenv:6333\n",
    });
    const config = await loadConfig({ cwd, env: { DATABASE_URL: PG } });
    expect(config.postgres.url).toBe(PG);
    expect(config.qdrant.url).toBe("http://from-dotenv:6333");
  });

  it("falls back to the .env in cwd when the config's folder has none", async () => {
    const cwd = await project({
      "deploy/umzug.config.ts": "export default {};",
      ".env": `DATABASE_URL=${PG}\n`,
    });
    const config = await loadConfig({ cwd, configPath: "deploy/umzug.config.ts", env: {} });
    expect(config.postgres.url).toBe(PG);
  });

  it("uses only the .env beside the config file when both folders have one", async () => {
    const cwd = await project({
      "deploy/umzug.config.ts": "export default {};",
      "deploy/.env": `DATABASE_URL=${PG}\n`,
      ".env": "DATABASE_URL=postgres://cwd/db\nQDRANT_API_KEY=from-cwd\n",
    });
    const config = await loadConfig({ cwd, configPath: "deploy/umzug.config.ts", env: {} });
    expect(config.postgres.url).toBe(PG);
    expect(config.qdrant.apiKey).toBeUndefined();
  });

  it("applies .env to process.env before importing a config that reads it", async () => {
    const variable = `QM_TEST_KEEP_${process.pid}`;
    const cwd = await project({
      "umzug.config.ts": `export default { snapshots: { keep: Number(process.env.${variable}) } };`,
      ".env": `${variable}=9\n`,
    });
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = PG;
    try {
      expect((await loadConfig({ cwd })).snapshots.keep).toBe(9);
    } finally {
      delete process.env[variable];
      if (saved === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = saved;
    }
  });
});

describe("loadConfig: bad files", () => {
  it("rejects a configPath that does not exist, naming it", async () => {
    const cwd = await project({});
    const error = await configError(loadConfig({ cwd, configPath: "nope.config.ts", env: {} }));
    expect(error.code).toBe("CONFIG_NOT_FOUND");
    expect(error.message).toContain(join(cwd, "nope.config.ts"));
  });

  it("rejects a config file with a syntax error, naming the file", async () => {
    const cwd = await project({ "umzug.config.ts": "export default { snapshots: { keep: 1 };" });
    const error = await configError(loadConfig({ cwd, env: { DATABASE_URL: PG } }));
    expect(error.code).toBe("CONFIG_LOAD_FAILED");
    expect(error.file).toBe(join(cwd, "umzug.config.ts"));
    expect(error.message).toContain(join(cwd, "umzug.config.ts"));
  });

  it("rejects a config file that throws, quoting its message", async () => {
    const cwd = await project({ "umzug.config.ts": 'throw new Error("set REGION first");' });
    const error = await configError(loadConfig({ cwd, env: { DATABASE_URL: PG } }));
    expect(error.code).toBe("CONFIG_LOAD_FAILED");
    expect(error.message).toContain("set REGION first");
  });

  it("masks secrets in a throwing config's message", async () => {
    const cwd = await project({
      "umzug.config.ts":
        'throw new Error("bad: postgres://app:pg-pw-4321@db/app key=" + process.env.QDRANT_API_KEY);',
    });
    const saved = process.env.QDRANT_API_KEY;
    process.env.QDRANT_API_KEY = "qk-9f8e7d6c";
    try {
      const error = await configError(
        loadConfig({ cwd, env: { DATABASE_URL: PG, QDRANT_API_KEY: "qk-9f8e7d6c" } }),
      );
      expect(error.message).not.toContain("pg-pw-4321");
      expect(error.message).not.toContain("qk-9f8e7d6c");
    } finally {
      if (saved === undefined) delete process.env.QDRANT_API_KEY;
      else process.env.QDRANT_API_KEY = saved;
    }
  });

  it("rejects a config file without a default export", async () => {
    const cwd = await project({ "umzug.config.ts": "export const config = {};" });
    const error = await configError(loadConfig({ cwd, env: { DATABASE_URL: PG } }));
    expect(error.code).toBe("CONFIG_INVALID");
    expect(error.field).toBe("(default export)");
    expect(error.message).toContain("export default defineConfig");
  });

  it("names the config file in validation errors", async () => {
    const cwd = await project({
      "umzug.config.ts": 'export default { qdrant: { url: "ftp://q" } };',
    });
    const error = await configError(loadConfig({ cwd, env: { DATABASE_URL: PG } }));
    expect(error.field).toBe("qdrant.url");
    expect(error.message).toContain(join(cwd, "umzug.config.ts"));
  });
});
