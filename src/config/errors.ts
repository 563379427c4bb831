import { QdrantMigrateError } from "../errors.js";

/**
 * The configuration is unusable. `code` tells the cases apart: `CONFIG_INVALID`
 * (a field fails validation; `field` names it), `CONFIG_NOT_FOUND` (a given
 * config path does not exist), `CONFIG_LOAD_FAILED` (the config file did not
 * import). Messages never contain a password or API key.
 */
export class ConfigError extends QdrantMigrateError {
  constructor(
    code: "CONFIG_INVALID" | "CONFIG_NOT_FOUND" | "CONFIG_LOAD_FAILED",
    message: string,
    readonly field: string | undefined,
    readonly file: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}
