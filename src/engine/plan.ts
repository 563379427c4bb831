import type { LoadedMigration } from "./apply-migration.js";
import type { PlanEntry } from "./migrator-types.js";

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
