import type { ControlledTransaction } from "kysely";
import { messageOf } from "../errors.js";
import type { JournalDatabase } from "../journal/schema.js";
import { CommitUnconfirmedError } from "./errors.js";
import type { Runtime } from "./runtime.js";

/**
 * Commits a migration's transaction. A COMMIT whose reply is lost (the
 * connection dies after the server received it) may have taken effect: then
 * the migration is done, and undoing its Qdrant half would leave Postgres
 * migrated and Qdrant not. The journal row, finished inside that transaction,
 * says which: it is read on a fresh connection. Returns once committed;
 * rethrows the commit's error when the row shows it did not take effect;
 * throws `CommitUnconfirmedError` when the row cannot be read.
 */
export async function commitMigration(
  rt: Runtime,
  trx: ControlledTransaction<JournalDatabase>,
  name: string,
  direction: "up" | "down",
  warn: (message: string) => Promise<void>,
): Promise<void> {
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
    let status: string | undefined;
    try {
      status = (await rt.journal.get(name))?.status;
    } catch (readError) {
      throw new CommitUnconfirmedError(name, messageOf(commitError), messageOf(readError));
    }
    if (status === "in_progress") throw commitError;
    if (status !== (direction === "up" ? "applied" : "rolled_back")) {
      throw new CommitUnconfirmedError(
        name,
        messageOf(commitError),
        `its journal row reads ${status ?? "missing"}`,
      );
    }
    await warn(
      `the reply to COMMIT was lost (${messageOf(commitError)}); the journal shows the commit took effect`,
    );
  }
}
