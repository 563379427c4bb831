import { QdrantMigrateError } from "../errors.js";

/** A migration file cannot be used: `file` is its absolute path, the message says what to fix. */
export class MigrationFileError extends QdrantMigrateError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super("MIGRATION_FILE_INVALID", message);
  }
}

/** `createMigrationFile` refused: a bad name, or a file that already exists. */
export class MigrationCreateError extends QdrantMigrateError {
  constructor(code: "MIGRATION_NAME_INVALID" | "MIGRATION_FILE_EXISTS", message: string) {
    super(code, message);
  }
}

/**
 * The folder of the migrations pattern does not exist. Never read as "no migrations
 * yet": a mistyped path would otherwise report an unmigrated database as up to date.
 */
export class MigrationsFolderMissingError extends QdrantMigrateError {
  constructor(
    readonly dir: string,
    pattern: string,
    reason: "missing" | "not a folder",
  ) {
    super(
      "MIGRATIONS_DIR_MISSING",
      `The migrations folder ${dir} (from the pattern "${pattern}") ` +
        `${reason === "missing" ? "does not exist" : "is not a folder"}. Check the \`migrations\` ` +
        "setting (a relative pattern is resolved against the config file's folder), or run " +
        "`qdrant-migrate create NAME` to create the folder with a first migration.",
    );
  }
}

/**
 * The files and the migrations pattern disagree: migration files in the folder
 * that the pattern does not match (they would be silently skipped), or a
 * pattern no file `create` can write would match. `files` are absolute paths.
 */
export class MigrationsPatternError extends QdrantMigrateError {
  constructor(
    readonly pattern: string,
    readonly files: readonly string[],
    message: string,
  ) {
    super("MIGRATIONS_PATTERN_MISMATCH", message);
  }
}

/**
 * The config's `migrations` provider (an array or function of
 * `{ name, migration }`) gave something unusable; `migration` names the
 * entry: its name, or `migrations[<index>]` when it has none.
 */
export class MigrationProviderError extends QdrantMigrateError {
  constructor(
    readonly migration: string,
    message: string,
  ) {
    super("MIGRATION_PROVIDER_INVALID", message);
  }
}

/** `create` writes a file, but the config's `migrations` are given in code, not a folder. */
export class MigrationsInCodeError extends QdrantMigrateError {
  /** The config field that gives the migrations in code. */
  readonly field = "migrations";

  constructor(configFile: string | undefined, command: "create" | "generate" = "create") {
    super(
      "MIGRATIONS_IN_CODE",
      `${command} writes a migration file, but the \`migrations\` setting of ${configFile ?? "the configuration"} ` +
        "gives the migrations in code (an array or a function), not a folder: add the new migration " +
        "to what that setting returns, with a name that sorts after the others.",
    );
  }
}
