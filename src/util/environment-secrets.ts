import { redactSecrets, redactUrl } from "./redact.js";
import { urlPassword } from "./url-password.js";

/**
 * `text` with URL credentials and the environment's known secrets
 * (`QDRANT_API_KEY`, `PGPASSWORD`, the passwords of `DATABASE_URL` and
 * `DIRECT_DATABASE_URL`) masked: for
 * messages of errors thrown by user code (config and migration files), which
 * may quote anything.
 */
export function redactEnvironmentSecrets(text: string, env: NodeJS.ProcessEnv): string {
  const secrets = [
    env.QDRANT_API_KEY,
    env.PGPASSWORD,
    urlPassword(env.DATABASE_URL),
    urlPassword(env.DIRECT_DATABASE_URL),
  ];
  const withUrls = text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'`]+/gi, (url) => redactUrl(url));
  return redactSecrets(withUrls, secrets);
}
