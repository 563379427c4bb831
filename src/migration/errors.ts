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
