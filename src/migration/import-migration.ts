import { messageOf } from "../errors.js";
import { redactEnvironmentSecrets } from "../util/environment-secrets.js";
import { importDefaultFresh } from "../util/import-fresh.js";
import { type MigrationDefinition, migrationShapeProblem } from "./define-migration.js";
import type { MigrationFile } from "./discover.js";
import { MigrationFileError, MigrationProviderError } from "./errors.js";

/**
 * Imports a migration file (TypeScript, JavaScript or ESM, through jiti) and
 * checks its default export. Throws `MigrationFileError` naming the file when
 * it does not import or does not export a migration definition. A migration
 * given in code is only checked (`MigrationProviderError` naming it).
 */
export async function loadMigration(file: MigrationFile): Promise<MigrationDefinition> {
  if (file.provided) return checkProvided(file.name, file.provided.definition);
  let exported: { value: unknown } | undefined;
  try {
    exported = await importDefaultFresh(file.path);
  } catch (error) {
    const message = messageOf(error);
    throw new MigrationFileError(
      file.path,
      `Migration ${file.name} (${file.path}) failed to load: ` +
        `${redactEnvironmentSecrets(message, process.env)}. Fix the file and run again.`,
    );
  }
  if (exported === undefined) {
    throw new MigrationFileError(
      file.path,
      `Migration ${file.name} (${file.path}) has no default export; ` +
        "end it with `export default defineMigration({ ... })`.",
    );
  }
  const definition: unknown = exported.value;
  const problem = migrationShapeProblem(definition);
  if (problem !== undefined) {
    throw new MigrationFileError(
      file.path,
      `Migration ${file.name} (${file.path}) does not export a valid migration: ${problem}.`,
    );
  }
  return definition as MigrationDefinition;
}

function checkProvided(name: string, definition: unknown): MigrationDefinition {
  const problem = migrationShapeProblem(definition);
  if (problem !== undefined) {
    throw new MigrationProviderError(
      name,
      `Migration ${name} (from the configuration's \`migrations\`) is not a valid migration: ${problem}.`,
    );
  }
  return definition as MigrationDefinition;
}
