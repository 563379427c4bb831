import type pg from "pg";

/**
 * Errors of the pool's Postgres connections, routed by backend pid. A
 * checked-out connection that dies (Postgres restart, failover,
 * `pg_terminate_backend`) emits `'error'`; with no listener that event
 * crashes the process, and an application embedding the migrator with it.
 * Every connection gets a listener here, and a migration watches the backend
 * that holds its transaction so it stops at once instead of at commit.
 */
export class ConnectionErrors {
  private readonly watchers = new Map<number, (error: Error) => void>();

  attach(pool: pg.Pool): void {
    pool.on("connect", (client) => {
      client.on("error", (error) => {
        // pg sets processID from the server's BackendKeyData; its types omit it.
        const pid = (client as unknown as { processID: number | null }).processID;
        if (pid !== null) this.watchers.get(pid)?.(error);
      });
    });
  }

  /** Calls `onLost` if the connection of backend `pid` fails; returns the unwatch function. */
  watch(pid: number, onLost: (error: Error) => void): () => void {
    this.watchers.set(pid, onLost);
    return () => {
      if (this.watchers.get(pid) === onLost) this.watchers.delete(pid);
    };
  }
}
