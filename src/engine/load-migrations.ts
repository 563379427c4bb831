import type { MigrationRecord } from "../journal/migration-journal.js";
import type { MigrationFile } from "../migration/discover.js";
import { loadMigration } from "../migration/import-migration.js";
import type { LoadedMigration } from "./apply-migration.js";
import { UnknownMigrationError } from "./errors.js";

/** A migration to revert; `missing` when its file is gone and only its Qdrant half can be. */
export type MigrationToRevert = LoadedMigration & { missing?: true };

/**
 * Loads the named migrations, in the given order, before anything runs: a
 * broken file applies nothing.
 */
export async function loadMigrations(
  files: readonly MigrationFile[],
  names: readonly string[],
): Promise<Map<string, LoadedMigration>> {
  const byName = new Map(files.map((f) => [f.name, f]));
  const loaded = new Map<string, LoadedMigration>();
  for (const name of names) {
    const file = byName.get(name);
    if (!file) throw new UnknownMigrationError(name);
    loaded.set(name, { file, definition: await loadMigration(file) });
  }
  return loaded;
}

/**
 * Loads the migrations `down` reverts. One whose file is gone (allowed by
 * the caller) gets an empty definition: only its Qdrant half is reverted,
 * from its recorded snapshots.
 */
export async function loadMigrationsToRevert(
  files: readonly MigrationFile[],
  records: readonly MigrationRecord[],
  names: readonly string[],
): Promise<Map<string, MigrationToRevert>> {
  const present = new Set(files.map((f) => f.name));
  const onDisk = await loadMigrations(
    files,
    names.filter((n) => present.has(n)),
  );
  const loaded = new Map<string, MigrationToRevert>();
  for (const name of names) {
    const migration = onDisk.get(name);
    if (migration) {
      loaded.set(name, migration);
      continue;
    }
    const checksum = records.find((r) => r.name === name)?.checksum ?? "";
    loaded.set(name, { file: { name, path: "", checksum }, definition: {}, missing: true });
  }
  return loaded;
}
