import { changesOf, type MigrationRecord } from "../journal/migration-journal.js";
import type { QdrantChanges } from "../journal/table-types.js";
import { listMigrations } from "../migration/list-migrations.js";
import type { EngineContext } from "./engine-context.js";
import { loadMigrations } from "./load-migrations.js";

/**
 * The interrupted runs `up` goes on with instead of undoing: an `up` of a
 * migration that declares `resumable: true`, whose file is unchanged since
 * that run started (a changed file is recovered as usual). For each, what the
 * dead run journaled: the resumed run keeps it, so a later failure still puts
 * Qdrant back as it was before the first attempt, and its backfills and
 * imports go on from their checkpoints.
 */
export async function resumableRuns(
  ctx: EngineContext,
  interrupted: readonly MigrationRecord[],
): Promise<Map<string, QdrantChanges>> {
  // An `undoing` row was being undone when its runner died: recovered, never resumed.
  const candidates = interrupted.filter((r) => r.direction === "up" && r.status === "in_progress");
  const resumable = new Map<string, QdrantChanges>();
  if (candidates.length === 0) return resumable;
  const files = await listMigrations(ctx.config.migrations);
  for (const record of candidates) {
    const file = files.find((f) => f.name === record.name);
    if (!file || file.checksum !== record.checksum) continue;
    const loaded = await loadMigrations([file], [record.name]);
    if (loaded.get(record.name)?.definition.resumable === true) {
      resumable.set(record.name, changesOf(record));
    }
  }
  return resumable;
}
