import type { Kysely } from "kysely";
import type {
  MigrationDatabase,
  MigrationDefinition,
  StepContext,
} from "../migration/define-migration.js";
import type { MigrationFile } from "../migration/discover.js";
import { createTrackingClient } from "../qdrant/tracking-client.js";
import { redactSecrets } from "../util/redact.js";
import { ChangeTracker, type QdrantChanges } from "./change-tracker.js";
import { MigrationFailedError, messageOf, RollbackFailedError } from "./errors.js";
import type { MigratorEvent } from "./events.js";
import { recordSchemaVersions } from "./record-schema-versions.js";
import type { Runtime } from "./runtime.js";
import { undoQdrantChanges } from "./undo-qdrant-changes.js";

export interface LoadedMigration {
  file: MigrationFile;
  definition: MigrationDefinition;
}

export interface ApplyOptions {
  direction: "up" | "down";
  /** `down --from-snapshot`: undo the Qdrant half from the snapshots taken when it was applied. */
  restoreFrom?: QdrantChanges;
  runner: string;
  signal: AbortSignal;
  emit: (event: MigratorEvent) => Promise<void>;
}

/**
 * Runs one migration in one direction under the coordination protocol
 * (docs/architecture.md): journal row committed first; the Postgres step in a
 * transaction held open until the Qdrant step (and `verify`) succeed; lazy
 * snapshots before each collection's first change; on success the schema
 * versions and the journal's final status commit with that transaction; on
 * failure Postgres rolls back and Qdrant is restored from the snapshots.
 */
export async function applyMigration(
  rt: Runtime,
  migration: LoadedMigration,
  options: ApplyOptions,
): Promise<{ durationMs: number }> {
  const { name, checksum } = migration.file;
  const { direction, emit } = options;
  const started = Date.now();
  await rt.journal.start({ name, checksum, direction, runner: options.runner });
  const tracker = new ChangeTracker(rt, name, emit);
  const trx = await rt.db.startTransaction().execute();
  try {
    const ctx: StepContext = {
      // The journal's Kysely and the migration's share one pool; a migration sees
      // the database through its own, untyped schema.
      db: trx as unknown as Kysely<MigrationDatabase>,
      qdrant: createTrackingClient(rt.qdrant.client, tracker.hooks),
      log: {
        info: (message) => void emit({ type: "log", level: "info", migration: name, message }),
        warn: (message) => void emit({ type: "log", level: "warn", migration: name, message }),
      },
      signal: options.signal,
      migration: { name, direction },
    };
    const { postgres, qdrant, verify } = migration.definition;
    if (direction === "up") {
      await postgres?.up(ctx);
      await emit({ type: "postgres-step-done", migration: name });
      await qdrant?.up(ctx);
      await emit({ type: "qdrant-step-done", migration: name });
      if (verify) {
        await verify(ctx);
        await emit({ type: "verified", migration: name });
      }
    } else {
      if (options.restoreFrom) {
        await restoreAppliedState(rt, tracker, options.restoreFrom, emit, name);
      } else {
        await qdrant?.down?.(ctx);
      }
      await emit({ type: "qdrant-step-done", migration: name });
      await postgres?.down?.(ctx);
      await emit({ type: "postgres-step-done", migration: name });
    }
    options.signal.throwIfAborted();
    await recordSchemaVersions(rt, trx, tracker.touchedCollections(), name);
    await emit({ type: "before-commit", migration: name });
    if (direction === "up") await rt.journal.markApplied(name, { db: trx });
    else await rt.journal.markRolledBack(name, { db: trx });
    await trx.commit().execute();
    await emit({ type: "committed", migration: name });
  } catch (error) {
    await trx
      .rollback()
      .execute()
      .catch(() => {});
    const reason = redactSecrets(messageOf(error), rt.secrets);
    await emit({ type: "rolling-back", migration: name, reason });
    try {
      await undoQdrantChanges(rt, tracker.changes(), (message) => {
        void emit({ type: "log", level: "info", migration: name, message });
      });
    } catch (undoError) {
      throw new RollbackFailedError(name, error, undoError);
    }
    await rt.journal.markFailed(name, reason, {
      previousStatus: direction === "down" ? "applied" : undefined,
    });
    await emit({ type: "rolled-back", migration: name });
    throw new MigrationFailedError(name, direction, error);
  }
  return { durationMs: Date.now() - started };
}

/**
 * `down --from-snapshot`: snapshots the current state of everything the
 * original run changed (so this run can itself be undone), then restores the
 * state recorded when the migration was applied.
 */
async function restoreAppliedState(
  rt: Runtime,
  tracker: ChangeTracker,
  applied: QdrantChanges,
  emit: (event: MigratorEvent) => Promise<void>,
  name: string,
): Promise<void> {
  for (const snapshot of applied.snapshots) {
    rt.snapshotSpacing.note(snapshot.collection, Date.parse(snapshot.takenAt));
  }
  for (const snapshot of applied.snapshots) await tracker.protect(snapshot.collection);
  for (const collection of applied.createdCollections) await tracker.protect(collection);
  await undoQdrantChanges(rt, applied, (message) => {
    void emit({ type: "log", level: "info", migration: name, message });
  });
}
