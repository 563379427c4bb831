import { spawn } from "node:child_process";
import { access, constants } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { QdrantClient, Schemas } from "@qdrant/js-client-rest";
import { startQdrantBinary } from "@qdrant-migrate/qdrant-server";
import type { StepEngine } from "../src/migration/define-migration.js";
import { cloneCollection } from "../src/qdrant/collection-clone.js";
import { connectQdrant, type QdrantConnection } from "../src/qdrant/connect.js";
import { readTopology } from "../src/qdrant/topology.js";
import { copyCollection } from "../src/toolkit/data/copy-collection.js";
import { changeVector } from "../src/toolkit/schema/blue-green.js";
import type { ToolkitContext } from "../src/toolkit/toolkit-context.js";
import { median, timed } from "./measure.js";
import { DIM } from "./schema-points.js";
import type { BenchRow } from "./table.js";

/**
 * Issue 25's copy rows, on the real binary (QDRANT_BIN, by default
 * `../shared/qdrant/bin/qdrant` beside the checkout; skipped when absent):
 * BENCH_COPY_POINTS (20,000) points with three named 384-d vectors, as the
 * per-bot memory collections have them, copied into a new collection:
 *
 * - the server-side clone of a plain `copyCollection` (a shard snapshot
 *   recovered under the new name) against the streaming copy it replaces;
 * - `changeVector` of one of the three vectors on 1.18+ (clone, then only
 *   that vector) against the full copy it makes on an older server;
 * - the streaming copy against Qdrant's own migration tool (`qdrant/migration`,
 *   Go, gRPC, batch 64, 2 workers), built by hand and named by
 *   QDRANT_MIGRATION_BIN (the row is skipped without it).
 *
 * The step context is built by hand with a plain client (writes untracked,
 * the clone's ledger a no-op), as in bench/schema-toolkit.ts. Medians of
 * BENCH_COPY_RUNS (3) runs, each run's order reversed from the last. HNSW
 * indexing is off, so background index building lands on neither side.
 */

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const VECTORS = ["content", "emotion", "semantic"] as const;
const LOAD_BATCH = 128;

const envInt = (name: string, fallback: number) => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${name} must be a whole number`);
  return value;
};

export async function benchCopy(): Promise<BenchRow[]> {
  const binary = process.env.QDRANT_BIN ?? join(ROOT, "..", "shared", "qdrant", "bin", "qdrant");
  if (!(await executable(binary))) {
    console.warn(`copy bench: no Qdrant binary at ${binary}; skipped`);
    return [];
  }
  const points = envInt("BENCH_COPY_POINTS", 20_000);
  const runs = envInt("BENCH_COPY_RUNS", 3);
  const migrationTool = process.env.QDRANT_MIGRATION_BIN;
  const toolPresent = migrationTool !== undefined && (await executable(migrationTool));
  if (!toolPresent) {
    console.warn(
      `copy bench: ${migrationTool ? `no executable at QDRANT_MIGRATION_BIN=${migrationTool}` : "QDRANT_MIGRATION_BIN is not set"}; the qdrant/migration row is skipped (build it from github.com/qdrant/migration)`,
    );
  }
  const real = await startQdrantBinary({ binary });
  try {
    const conn = connectQdrant({ url: real.url, timeoutMs: 600_000 });
    const { client } = conn;
    const source = "bench_copy_source";
    await createMemoryCollection(client, source);
    await load(client, source, points);
    const ctx = toolkitContext(conn, await readTopology(conn, {}, () => conn));
    let n = 0;
    const fresh = () => `bench_copy_${++n}`;
    const drop = (name: string) => client.deleteCollection(name);
    const cases: Record<string, () => Promise<number>> = {
      streaming: async () => {
        const to = fresh();
        const ms = await timed(() => copyCollection({ ...ctx, engine: {} }, source, to));
        await drop(to);
        return ms;
      },
      clone: async () => {
        const to = fresh();
        const ms = await timed(async () => {
          const result = await copyCollection(ctx, source, to);
          if (!result.cloned) throw new Error("copy bench: the copy was not cloned");
        });
        await drop(to);
        return ms;
      },
      fullCopyChange: () => vectorChange(ctx, client, source, "1.17.0"),
      inPlaceChange: () => vectorChange(ctx, client, source, undefined),
      ...(toolPresent && {
        migrationTool: async () => {
          const to = fresh();
          const ms = await timed(() =>
            run(migrationTool as string, [
              "qdrant",
              `--source.url=${real.grpcUrl}`,
              `--source.collection=${source}`,
              `--target.url=${real.grpcUrl}`,
              `--target.collection=${to}`,
              "--migration.batch-size=64",
              "--migration.num-workers=2",
            ]),
          );
          const { count } = await client.count(to, { exact: true });
          if (count !== points) throw new Error(`qdrant/migration copied ${count} of ${points}`);
          await drop(to);
          await client.deleteCollection("_migration_offsets");
          return ms;
        },
      }),
    };
    const times: Record<string, number[]> = {};
    const names = Object.keys(cases);
    for (let r = 0; r < runs; r++) {
      for (const name of r % 2 === 0 ? names : [...names].reverse()) {
        const ms = await (cases[name] as () => Promise<number>)();
        times[name] = [...(times[name] ?? []), ms];
      }
    }
    const rate = (name: string) => points / (median(times[name] as number[]) / 1000);
    const what = `${points.toLocaleString("en-US")} × 3 × ${DIM}`;
    const row = (name: string, key: string, baseline?: [string, string]): BenchRow => ({
      name,
      value: Math.round(rate(key)),
      unit: "points/s",
      ...(baseline && { ratio: rate(key) / rate(baseline[0]), baseline: baseline[1] }),
    });
    const rows = [
      row(`copyCollection ${what}, streaming (no clone offered)`, "streaming"),
      row("copyCollection, server-side clone", "clone", [
        "streaming",
        "streaming copy (goal ≥ 5x)",
      ]),
      row("changeVector of 1 of 3 vectors, full copy (Qdrant < 1.18 path)", "fullCopyChange"),
      row("changeVector of 1 of 3 vectors, clone + that vector (1.18+)", "inPlaceChange", [
        "fullCopyChange",
        "full copy",
      ]),
    ];
    if (toolPresent) {
      rows.push(
        row("qdrant/migration (Go, gRPC, batch 64, 2 workers)", "migrationTool"),
        row("copyCollection, streaming", "streaming", [
          "migrationTool",
          "qdrant/migration (goal ≥ 1x)",
        ]),
      );
    }
    return rows;
  } finally {
    await real.stop();
  }
}

/** A step's toolkit context with a plain client, and a clone whose ledger is a no-op. */
function toolkitContext(
  conn: QdrantConnection,
  topology: Awaited<ReturnType<typeof readTopology>>,
): ToolkitContext {
  const signal = new AbortController().signal;
  const engine: StepEngine = {
    cloneCollection: (from, to) =>
      cloneCollection(topology, from, to, {
        taken: async () => {},
        deleted: async () => {},
        log: () => {},
        signal,
      }),
  };
  return {
    qdrant: conn.client,
    log: { info: () => {}, warn: () => {} },
    progress: () => {},
    signal,
    engine,
    version: conn.serverVersion,
    migration: { name: "bench_copy", direction: "up" },
  };
}

/**
 * `emotion` made Dot and negated, behind a fresh alias of `source`'s copy;
 * `version` set to an older server's takes the full copy. Timed: the change.
 */
async function vectorChange(
  ctx: ToolkitContext,
  client: QdrantClient,
  source: string,
  version: string | undefined,
): Promise<number> {
  const alias = `bench_change_${Date.now().toString(36)}`;
  await copyCollection(ctx, source, `${alias}_v1`);
  await client.updateCollectionAliases({
    actions: [{ create_alias: { alias_name: alias, collection_name: `${alias}_v1` } }],
  });
  const at = version === undefined ? ctx : { ...ctx, version: async () => version };
  const ms = await timed(() =>
    changeVector(
      at,
      alias,
      "emotion",
      { distance: "Dot" },
      {
        payload: false,
        transform: (p) => {
          const vector = p.vector as Record<string, number[]>;
          return { ...p, vector: { ...vector, emotion: (vector.emotion ?? []).map((x) => -x) } };
        },
      },
    ),
  );
  await client.deleteCollection(`${alias}_v1`);
  await client.deleteCollection(`${alias}_v2`);
  return ms;
}

async function createMemoryCollection(client: QdrantClient, name: string): Promise<void> {
  await client.createCollection(name, {
    vectors: Object.fromEntries(
      VECTORS.map((v) => [v, { size: DIM, distance: "Cosine" as const }]),
    ),
    optimizers_config: { indexing_threshold: 0 },
  });
  await client.createPayloadIndex(name, { field_name: "bot", field_schema: "keyword", wait: true });
}

/** `count` points, three deterministic vectors each, two batches in flight. */
async function load(client: QdrantClient, name: string, count: number): Promise<void> {
  let state = 7;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return Math.round(((state >>> 0) / 4294967296) * 2e6 - 1e6) / 1e6;
  };
  const pending = new Set<Promise<unknown>>();
  for (let start = 0; start < count; start += LOAD_BATCH) {
    const batch: Schemas["PointStruct"][] = [];
    for (let id = start; id < Math.min(start + LOAD_BATCH, count); id++) {
      batch.push({
        id,
        vector: Object.fromEntries(VECTORS.map((v) => [v, Array.from({ length: DIM }, next)])),
        payload: { bot: `b${id % 50}`, text: `memory ${id}`, n: id },
      });
    }
    const p: Promise<unknown> = client
      .upsert(name, { wait: true, points: batch })
      .finally(() => pending.delete(p));
    pending.add(p);
    if (pending.size >= 2) await Promise.race(pending);
  }
  await Promise.all(pending);
}

function run(bin: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn(bin, args, { stdio: ["ignore", "ignore", "pipe"] });
    let err = "";
    proc.stderr.on("data", (d: Buffer) => {
      err = (err + d.toString()).slice(-2000);
    });
    proc.on("error", reject);
    proc.on("close", (code) =>
      code === 0 ? resolve() : reject(new Error(`${bin} exited ${code}: ${err}`)),
    );
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
