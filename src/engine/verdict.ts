import type { DeclaredSchemaDifference } from "../declared-schema/generate-migration.js";
import type { MigrationStatusEntry } from "./history-status.js";
import type { CheckResult, DriftEntry } from "./migrator-types.js";

/**
 * How the recorded history and the files stand: everything applied and
 * consistent, only work `up` does unattended (pending migrations, interrupted
 * runs it resumes), or something wrong (a changed or missing file,
 * out-of-order, failed or interrupted migrations, drift), or, nothing being
 * wrong, a declared schema (`qdrant.schema.ts`) that differs from what the
 * applied migrations produced: a migration to `generate`, pending or not.
 */
export type Verdict = "consistent" | "pending" | "schema-differs" | "inconsistent";

/** The lists `check()` reports, from the per-migration status and the drift found. */
export function consistencyOf(
  entries: readonly MigrationStatusEntry[],
  drift: readonly DriftEntry[] = [],
  declaredSchema: readonly DeclaredSchemaDifference[] = [],
): CheckResult {
  const names = (pred: (e: MigrationStatusEntry) => boolean) =>
    entries.filter(pred).map((e) => e.name);
  const result: CheckResult = {
    ok: false,
    pending: names((e) => e.state === "pending"),
    changed: names((e) => e.changed),
    missing: names((e) => e.state === "missing"),
    failed: names((e) => e.state === "failed"),
    interrupted: names((e) => e.state === "in_progress" && !e.resumes),
    resumes: names((e) => e.state === "in_progress" && e.resumes === true),
    outOfOrder: names((e) => e.outOfOrder),
    drift: [...drift],
    declaredSchema: [...declaredSchema],
  };
  result.ok = verdictOf(result) === "consistent";
  return result;
}

/** The one verdict over a consistency report, for `check`, `status` and their exit codes. */
export function verdictOf(result: Omit<CheckResult, "ok">): Verdict {
  const wrong =
    result.changed.length +
    result.missing.length +
    result.failed.length +
    result.interrupted.length +
    result.outOfOrder.length +
    result.drift.length;
  if (wrong > 0) return "inconsistent";
  if (result.declaredSchema.length > 0) return "schema-differs";
  // A run the next `up` resumes is work `up` does, like a pending migration.
  return result.pending.length + result.resumes.length > 0 ? "pending" : "consistent";
}
