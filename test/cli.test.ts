import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, startQdrant } from "@qdrant-migrate/qdrant-server";
import { afterAll, describe, expect, it, onTestFinished } from "vitest";
import { REPO_ROOT, runCli } from "./harness/child.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { cli, cliProject } from "./harness/in-process-cli.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();

/** A project with a config file, as users have it; the stores are this file's unless named. */
const newProject = (stores: { postgresUrl?: string; qdrantUrl?: string; apiKey?: string } = {}) =>
  cliProject(db, qdrant, stores);

const noop = "export default { postgres: { up: async () => {}, down: async () => {} } };";

// Most tests run the CLI in this process (`cli`): parsing, the commands, their
// output and exit codes are the same code. A test spawns it (`runCli`, the
// CLI bundled once per run) only where a process proves more: separate
// processes racing for the lock, a process that must end on its own, what
// reaches a real process's stdout and stderr, a migration file Node itself loads.
describe("CLI", () => {
  it("8 concurrent `up` processes apply each migration exactly once, and all exit 0", async () => {
    const project = await newProject();
    const table = uniqueName("runs");
    const collection = uniqueName("docs");
    await queryRows(db.url, `CREATE TABLE "${table}" (migration text)`);
    await project.writeMigration(
      "001_first",
      `export default {
        postgres: { up: async ({ db }) => { await db.insertInto("${table}").values({ migration: "001" }).execute(); }, down: async () => {} },
        qdrant: {
          up: async ({ qdrant }) => { await qdrant.createCollection("${collection}", { vectors: { size: 4, distance: "Dot" } }); },
          down: async ({ qdrant }) => { await qdrant.deleteCollection("${collection}"); },
        },
      };`,
    );
    await project.writeMigration(
      "002_second",
      `export default {
        postgres: { up: async ({ db }) => { await db.insertInto("${table}").values({ migration: "002" }).execute(); }, down: async () => {} },
        qdrant: {
          up: async ({ qdrant }) => { await qdrant.upsert("${collection}", { points: [{ id: 1, vector: [1, 2, 3, 4] }] }); },
          down: async ({ qdrant }) => { await qdrant.delete("${collection}", { points: [1] }); },
        },
      };`,
    );
    const runs = await Promise.all(
      Array.from({ length: 8 }, () => runCli(["up"], { cwd: project.dir, timeoutMs: 120_000 })),
    );
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    expect(await queryRows(db.url, `SELECT migration FROM "${table}" ORDER BY migration`)).toEqual([
      { migration: "001" },
      { migration: "002" },
    ]);
    expect((await qdrant.client.count(collection, { exact: true })).count).toBe(1);
    expect(runs.filter((r) => r.stdout.includes("up to date"))).toHaveLength(7);
  }, 180_000);

  it("check fails with exit 4 and names an applied migration whose file changed", async () => {
    const project = await newProject();
    const path = await project.writeMigration("001_first", noop);
    expect((await cli(project, ["up"])).code).toBe(0);
    await writeFile(path, `${noop}\n// edited after it ran\n`);
    const check = await cli(project, ["check"]);
    expect(check.code).toBe(4);
    expect(check.stdout).toContain("changed since applied: 001_first");
  });

  it("status --json reports pending migrations with exit 3", async () => {
    const project = await newProject();
    await project.writeMigration("001_first", noop);
    const status = await cli(project, ["status", "--json"]);
    expect(status.code).toBe(3);
    const body = JSON.parse(status.stdout) as { migrations: { name: string; state: string }[] };
    expect(body.migrations).toEqual([
      expect.objectContaining({ name: "001_first", state: "pending" }),
    ]);
  });

  it("check exits 0 when everything is applied and unchanged", async () => {
    const project = await newProject();
    await project.writeMigration("001_first", noop);
    expect((await cli(project, ["up"])).code).toBe(0);
    const check = await cli(project, ["check", "--json"]);
    expect(check.code).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, pending: [], drift: [] });
  });

  it("check --json exits 4 naming a payload index dropped by hand and a vector config changed by hand (issue 10)", async () => {
    const project = await newProject();
    const collection = uniqueName("drift");
    await project.writeMigration(
      "001_memory",
      `export default { qdrant: {
        up: async ({ schema }) => {
          await schema.ensureCollection("${collection}", {
            vectors: { content: { size: 4, distance: "Cosine" } },
            payloadIndexes: { user_id: "keyword", content_hash: "integer" },
          });
        },
        down: async ({ qdrant }) => { await qdrant.deleteCollection("${collection}"); },
      } };`,
    );
    expect((await cli(project, ["up"])).code).toBe(0);
    expect((await cli(project, ["check", "--json"])).code).toBe(0);

    await qdrant.client.deletePayloadIndex(collection, "user_id", { wait: true });
    await qdrant.client.updateCollection(collection, { vectors: { content: { on_disk: true } } });
    const check = await cli(project, ["check", "--json"]);
    expect(check.code, check.stderr).toBe(4);
    const body = JSON.parse(check.stdout) as {
      ok: boolean;
      drift: { collection: string; differences: string[] }[];
    };
    expect(body.ok).toBe(false);
    expect(body.drift).toEqual([
      {
        collection,
        differences: expect.arrayContaining([
          expect.stringMatching(/^payloadIndexes\.user_id\b.*→ \(absent\)$/),
          expect.stringMatching(/^vectors\.content\.on_disk: .* → true$/),
        ]),
      },
    ]);
  });

  it("--wait waits for a Qdrant that starts late, then proceeds", async () => {
    const port = await freePort();
    const project = await newProject({ qdrantUrl: `http://127.0.0.1:${port}` });
    await project.writeMigration("001_first", noop);
    let late: Awaited<ReturnType<typeof startQdrant>> | undefined;
    let starting: Promise<void> | undefined;
    const result = await cli(project, ["up", "--wait", "60"], {
      // Qdrant starts only once the CLI has said it is waiting for it.
      onStderr: (stderr) => {
        if (!starting && stderr.includes("waiting for Qdrant")) {
          starting = startQdrant({ port }).then((server) => {
            late = server;
          });
        }
      },
    });
    try {
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain("applied 1: 001_first");
    } finally {
      await starting;
      await late?.stop();
    }
  });

  it("--wait gives a clear error naming Qdrant when it never answers", async () => {
    const port = await freePort();
    const project = await newProject({ qdrantUrl: `http://127.0.0.1:${port}` });
    await project.writeMigration("001_first", noop);
    const result = await runCli(["up", "--wait", "2"], { cwd: project.dir, timeoutMs: 30_000 });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/Qdrant/);
    expect(result.signal).toBeNull();
  });

  it("rejects a bad config with exit 2, naming the field", async () => {
    const project = await newProject();
    await writeFile(
      join(project.dir, "umzug.config.mjs"),
      "export default { qdrant: { timeoutMs: -5 } };",
    );
    const result = await cli(project, ["status"], { env: { DATABASE_URL: db.url } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("qdrant.timeoutMs");
  });

  it("rejects a migration with a syntax error with exit 2, naming the file, applying nothing", async () => {
    const project = await newProject();
    await project.writeMigration("001_fine", noop);
    const path = await project.writeMigration(
      "002_broken",
      "export default { postgres: { up: async () => { ",
    );
    const result = await runCli(["up"], { cwd: project.dir });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(path);
    const status = JSON.parse((await cli(project, ["status", "--json"])).stdout) as {
      migrations: { state: string }[];
    };
    expect(status.migrations.map((m) => m.state)).toEqual(["pending", "pending"]);
  });

  it("up --dry-run --json prints the plan and applies nothing", async () => {
    const project = await newProject();
    await project.writeMigration("001_first", noop);
    const dry = await cli(project, ["up", "--dry-run", "--json"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({
      dryRun: true,
      plan: [{ name: "001_first", direction: "up" }],
    });
    const status = await cli(project, ["status", "--json"]);
    expect(status.code).toBe(3);
  });

  it("refuses --dry-run with exit 2 for a command that has no plan, changing nothing", async () => {
    const project = await newProject();
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    await qdrant.client.createShardSnapshot(collection, 0, { wait: true });
    const result = await cli(project, ["snapshots", "prune", "--keep", "0", "--dry-run"]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      "--dry-run is supported by up, down and collections prune only",
    );
    expect((await qdrant.client.listShardSnapshots(collection, 0)).length).toBe(1);
  });

  it("snapshots list and prune --keep 0 --force show and delete only this project's snapshots, counting another's as left alone", async () => {
    const project = await newProject();
    const collection = uniqueName("docs");
    await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
    const foreign = await qdrant.client.createShardSnapshot(collection, 0, { wait: true });
    // Qdrant names shard snapshots by the second: the migration's must not replace it.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await project.writeMigration(
      "001_upsert",
      `export default { qdrant: {
        up: async ({ qdrant }) => { await qdrant.upsert("${collection}", { points: [{ id: 1, vector: [1, 0, 0, 0] }] }); },
        down: async () => {},
      } };`,
    );
    expect((await cli(project, ["up"])).code).toBe(0);
    const ours = (await qdrant.client.listShardSnapshots(collection, 0))
      .map((s) => s.name)
      .filter((name) => name !== foreign?.name);
    expect(ours).toHaveLength(1);

    const list = await cli(project, ["snapshots", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`${collection}  ${ours[0]}`);
    expect(list.stdout).toContain("(001_upsert)");
    expect(list.stdout).not.toContain(String(foreign?.name));
    expect(list.stdout).toContain("left alone 1 other snapshot(s)");

    const prune = await cli(project, ["snapshots", "prune", "--keep", "0", "--force", "--json"]);
    expect(prune.code).toBe(0);
    expect(JSON.parse(prune.stdout).pruned).toEqual([
      { collection, deleted: ours, kept: [], leftAlone: 1 },
    ]);
    expect((await qdrant.client.listShardSnapshots(collection, 0)).map((s) => s.name)).toEqual([
      foreign?.name,
    ]);
  });

  it("answers an unknown flag with usage exit 2", async () => {
    const result = await cli(REPO_ROOT, ["up", "--no-such-flag"]);
    expect(result.code).toBe(2);
  });

  it("create writes a timestamped migration with both halves, in the pattern's extension", async () => {
    const project = await newProject();
    const result = await cli(project, ["create", "add_title_vector"]);
    expect(result.code, result.stderr).toBe(0);
    const files = await readdir(project.migrationsDir);
    const created = files.find((f) => /^\d{14}_add_title_vector\.mjs$/.test(f));
    expect(created).toBeDefined();
    const text = await readFile(join(project.migrationsDir, created as string), "utf8");
    expect(text).toContain("postgres");
    expect(text).toContain("qdrant");
  });

  it("history shows every run, a failed attempt before the one that succeeded, oldest first (issue 14)", async () => {
    const project = await newProject();
    const path = await project.writeMigration(
      "001_first",
      `export default { postgres: { up: async () => { throw new Error("not yet"); }, down: async () => {} } };`,
    );
    expect((await cli(project, ["up"])).code).toBe(1);
    await writeFile(path, noop);
    expect((await cli(project, ["up"])).code).toBe(0);
    expect((await cli(project, ["down"])).code).toBe(0);

    const history = await cli(project, ["history", "--json"]);
    expect(history.code, history.stderr).toBe(0);
    const { runs } = JSON.parse(history.stdout) as { runs: Record<string, unknown>[] };
    expect(runs).toEqual([
      expect.objectContaining({ name: "001_first", direction: "up", status: "failed" }),
      expect.objectContaining({ name: "001_first", direction: "up", status: "applied" }),
      expect.objectContaining({ name: "001_first", direction: "down", status: "rolled_back" }),
    ]);
    expect(runs[0]?.error).toContain("not yet");
    expect(runs[0]).toHaveProperty("runner", expect.stringMatching(/:\d+$/));
    const text = await cli(project, ["history"]);
    expect(text.stdout.trim().split("\n")).toHaveLength(3);
  });

  it("create writes a migration with no database or Qdrant configured (issue 14)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-create-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const result = await cli(dir, ["create", "first_step"], {
      env: { DATABASE_URL: "", QDRANT_URL: "", QDRANT_API_KEY: "" },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(await readdir(join(dir, "migrations"))).toEqual([
      expect.stringMatching(/^\d{14}_first_step\.ts$/),
    ]);
  });

  describe("secrets", () => {
    const password = "pw-Zq8-s3cret";
    const apiKey = "key-Yx7-s3cret";
    let keyed: Awaited<ReturnType<typeof startQdrant>> | undefined;
    afterAll(async () => {
      await keyed?.stop();
    });

    it("never prints the database password or the Qdrant API key, in output or errors", async () => {
      const role = uniqueName("role").toLowerCase();
      await queryRows(db.url, `CREATE ROLE "${role}" LOGIN PASSWORD '${password}'`);
      await queryRows(db.url, `ALTER DATABASE "${db.name}" OWNER TO "${role}"`);
      await queryRows(db.url, `GRANT ALL ON SCHEMA public TO "${role}"`);
      const url = new URL(db.url);
      url.username = role;
      url.password = password;
      keyed = await startQdrant({ apiKey });
      const project = await newProject({
        postgresUrl: url.toString(),
        qdrantUrl: keyed.url,
        apiKey,
      });
      await project.writeMigration(
        "001_fails",
        `export default { qdrant: { up: async ({ qdrant }) => {
          await qdrant.createCollection("${uniqueName("c")}", { vectors: { size: 4, distance: "Dot" } });
          throw new Error("failing on purpose with ${url.toString()} and ${apiKey}");
        }, down: async () => {} } };`,
      );
      const badUrl = new URL(url);
      badUrl.port = String(await freePort());
      const unreachable = await newProject({
        postgresUrl: badUrl.toString(),
        qdrantUrl: keyed.url,
        apiKey,
      });
      // The two runs that fail are real processes: whatever reaches their
      // stdout and stderr, not only the CLI's own lines, must be redacted.
      const [up, failed] = await Promise.all([
        runCli(["up"], { cwd: project.dir }),
        runCli(["status"], { cwd: unreachable.dir }),
      ]);
      const outputs = [
        up,
        await cli(project, ["status", "--json"]),
        await cli(project, ["history"]),
      ];
      expect(up.code).toBe(1);
      // The run really reached the migration, whose error quotes both secrets.
      expect(up.stderr).toContain("failing on purpose with postgres://");
      expect(up.stderr).toContain("***");
      for (const out of outputs) {
        expect(out.stdout + out.stderr).not.toContain(password);
        expect(out.stdout + out.stderr).not.toContain(apiKey);
      }
      expect(failed.code).toBe(1);
      expect(failed.stderr).toMatch(/ECONNREFUSED|connect/);
      expect(failed.stdout + failed.stderr).not.toContain(password);
    });
  });
});
