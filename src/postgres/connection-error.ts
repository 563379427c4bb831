import { messageOf, type PostgresConnectionCode, QdrantMigrateError } from "../errors.js";
import { redactSecrets } from "../util/redact.js";
import { UNREACHABLE_SOCKET_CODES, UNTRUSTED_CERTIFICATE } from "../util/socket-errors.js";
import { urlPassword } from "../util/url-password.js";

const ADVICE: Record<PostgresConnectionCode, string> = {
  POSTGRES_UNREACHABLE:
    "Check the host and port of the database URL and that Postgres is running; if it is " +
    "still starting (a container beside this one), pass --wait SECONDS.",
  POSTGRES_TIMEOUT:
    "Check that the host and port are right and that no firewall drops the connection; if " +
    "Postgres is still starting, pass --wait SECONDS.",
  POSTGRES_AUTH_FAILED: "Check the user name and password of the database URL.",
  POSTGRES_TLS_REQUIRED:
    "The server accepts only TLS connections from here: add sslmode=require to the database URL.",
  POSTGRES_TLS_REFUSED:
    "Use a server that has TLS enabled, or drop sslmode from the database URL (or fix the " +
    "certificate it refused).",
  POSTGRES_DATABASE_MISSING:
    "Create the database (CREATE DATABASE …) or fix its name in the database URL.",
  POSTGRES_CONNECTION_LOST:
    "The server ended the session (restart, pg_terminate_backend, or a network failure); run " +
    "the command again once Postgres is reachable.",
};

/**
 * Postgres could not be reached or refused this client. The message names the
 * host, port and database, never the password; the driver's error is not kept
 * as `cause`, since its text is not redacted.
 */
export class PostgresConnectionError extends QdrantMigrateError {
  constructor(
    override readonly code: PostgresConnectionCode,
    readonly host: string,
    readonly port: number,
    readonly database: string,
    safeReason: string,
  ) {
    super(
      code,
      `Cannot use Postgres at ${host}:${port} (database "${database}"): ${safeReason}. ${ADVICE[code]}`,
    );
  }
}

/**
 * The typed error for a driver error that means Postgres could not be used
 * (unreachable, timed out, authentication, TLS, missing database, session
 * ended), or `undefined` for any other error (a failing SQL statement, an
 * error qdrant-migrate already typed).
 */
export function postgresConnectionError(
  error: unknown,
  url: string,
): PostgresConnectionError | undefined {
  if (error instanceof PostgresConnectionError) return error;
  // Already typed (a Qdrant failure, a migration's): not the driver's to reinterpret.
  if (error instanceof QdrantMigrateError) return undefined;
  const kind = classify(error);
  if (!kind) return undefined;
  const { host, port, database, password } = endpointOf(url);
  const reason = redactSecrets(kind.reason, [password]);
  return new PostgresConnectionError(kind.code, host, port, database, reason);
}

function classify(error: unknown): { code: PostgresConnectionCode; reason: string } | undefined {
  const message = messageOf(error);
  // Errors the server sent carry a severity; their code is a SQLSTATE.
  const sqlState = fieldOf(error, "severity") ? fieldOf(error, "code") : undefined;
  const socket = socketCode(error);
  if (socket && UNREACHABLE_SOCKET_CODES.has(socket)) {
    const what = socket === "ENOTFOUND" || socket === "EAI_AGAIN" ? "host not found" : "refused";
    return { code: "POSTGRES_UNREACHABLE", reason: `${what} (${socket})` };
  }
  if (socket === "ETIMEDOUT" || /timeout expired|due to connection timeout/.test(message)) {
    return { code: "POSTGRES_TIMEOUT", reason: "no answer to the connection attempt in time" };
  }
  if (message.includes("does not support SSL connections")) {
    return { code: "POSTGRES_TLS_REFUSED", reason: "the server does not support TLS" };
  }
  if (socket && UNTRUSTED_CERTIFICATE.test(socket)) {
    return { code: "POSTGRES_TLS_REFUSED", reason: `its TLS certificate was refused (${socket})` };
  }
  // pg_hba.conf has only `hostssl` lines for this client: "…, no encryption".
  if (sqlState === "28000" && /no encryption/.test(message)) {
    return { code: "POSTGRES_TLS_REQUIRED", reason: message };
  }
  if (sqlState === "28P01" || sqlState === "28000" || /^SASL: /.test(message)) {
    return { code: "POSTGRES_AUTH_FAILED", reason: message };
  }
  if (sqlState === "3D000") return { code: "POSTGRES_DATABASE_MISSING", reason: message };
  // 57P01-57P03: admin shutdown, crash shutdown, cannot connect now (starting up).
  if (sqlState === "57P03") return { code: "POSTGRES_UNREACHABLE", reason: message };
  if (
    sqlState === "57P01" ||
    sqlState === "57P02" ||
    socket === "ECONNRESET" ||
    socket === "EPIPE" ||
    /Connection terminated|connection is closed|Client has encountered a connection error/.test(
      message,
    )
  ) {
    return { code: "POSTGRES_CONNECTION_LOST", reason: message };
  }
  return undefined;
}

function endpointOf(url: string): {
  host: string;
  port: number;
  database: string;
  password: string | undefined;
} {
  try {
    const parsed = new URL(url);
    const host = parsed.searchParams.get("host") ?? (parsed.hostname || "localhost");
    const database = decodeURIComponent(parsed.pathname.slice(1)) || "postgres";
    return { host, port: Number(parsed.port) || 5432, database, password: urlPassword(url) };
  } catch {
    // resolveConfig rejects malformed URLs; this only keeps the error path total.
    return { host: "(unparsable URL)", port: 5432, database: "", password: undefined };
  }
}

function fieldOf(error: unknown, field: string): string | undefined {
  if (typeof error !== "object" || error === null || !(field in error)) return undefined;
  const value = (error as Record<string, unknown>)[field];
  return typeof value === "string" ? value : undefined;
}

/** A Node socket or TLS error code, also inside an AggregateError (IPv6 then IPv4) or a cause. */
function socketCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const code = fieldOf(current, "code");
    if (code && !fieldOf(current, "severity")) return code;
    const errors = (current as { errors?: unknown }).errors;
    if (Array.isArray(errors) && errors.length > 0) return socketCode(errors[0]);
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
