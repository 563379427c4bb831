import { execFileSync, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startPostgres } from "../src/testing/postgres.js";
import { startQdrant } from "../src/testing/qdrant/start-qdrant.js";
import type { BenchRow } from "./table.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const RUNS = 15;

/** Median wall time of `RUNS` runs of a command, in milliseconds. */
function medianMs(command: string, args: string[], cwd: string): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = process.hrtime.bigint();
    const run = spawnSync(command, args, { cwd, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`${args.join(" ")} exited ${run.status}: ${run.stderr}`);
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
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
    const first = spawnSync(process.execPath, [cli, "up"], { cwd: dir, encoding: "utf8" });
    if (first.status !== 0) throw new Error(`initial up failed: ${first.stderr}`);

    const baseline = medianMs(
      process.execPath,
      [join(ROOT, "bench", "fixtures", "connect-only.mjs"), postgres.url, qdrant.url],
      dir,
    );
    const noop = medianMs(process.execPath, [cli, "up"], dir);
    return [
      { name: "bare node: connect to both, exit (baseline)", value: baseline, unit: "ms" },
      {
        name: "no-op `up`, 20 migrations applied",
        value: noop,
        unit: "ms",
        baseline: "bare node connect",
        ratio: noop / baseline,
      },
    ];
  } finally {
    await qdrant.stop();
    await postgres.stop();
  }
}
