import type { QdrantClient, Schemas } from "@qdrant/js-client-rest";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { JournalDatabase } from "../src/journal/table-types.js";
import type { MigrationDatabase, StepContext } from "../src/migration/define-migration.js";
import { createSchemaToolkit } from "../src/toolkit/schema-toolkit.js";

/** Helpers the schema-toolkit benches share with their RSS child (bench/fixtures/copy-rss.ts). */

export const DIM = 384;

/** Points of `DIM` dimensions, deterministic, six decimals (about what Qdrant returns for an f32). */
export function* pointBatches(
  count: number,
  batch: number,
  seed = 1,
): Generator<Schemas["PointStruct"][]> {
  let state = seed;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return Math.round(((state >>> 0) / 4294967296) * 2e6 - 1e6) / 1e6;
  };
  for (let start = 0; start < count; start += batch) {
    const points: Schemas["PointStruct"][] = [];
    for (let id = start; id < Math.min(start + batch, count); id++) {
      points.push({
        id,
        vector: Array.from({ length: DIM }, next),
        payload: { bot: `b${id % 50}`, kind: id % 3 === 0 ? "fact" : "chat", n: id },
      });
    }
    yield points;
  }
}

/**
 * The collections of the benches: no HNSW building (indexing_threshold 0), so
 * that what is timed is the transfer, not index building the server does
 * afterwards in the background on the same two cores.
 */
export async function createBenchCollection(client: QdrantClient, name: string): Promise<void> {
  await client.createCollection(name, {
    vectors: { size: DIM, distance: "Cosine" },
    optimizers_config: { indexing_threshold: 0 },
  });
}

/**
 * A step context as the engine makes it, minus the tracking: writes go
 * straight to `qdrant` (as in test/harness/step-context.ts).
 */
export function plainStepContext(qdrant: QdrantClient, name: string): StepContext {
  const log = { info: () => {}, warn: () => {} };
  const signal = new AbortController().signal;
  const progress = () => {};
  return {
    // Only backfill's checkpoints use a database, given apart (`engine.checkpoints`).
    db: undefined as unknown as Kysely<MigrationDatabase>,
    qdrant,
    schema: createSchemaToolkit({
      qdrant,
      log,
      progress,
      signal,
      migration: { name, direction: "up" },
    }),
    log,
    progress,
    signal,
    migration: { name, direction: "up" },
    dryRun: false,
  };
}

export function kyselyFor(url: string): Kysely<JournalDatabase> {
  const pool = new pg.Pool({ connectionString: url, max: 3 });
  // pool.end() does not wait for its idle sessions to close: stopping Postgres
  // right after ends them with 57P01, which an unheard 'error' turns into a
  // crash of the bench. Queries still reject on their own.
  pool.on("error", () => {});
  return new Kysely<JournalDatabase>({ dialect: new PostgresDialect({ pool }) });
}
