import { type Kysely, sql } from "kysely";
import { type ErrorCode, messageOf, QdrantMigrateError } from "../errors.js";
import type { MigrationDatabase, StepContext } from "../migration/define-migration.js";
import { createDryClient, DryRunRecorder } from "../qdrant/dry-client.js";
import { createSchemaToolkit } from "../toolkit/schema-toolkit.js";
import { redactSecrets } from "../util/redact.js";
import type { LoadedMigration } from "./apply-migration.js";
import type { Runtime } from "./runtime.js";
import { runStep } from "./step-limits.js";

/** What `up --dry-run` found a migration's Qdrant step would send. */
export interface SimulatedStep {
  /** The writes, in order, as `createPayloadIndex docs.user_id ("keyword")` and the like. */
  operations: string[];
  /** Why the simulation stopped before the step's end, when it did (redacted). */
  stoppedAt?: string;
  /** The typed error's code, when the step refused (a toolkit refusal would fail the real run too). */
  stoppedCode?: ErrorCode;
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
  signal: AbortSignal,
): Promise<SimulatedStep> {
  const operations: string[] = [];
  const up = migration.definition.qdrant?.up;
  if (!up) return { operations };
  const stop = new AbortController();
  const stopAll = AbortSignal.any([signal, stop.signal]);
  // An abandoned step's later writes are not part of the plan.
  const note = (operation: string) => {
    if (!stopAll.aborted) operations.push(operation);
  };
  const dryRun = new DryRunRecorder(note);
  // The dry client wraps the official one method by method.
  await rt.qdrant.ready();
  const qdrant = createDryClient(rt.qdrant.client, dryRun);
  const trx = await rt.db.startTransaction().setAccessMode("read only").execute();
  // Bounded, so a step stuck on a lock cannot hold the plan (nor its rollback) for long.
  const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid,
    set_config('statement_timeout', ${String(SIMULATION_LIMIT_MS)}, true),
    set_config('lock_timeout', '5000', true)`.execute(trx);
  const pid = rows[0]?.pid ?? 0;
  stopAll.addEventListener(
    "abort",
    () => void sql`SELECT pg_cancel_backend(${pid})`.execute(rt.db).catch(() => {}),
    { once: true },
  );
  const log = { info: () => {}, warn: () => {} };
  const progress = () => {};
  const engine = { dryRun };
  const ctx: StepContext = {
    db: trx as unknown as Kysely<MigrationDatabase>,
    qdrant,
    schema: createSchemaToolkit({
      qdrant,
      log,
      progress,
      signal: stopAll,
      migration: { name: migration.file.name, direction: "up" },
      engine,
    }),
    log,
    progress,
    signal: stopAll,
    migration: { name: migration.file.name, direction: "up" },
    dryRun: true,
    engine,
  };
  try {
    await runStep(() => up(ctx), stopAll, {
      ms: SIMULATION_LIMIT_MS,
      onTimeout: () => stop.abort(new Error(`still running after ${SIMULATION_LIMIT_MS / 1000} s`)),
    });
    return { operations: [...operations] };
  } catch (error) {
    signal.throwIfAborted();
    const stopped: SimulatedStep = {
      operations: [...operations],
      stoppedAt: redactSecrets(messageOf(error), rt.secrets),
    };
    if (error instanceof QdrantMigrateError) stopped.stoppedCode = error.code;
    return stopped;
  } finally {
    if (!stopAll.aborted) stop.abort(new Error("simulation over"));
    await trx
      .rollback()
      .execute()
      .catch(() => {});
  }
}
