import type { QdrantChanges } from "../journal/table-types.js";
import type { LoadedMigration } from "./apply-migration.js";
import type { PlanEntry } from "./migrator-types.js";
import type { Runtime } from "./runtime.js";
import { simulateQdrantStep } from "./simulate-step.js";
import { inspectUndo } from "./undo-qdrant-changes.js";

/**
 * What `--dry-run` prints for the loaded migrations, in run order: for each,
 * how each declared collection that exists will be rolled back (snapshotted
 * first with `snapshot: "always"`, else by inverse operations, with a
 * snapshot only before a write that may delete or overwrite data) and the
 * declared collections it creates. A collection an earlier planned migration creates exists by the
 * time a later one runs. `exists` asks Qdrant; nothing is changed.
 */
export async function planMigrations(
  loaded: ReadonlyMap<string, LoadedMigration>,
  direction: "up" | "down",
  exists: (collection: string) => Promise<boolean>,
): Promise<PlanEntry[]> {
  const plan: PlanEntry[] = [];
  const createdEarlier = new Set<string>();
  for (const [name, { definition }] of loaded) {
    const existing: string[] = [];
    const creates: string[] = [];
    for (const collection of definition.collections ?? []) {
      const present = createdEarlier.has(collection) || (await exists(collection));
      (present ? existing : creates).push(collection);
    }
    for (const collection of creates) createdEarlier.add(collection);
    const always = definition.snapshot === "always";
    plan.push({
      name,
      direction,
      description: definition.description,
      snapshots: always ? existing : [],
      inverses: always ? [] : existing,
      creates,
    });
  }
  return plan;
}

/**
 * `down --from-snapshot --dry-run`: adds to each entry the collections it
 * restores and the writes others made since their snapshots, which the
 * restore would discard. Each snapshot is read back into a temporary side
 * collection to be compared, dropped again before this returns; the
 * collections themselves are not touched. Each migration is compared with
 * Qdrant as it is now (a later one in the plan, after an earlier one's
 * restore, would see that restore's changes too).
 */
export async function planRestores(
  rt: Runtime,
  plan: PlanEntry[],
  restoreFrom: ReadonlyMap<string, QdrantChanges>,
): Promise<PlanEntry[]> {
  const out: PlanEntry[] = [];
  for (const entry of plan) {
    const applied = restoreFrom.get(entry.name);
    if (!applied) {
      out.push(entry);
      continue;
    }
    const inspection = await inspectUndo(rt, applied, {
      migration: entry.name,
      log: () => {},
      policy: "discard",
      dropStaleCopies: false,
    });
    await inspection.close();
    out.push({
      ...entry,
      restores: applied.snapshots.map((s) => s.collection),
      discards: inspection.reports.filter((r) => r.outcome !== "none"),
    });
  }
  return out;
}

/**
 * `up --dry-run`: adds to each entry what its Qdrant step would send, found
 * by running it against a dry client (simulate-step.ts). Each migration is
 * simulated against Qdrant as it is now, not as the earlier ones would leave it.
 */
export async function simulatePlan(
  rt: Runtime,
  plan: PlanEntry[],
  loaded: ReadonlyMap<string, LoadedMigration>,
  signal: AbortSignal,
): Promise<PlanEntry[]> {
  const out: PlanEntry[] = [];
  for (const entry of plan) {
    const migration = loaded.get(entry.name);
    if (!migration) {
      out.push(entry);
      continue;
    }
    const simulated = await simulateQdrantStep(rt, migration, signal);
    const withOps: PlanEntry = { ...entry, operations: simulated.operations };
    if (simulated.stoppedAt !== undefined) withOps.simulationStopped = simulated.stoppedAt;
    if (simulated.stoppedCode !== undefined) withOps.simulationStoppedCode = simulated.stoppedCode;
    out.push(withOps);
  }
  return out;
}
