import { postgresConnectionUrl, type ResolvedConfig } from "../../src/config/resolve-config.js";
import { MigrationJournal, type MigrationRecord } from "../../src/journal/migration-journal.js";
import { type JournalDatabase, journalTables } from "../../src/journal/table-types.js";
import { kyselyFor } from "./step-context.js";

/**
 * The journal's raw rows (snapshot files, schemas before, applied changes)
 * under `config`: what the engine recorded, which `Migrator.history()` keeps
 * to itself.
 */
export async function journalRecords(config: ResolvedConfig): Promise<MigrationRecord[]> {
  const db = kyselyFor<JournalDatabase>(postgresConnectionUrl(config.postgres));
  try {
    const tables = journalTables(config.postgres.schema, config.postgres.tablePrefix);
    return await new MigrationJournal(db, tables).list();
  } finally {
    await db.destroy();
  }
}
