import { sql } from "kysely";
import { isRecord } from "../util/objects.js";
import type { Runtime } from "./runtime.js";

/** What a migration's statement was waiting for, as pg_locks showed it last. */
export interface LockWait {
  /** The relation (schema-qualified when not on the search path), or the lock type (`transactionid`, `advisory`, …). */
  target: string;
  mode: string;
  /** The sessions Postgres says block it. */
  blockers: LockBlocker[];
}

export interface LockBlocker {
  backendPid: number;
  applicationName: string | null;
  clientAddr: string | null;
  /** Start of the blocker's transaction, when visible. */
  since: Date | null;
}

export interface LockWaitWatch {
  /** The last wait seen within `withinMs`; undefined when none was. */
  last(withinMs: number): LockWait | undefined;
  stop(): void;
}

/**
 * Watches backend `pid` (a migration's transaction) for a statement waiting
 * on a lock, so a `lock_timeout` can say what it waited on: Postgres' own
 * error names neither the relation nor the session. Polls every
 * `intervalMs`, on the runtime's pool; a failed poll is skipped.
 */
export function watchLockWaits(rt: Runtime, pid: number, intervalMs: number): LockWaitWatch {
  let last: { wait: LockWait; at: number } | undefined;
  let polling = false;
  const timer = setInterval(() => {
    if (polling) return;
    polling = true;
    readLockWait(rt, pid)
      .then((wait) => {
        if (wait) last = { wait, at: Date.now() };
      })
      .catch(() => {})
      .finally(() => {
        polling = false;
      });
  }, intervalMs);
  timer.unref();
  return {
    // An older one was a wait that ended: one that timed out was seen lately.
    last: (withinMs) => (last && Date.now() - last.at <= withinMs ? last.wait : undefined),
    stop: () => clearInterval(timer),
  };
}

interface WaitRow {
  target: string;
  mode: string;
  blocker_pid: number | null;
  application_name: string | null;
  client_addr: string | null;
  since: Date | null;
}

async function readLockWait(rt: Runtime, pid: number): Promise<LockWait | undefined> {
  const { rows } = await sql<WaitRow>`
    SELECT coalesce(w.relation::regclass::text, w.locktype) AS target, w.mode,
           b.pid AS blocker_pid, b.application_name, host(b.client_addr) AS client_addr,
           b.xact_start AS since
      FROM pg_locks w
      LEFT JOIN LATERAL unnest(pg_blocking_pids(w.pid)) AS bp(pid) ON true
      LEFT JOIN pg_stat_activity b ON b.pid = bp.pid
     WHERE w.pid = ${pid} AND NOT w.granted`.execute(rt.db);
  const first = rows[0];
  if (!first) return undefined;
  return {
    target: first.target,
    mode: first.mode,
    blockers: rows.flatMap((r) =>
      r.blocker_pid === null
        ? []
        : [
            {
              backendPid: r.blocker_pid,
              applicationName: r.application_name,
              clientAddr: r.client_addr,
              since: r.since,
            },
          ],
    ),
  };
}

/** Postgres gave up waiting for a lock after `lock_timeout` (SQLSTATE 55P03, "lock timeout"). */
export function isLockTimeout(error: unknown): boolean {
  return (
    isRecord(error) &&
    error.code === "55P03" &&
    typeof error.message === "string" &&
    error.message.includes("lock timeout")
  );
}
