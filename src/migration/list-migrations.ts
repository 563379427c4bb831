import type { MigrationsSource } from "../config/resolve-config.js";
import { discoverMigrations, type MigrationFile } from "./discover.js";
import { listProvidedMigrations } from "./provided-migrations.js";

/** Every migration, sorted by name: the folder's files, or what the config's provider gives. */
export function listMigrations(source: MigrationsSource): Promise<MigrationFile[]> {
  return source.kind === "files"
    ? discoverMigrations(source)
    : listProvidedMigrations(source.provider);
}
