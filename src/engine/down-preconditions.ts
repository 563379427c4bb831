import type { MigrationRecord } from "../journal/migration-journal.js";
import type { QdrantChanges } from "../journal/table-types.js";
import { isReversible } from "../migration/define-migration.js";
import { HistoryMismatchError, IrreversibleMigrationError } from "./errors.js";
import type { MigrationStatusEntry } from "./history-status.js";
import type { MigrationToRevert } from "./load-migrations.js";
import type { DownOptions } from "./migrator-types.js";

/**
 * Refuses a `down` whose revert would not be the one that belongs to the `up`
 * that ran: a changed file, or (unless allowed) a file that is gone.
 */
export function checkRevertable(
  entries: readonly MigrationStatusEntry[],
  names: readonly string[],
  opts: Pick<DownOptions, "allowChanged" | "allowMissing">,
): void {
  const selected = entries.filter((e) => names.includes(e.name));
  const changed = selected.filter((e) => e.changed);
  if (changed.length > 0 && !opts.allowChanged) {
    throw new HistoryMismatchError(
      changed.map((e) => `applied migration ${e.name} was changed since it ran (checksum differs)`),
    );
  }
  const missing = selected.filter((e) => e.state === "missing");
  if (missing.length > 0 && !opts.allowMissing) {
    throw new HistoryMismatchError(
      missing.map(
        (e) =>
          `applied migration ${e.name} has no file any more, and down must not skip it ` +
          "to revert an earlier one (--allow-missing reverts its Qdrant half from its snapshots)",
      ),
    );
  }
}

/** How each migration will be reverted: what to restore its Qdrant half from, and warnings to log. */
export interface RevertPlan {
  /** Migrations whose Qdrant half is restored from the snapshots taken when they were applied. */
  restoreFrom: Map<string, QdrantChanges>;
  warnings: { migration: string; message: string }[];
}

/**
 * Checks that every migration can be reverted the way asked, before any is:
 * a Postgres step needs its `down`; a Qdrant step its `down`, or
 * `--from-snapshot` and the snapshots recorded when it was applied.
 */
export function planRevert(
  loaded: ReadonlyMap<string, MigrationToRevert>,
  records: readonly MigrationRecord[],
  opts: Pick<DownOptions, "fromSnapshot">,
): RevertPlan {
  const plan: RevertPlan = { restoreFrom: new Map(), warnings: [] };
  for (const [name, migration] of loaded) {
    const applied = records.find((r) => r.name === name)?.appliedChanges ?? null;
    const def = migration.definition;
    if (migration.missing) {
      if (!applied) {
        throw new IrreversibleMigrationError(
          name,
          "its file is gone and no snapshots were recorded when it was applied " +
            "(it was baselined, not run); restore the file.",
        );
      }
      plan.restoreFrom.set(name, applied);
      plan.warnings.push({
        migration: name,
        message:
          "its file is gone: its Qdrant half is restored from the snapshots taken when " +
          "it was applied; its Postgres half (if any) is not reverted",
      });
      continue;
    }
    if (def.postgres && !def.postgres.down) {
      throw new IrreversibleMigrationError(
        name,
        "its postgres step has no `down`, and Postgres has no snapshots to restore from.",
      );
    }
    if (opts.fromSnapshot) {
      if (def.qdrant && !applied) {
        throw new IrreversibleMigrationError(
          name,
          "no snapshots were recorded when it was applied (it was baselined, not run), " +
            "so --from-snapshot has nothing to restore.",
        );
      }
      if (applied) plan.restoreFrom.set(name, applied);
    } else if (!isReversible(def)) {
      throw new IrreversibleMigrationError(
        name,
        "its qdrant step has no `down`. Pass --from-snapshot to restore the snapshots " +
          "recorded when it was applied.",
      );
    }
  }
  return plan;
}
