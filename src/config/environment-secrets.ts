import { redactSecrets, redactUrl } from "../util/redact.js";

/**
 * `text` with URL credentials and the environment's known secrets
 * (`QDRANT_API_KEY`, `PGPASSWORD`, `DATABASE_URL`'s password) masked: for
 * messages of errors thrown by user code (config and migration files), which
 * may quote anything.
 */
export function redactEnvironmentSecrets(text: string, env: NodeJS.ProcessEnv): string {
  const secrets = [env.QDRANT_API_KEY, env.PGPASSWORD, passwordOf(env.DATABASE_URL)];
  const withUrls = text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s"'`]+/gi, (url) => redactUrl(url));
  return redactSecrets(withUrls, secrets);
}

function passwordOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return decodeURIComponent(new URL(url).password) || undefined;
  } catch {
    return undefined;
  }
}
