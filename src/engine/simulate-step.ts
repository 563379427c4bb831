import type { Kysely } from "kysely";
import { messageOf } from "../errors.js";
import type { MigrationDatabase, StepContext } from "../migration/define-migration.js";
import { createDryClient } from "../qdrant/dry-client.js";
import { createSchemaToolkit } from "../schema/schema-toolkit.js";
import type { LoadedMigration } from "./apply-migration.js";
import type { Runtime } from "./runtime.js";
import { runStep } from "./step-limits.js";

/** What `up --dry-run` found a migration's Qdrant step would send. */
export interface SimulatedStep {
  /** The writes, in order, as `createPayloadIndex docs.user_id ("keyword")` and the like. */
  operations: string[];
  /** Why the simulation stopped before the step's end, when it did. */
  stoppedAt?: string;
}

const SIMULATION_LIMIT_MS = 30_000;

/**
 * Runs a migration's Qdrant `up` step against a dry client: reads go to
 * Qdrant, writes are described and not sent, the toolkit's copies, backfills
 * and imports only count, and `db` is a read-only transaction that is rolled
 * back. The Postgres step is not run, so a Qdrant step that reads what it
 * creates (or what an earlier migration of the same run would change) stops
 * the simulation, and `stoppedAt` says where.
 */
export async function simulateQdrantStep(
  rt: Runtime,
  migration: LoadedMigration,
): Promise<SimulatedStep> {
  const operations: string[] = [];
  const up = migration.definition.qdrant?.up;
  if (!up) return { operations };
  const qdrant = createDryClient(rt.qdrant.client, (operation) => operations.push(operation));
  const trx = await rt.db.startTransaction().setAccessMode("read only").execute();
  const stop = new AbortController();
  const log = { info: () => {}, warn: () => {} };
  const progress = () => {};
  const ctx: StepContext = {
    db: trx as unknown as Kysely<MigrationDatabase>,
    qdrant,
    schema: createSchemaToolkit({ qdrant, log, progress, signal: stop.signal }),
    log,
    progress,
    signal: stop.signal,
    migration: { name: migration.file.name, direction: "up" },
    dryRun: true,
  };
  try {
    await runStep(() => up(ctx), stop.signal, {
      ms: SIMULATION_LIMIT_MS,
      onTimeout: () => stop.abort(new Error(`still running after ${SIMULATION_LIMIT_MS / 1000} s`)),
    });
    return { operations };
  } catch (error) {
    return { operations, stoppedAt: messageOf(error) };
  } finally {
    await trx
      .rollback()
      .execute()
      .catch(() => {});
  }
}
