import { urlPassword } from "../util/url-password.js";
import type { ResolvedConfig } from "./resolve-config.js";

/**
 * The values of `config` that must never be printed: the Postgres passwords
 * (from the URL and the direct URL, or PGPASSWORD, which pg falls back to) and
 * the Qdrant API key.
 */
export function configSecrets(config: ResolvedConfig): string[] {
  return [
    config.qdrant.apiKey,
    urlPassword(config.postgres.url),
    urlPassword(config.postgres.directUrl),
    process.env.PGPASSWORD || undefined,
  ].filter((secret): secret is string => secret !== undefined);
}
