import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startQdrant, startQdrantBinary } from "@qdrant-migrate/qdrant-server";
import { createMigrator, defineConfig } from "../src/index.js";
import { connectQdrant, type QdrantConnection } from "../src/qdrant/connect.js";
import { startPostgres } from "../src/testing/postgres.js";
import { median, timed } from "./measure.js";
import type { BenchRow } from "./table.js";

/**
 * Adding a payload index to an existing collection through a migration
 * (lock, journal, the recorded schema its inverse needs, the Postgres
 * transaction, schema versions; no snapshot) against the raw
 * `createPayloadIndex` call on the same data. 100,000 points against the real
 * binary when QDRANT_BIN is set, 20,000 on the in-process server. Median of
 * 5 runs each, alternating which goes first, each timed once the collection
 * is green (no optimisation running in the background).
 */

const DIM = 64;
const BATCH = 1000;
const RUNS = 5;

export async function benchIndexMigration(): Promise<BenchRow[]> {
  const binary = process.env.QDRANT_BIN;
  const points = binary ? 100_000 : 20_000;
  const qdrant = binary ? await startQdrantBinary({ binary }) : await startQdrant();
  const postgres = await startPostgres();
  const where = binary ? "real Qdrant" : "in-process server";
  const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-bench-index-"));
  await mkdir(join(dir, "migrations"));
  const config = defineConfig({
    migrations: join(dir, "migrations/*.{ts,js,mjs}"),
    postgres: { url: postgres.url },
    qdrant: { url: qdrant.url, timeoutMs: 600_000 },
  });
  try {
    const conn = connectQdrant({ url: qdrant.url, timeoutMs: 600_000 });
    const name = "bench_index";
    await seed(conn, name, points);
    const raw: number[] = [];
    const migrated: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const field = `tag${run % 3}`;
      const viaRaw = async () => {
        await settled(conn, name);
        raw.push(
          await timed(() =>
            conn.client.createPayloadIndex(name, {
              field_name: field,
              field_schema: "keyword",
              wait: true,
            }),
          ),
        );
        await conn.client.deletePayloadIndex(name, field, { wait: true });
      };
      const viaMigration = async () => {
        await writeFile(
          join(dir, "migrations", `00${run}_index.mjs`),
          `export default { qdrant: { up: async ({ qdrant }) => {
            await qdrant.createPayloadIndex("${name}", { field_name: "${field}", field_schema: "keyword" });
          } } };`,
        );
        const migrator = createMigrator(config);
        try {
          await settled(conn, name);
          migrated.push(
            await timed(async () => {
              const result = await migrator.up();
              if (result.error) throw result.error;
            }),
          );
        } finally {
          await migrator.close();
        }
        await conn.client.deletePayloadIndex(name, field, { wait: true });
      };
      if (run % 2 === 0) {
        await viaRaw();
        await viaMigration();
      } else {
        await viaMigration();
        await viaRaw();
      }
    }
    const base = median(raw);
    const ours = median(migrated);
    return [
      {
        name: `raw createPayloadIndex, ${points.toLocaleString("en-US")} points (${where})`,
        value: Math.round(base),
        unit: "ms",
      },
      {
        name: "the same index through a migration (inverse, no snapshot)",
        value: Math.round(ours),
        unit: "ms",
        ratio: ours / base,
        baseline: "the raw call on the same data (goal ≤ 1.5x)",
      },
    ];
  } finally {
    await qdrant.stop();
    await postgres.stop();
  }
}

async function seed(conn: QdrantConnection, name: string, points: number): Promise<void> {
  await conn.client.createCollection(name, { vectors: { size: DIM, distance: "Cosine" } });
  let state = 7;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
  for (let start = 0; start < points; start += BATCH) {
    const batch = [];
    for (let id = start; id < Math.min(start + BATCH, points); id++) {
      const tag = `t${Math.floor(next() * points)}`;
      batch.push({
        id,
        vector: Array.from({ length: DIM }, () => next() * 2 - 1),
        payload: { tag0: tag, tag1: tag, tag2: tag },
      });
    }
    await conn.client.upsert(name, { wait: true, points: batch });
  }
}

/** Waits until no optimisation runs, so neither side pays for the other's leftovers. */
async function settled(conn: QdrantConnection, name: string): Promise<void> {
  while ((await conn.client.getCollection(name)).status !== "green") {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
