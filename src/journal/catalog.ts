import { type Kysely, sql } from "kysely";
import type { JournalDatabase } from "./table-types.js";

/** Whether `schema.table` exists (to_regclass: no error, and no privilege needed). */
export async function tableExists(
  db: Kysely<JournalDatabase>,
  schema: string,
  table: string,
): Promise<boolean> {
  const { rows } = await sql<{ found: string | null }>`
    SELECT to_regclass(${qualified(schema, table)})::text AS found`.execute(db);
  return rows[0]?.found != null;
}

/** `"schema"."table"` as text for to_regclass, quoting so any name round-trips. */
export function qualified(schema: string, table: string): string {
  const quote = (id: string) => `"${id.replace(/"/g, '""')}"`;
  return `${quote(schema)}.${quote(table)}`;
}
