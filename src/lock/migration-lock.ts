import { hostname } from "node:os";
import pg from "pg";
import { messageOf } from "../errors.js";
import { postgresConnectionError } from "../postgres/connection-error.js";
import { sleep, throwIfAborted } from "../util/abort.js";
import { backoffDelay } from "../util/backoff.js";
import { redactSecrets, redactUrl } from "../util/redact.js";
import { urlPassword } from "../util/url-password.js";
import { LockConnectionError, LockLostError, LockTimeoutError } from "./errors.js";
import { findLockHolder, type LockHolder, runnerApplicationName } from "./lock-holder.js";
import { advisoryLockKey } from "./lock-key.js";

export type { LockHolder } from "./lock-holder.js";

export interface MigrationLock {
  /** This process, as other runners see it while it holds the lock. */
  readonly holder: LockHolder;
  /**
   * When (database clock) this runner first found the lock held by another;
   * undefined when it got the lock at once. What the journal shows as
   * finished since then was done by the run it waited for.
   */
  readonly waitedSince: Date | undefined;
  /**
   * Resolves (never rejects) if the lock's connection closes before
   * `release()`: the lock is gone, and the run must stop.
   */
  readonly lost: Promise<LockLostError>;
  /** Unlocks and closes the connection. Idempotent; never throws. */
  release(): Promise<void>;
}

export interface AcquireLockOptions {
  /** Postgres URL; the lock gets a connection of its own. */
  url: string;
  /** What to lock, e.g. the journal's schema and prefix; hashed to the advisory-lock key. */
  key: string;
  /** How long to wait for another run's lock; 0 tries once. */
  timeoutMs: number;
  /** Called when first made to wait, and whenever the holder changes. */
  onWait?: (holder: LockHolder | undefined) => void;
  signal?: AbortSignal;
}

const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 1_000;

/**
 * Takes the session-level Postgres advisory lock that lets one run migrate at
 * a time. It is held by a dedicated connection for the whole run, so it is
 * freed by `release()` or, if the process dies, when Postgres sees the
 * connection close.
 */
export async function acquireMigrationLock(opts: AcquireLockOptions): Promise<MigrationLock> {
  throwIfAborted(opts.signal, "waiting for the migration lock");
  const key = advisoryLockKey(opts.key);
  const client = new pg.Client({
    connectionString: opts.url,
    application_name: runnerApplicationName(),
    connectionTimeoutMillis: Math.max(opts.timeoutMs, 10_000),
    // Notice a silently dropped connection (and so a lost lock) without queries.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  let settleLost: (error: LockLostError) => void = () => {};
  const lost = new Promise<LockLostError>((resolve) => {
    settleLost = resolve;
  });
  let released = false;
  // Registered before connecting: an unhandled 'error' event would crash the process.
  client.on("error", (error) => {
    if (!released) settleLost(new LockLostError(error));
  });
  client.on("end", () => {
    if (!released) settleLost(new LockLostError(new Error("connection ended")));
  });

  let acquired: { since: Date; backendPid: number; waitedSince: Date | undefined };
  try {
    await connect(client, opts.url);
    acquired = await waitForLock(client, key, opts);
  } catch (error) {
    released = true;
    await client.end().catch(() => {});
    throw error;
  }

  let releasing: Promise<void> | undefined;
  const { waitedSince, ...held } = acquired;
  return {
    holder: { host: hostname(), pid: process.pid, ...held },
    waitedSince,
    lost,
    release() {
      releasing ??= (async () => {
        released = true;
        // Failure means the connection is already gone, and the lock with it.
        await client
          .query("SELECT pg_advisory_unlock($1::bigint)", [key.toString()])
          .catch(() => {});
        await client.end().catch(() => {});
      })();
      return releasing;
    },
  };
}

async function connect(client: pg.Client, url: string): Promise<void> {
  try {
    await client.connect();
  } catch (error) {
    const typed = postgresConnectionError(error, url);
    if (typed) throw typed;
    const password = urlPassword(url);
    const reason = redactSecrets(messageOf(error), [password]);
    throw new LockConnectionError(redactUrl(url), reason);
  }
  // The connection idles for the whole run; a server-wide idle_session_timeout
  // (Postgres 14+) would end it and take the lock with it. Older servers lack
  // the setting, hence the ignored error.
  await client.query("SET idle_session_timeout = 0").catch(() => {});
}

async function waitForLock(
  client: pg.Client,
  key: bigint,
  opts: AcquireLockOptions,
): Promise<{ since: Date; backendPid: number; waitedSince: Date | undefined }> {
  const deadline = Date.now() + opts.timeoutMs;
  let reported: string | undefined;
  let waitedSince: Date | undefined;
  for (let attempt = 1; ; attempt += 1) {
    const { rows } = await client.query<{ locked: boolean; at: Date; backend_pid: number }>(
      "SELECT pg_try_advisory_lock($1::bigint) AS locked, statement_timestamp() AS at, " +
        "pg_backend_pid() AS backend_pid",
      [key.toString()],
    );
    const row = rows[0];
    if (row?.locked) return { since: row.at, backendPid: row.backend_pid, waitedSince };
    waitedSince ??= row?.at;
    const holder = await findLockHolder(client, key);
    const now = Date.now();
    if (now >= deadline) throw new LockTimeoutError(holder, opts.timeoutMs);
    const identity = holder ? `${holder.backendPid}/${holder.host}/${holder.pid}` : "unknown";
    if (identity !== reported) {
      reported = identity;
      opts.onWait?.(holder);
    }
    const pause = backoffDelay(attempt, FIRST_POLL_MS, MAX_POLL_MS);
    await sleep(Math.min(pause, deadline - now), opts.signal, "waiting for the migration lock");
  }
}
