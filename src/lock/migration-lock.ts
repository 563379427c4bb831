import { hostname } from "node:os";
import pg from "pg";
import { messageOf } from "../errors.js";
import { postgresConnectionError } from "../postgres/connection-error.js";
import { sleep, throwIfAborted } from "../util/abort.js";
import { backoffDelay } from "../util/backoff.js";
import { redactSecrets, redactUrl } from "../util/redact.js";
import { urlPassword } from "../util/url-password.js";
import {
  LockConnectionError,
  LockLostError,
  LockTimeoutError,
  PoolerUnsupportedError,
  poolerRefusal,
} from "./errors.js";
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
   * Resolves (never rejects) if the lock's transaction ends before
   * `release()` (its connection closed: the lock is gone), and the run must stop.
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
 * Takes the Postgres advisory lock that lets one run migrate at a time, as a
 * transaction-level lock in a transaction its dedicated connection keeps open
 * for the whole run. A transaction pooler (pgbouncer's transaction mode)
 * keeps one server connection for an open transaction, so the lock stays with
 * this client; a session-level lock would stay behind on a server connection
 * the pooler hands to others. The lock is freed by `release()` or, if the
 * process dies, when the transaction ends with its connection.
 *
 * Each try opens a connection of its own and closes it when the lock is
 * taken: a waiter holds no server connection between tries, which a session
 * pooler with few server connections needs for the holder to get its own.
 */
export async function acquireMigrationLock(opts: AcquireLockOptions): Promise<MigrationLock> {
  const key = advisoryLockKey(opts.key);
  const deadline = Date.now() + opts.timeoutMs;
  let reported: string | undefined;
  let waitedSince: Date | undefined;
  for (let attempt = 1; ; attempt += 1) {
    throwIfAborted(opts.signal, "waiting for the migration lock");
    const connection = await openConnection(opts);
    let outcome: TryOutcome;
    try {
      outcome = await tryLock(connection.client, key);
    } catch (error) {
      await connection.close();
      throw poolerRefusal(error) ?? error;
    }
    if (outcome.locked) return heldLock(connection, { ...outcome.held, waitedSince });
    waitedSince ??= outcome.at;
    await connection.close();
    const now = Date.now();
    if (now >= deadline) throw new LockTimeoutError(outcome.holder, opts.timeoutMs);
    const holder = outcome.holder;
    const identity = holder ? `${holder.backendPid}/${holder.host}/${holder.pid}` : "unknown";
    if (identity !== reported) {
      reported = identity;
      opts.onWait?.(holder);
    }
    const pause = backoffDelay(attempt, FIRST_POLL_MS, MAX_POLL_MS);
    await sleep(Math.min(pause, deadline - now), opts.signal, "waiting for the migration lock");
  }
}

interface LockConnection {
  client: pg.Client;
  /** Called once if the connection fails or ends before `close()`. */
  onLost(listener: (error: LockLostError) => void): void;
  /** Ends the transaction (freeing a lock taken in it) and the connection. Never throws. */
  close(): Promise<void>;
}

async function openConnection(opts: AcquireLockOptions): Promise<LockConnection> {
  const client = new pg.Client({
    connectionString: opts.url,
    application_name: runnerApplicationName(),
    connectionTimeoutMillis: Math.max(opts.timeoutMs, 10_000),
    // Notice a silently dropped connection (and so a lost lock) without queries.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  let closed = false;
  let lost: ((error: LockLostError) => void) | undefined;
  let pending: LockLostError | undefined;
  const report = (error: LockLostError) => {
    if (closed) return;
    closed = true;
    if (lost) lost(error);
    else pending = error;
  };
  // Registered before connecting: an unhandled 'error' event would crash the process.
  client.on("error", (error) => report(new LockLostError(error)));
  client.on("end", () => report(new LockLostError(new Error("connection ended"))));
  try {
    await client.connect();
  } catch (error) {
    closed = true;
    await client.end().catch(() => {});
    const typed = postgresConnectionError(error, opts.url);
    if (typed) throw typed;
    const reason = redactSecrets(messageOf(error), [urlPassword(opts.url)]);
    throw new LockConnectionError(redactUrl(opts.url), reason);
  }
  return {
    client,
    onLost(listener) {
      lost = listener;
      if (pending) listener(pending);
    },
    async close() {
      closed = true;
      // Failure means the connection is already gone, and the lock with it.
      await client.query("ROLLBACK").catch(() => {});
      await client.end().catch(() => {});
    },
  };
}

type TryOutcome =
  | { locked: true; held: { since: Date; backendPid: number } }
  | { locked: false; at: Date | undefined; holder: LockHolder | undefined };

/**
 * One try, in a transaction left open when it takes the lock. The server
 * connection must stay the same for the whole transaction (a second
 * statement sees the same backend), or nothing holds the lock for this run:
 * a pooler that does not keep one for a transaction is refused.
 */
async function tryLock(client: pg.Client, key: bigint): Promise<TryOutcome> {
  await client.query("BEGIN");
  const { rows } = await client.query<{ locked: boolean; at: Date; backend_pid: number }>(
    "SELECT pg_try_advisory_xact_lock($1::bigint) AS locked, transaction_timestamp() AS at, " +
      "pg_backend_pid() AS backend_pid",
    [key.toString()],
  );
  const row = rows[0];
  // Not taken: the caller's close() ends the transaction.
  if (!row?.locked)
    return { locked: false, at: row?.at, holder: await findLockHolder(client, key) };
  // The transaction idles for the whole run; a server-wide idle-in-transaction
  // or transaction timeout would end it and take the lock with it. Only the
  // settings this server has (transaction_timeout is Postgres 17+).
  const again = await client.query<{ backend_pid: number }>(
    `SELECT pg_backend_pid() AS backend_pid,
            (SELECT count(set_config(name, '0', true)) FROM pg_settings
              WHERE name IN ('idle_in_transaction_session_timeout', 'transaction_timeout')) AS unset`,
  );
  const backendPid = again.rows[0]?.backend_pid;
  if (backendPid !== row.backend_pid) {
    throw new PoolerUnsupportedError(
      `a transaction's statements ran on different server connections (backend ${row.backend_pid}, then ${backendPid})`,
    );
  }
  return { locked: true, held: { since: row.at, backendPid: row.backend_pid } };
}

function heldLock(
  connection: LockConnection,
  acquired: { since: Date; backendPid: number; waitedSince: Date | undefined },
): MigrationLock {
  let settleLost: (error: LockLostError) => void = () => {};
  const lost = new Promise<LockLostError>((resolve) => {
    settleLost = resolve;
  });
  connection.onLost(settleLost);
  let releasing: Promise<void> | undefined;
  const { waitedSince, ...held } = acquired;
  return {
    holder: { host: hostname(), pid: process.pid, ...held },
    waitedSince,
    lost,
    release() {
      releasing ??= connection.close();
      return releasing;
    },
  };
}
