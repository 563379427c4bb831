import { timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * Qdrant's API key check (src/actix/auth.rs, src/common/auth/mod.rs): every
 * path except `/`, `/healthz`, `/readyz*` and `/livez*` needs the key in the
 * `api-key` header or as `Authorization: Bearer <key>`. A refusal is a 401
 * with a plain-text (not enveloped) body.
 */

const WHITELIST_EXACT = new Set(["/", "/healthz"]);
const WHITELIST_PREFIX = ["/readyz", "/livez"];

/** The refusal text, or undefined when the request may proceed. */
export function apiKeyRefusal(
  apiKey: string | undefined,
  path: string,
  headers: IncomingHttpHeaders,
): string | undefined {
  // Like Qdrant, an empty key means no authentication.
  if (!apiKey) return undefined;
  if (WHITELIST_EXACT.has(path) || WHITELIST_PREFIX.some((p) => path.startsWith(p))) {
    return undefined;
  }
  const header = headers["api-key"];
  const authorization = headers.authorization;
  const given =
    typeof header === "string"
      ? header
      : authorization?.startsWith("Bearer ")
        ? authorization.slice("Bearer ".length)
        : undefined;
  if (given === undefined) return "Must provide an API key or an Authorization bearer token";
  return sameSecret(given, apiKey) ? undefined : "Invalid API key or JWT";
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
