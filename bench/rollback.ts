import { access, constants, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startQdrantBinary } from "@qdrant-migrate/qdrant-server";
import type { RollbackRestore } from "../src/config/define-config.js";
import { type ResolvedConfig, resolveConfig } from "../src/config/resolve-config.js";
import { createMigrator } from "../src/engine/migrator.js";
import { connectQdrant, type QdrantConnection } from "../src/qdrant/connect.js";
import { startPostgres } from "../src/testing/postgres.js";
import { median, timed } from "./measure.js";
import type { BenchRow } from "./table.js";

/**
 * Issue 25: what a failed migration's rollback costs, on the real binary
 * (`QDRANT_URL`, else QDRANT_BIN, by default `../shared/qdrant/bin/qdrant`
 * beside the checkout; skipped when absent). A migration deletes 25,000
 * points of 384 dimensions by id, then its `verify` throws; measured is the
 * whole `up` (lock, journal, snapshot, delete, rollback), at each collection
 * size (`BENCH_ROLLBACK_SIZES`, default 50,000 and 500,000), against what a
 * user would do by hand on the same collection:
 *
 * - the default rollback (`side-copy`) against the raw shard snapshot plus the
 *   raw upsert of the 25,000 deleted points (256 a batch, 2 in flight): the
 *   cost must follow the change, not the collection (goal ≤ 2x at each size);
 * - `rollback.restore: "in-place"` against the raw shard snapshot, delete and
 *   Qdrant's own shard recover (goal ≤ 1.2x);
 * - the read outage of that recover: how long searches fail or come back
 *   short while it runs (a search loop beside one raw recover).
 *
 * Vector indexing is off (`indexing_threshold: 0`) for both sides: building
 * HNSW over 500,000 vectors would take the shared machine most of an hour,
 * and a snapshot carries the index either way. Medians of 3 runs, alternated.
 */

const DIM = 384;
const CHANGED = 25_000;
const BATCH = 256;
const RUNS = 3;
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export async function benchRollback(): Promise<BenchRow[]> {
  const sizes = (process.env.BENCH_ROLLBACK_SIZES ?? "50000,500000")
    .split(",")
    .map((s) => Number(s.trim()));
  const external = process.env.QDRANT_URL;
  const binary = process.env.QDRANT_BIN ?? join(ROOT, "..", "shared", "qdrant", "bin", "qdrant");
  if (!external && !(await executable(binary))) {
    console.warn(`rollback bench: no Qdrant binary at ${binary} and no QDRANT_URL; rows skipped`);
    return [];
  }
  const qdrant = external
    ? { url: external, stop: async () => {} }
    : await startQdrantBinary({ binary, readyTimeoutMs: 120_000 });
  const postgres = await startPostgres();
  const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-bench-rollback-"));
  await mkdir(join(dir, "migrations"));
  const rows: BenchRow[] = [];
  try {
    const conn = connectQdrant({ url: qdrant.url, timeoutMs: 600_000 });
    for (const size of sizes) rows.push(...(await atSize(conn, postgres.url, dir, size)));
  } finally {
    await rm(dir, { recursive: true, force: true });
    await qdrant.stop();
    await postgres.stop();
  }
  return rows;
}

async function atSize(
  conn: QdrantConnection,
  postgresUrl: string,
  dir: string,
  size: number,
): Promise<BenchRow[]> {
  const name = `bench_rollback_${size}`;
  const step = Math.floor(size / CHANGED);
  const deleted = Array.from({ length: CHANGED }, (_, i) => i * step);
  console.warn(`rollback bench: loading ${size} points`);
  await seed(conn, name, size, step);
  console.warn(`rollback bench: ${size} points loaded; measuring`);
  await writeFile(
    join(dir, "migrations", "001_delete.mjs"),
    `export default {
      qdrant: { up: async ({ qdrant }) => {
        await qdrant.delete("${name}", { points: Array.from({ length: ${CHANGED} }, (_, i) => i * ${step}) });
      } },
      verify: async () => { throw new Error("verify says no"); },
    };`,
  );
  const configOf = (restore: RollbackRestore) =>
    resolveConfig(
      {
        postgres: { url: postgresUrl, tablePrefix: `bench_${restore.replace("-", "_")}_${size}_` },
        qdrant: { url: conn.url, timeoutMs: 600_000 },
        snapshots: { keep: 0 },
        rollback: { restore },
      },
      { rootDir: dir, env: {} },
    );
  const points = deleted.map((id) => ({ id, vector: vectorOf(id), payload: payloadOf(id) }));
  const raw = { snapshotUpsert: [] as number[], snapshotRecover: [] as number[] };
  const ours = { sideCopy: [] as number[], inPlace: [] as number[] };
  try {
    for (let run = 0; run < RUNS; run++) {
      const measures = [
        async () =>
          raw.snapshotUpsert.push(await rawSnapshotAndUpsert(conn, name, deleted, points)),
        async () => ours.sideCopy.push(await failedUp(configOf("side-copy"), conn, name, size)),
        async () => raw.snapshotRecover.push(await rawSnapshotAndRecover(conn, name, deleted)),
        async () => ours.inPlace.push(await failedUp(configOf("in-place"), conn, name, size)),
      ];
      for (const measure of run % 2 === 0 ? measures : measures.reverse()) await measure();
    }
    const outage = await readOutage(conn, name, deleted);
    const label = `${size.toLocaleString("en-US")} × ${DIM}, ${CHANGED.toLocaleString("en-US")} deleted`;
    const upsertBase = median(raw.snapshotUpsert);
    const recoverBase = median(raw.snapshotRecover);
    return [
      {
        name: `raw shard snapshot + upsert of the deleted points (${label})`,
        value: Math.round(upsertBase),
        unit: "ms",
      },
      {
        name: "  failed up, rollback.restore side-copy (default)",
        value: Math.round(median(ours.sideCopy)),
        unit: "ms",
        ratio: median(ours.sideCopy) / upsertBase,
        baseline: "raw snapshot + raw upsert of the 25,000 points (goal ≤ 2x)",
      },
      {
        name: `raw shard snapshot + delete + shard recover (${label})`,
        value: Math.round(recoverBase),
        unit: "ms",
      },
      {
        name: '  failed up, rollback.restore "in-place"',
        value: Math.round(median(ours.inPlace)),
        unit: "ms",
        ratio: median(ours.inPlace) / recoverBase,
        baseline: "raw snapshot + delete + Qdrant's own recover (goal ≤ 1.2x)",
      },
      {
        name: `  read outage of an in-place recover: ${outage.failed} of ${outage.searches} searches failed or short`,
        value: Math.round(outage.windowMs),
        unit: "ms",
        baseline: `while the recover ran ${Math.round(outage.recoverMs)} ms`,
      },
    ];
  } finally {
    await conn.client.deleteCollection(name);
  }
}

/** The whole `up` of the migration that deletes and fails; proves the collection whole again. */
async function failedUp(
  config: ResolvedConfig,
  conn: QdrantConnection,
  name: string,
  size: number,
): Promise<number> {
  const migrator = createMigrator(config);
  try {
    await settled(conn, name);
    const ms = await timed(async () => {
      const result = await migrator.up();
      if (result.error?.code !== "MIGRATION_FAILED") {
        throw new Error(`expected the rollback to succeed, got ${result.error?.message}`);
      }
    });
    await expectCount(conn, name, size);
    return ms;
  } finally {
    await migrator.close();
  }
}

async function rawSnapshotAndUpsert(
  conn: QdrantConnection,
  name: string,
  deleted: number[],
  points: { id: number; vector: number[]; payload: Record<string, unknown> }[],
): Promise<number> {
  await settled(conn, name);
  let snapshot = "";
  const snapshotMs = await timed(async () => {
    snapshot = await shardSnapshot(conn, name);
  });
  await conn.client.delete(name, { wait: true, points: deleted });
  const upsertMs = await timed(async () => {
    let next = 0;
    const worker = async () => {
      while (next < points.length) {
        const batch = points.slice(next, next + BATCH);
        next += BATCH;
        await conn.client.upsert(name, { wait: true, points: batch });
      }
    };
    await Promise.all([worker(), worker()]);
  });
  await conn.client.deleteShardSnapshot(name, 0, snapshot, { wait: true });
  return snapshotMs + upsertMs;
}

async function rawSnapshotAndRecover(
  conn: QdrantConnection,
  name: string,
  deleted: number[],
): Promise<number> {
  await settled(conn, name);
  let snapshot = "";
  const ms = await timed(async () => {
    snapshot = await shardSnapshot(conn, name);
    await conn.client.delete(name, { wait: true, points: deleted });
    await recover(conn, name, snapshot);
  });
  await conn.client.deleteShardSnapshot(name, 0, snapshot, { wait: true });
  return ms;
}

/**
 * One raw in-place recover with a search loop beside it: the span from the
 * first search that failed or came back short to the last.
 */
async function readOutage(
  conn: QdrantConnection,
  name: string,
  deleted: number[],
): Promise<{ searches: number; failed: number; windowMs: number; recoverMs: number }> {
  await settled(conn, name);
  const snapshot = await shardSnapshot(conn, name);
  await conn.client.delete(name, { wait: true, points: deleted });
  let running = true;
  let searches = 0;
  const bad: number[] = [];
  const query = vectorOf(7);
  const loop = (async () => {
    while (running) {
      const at = performance.now();
      searches++;
      try {
        const { points } = await conn.client.query(name, { query, limit: 10 });
        if (points.length < 10) bad.push(at);
      } catch {
        bad.push(at);
      }
    }
  })();
  const recoverMs = await timed(() => recover(conn, name, snapshot));
  running = false;
  await loop;
  await conn.client.deleteShardSnapshot(name, 0, snapshot, { wait: true });
  const windowMs = bad.length > 0 ? (bad.at(-1) as number) - (bad[0] as number) : 0;
  return { searches, failed: bad.length, windowMs, recoverMs };
}

async function shardSnapshot(conn: QdrantConnection, name: string): Promise<string> {
  const res = await conn.fetchRaw(`/collections/${name}/shards/0/snapshots?wait=true`, {
    method: "POST",
    timeoutMs: 600_000,
  });
  const body = (await res.json()) as { result: { name: string } };
  return body.result.name;
}

async function recover(conn: QdrantConnection, name: string, snapshot: string): Promise<void> {
  await conn.client.recoverShardFromSnapshot(name, 0, {
    location: snapshot,
    priority: "no_sync",
    wait: true,
  });
}

/**
 * Every `step`th point is the one the migration deletes, with a full vector;
 * the rest, which no side moves, load faster with 4 decimals (stored as
 * float32 all the same).
 */
async function seed(
  conn: QdrantConnection,
  name: string,
  size: number,
  step: number,
): Promise<void> {
  if ((await conn.client.collectionExists(name)).exists) await conn.client.deleteCollection(name);
  await conn.client.createCollection(name, {
    vectors: { size: DIM, distance: "Cosine" },
    optimizers_config: { indexing_threshold: 0 },
  });
  let next = 0;
  const worker = async () => {
    while (next < size) {
      const start = next;
      next += 512;
      const points = [];
      for (let id = start; id < Math.min(start + 512, size); id++) {
        const vector = id % step === 0 ? vectorOf(id) : roughVectorOf(id);
        points.push({ id, vector, payload: payloadOf(id) });
      }
      await conn.client.upsert(name, { wait: true, points });
    }
  };
  await Promise.all([worker(), worker()]);
  await expectCount(conn, name, size);
}

/**
 * A point's vector, the same every time for its id: unit length and full
 * float32 precision, as an embedding model's are (and as Qdrant answers a
 * Cosine collection's), so the raw upsert sends as much JSON as a restore.
 */
function vectorOf(id: number): number[] {
  let state = (id + 1) * 2654435761;
  const out = new Array<number>(DIM);
  let norm = 0;
  for (let i = 0; i < DIM; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = (state >>> 0) / 4294967296 - 0.5;
    norm += (out[i] as number) ** 2;
  }
  const scale = 1 / Math.sqrt(norm);
  return out.map((x) => Math.fround(x * scale));
}

function roughVectorOf(id: number): number[] {
  return vectorOf(id).map((x) => Math.round(x * 10_000) / 10_000);
}

function payloadOf(id: number): Record<string, unknown> {
  return { group: `g${id % 10}`, n: id };
}

async function expectCount(conn: QdrantConnection, name: string, size: number): Promise<void> {
  const { count } = await conn.client.count(name, { exact: true });
  if (count !== size) throw new Error(`${name} holds ${count} points, not ${size}`);
}

/** Waits until no optimisation runs, so neither side pays for the other's leftovers. */
async function settled(conn: QdrantConnection, name: string): Promise<void> {
  while ((await conn.client.getCollection(name)).status !== "green") {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
