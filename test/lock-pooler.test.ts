import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createMigrator,
  defineConfig,
  type QdrantMigrateConfig,
  type RunResult,
} from "../src/index.js";
import { LockTimeoutError } from "../src/lock/errors.js";
import { acquireMigrationLock } from "../src/lock/migration-lock.js";
import { queryRows, useTestDatabase } from "./harness/database.js";
import {
  type PoolMode,
  pgbouncerBinary,
  type RunningPgbouncer,
  startPgbouncer,
} from "./harness/pgbouncer.js";
import { makeProject, type TestProject } from "./harness/project.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();
const bin = await pgbouncerBinary();
const SKIPPED = "SKIPPED: no pgbouncer binary (apt-get install pgbouncer, or set PGBOUNCER_BIN)";
if (!bin) console.warn(`lock-pooler.test.ts ${SKIPPED}`);

const RUNNERS = 8;
const MIGRATIONS = ["m1", "m2", "m3", "m4"];
/** The race showed in half the rounds on the old lock; a session pooler risks starvation, not the race. */
const ROUNDS: Record<PoolMode, number> = { transaction: 5, session: 3, statement: 0 };

/** The config of `project`, reaching Postgres as `postgres` says, as a team behind a pooler has it. */
function pooledConfig(
  project: TestProject,
  prefix: string,
  postgres: NonNullable<QdrantMigrateConfig["postgres"]>,
  lockTimeoutMs = 60_000,
): QdrantMigrateConfig {
  return defineConfig({
    migrations: join(project.dir, "migrations/*.mjs"),
    postgres: { ...postgres, tablePrefix: prefix },
    qdrant: { url: qdrant.url, apiKey: qdrant.apiKey, timeoutMs: 10_000 },
    lock: { timeoutMs: lockTimeoutMs },
  });
}

/** Runs `up` on eight migrators at once, each with its own connections, as eight runners would. */
async function eightUps(config: QdrantMigrateConfig): Promise<RunResult[]> {
  const migrators = Array.from({ length: RUNNERS }, () => createMigrator(config));
  try {
    return await Promise.all(migrators.map((m) => m.up()));
  } finally {
    await Promise.all(migrators.map((m) => m.close()));
  }
}

/** Four paired migrations: each creates a table and upserts one point (the first creates the collection). */
async function writePairedMigrations(project: TestProject, collection: string): Promise<string[]> {
  const tables = MIGRATIONS.map((m) => uniqueName(`t_${m}`).toLowerCase());
  for (const [i, name] of MIGRATIONS.entries()) {
    const create =
      i === 0
        ? `await qdrant.createCollection("${collection}", { vectors: { size: 4, distance: "Dot" } });`
        : "";
    await project.writeMigration(
      name,
      `export default {
        postgres: {
          up: async ({ db }) => { await db.schema.createTable("${tables[i]}").addColumn("id", "integer").execute(); },
          down: async ({ db }) => { await db.schema.dropTable("${tables[i]}").execute(); },
        },
        qdrant: {
          up: async ({ qdrant }) => {
            ${create}
            await qdrant.upsert("${collection}", { points: [{ id: ${i + 1}, vector: [1, 2, 3, 4] }] });
          },
          down: async ({ qdrant }) => { await qdrant.delete("${collection}", { points: [${i + 1}] }); },
        },
      };`,
    );
  }
  return tables;
}

/**
 * One round: eight runners run `up` at once through `url`. Every one succeeds,
 * each migration is applied by exactly one of them, once, in order, and
 * nothing is `failed`.
 */
async function eightRunnersRound(url: string): Promise<void> {
  const project = await makeProject({ postgres: db.url, qdrant: qdrant.url });
  const prefix = `${uniqueName("qm").toLowerCase()}_`;
  const collection = uniqueName("pooled");
  await writePairedMigrations(project, collection);
  const runs = await eightUps(pooledConfig(project, prefix, { url }));
  const report = JSON.stringify(
    runs.map((r) => ({ ...r, error: r.error?.message })),
    null,
    1,
  );
  for (const run of runs) expect(run.error, report).toBeUndefined();
  const attempts = await queryRows<{ name: string; status: string }>(
    db.url,
    `SELECT name, status FROM "${prefix}migration_runs" ORDER BY id`,
  );
  expect(attempts).toEqual(MIGRATIONS.map((name) => ({ name, status: "applied" })));
  const appliedBy = MIGRATIONS.map(
    (name) =>
      runs.filter((r) => r.results.some((m) => m.name === name && m.status === "success")).length,
  );
  expect(appliedBy, report).toEqual([1, 1, 1, 1]);
  expect((await qdrant.client.count(collection, { exact: true })).count).toBe(4);
}

describe.skipIf(!bin)(`behind a real pgbouncer${bin ? "" : ` (${SKIPPED})`}`, () => {
  const modes: PoolMode[] = ["transaction", "session"];
  for (const mode of modes) {
    describe(`pool_mode = ${mode}, default_pool_size = 4`, () => {
      let pooler: RunningPgbouncer | undefined;
      beforeAll(async () => {
        pooler = await startPgbouncer(bin as string, db.url, { poolMode: mode, poolSize: 4 });
      });
      afterAll(async () => {
        await pooler?.stop();
      });

      it("names the holding runner's host and pid, not the pooler, when another runner times out", async () => {
        const key = `pooler-holder-${uniqueName("k")}`;
        const url = pooler?.url as string;
        const held = await acquireMigrationLock({ url, key, timeoutMs: 0 });
        try {
          const error = await acquireMigrationLock({ url, key, timeoutMs: 0 }).then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(error).toBeInstanceOf(LockTimeoutError);
          expect((error as LockTimeoutError).holder).toMatchObject({
            host: hostname(),
            pid: process.pid,
            backendPid: held.holder.backendPid,
          });
        } finally {
          await held.release();
        }
        // Released through the pooler: the next runner gets it at once.
        const next = await acquireMigrationLock({ url, key, timeoutMs: 0 });
        await next.release();
      });

      it("eight concurrent `up` runners apply each migration exactly once, in order, and all succeed, round after round", async () => {
        for (let round = 0; round < ROUNDS[mode]; round += 1)
          await eightRunnersRound(pooler?.url as string);
      }, 240_000);
    });
  }
  describe("pool_mode = statement", () => {
    let pooler: RunningPgbouncer | undefined;
    beforeAll(async () => {
      pooler = await startPgbouncer(bin as string, db.url, { poolMode: "statement" });
    });
    afterAll(async () => {
      await pooler?.stop();
    });

    it("refuses before any change with POSTGRES_POOLER_UNSUPPORTED naming postgres.directUrl", async () => {
      const project = await makeProject({ postgres: db.url, qdrant: qdrant.url });
      const prefix = `${uniqueName("qm").toLowerCase()}_`;
      const collection = uniqueName("pooled");
      const [table] = await writePairedMigrations(project, collection);
      const migrator = createMigrator(pooledConfig(project, prefix, { url: pooler?.url }));
      try {
        const run = await migrator.up();
        expect(run.error?.code).toBe("POSTGRES_POOLER_UNSUPPORTED");
        expect(run.error?.message).toContain("postgres.directUrl");
        expect(run.error?.message).not.toContain("postgres:postgres@");
      } finally {
        await migrator.close();
      }
      expect(await queryRows(db.url, "SELECT to_regclass($1) AS t", [table])).toEqual([
        { t: null },
      ]);
      expect((await qdrant.client.collectionExists(collection)).exists).toBe(false);
    });

    it("migrates through postgres.directUrl while postgres.url is the statement-mode pooler", async () => {
      const project = await makeProject({ postgres: db.url, qdrant: qdrant.url });
      const prefix = `${uniqueName("qm").toLowerCase()}_`;
      const collection = uniqueName("pooled");
      await writePairedMigrations(project, collection);
      const config = pooledConfig(project, prefix, { url: pooler?.url, directUrl: db.url });
      const migrator = createMigrator(config);
      try {
        const run = await migrator.up();
        expect(run.error).toBeUndefined();
        expect(run.results.map((r) => r.status)).toEqual(MIGRATIONS.map(() => "success"));
      } finally {
        await migrator.close();
      }
      expect((await qdrant.client.count(collection, { exact: true })).count).toBe(4);
    });
  });
});

describe.skipIf(!bin)(
  `behind a pgbouncer that ends idle transactions${bin ? "" : ` (${SKIPPED})`}`,
  () => {
    let pooler: RunningPgbouncer | undefined;
    beforeAll(async () => {
      pooler = await startPgbouncer(bin as string, db.url, {
        poolMode: "transaction",
        idleTransactionTimeoutS: 2,
      });
    });
    afterAll(async () => {
      await pooler?.stop();
      delete process.env.QM_POOLER_SLEEP_S;
    });

    it("stops a run whose lock transaction the pooler ended with LOCK_LOST; Postgres as before, and the next run restores Qdrant before applying", async () => {
      const project = await makeProject({ postgres: db.url, qdrant: qdrant.url });
      const prefix = `${uniqueName("qm").toLowerCase()}_`;
      const collection = uniqueName("pooled");
      const table = uniqueName("t_slow").toLowerCase();
      await qdrant.client.createCollection(collection, { vectors: { size: 4, distance: "Dot" } });
      await qdrant.client.upsert(collection, {
        wait: true,
        points: [{ id: 1, vector: [1, 0, 0, 0], payload: { v: "before" } }],
      });
      // The Qdrant step changes a point, then keeps the migration's own
      // transaction busy (not idle) while the lock's transaction idles: the
      // pooler's idle_transaction_timeout ends only the lock's.
      await project.writeMigration(
        "m1",
        `export default {
          postgres: {
            up: async ({ db }) => { await db.schema.createTable("${table}").addColumn("id", "integer").execute(); },
            down: async ({ db }) => { await db.schema.dropTable("${table}").execute(); },
          },
          qdrant: {
            up: async ({ qdrant, db }) => {
              await qdrant.upsert("${collection}", { points: [{ id: 1, vector: [0, 1, 0, 0], payload: { v: "after" } }] });
              const seconds = Number(process.env.QM_POOLER_SLEEP_S ?? 0);
              await db.selectNoFrom((eb) => [eb.fn("pg_sleep", [eb.lit(seconds)]).as("slept")]).execute();
            },
            down: async () => {},
          },
        };`,
      );
      process.env.QM_POOLER_SLEEP_S = "8";
      const pooled = createMigrator(pooledConfig(project, prefix, { url: pooler?.url }));
      let run: RunResult;
      try {
        run = await pooled.up();
      } finally {
        await pooled.close();
      }
      expect(run.error?.code, run.error?.message).toBe("LOCK_LOST");
      // Postgres as before; the journal row says Qdrant's half is to be put back.
      expect(await queryRows(db.url, "SELECT to_regclass($1) AS t", [table])).toEqual([
        { t: null },
      ]);
      const journal = await queryRows<{ status: string }>(
        db.url,
        `SELECT status FROM "${prefix}migrations" WHERE name = 'm1'`,
      );
      expect(journal).toEqual([{ status: "in_progress" }]);

      // Direct, so a slow machine cannot outlast the pooler's 2 s here too.
      process.env.QM_POOLER_SLEEP_S = "0";
      const next = createMigrator(
        pooledConfig(project, prefix, { url: pooler?.url, directUrl: db.url }),
      );
      try {
        const again = await next.up();
        expect(again.error).toBeUndefined();
        expect(again.recovered).toEqual(["m1"]);
      } finally {
        await next.close();
      }
      expect(await queryRows(db.url, "SELECT to_regclass($1)::text AS t", [table])).toEqual([
        { t: table },
      ]);
      const [point] = await qdrant.client.retrieve(collection, { ids: [1], with_payload: true });
      expect(point?.payload).toEqual({ v: "after" });
      expect((await qdrant.client.count(collection, { exact: true })).count).toBe(1);
    }, 60_000);
  },
);

describe("postgres.directUrl", () => {
  it("carries migrations, the lock and the journal: postgres.url is never connected to", async () => {
    const project = await makeProject({ postgres: db.url, qdrant: qdrant.url });
    const prefix = `${uniqueName("qm").toLowerCase()}_`;
    const collection = uniqueName("direct");
    await writePairedMigrations(project, collection);
    // Nothing listens on port 1: any connection to postgres.url would fail the run.
    const unreachable = "postgres://app:pooled-pw@127.0.0.1:1/app";
    const migrator = createMigrator(
      pooledConfig(project, prefix, { url: unreachable, directUrl: db.url }),
    );
    try {
      const run = await migrator.up();
      expect(run.error).toBeUndefined();
      expect(run.results.map((r) => r.status)).toEqual(MIGRATIONS.map(() => "success"));
      expect((await migrator.status()).migrations.map((m) => m.state)).toEqual(
        MIGRATIONS.map(() => "applied"),
      );
    } finally {
      await migrator.close();
    }
  });
});
