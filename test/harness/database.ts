import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../src/testing/postgres.js";

/**
 * Gives the calling test file a database of its own, created before its first
 * test and dropped after its last. Read `.url` inside tests or hooks.
 */
export function useTestDatabase(): { readonly url: string; readonly name: string } {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(inject("pgAdminUrl"));
  });
  afterAll(async () => {
    await db?.drop();
  });
  return {
    get url() {
      if (!db) throw new Error("useTestDatabase(): read .url inside a test or hook");
      return db.url;
    },
    get name() {
      if (!db) throw new Error("useTestDatabase(): read .name inside a test or hook");
      return db.name;
    },
  };
}

/** Runs one statement on its own connection to `url` and returns the rows. */
export async function queryRows<T extends pg.QueryResultRow>(
  url: string,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
