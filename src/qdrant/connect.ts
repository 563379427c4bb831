import type { QdrantClient, QdrantClientParams } from "@qdrant/js-client-rest";
import { serverVersionOf } from "../collection-schema/server-version.js";
import { messageOf, type QdrantRequestCode } from "../errors.js";
import { isRecord } from "../util/objects.js";
import { redactSecrets, redactUrl } from "../util/redact.js";
import { withRetry } from "../util/retry.js";
import { UNREACHABLE_SOCKET_CODES, UNTRUSTED_CERTIFICATE } from "../util/socket-errors.js";
import { IDEMPOTENT_METHODS } from "./client-methods.js";
import { QdrantRequestError } from "./errors.js";

/** `RequestInit` plus a per-call timeout, for long transfers such as snapshot downloads. */
export type RawRequestInit = RequestInit & { timeoutMs?: number };

export interface QdrantConnection {
  /**
   * The official client, with the timeout, retry policy and error wrapping
   * below. Its module is imported on the first call (a start with nothing to
   * do never loads it); until then every name reads as a method.
   */
  client: QdrantClient;
  /**
   * Loads the client's module: from then on `client` has the exact shape of
   * the official one, which the step's wrapping clients check method by method.
   */
  ready(): Promise<void>;
  /** The base URL, without a trailing slash: cluster code tells this peer from the others by it. */
  url: string;
  apiKey: string | undefined;
  timeoutMs: number;
  /**
   * A request to the server's URL + `path` for endpoints the client lacks (snapshot download
   * and upload), with the api-key header, the timeout and the same retry policy.
   * Answers with any status are returned; only transport failures throw.
   */
  fetchRaw(path: string, init?: RawRequestInit): Promise<Response>;
  /** The server's version from `GET /` (one request per connection). */
  serverVersion(): Promise<string>;
}

export interface ConnectOptions {
  url: string;
  apiKey?: string;
  timeoutMs: number;
  /** Retries of a transient failure; 3 by default. */
  retries?: number;
  /** First backoff delay; doubled each retry. 200 ms by default. */
  backoffMs?: number;
}

/** A Retry-After longer than this is not waited for: the call fails instead. */
const MAX_RETRY_AFTER_MS = 60_000;
const MAX_BACKOFF_MS = 5_000;

/** Socket errors after which the request may have reached Qdrant. */
const RESET_CODES = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET", "UND_ERR_CLOSED"]);
/** Socket errors that mean the request never left this process. */
const NOT_SENT_CODES = new Set(["ECONNREFUSED", "EAI_AGAIN"]);
/** Node's codes for a failed TLS handshake (an untrusted certificate is `UNTRUSTED_CERTIFICATE`). */
const TLS_HANDSHAKE = /^(EPROTO|ERR_SSL_|ERR_TLS_)/;
const WAIT_ADVICE = "--wait SECONDS";

const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);
let warnedUnencrypted = false;

/**
 * An API key sent over plain http to another machine can be read on the way:
 * say so once per process. Loopback traffic never leaves the machine.
 */
function warnIfKeyUnencrypted(url: string, apiKey: string | undefined): void {
  if (apiKey === undefined || warnedUnencrypted) return;
  const { protocol, hostname } = new URL(url);
  if (protocol !== "http:" || LOOPBACK_HOSTS.has(hostname) || hostname.startsWith("127.")) return;
  warnedUnencrypted = true;
  console.warn(
    `warning: the Qdrant API key is sent unencrypted to ${redactUrl(url)}; use an https:// URL`,
  );
}

/**
 * Asked of every request. fetch offers gzip by default; Qdrant then gzips each
 * large answer (a scroll page with vectors) and sends it in chunks that stall
 * about 40 ms on a kept-alive connection (server-side Nagle against the
 * client's delayed ACK), besides the CPU of zipping and unzipping: measured on
 * 1.18.1, a scroll of 256 points took 44 ms gzipped and 3 ms plain.
 */
const UNCOMPRESSED = { "accept-encoding": "identity" } as const;

/**
 * Connects to Qdrant. Every call has a timeout; transient failures are retried
 * with exponential backoff, but only where a retry cannot apply a change twice:
 * connection refused, 503 and 429 (honouring Retry-After) mean Qdrant did not
 * process the request, so any call is retried; after a connection reset only
 * idempotent calls are. Errors are `QdrantRequestError`s with the API key redacted.
 */
export function connectQdrant(cfg: ConnectOptions): QdrantConnection {
  const url = cfg.url.replace(/\/+$/, "");
  const policy: RetryPolicy = {
    retries: cfg.retries ?? 3,
    backoffMs: cfg.backoffMs ?? 200,
    secrets: [cfg.apiKey],
  };
  warnIfKeyUnencrypted(url, cfg.apiKey);
  const parsed = new URL(url);
  const params: QdrantClientParams = {
    // The client ignores a path in `url`: a reverse proxy's prefix
    // (http://host/qdrant) goes in `prefix`. fetchRaw appends to `url`, prefix included.
    url: parsed.origin,
    ...(parsed.pathname === "/" ? {} : { prefix: parsed.pathname }),
    // The client would add :6333 to a URL without a port (even https://host);
    // use the URL as written, as fetchRaw does.
    port: parsed.port ? undefined : null,
    // The API key as a header rather than `apiKey`: the client then warns on
    // every construction, loopback included; warnIfKeyUnencrypted says it once.
    headers: {
      ...UNCOMPRESSED,
      ...(cfg.apiKey === undefined ? {} : { "api-key": cfg.apiKey }),
    },
    timeout: cfg.timeoutMs,
    checkCompatibility: false,
  };
  const { client, ready } = withRetries(
    async () => new (await import("@qdrant/js-client-rest")).QdrantClient(params),
    policy,
    url,
    cfg.timeoutMs,
  );

  async function fetchRaw(path: string, init: RawRequestInit = {}): Promise<Response> {
    const { timeoutMs = cfg.timeoutMs, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (!headers.has("accept-encoding"))
      headers.set("accept-encoding", UNCOMPRESSED["accept-encoding"]);
    if (cfg.apiKey !== undefined) headers.set("api-key", cfg.apiKey);
    const method = (rest.method ?? "GET").toUpperCase();
    // A streamed body is consumed by the first attempt and cannot be sent again.
    const replayable = !(rest.body instanceof ReadableStream);
    const idempotent = method === "GET" || method === "HEAD";
    return attempt(
      policy,
      `${method} ${path}`,
      undefined,
      url,
      timeoutMs,
      async () => {
        const res = await fetch(url + path, {
          ...rest,
          headers,
          signal: rest.signal
            ? AbortSignal.any([rest.signal, AbortSignal.timeout(timeoutMs)])
            : AbortSignal.timeout(timeoutMs),
        });
        if (replayable && (res.status === 503 || res.status === 429)) {
          throw new RetryableStatus(res.status, res.headers.get("retry-after"), res);
        }
        return res;
      },
      (error) => replayable && isRetryable(error, idempotent),
    );
  }

  return {
    client,
    ready,
    url,
    apiKey: cfg.apiKey,
    timeoutMs: cfg.timeoutMs,
    fetchRaw,
    serverVersion: () => serverVersionOf(client),
  };
}

/** Builds a `QdrantRequestError` from a non-2xx answer to `fetchRaw`. */
export async function responseError(
  res: Response,
  operation: string,
  collection: string | undefined,
  secrets: readonly (string | undefined)[] = [],
): Promise<QdrantRequestError> {
  const text = await res.text().catch(() => "");
  const qdrantMessage = qdrantErrorText(parseJson(text)) ?? (text.slice(0, 500) || undefined);
  return requestError(operation, collection, res.status, qdrantMessage, secrets);
}

interface RetryPolicy {
  retries: number;
  backoffMs: number;
  secrets: readonly (string | undefined)[];
}

/** A 503/429 answer from `fetchRaw`, thrown so the retry loop sees it. */
class RetryableStatus extends Error {
  constructor(
    readonly status: number,
    readonly retryAfter: string | null,
    readonly response: Response,
  ) {
    super(`HTTP ${status}`);
  }
}

function withRetries(
  load: () => Promise<QdrantClient>,
  policy: RetryPolicy,
  url: string,
  timeoutMs: number,
): { client: QdrantClient; ready: () => Promise<void> } {
  let loaded: QdrantClient | undefined;
  let loading: Promise<QdrantClient> | undefined;
  const ready = async () => {
    loading ??= load();
    loaded = await loading;
  };
  const client = new Proxy({} as QdrantClient, {
    get(_target, prop) {
      if (loaded === undefined) {
        // `then` too: awaiting the connection's client must not load it.
        if (typeof prop !== "string" || prop === "then") return undefined;
        return async (...args: unknown[]) => {
          await ready();
          // Through the proxy again, now loaded: an unknown name throws as it would have.
          const loadedClient = client as unknown as Record<string, (...a: unknown[]) => unknown>;
          return loadedClient[prop]!(...args);
        };
      }
      const target = loaded;
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof prop !== "string" || typeof value !== "function" || prop === "api") return value;
      const method = value as (...args: unknown[]) => Promise<unknown>;
      const idempotent = IDEMPOTENT_METHODS.has(prop);
      return (...args: unknown[]) => {
        const collection = typeof args[0] === "string" ? args[0] : undefined;
        return attempt(
          policy,
          prop,
          collection,
          url,
          timeoutMs,
          () => method.apply(target, args),
          (error) => isRetryable(error, idempotent),
        );
      };
    },
  });
  return { client, ready };
}

async function attempt<T>(
  policy: RetryPolicy,
  operation: string,
  collection: string | undefined,
  url: string,
  timeoutMs: number,
  run: () => Promise<T>,
  retryable: (error: unknown) => boolean,
): Promise<T> {
  try {
    return await withRetry(run, {
      retries: policy.retries,
      baseDelayMs: policy.backoffMs,
      maxDelayMs: MAX_BACKOFF_MS,
      isTransient(error) {
        if (!retryable(error)) return false;
        const retryAfter = retryAfterMs(error);
        if (retryAfter === undefined) return true;
        return retryAfter <= MAX_RETRY_AFTER_MS && { retryAfterMs: retryAfter };
      },
      onRetry(error) {
        if (error instanceof RetryableStatus) void error.response.body?.cancel();
      },
    });
  } catch (error) {
    if (error instanceof RetryableStatus) return error.response as T;
    throw wrapError(error, operation, collection, url, timeoutMs, policy.secrets);
  }
}

function isRetryable(error: unknown, idempotent: boolean): boolean {
  const status = statusOf(error);
  if (status === 503 || status === 429) return true;
  const code = socketCode(error);
  if (code === undefined) return false;
  return NOT_SENT_CODES.has(code) || (idempotent && RESET_CODES.has(code));
}

function retryAfterMs(error: unknown): number | undefined {
  let header: string | null | undefined;
  if (error instanceof RetryableStatus) header = error.retryAfter;
  // js-client-rest 1.18 parses only the header's first character ("30" → 3),
  // so through the client this is a lower bound; fetchRaw reads the header itself.
  else if (isRecord(error) && typeof error.retry_after === "number")
    return error.retry_after * 1000;
  else if (isRecord(error) && error.headers instanceof Headers)
    header = error.headers.get("retry-after");
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof RetryableStatus) return error.status;
  if (isRecord(error) && typeof error.status === "number") return error.status;
  // The client turns a 429 with Retry-After into this class, which drops the status.
  if (isRecord(error) && typeof error.retry_after === "number") return 429;
  return undefined;
}

function socketCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && isRecord(current); depth++) {
    if (typeof current.code === "string") return current.code;
    if (Array.isArray(current.errors) && isRecord(current.errors[0])) {
      const first = current.errors[0];
      if (typeof first.code === "string") return first.code;
    }
    current = current.cause;
  }
  return undefined;
}

function wrapError(
  error: unknown,
  operation: string,
  collection: string | undefined,
  url: string,
  timeoutMs: number,
  secrets: readonly (string | undefined)[],
): Error {
  if (error instanceof QdrantRequestError) return error;
  const status = statusOf(error);
  if (status !== undefined) {
    const data = isRecord(error) ? error.data : undefined;
    const text = qdrantErrorText(data) ?? (typeof data === "string" && data ? data : undefined);
    return requestError(operation, collection, status, text, secrets);
  }
  const name = isRecord(error) && typeof error.name === "string" ? error.name : "";
  const where = redactUrl(url);
  const fail = (code: QdrantRequestCode, what: string) =>
    requestError(operation, collection, undefined, undefined, secrets, { code, what });
  if (name === "QdrantClientTimeoutError" || name === "TimeoutError") {
    return fail(
      "QDRANT_TIMEOUT",
      `no answer from ${where} within ${timeoutMs} ms (it may still have been applied). ` +
        `Check that Qdrant is running and not overloaded; if it is still starting, pass ${WAIT_ADVICE}`,
    );
  }
  const detail = messageOf(error);
  if (name === "QdrantClientUnexpectedResponseError") {
    // A non-error status the client does not expect, such as 202 Accepted.
    return fail("QDRANT_REQUEST_FAILED", detail);
  }
  const code = socketCode(error);
  const cause = code ? `${code} (${detail})` : detail;
  if (code && UNREACHABLE_SOCKET_CODES.has(code)) {
    return fail(
      "QDRANT_UNREACHABLE",
      `cannot reach Qdrant at ${where}: ${cause}. Check the URL and that Qdrant is running; ` +
        `if it is still starting, pass ${WAIT_ADVICE}`,
    );
  }
  if (code && (TLS_HANDSHAKE.test(code) || UNTRUSTED_CERTIFICATE.test(code))) {
    return fail(
      "QDRANT_TLS_REFUSED",
      `TLS with Qdrant at ${where} failed: ${cause}. Use http:// if the server has no TLS, or ` +
        "make its certificate trusted (NODE_EXTRA_CA_CERTS)",
    );
  }
  if (code && url.startsWith("http:") && code.startsWith("HPE_")) {
    return fail(
      "QDRANT_TLS_REQUIRED",
      `Qdrant at ${where} did not answer in HTTP: ${cause}. If the server has TLS enabled, use https://`,
    );
  }
  return fail(
    "QDRANT_CONNECTION_LOST",
    `the connection to Qdrant at ${where} closed before an answer: ${cause} (it may still have been applied)`,
  );
}

function requestError(
  operation: string,
  collection: string | undefined,
  status: number | undefined,
  qdrantMessage: string | undefined,
  secrets: readonly (string | undefined)[],
  transport?: { code: QdrantRequestCode; what: string },
): QdrantRequestError {
  const target = collection === undefined ? "" : ` on collection "${collection}"`;
  const auth = status === 401 || status === 403;
  const what =
    transport?.what ??
    `HTTP ${status}${qdrantMessage ? `: ${qdrantMessage}` : ""}` +
      (auth ? ". Check the API key (qdrant.apiKey in the config, or QDRANT_API_KEY)" : "");
  const code = transport?.code ?? (auth ? "QDRANT_AUTH_FAILED" : "QDRANT_REQUEST_FAILED");
  const message = redactSecrets(`Qdrant ${operation}${target} failed: ${what}`, secrets);
  const safeText = qdrantMessage === undefined ? undefined : redactSecrets(qdrantMessage, secrets);
  return new QdrantRequestError(code, operation, collection, status, safeText, message);
}

/** Qdrant's error envelope is `{"status":{"error":"…"}}`. */
function qdrantErrorText(data: unknown): string | undefined {
  if (isRecord(data) && isRecord(data.status) && typeof data.status.error === "string") {
    return data.status.error;
  }
  return undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
