import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startQdrant } from "@qdrant-migrate/qdrant-server";
import { startPostgres } from "../src/testing/postgres.js";
import type { BenchRow } from "./table.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = 15;

/**
 * Runs a command to its end without blocking this process's event loop, which
 * serves the in-process Qdrant the command talks to.
 */
function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd,
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, ...env },
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${args.join(" ")} exited ${code}: ${stderr}`));
    });
  });
}

/** Median wall time of `RUNS` runs of a command, in milliseconds. */
async function medianMs(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    await run(command, args, cwd, env);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/**
 * The `alembic` executable of a venv holding Alembic and psycopg2: `$BENCH_ALEMBIC`
 * (a venv folder), else `node_modules/.cache/bench-alembic`, created with pip
 * from PyPI on first use. A reason instead when Python, pip or PyPI is missing.
 */
function findAlembic(): { alembic: string } | { skipped: string } {
  const venv = process.env.BENCH_ALEMBIC ?? join(ROOT, "node_modules", ".cache", "bench-alembic");
  const alembic = join(venv, "bin", "alembic");
  if (existsSync(alembic)) return { alembic };
  if (process.env.BENCH_ALEMBIC) return { skipped: `no ${alembic} (BENCH_ALEMBIC)` };
  try {
    execFileSync("python3", ["-m", "venv", venv], { stdio: "ignore" });
    execFileSync(join(venv, "bin", "pip"), ["install", "-q", "alembic", "psycopg2-binary"], {
      stdio: "ignore",
    });
  } catch (error) {
    return { skipped: `could not install Alembic into ${venv}: ${(error as Error).message}` };
  }
  return existsSync(alembic) ? { alembic } : { skipped: `pip left no ${alembic}` };
}

/**
 * An Alembic project of 20 trivial revisions (a table each, like the 20
 * migrations below) against the same Postgres, all applied, so that
 * `alembic upgrade head` has nothing to do.
 */
async function alembicProject(alembic: string, postgresUrl: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-bench-alembic-"));
  await mkdir(join(dir, "versions"));
  const url = postgresUrl.replace(/^postgres(ql)?:\/\//, "postgresql+psycopg2://");
  await writeFile(
    join(dir, "alembic.ini"),
    `[alembic]\nscript_location = .\nsqlalchemy.url = ${url}\n`,
  );
  await writeFile(
    join(dir, "env.py"),
    `from alembic import context
from sqlalchemy import engine_from_config, pool
config = context.config
engine = engine_from_config(config.get_section(config.config_ini_section), prefix="sqlalchemy.", poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None)
    with context.begin_transaction():
        context.run_migrations()
`,
  );
  for (let i = 1; i <= 20; i++) {
    const id = (n: number) => `r${String(n).padStart(3, "0")}`;
    await writeFile(
      join(dir, "versions", `${id(i)}.py`),
      `from alembic import op
revision = "${id(i)}"
down_revision = ${i === 1 ? "None" : `"${id(i - 1)}"`}
def upgrade():
    op.execute("CREATE TABLE alembic_t_${i} (id integer)")
def downgrade():
    op.execute("DROP TABLE alembic_t_${i}")
`,
    );
  }
  await run(alembic, ["upgrade", "head"], dir);
  return dir;
}

/**
 * The no-op `up` that every container pays at start-up: the built CLI, with
 * every migration applied, as a whole process, against a bare Node process
 * that connects to both stores and exits (measured in the same run).
 */
export async function benchNoopUp(): Promise<BenchRow[]> {
  execFileSync("npm", ["run", "--silent", "build"], { cwd: ROOT, stdio: "inherit" });
  const postgres = await startPostgres();
  const qdrant = await startQdrant();
  try {
    const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-bench-"));
    await mkdir(join(dir, "migrations"));
    for (let i = 1; i <= 20; i++) {
      const name = `${String(i).padStart(3, "0")}_step.mjs`;
      const collection = `bench_${i}`;
      await writeFile(
        join(dir, "migrations", name),
        `export default {
          postgres: { up: async ({ db }) => { await db.schema.createTable("t_${i}").addColumn("id", "integer").execute(); }, down: async () => {} },
          qdrant: { up: async ({ qdrant }) => { await qdrant.createCollection("${collection}", { vectors: { size: 4, distance: "Dot" } }); }, down: async () => {} },
        };`,
      );
    }
    await writeFile(
      join(dir, "umzug.config.mjs"),
      `export default ${JSON.stringify({ postgres: { url: postgres.url }, qdrant: { url: qdrant.url } })};`,
    );
    const cli = join(ROOT, "dist", "cli", "main.js");
    await run(process.execPath, [cli, "up"], dir);

    // The same project with the config as users write it: TypeScript, importing the package.
    const tsDir = await mkdtemp(join(tmpdir(), "qdrant-migrate-bench-ts-"));
    await mkdir(join(tsDir, "node_modules"));
    await symlink(ROOT, join(tsDir, "node_modules", "qdrant-migrate"));
    await symlink(join(dir, "migrations"), join(tsDir, "migrations"));
    await writeFile(
      join(tsDir, "umzug.config.ts"),
      `import { defineConfig } from "qdrant-migrate/define";
      const timeoutMs: number = 30_000;
      export default defineConfig(${JSON.stringify({ postgres: { url: postgres.url }, qdrant: { url: qdrant.url } })});`,
    );
    await run(process.execPath, [cli, "up"], tsDir);

    const baseline = await medianMs(
      process.execPath,
      [join(ROOT, "bench", "fixtures", "connect-only.mjs"), postgres.url, qdrant.url],
      dir,
    );
    const noop = await medianMs(process.execPath, [cli, "up"], dir);
    const found = findAlembic();
    const alembicRows: BenchRow[] = [];
    if ("skipped" in found) {
      console.warn(`noop-up bench: alembic row skipped: ${found.skipped}`);
    } else {
      const alembicDir = await alembicProject(found.alembic, postgres.url);
      const alembicNoop = await medianMs(found.alembic, ["upgrade", "head"], alembicDir);
      alembicRows.push(
        { name: "`alembic upgrade head`, 20 revisions applied", value: alembicNoop, unit: "ms" },
        {
          name: "no-op `up` against no-op `alembic upgrade head` (target <= 0.5)",
          value: noop,
          unit: "ms",
          baseline: "alembic upgrade head",
          ratio: noop / alembicNoop,
        },
      );
    }
    const noopTs = await medianMs(process.execPath, [cli, "up"], tsDir);
    // A new container has no transpile cache yet: jiti transpiles the config on every start.
    const noopTsCold = await medianMs(process.execPath, [cli, "up"], tsDir, {
      JITI_FS_CACHE: "false",
    });
    return [
      { name: "bare node: connect to both, exit (baseline)", value: baseline, unit: "ms" },
      {
        name: "no-op `up`, 20 migrations applied",
        value: noop,
        unit: "ms",
        baseline: "bare node connect",
        ratio: noop / baseline,
      },
      {
        name: "no-op `up`, umzug.config.ts importing the package",
        value: noopTs,
        unit: "ms",
        baseline: "bare node connect",
        ratio: noopTs / baseline,
      },
      {
        name: "the same, cold transpile cache (a new container)",
        value: noopTsCold,
        unit: "ms",
        baseline: "bare node connect",
        ratio: noopTsCold / baseline,
      },
      ...alembicRows,
    ];
  } finally {
    await qdrant.stop();
    await postgres.stop();
  }
}
