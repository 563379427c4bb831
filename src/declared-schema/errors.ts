import { QdrantMigrateError } from "../errors.js";

/**
 * The declared schema file cannot be used: named by the config but absent
 * (`SCHEMA_FILE_NOT_FOUND`), or it does not load or declares something
 * malformed (`SCHEMA_FILE_INVALID`, naming the field), or in the way of
 * `generate --schema-only`, which never overwrites one (`SCHEMA_FILE_EXISTS`).
 * `file` is its absolute path.
 */
export class SchemaFileError extends QdrantMigrateError {
  constructor(
    code: "SCHEMA_FILE_NOT_FOUND" | "SCHEMA_FILE_INVALID" | "SCHEMA_FILE_EXISTS",
    readonly file: string,
    message: string,
  ) {
    super(code, message);
  }
}
