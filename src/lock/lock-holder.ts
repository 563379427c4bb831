import { hostname } from "node:os";
import type pg from "pg";

/** Who holds the migration lock: the runner's machine and process, and since when. */
export interface LockHolder {
  host: string;
  /** OS process id of the runner; 0 when the session is not a qdrant-migrate runner. */
  pid: number;
  since: Date;
  /** Postgres backend pid of the holding session (for pg_terminate_backend). */
  backendPid: number;
}

const PREFIX = "qdrant-migrate";
// Postgres keeps at most NAMEDATALEN - 1 bytes of application_name.
const MAX_APPLICATION_NAME = 63;

/**
 * The application_name that identifies this process to other runners. The
 * host comes last, so a long host name is what gets cut.
 */
export function runnerApplicationName(host = hostname(), pid = process.pid): string {
  return `${PREFIX} pid=${pid} host=${host}`.slice(0, MAX_APPLICATION_NAME);
}

function parseApplicationName(name: string | null): { host: string; pid: number } | undefined {
  const match = /^qdrant-migrate pid=(\d+) host=(.*)$/.exec(name ?? "");
  if (!match) return undefined;
  return { pid: Number(match[1]), host: match[2] ?? "" };
}

interface HolderRow {
  backend_pid: number;
  application_name: string | null;
  client_addr: string | null;
  since: Date | null;
}

/**
 * The session holding advisory lock `key` in this database, if any. "Since"
 * is the start of the holder's transaction, which took the lock (or, for a
 * session-level lock, which an older runner or another tool holds, its last
 * statement). Behind a pooler the host is the pooler's address, unless the
 * pooler passes on the runner's application_name (pgbouncer does). Without
 * the privilege to see that (another role and no pg_read_all_stats) "since"
 * falls back to now.
 */
export async function findLockHolder(
  client: pg.Client,
  key: bigint,
): Promise<LockHolder | undefined> {
  const unsigned = BigInt.asUintN(64, key);
  // A bigint advisory key is stored as two 32-bit halves, marked by objsubid 1.
  const high = (unsigned >> 32n).toString();
  const low = (unsigned & 0xffffffffn).toString();
  const { rows } = await client.query<HolderRow>(
    `SELECT l.pid AS backend_pid, a.application_name, host(a.client_addr) AS client_addr,
            coalesce(a.xact_start, a.query_start, a.backend_start) AS since
       FROM pg_locks l
       LEFT JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = $1::bigint::oid AND l.objid = $2::bigint::oid
      LIMIT 1`,
    [high, low],
  );
  const row = rows[0];
  if (!row) return undefined;
  const runner = parseApplicationName(row.application_name);
  return {
    host: runner?.host ?? row.client_addr ?? "unknown host",
    pid: runner?.pid ?? 0,
    since: row.since ?? new Date(),
    backendPid: row.backend_pid,
  };
}
