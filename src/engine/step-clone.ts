import type { StepEngine } from "../migration/define-migration.js";
import { type CloneOutcome, cloneCollection } from "../qdrant/collection-clone.js";
import type { ChangeTracker } from "./change-tracker.js";
import type { MigratorEvent } from "./events.js";
import type { Runtime } from "./runtime.js";

/**
 * A step's `ctx.engine.cloneCollection`: the server-side clone, only into a
 * collection the step itself created (so a rollback drops it), with its
 * snapshot files in the created-objects ledger from their creation to their
 * deletion: a run that dies in between leaves them to retention.
 */
export function stepCloner(
  rt: Runtime,
  tracker: ChangeTracker,
  migration: string,
  emit: (event: MigratorEvent) => Promise<void>,
  signal: AbortSignal,
): NonNullable<StepEngine["cloneCollection"]> {
  return async (from: string, to: string): Promise<CloneOutcome> => {
    if (!tracker.changes().createdCollections.includes(to)) {
      return { cloned: false, reason: `${to} is not a collection this step created` };
    }
    return cloneCollection(await rt.topology(), from, to, {
      taken: async (record) => {
        await rt.ledger.addSnapshotFiles(migration, record);
        const files = record.replicas.map((r) => r.snapshot);
        await emit({ type: "clone-snapshot-taken", migration, from, to, files });
      },
      deleted: async (record) => {
        for (const r of record.replicas) {
          await rt.ledger.forgetSnapshot({ collection: record.collection, ...r });
        }
      },
      log: (message) => void emit({ type: "log", level: "info", migration, message }),
      signal,
    });
  };
}
