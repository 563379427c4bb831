import type { ProjectConfig } from "../config/resolve-config.js";
import { createMigrationFile } from "../migration/create-migration.js";
import { MigrationsInCodeError } from "../migration/errors.js";
import { SchemaFileError } from "./errors.js";
import { loadDeclaredSchema } from "./load-schema.js";
import type { ManagedCollection } from "./managed-collection.js";
import { matchDeclared } from "./match-declared.js";
import { renderMigration } from "./render-migration.js";
import { type CollectionChanges, schemaChanges } from "./schema-changes.js";

/** Where `generate` and `check` read the managed collections' schema. */
export type SchemaSource = "journal" | "live";

export interface GenerateResult {
  schemaFile: string;
  /** The migration written; undefined when nothing differs (no file is written). */
  path: string | undefined;
  /** Per collection: the changes written and the differences they make. */
  collections: CollectionChanges[];
  /** How many TODOs need a person's decision before the migration runs. */
  decisions: number;
}

/** One collection's differences between the declared schema and the managed one. */
export interface DeclaredSchemaDifference {
  collection: string;
  differences: string[];
}

/**
 * `generate NAME`: compares the declared schema with `managed` (the
 * journal's record after the last applied migration, or the server's
 * collections) and writes a migration that makes the difference, as
 * `create` writes one (same folder, name and extension rules). Writes
 * nothing when there is no difference.
 */
export async function generateMigration(opts: {
  config: ProjectConfig;
  name: string;
  managed: readonly ManagedCollection[];
  from: SchemaSource;
  now?: Date;
  importFrom?: string;
}): Promise<GenerateResult> {
  const loaded = await loadDeclaredSchema(opts.config);
  if (!loaded) {
    const where = opts.config.rootDir;
    throw new SchemaFileError(
      "SCHEMA_FILE_NOT_FOUND",
      where,
      `No declared schema in ${where}: write qdrant.schema.ts (defineSchema from qdrant-migrate/define), ` +
        "or let `qdrant-migrate generate --from live --schema-only` write it from the server.",
    );
  }
  const { targets, undeclared } = matchDeclared(loaded.schema, opts.managed);
  const collections = schemaChanges(targets, undeclared);
  const decisions = collections.reduce(
    (n, c) => n + c.changes.filter((x) => x.kind === "decide").length,
    0,
  );
  if (collections.length === 0)
    return { schemaFile: loaded.file, path: undefined, collections, decisions };
  const source =
    opts.from === "live" ? "the collections on the server" : "the journal's recorded schema";
  const { migrations } = opts.config;
  if (migrations.kind === "provider")
    throw new MigrationsInCodeError(opts.config.configFile, "generate");
  const path = await createMigrationFile({
    dir: migrations.dir,
    pattern: migrations.pattern,
    name: opts.name,
    now: opts.now,
    importFrom: opts.importFrom,
    render: ({ description, importFrom, extension }) =>
      renderMigration({
        description,
        importFrom,
        typescript: /^\.[mc]?ts$/.test(extension),
        changes: collections,
        source,
      }),
  });
  return { schemaFile: loaded.file, path, collections, decisions };
}

/**
 * For `check` and `status`: each managed or declared collection whose
 * declaration differs from `managed`; undefined when the project declares no schema.
 */
export async function declaredSchemaDifferences(
  config: ProjectConfig,
  managed: readonly ManagedCollection[],
): Promise<{ schemaFile: string; differences: DeclaredSchemaDifference[] } | undefined> {
  const loaded = await loadDeclaredSchema(config);
  if (!loaded) return undefined;
  const { targets, undeclared } = matchDeclared(loaded.schema, managed);
  const differences = schemaChanges(targets, undeclared).map((c) => ({
    collection: c.name,
    differences: c.differences,
  }));
  return { schemaFile: loaded.file, differences };
}
