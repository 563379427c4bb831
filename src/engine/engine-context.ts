import { hostname } from "node:os";
import { postgresConnectionUrl, type ResolvedConfig } from "../config/resolve-config.js";
import { messageOf, QdrantMigrateError } from "../errors.js";
import { ensureJournalTables } from "../journal/tables.js";
import { poolerRefusal } from "../lock/errors.js";
import { postgresConnectionError } from "../postgres/connection-error.js";
import { redactSecrets } from "../util/redact.js";
import type { MigratorEvent } from "./events.js";
import type { MigratorOptions } from "./migrator-types.js";
import { openRuntime, type Runtime } from "./runtime.js";

/** What every verb of one migrator shares: its connections, its events and its signal. */
export interface EngineContext {
  rt: Runtime;
  config: ResolvedConfig;
  /** The caller's signal (never aborted when none was given). */
  signal: AbortSignal;
  /** `host:pid`, recorded in the journal row of each migration this process runs. */
  runner: string;
  emit: (event: MigratorEvent) => Promise<void>;
  /** Brings the journal's tables up to date (`journal/tables.ts`); checked once per migrator. */
  ensureTables: () => Promise<void>;
  /** Any failure as a typed, redacted `QdrantMigrateError`, for a never-throwing result. */
  toError: (error: unknown) => QdrantMigrateError;
}

export function createEngineContext(
  config: ResolvedConfig,
  options: MigratorOptions,
): EngineContext {
  const rt = openRuntime(config);
  // Checked once per migrator: `up` would otherwise read the version row twice
  // (taking the lock and again reading state) on every container start.
  let tablesReady: Promise<void> | undefined;
  return {
    rt,
    config,
    signal: options.signal ?? new AbortController().signal,
    runner: `${hostname()}:${process.pid}`,
    // A listener's failure is the caller's bug, never the migration's: after a
    // commit it must not turn into a rollback.
    emit: async (event) => {
      try {
        await options.onEvent?.(event);
      } catch {}
    },
    ensureTables: () => {
      tablesReady ??= ensureJournalTables(rt.db, rt.tables).catch((error: unknown) => {
        tablesReady = undefined;
        throw error;
      });
      return tablesReady;
    },
    toError: (error) =>
      toMigrateError(
        postgresConnectionError(error, postgresConnectionUrl(config.postgres)) ??
          poolerRefusal(error) ??
          error,
        rt.secrets,
      ),
  };
}

function toMigrateError(error: unknown, secrets: readonly string[]): QdrantMigrateError {
  if (error instanceof QdrantMigrateError) {
    error.message = redactSecrets(error.message, secrets);
    return error;
  }
  return new QdrantMigrateError("UNEXPECTED", redactSecrets(messageOf(error), secrets), {
    cause: error,
  });
}
