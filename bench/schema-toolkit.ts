import { spawn } from "node:child_process";
import { access, constants, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { QdrantClient, type Schemas } from "@qdrant/js-client-rest";
import { startQdrant, startQdrantBinary } from "@qdrant-migrate/qdrant-server";
import { build } from "esbuild";
import { PostgresCheckpoints } from "../src/journal/checkpoints.js";
import { journalTables } from "../src/journal/table-types.js";
import { connectQdrant } from "../src/qdrant/connect.js";
import { startPostgres } from "../src/testing/postgres.js";
import { backfill } from "../src/toolkit/data/backfill.js";
import { median, timed } from "./measure.js";
import {
  createBenchCollection,
  DIM,
  kyselyFor,
  plainStepContext,
  pointBatches,
} from "./schema-points.js";
import type { BenchRow } from "./table.js";

/**
 * Issue 10's performance goals for the data-moving half of the schema
 * toolkit: `ctx.schema.copyCollection` and `backfill`, in points per second,
 * on the in-process server and on the real binary (QDRANT_BIN, by default
 * `../shared/qdrant/bin/qdrant` beside the checkout; skipped when absent).
 * Baselines, measured in the same run on the same server and client:
 *
 * - the hand-written loop: scroll 256, write 256 with wait=true, 2 writes in flight;
 * - raw upsert of the same points (no scroll, no transform), 256 a batch, 2 in flight;
 * - the sequential loop teams write by hand today: scroll 100, write 100, one
 *   at a time, once with the same client and once with a stock
 *   `new QdrantClient({ url })` as apps make it (it accepts gzip, which real
 *   Qdrant answers in chunks that stall ~40 ms: see src/qdrant/connect.ts);
 * - what the host allows: the source scrolled and the points written by raw
 *   upsert side by side, independently (no write waits for a read), both to
 *   the end. Client and server share two cores, so this bounds any copy.
 *
 * The step context is built by hand with a plain client: writes are not
 * tracked (no snapshot, no journal), as the engine's are. Backfill writes its
 * checkpoint to Postgres after each batch, as under the engine. Medians of
 * BENCH_SCHEMA_RUNS (3) runs, each run's order reversed from the last.
 * Collections have HNSW indexing off, so that background index building does
 * not land on one side of a comparison.
 *
 * Memory (real binary only): the peak RSS of a child process copying
 * BENCH_RSS_POINTS (default 50,000; issue 10 names 200,000) points of 384
 * dimensions, of one copying the throughput collection (a tenth of the size or
 * less), and of a bare node process holding a client, each run as plain
 * JavaScript (bundled by esbuild) on bare node. BENCH_SCHEMA_ONLY=throughput
 * or =memory runs one half.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const BATCH = 256;
const STREAMS = 2;
const SEQUENTIAL_BATCH = 100;

const envInt = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number`);
  return value;
};

export async function benchSchemaToolkit(): Promise<BenchRow[]> {
  const runs = envInt("BENCH_SCHEMA_RUNS", 3);
  // `throughput` or `memory` for one half only.
  const only = process.env.BENCH_SCHEMA_ONLY;
  const rows: BenchRow[] = [];
  const postgres = await startPostgres();
  const db = kyselyFor(postgres.url);
  try {
    const inProcess = await startQdrant();
    try {
      if (only !== "memory")
        rows.push(
          ...(await throughput(inProcess.url, "in-process server", {
            points: envInt("BENCH_SCHEMA_POINTS_INPROCESS", 5_000),
            runs,
            db,
          })),
        );
    } finally {
      await inProcess.stop();
    }
    const binary = process.env.QDRANT_BIN ?? join(ROOT, "..", "shared", "qdrant", "bin", "qdrant");
    if (!(await executable(binary))) {
      console.warn(`schema-toolkit bench: no Qdrant binary at ${binary}; real-server rows skipped`);
      return rows;
    }
    const real = await startQdrantBinary({ binary });
    try {
      if (only !== "memory")
        rows.push(
          ...(await throughput(real.url, "real Qdrant", {
            points: envInt("BENCH_SCHEMA_POINTS", 20_000),
            runs,
            db,
          })),
        );
      if (only !== "throughput")
        rows.push(...(await memory(real.url, envInt("BENCH_RSS_POINTS", 50_000))));
    } finally {
      await real.stop();
    }
    return rows;
  } finally {
    await db.destroy();
    await postgres.stop();
  }
}

async function throughput(
  url: string,
  where: string,
  opts: { points: number; runs: number; db: ReturnType<typeof kyselyFor> },
): Promise<BenchRow[]> {
  const { client } = connectQdrant({ url, timeoutMs: 600_000 });
  const stock = new QdrantClient({ url, checkCompatibility: false });
  const n = opts.points;
  const source = "bench_source";
  const data = [...pointBatches(n, BATCH)];
  await createBenchCollection(client, source);
  for (const points of data) await client.upsert(source, { wait: true, points });
  const tables = journalTables("public", "bench_");

  const target = (label: string, run: number) => `bench_${label}_${run}`;
  const fresh = async (name: string) => {
    await createBenchCollection(client, name);
    return name;
  };
  let version = 0;
  const copies: Record<string, (run: number) => Promise<number>> = {
    raw: async (run) => {
      const to = await fresh(target("raw", run));
      return timed(() => inFlight(data, STREAMS, (points) => upsert(client, to, points)));
    },
    copyLoop: async (run) => {
      const to = await fresh(target("loop", run));
      return timed(() =>
        pipelined(client, source, BATCH, STREAMS, true, (points) =>
          upsert(client, to, points.map(asPoint)),
        ),
      );
    },
    copySequential: async (run) => {
      const to = await fresh(target("seq", run));
      return timed(() =>
        pipelined(client, source, SEQUENTIAL_BATCH, 1, true, (points) =>
          upsert(client, to, points.map(asPoint)),
        ),
      );
    },
    copySequentialStock: async (run) => {
      const to = await fresh(target("stock", run));
      return timed(() =>
        pipelined(stock, source, SEQUENTIAL_BATCH, 1, true, (points) =>
          upsert(stock, to, points.map(asPoint)),
        ),
      );
    },
    ceiling: async (run) => {
      const to = await fresh(target("ceiling", run));
      return timed(() =>
        Promise.all([
          pipelined(client, source, BATCH, 1, true, async () => {}),
          inFlight(data, STREAMS, (points) => upsert(client, to, points)),
        ]),
      );
    },
    copyCollection: async (run) => {
      const ctx = plainStepContext(client, `bench_copy_${run}`);
      return timed(async () => {
        const result = await ctx.schema.copyCollection(source, target("ours", run));
        if (result.count !== n) throw new Error(`copyCollection copied ${result.count} of ${n}`);
      });
    },
    backfillLoop: async () => {
      const stamp = ++version;
      return timed(() =>
        pipelined(client, source, BATCH, STREAMS, true, (points) =>
          patchBatch(client, source, points, stamp),
        ),
      );
    },
    backfillSequential: async () => {
      const stamp = ++version;
      return timed(() =>
        pipelined(client, source, SEQUENTIAL_BATCH, 1, true, (points) =>
          patchBatch(client, source, points, stamp),
        ),
      );
    },
    backfillSequentialStock: async () => {
      const stamp = ++version;
      return timed(() =>
        pipelined(stock, source, SEQUENTIAL_BATCH, 1, true, (points) =>
          patchBatch(stock, source, points, stamp),
        ),
      );
    },
    backfill: async (run) => {
      const stamp = ++version;
      const name = `bench_backfill_${where}_${run}`;
      const ctx = {
        ...plainStepContext(client, name),
        engine: { checkpoints: new PostgresCheckpoints(opts.db, tables, name) },
      };
      return timed(async () => {
        const result = await backfill(ctx, source, {
          withVector: true,
          transform: (point) => patchOf(point, stamp),
        });
        if (result.updated !== n) throw new Error(`backfill updated ${result.updated} of ${n}`);
      });
    },
  };
  const times: Record<string, number[]> = {};
  const names = Object.keys(copies);
  for (let run = 0; run < opts.runs; run++) {
    for (const name of run % 2 === 0 ? names : [...names].reverse()) {
      const ms = await (copies[name] as (run: number) => Promise<number>)(run);
      times[name] = [...(times[name] ?? []), ms];
    }
    for (const label of ["raw", "loop", "seq", "stock", "ceiling", "ours"]) {
      await client.deleteCollection(target(label, run));
    }
  }
  await client.deleteCollection(source);
  const rate = (name: string) => n / (median(times[name] as number[]) / 1000);
  const pts = `${n.toLocaleString("en-US")} × ${DIM}`;
  const row = (name: string, key: string, baseline?: [string, string]): BenchRow => ({
    name,
    value: Math.round(rate(key)),
    unit: "points/s",
    ...(baseline && { ratio: rate(key) / rate(baseline[0]), baseline: baseline[1] }),
  });
  const untracked = "plain client, writes untracked";
  return [
    row(`raw upsert ${pts}, ${BATCH}/batch, ${STREAMS} in flight (${where})`, "raw"),
    row(`copy: hand loop, scroll+upsert ${BATCH}, ${STREAMS} in flight`, "copyLoop", [
      "raw",
      "raw upsert",
    ]),
    row(`copy: sequential loop, ${SEQUENTIAL_BATCH} a batch`, "copySequential", [
      "raw",
      "raw upsert",
    ]),
    row(`copy: sequential loop, ${SEQUENTIAL_BATCH} a batch, stock client`, "copySequentialStock", [
      "raw",
      "raw upsert",
    ]),
    row(`host ceiling: scroll ‖ raw upsert, independent, ${STREAMS} in flight`, "ceiling", [
      "raw",
      "raw upsert",
    ]),
    row(`ctx.schema.copyCollection, defaults (${untracked})`, "copyCollection", [
      "copyLoop",
      "hand loop (goal ≥ 0.9x)",
    ]),
    row("  the same", "copyCollection", ["raw", "raw upsert (goal ≥ 0.8x)"]),
    row("  the same", "copyCollection", ["ceiling", "host ceiling"]),
    row("  the same", "copyCollection", ["copySequential", "sequential loop (goal ≥ 5x)"]),
    row("  the same", "copyCollection", [
      "copySequentialStock",
      "sequential loop, stock client (goal ≥ 5x)",
    ]),
    row(
      `backfill (vector + payload): hand loop, scroll+batchUpdate ${BATCH}, ${STREAMS} in flight`,
      "backfillLoop",
      ["raw", "raw upsert"],
    ),
    row(`backfill: sequential loop, ${SEQUENTIAL_BATCH} a batch`, "backfillSequential", [
      "raw",
      "raw upsert",
    ]),
    row(
      `backfill: sequential loop, ${SEQUENTIAL_BATCH} a batch, stock client`,
      "backfillSequentialStock",
      ["raw", "raw upsert"],
    ),
    row(`backfill(), defaults (${untracked}, checkpoints in Postgres)`, "backfill", [
      "backfillLoop",
      "hand loop (goal ≥ 0.9x)",
    ]),
    row("  the same", "backfill", ["raw", "raw upsert (goal ≥ 0.8x)"]),
    row("  the same", "backfill", ["ceiling", "host ceiling of a copy"]),
    row("  the same", "backfill", ["backfillSequential", "sequential loop (goal ≥ 5x)"]),
    row("  the same", "backfill", [
      "backfillSequentialStock",
      "sequential loop, stock client (goal ≥ 5x)",
    ]),
  ];
}

/** A hand-written backfill's patch: the vector negated, a version stamped. */
function patchOf(point: Schemas["Record"], stamp: number) {
  const vector = (point.vector as number[]).map((x) => -x);
  return { payload: { schema_version: stamp }, vectors: { "": vector } };
}

function patchBatch(
  client: QdrantClient,
  collection: string,
  points: Schemas["Record"][],
  stamp: number,
): Promise<unknown> {
  return client.batchUpdate(collection, {
    wait: true,
    operations: [
      { set_payload: { payload: { schema_version: stamp }, points: points.map((p) => p.id) } },
      {
        update_vectors: {
          points: points.map((p) => ({ id: p.id, vector: patchOf(p, stamp).vectors })),
        },
      },
    ],
  });
}

function asPoint(record: Schemas["Record"]): Schemas["PointStruct"] {
  return {
    id: record.id,
    vector: record.vector as Schemas["VectorStruct"],
    payload: record.payload ?? {},
  };
}

function upsert(client: QdrantClient, to: string, points: Schemas["PointStruct"][]) {
  return client.upsert(to, { wait: true, points });
}

/** Each item written by `write`, at most `streams` writes in flight. */
async function inFlight<T>(
  items: Iterable<T>,
  streams: number,
  write: (item: T) => Promise<unknown>,
): Promise<void> {
  const pending = new Set<Promise<unknown>>();
  for (const item of items) {
    const p: Promise<unknown> = write(item).finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= streams) await Promise.race(pending);
  }
  await Promise.all(pending);
}

/** The hand-written loop: scroll pages of `limit`, each written by `write`, `streams` at once. */
async function pipelined(
  client: QdrantClient,
  collection: string,
  limit: number,
  streams: number,
  withVector: boolean,
  write: (points: Schemas["Record"][]) => Promise<unknown>,
): Promise<void> {
  async function* pages() {
    let offset: Schemas["ExtendedPointId"] | undefined;
    do {
      const page = await client.scroll(collection, {
        limit,
        offset,
        with_payload: true,
        with_vector: withVector,
      });
      yield page.points;
      offset = (page.next_page_offset ?? undefined) as Schemas["ExtendedPointId"] | undefined;
    } while (offset !== undefined);
  }
  const pending = new Set<Promise<unknown>>();
  for await (const points of pages()) {
    const p: Promise<unknown> = write(points).finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= streams) await Promise.race(pending);
  }
  await Promise.all(pending);
}

/** Peak RSS of child processes: copying `points` points, copying fewer, holding a client. */
async function memory(url: string, points: number): Promise<BenchRow[]> {
  const { client } = connectQdrant({ url, timeoutMs: 600_000 });
  const small = Math.max(1, Math.min(20_000, Math.floor(points / 10)));
  for (const [name, n] of [
    ["bench_rss_big", points],
    ["bench_rss_small", small],
  ] as const) {
    await createBenchCollection(client, name);
    await inFlight(pointBatches(n, BATCH, 7), STREAMS, (batch) => upsert(client, name, batch));
  }
  const script = await bundleChild();
  const bare = await child(script, ["idle", url]);
  const smallCopy = await child(script, ["copy", url, "bench_rss_small", "bench_rss_small_copy"]);
  const bigCopy = await child(script, ["copy", url, "bench_rss_big", "bench_rss_big_copy"]);
  for (const name of ["bench_rss_big", "bench_rss_small", "bench_rss_big_copy"]) {
    await client.deleteCollection(name);
  }
  await client.deleteCollection("bench_rss_small_copy");
  const mb = (kb: number) => Math.round(kb / 102.4) / 10;
  const what = (n: number) => `${n.toLocaleString("en-US")} × ${DIM}`;
  return [
    { name: "peak RSS: bare node holding a client (real Qdrant)", value: mb(bare), unit: "MB" },
    {
      name: `peak RSS: copyCollection of ${what(small)} (${small === points ? "" : "smaller, "}defaults)`,
      value: mb(smallCopy),
      unit: "MB",
      ratio: smallCopy / bare,
      baseline: "bare node holding a client",
    },
    {
      name: `peak RSS: copyCollection of ${what(points)} (defaults)`,
      value: mb(bigCopy),
      unit: "MB",
      ratio: bigCopy / (200 * 1024),
      baseline: "200 MB (goal < 1x)",
    },
    {
      name: "  the same",
      value: mb(bigCopy),
      unit: "MB",
      ratio: bigCopy / smallCopy,
      baseline: `the copy of ${(points / small).toLocaleString("en-US")}x fewer points (≈ 1x: not bounded by size)`,
    },
  ];
}

/**
 * bench/fixtures/copy-rss.ts bundled to plain JavaScript, so that its children
 * run on bare node, without a TypeScript loader in their memory.
 */
async function bundleChild(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-bench-rss-"));
  const outfile = join(dir, "copy-rss.mjs");
  await build({
    entryPoints: [join(ROOT, "bench", "fixtures", "copy-rss.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    external: ["pg-native"],
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
  return outfile;
}

/** Runs the bundled child; its peak RSS in KiB. */
function child(script: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [script, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    proc.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    proc.on("error", reject);
    proc.on("close", (code) => {
      if (code !== 0) return reject(new Error(`copy-rss ${args.join(" ")} exited ${code}`));
      resolve((JSON.parse(out) as { peakRssKb: number }).peakRssKb);
    });
  });
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
