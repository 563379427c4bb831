import { type ControlledTransaction, sql } from "kysely";
import { messageOf } from "../errors.js";
import type { JournalDatabase } from "../journal/table-types.js";
import { isRecord } from "../util/objects.js";
import { redactSecrets } from "../util/redact.js";
import { CommitUnconfirmedError } from "./errors.js";
import type { Runtime } from "./runtime.js";

/** How long the session that sent COMMIT may take to end once told to. */
const SESSION_END_MS = 10_000;

/**
 * Commits a migration's transaction on the session `pid`. A COMMIT whose reply
 * is lost (the connection dies after the server received it) may have taken
 * effect, or may still be taking effect (a deferred trigger, a synchronous
 * standby): then undoing the migration's Qdrant half would leave Postgres
 * migrated and Qdrant not. So the session is ended and waited for, and then
 * the journal row, finished inside that transaction, says which: read on a
 * fresh connection. Returns once committed; rethrows the commit's error when
 * Postgres refused the COMMIT or the row shows it did not take effect; throws `CommitUnconfirmedError` when
 * that cannot be known.
 */
export async function commitMigration(
  rt: Runtime,
  trx: ControlledTransaction<JournalDatabase>,
  migration: { name: string; direction: "up" | "down"; pid: number },
  warn: (message: string) => Promise<void>,
): Promise<void> {
  const { name, direction, pid } = migration;
  try {
    await trx.commit().execute();
    return;
  } catch (commitError) {
    // Kysely keeps the connection of a failed commit checked out; a rollback
    // on it hands it back (the pool drops it if dead).
    if (!trx.isRolledBack)
      await trx
        .rollback()
        .execute()
        .catch(() => {});
    // An ERROR answer (a deferred constraint, a serialization failure): the
    // transaction is rolled back, and its session may already serve others.
    if (refusedByServer(commitError)) throw commitError;
    const reason = redactSecrets(messageOf(commitError), rt.secrets);
    let status: string | undefined;
    try {
      await endSession(rt, pid);
      status = (await rt.journal.get(name))?.status;
    } catch (readError) {
      throw new CommitUnconfirmedError(
        name,
        reason,
        redactSecrets(messageOf(readError), rt.secrets),
      );
    }
    if (status === "in_progress") throw commitError;
    if (status !== (direction === "up" ? "applied" : "rolled_back")) {
      throw new CommitUnconfirmedError(
        name,
        reason,
        `its journal row reads ${status ?? "missing"}`,
      );
    }
    await warn(
      `the reply to COMMIT was lost (${reason}); the journal shows the commit took effect`,
    );
  }
}

/**
 * Postgres answered with an ERROR, not FATAL: the session lives on and the
 * transaction is rolled back. FATAL (the session was ended) leaves it open
 * whether a COMMIT under way took effect.
 */
function refusedByServer(error: unknown): boolean {
  return isRecord(error) && error.severity === "ERROR";
}

/**
 * Ends the session `pid` and waits until it is gone: until then its
 * transaction may still commit, and the row would not show it yet.
 */
async function endSession(rt: Runtime, pid: number): Promise<void> {
  await sql`SELECT pg_terminate_backend(${pid})`.execute(rt.db);
  const deadline = Date.now() + SESSION_END_MS;
  for (;;) {
    const { rows } = await sql`SELECT 1 FROM pg_stat_activity WHERE pid = ${pid}`.execute(rt.db);
    if (rows.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`the session that sent COMMIT (pid ${pid}) did not end within 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
