import type { StepContext } from "../src/define.js";

/**
 * The bots' memory collections, read from the `bots` table in the migration's
 * own transaction, so the Qdrant step changes exactly the collections the
 * Postgres rows name. Not a migration: `_` files are skipped.
 */
export async function botCollections(db: StepContext["db"]): Promise<string[]> {
  const rows = await db.selectFrom("bots").select("collection_name").orderBy("id").execute();
  return rows.map((row) => String(row.collection_name));
}
