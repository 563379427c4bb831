import pg from "pg";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "./harness/database.js";

// This file and harness-postgres-a.test.ts create the same table at the same
// time; each must see only its own rows.
const db = useTestDatabase();

describe("test harness: a database per test file (b)", () => {
  it("lets two files create the same table concurrently without clashing", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("CREATE TABLE shared_name (who text NOT NULL)");
      await client.query("INSERT INTO shared_name VALUES ('b')");
      await new Promise((r) => setTimeout(r, 200));
      const { rows } = await client.query<{ who: string }>("SELECT who FROM shared_name");
      expect(rows.map((r) => r.who)).toEqual(["b"]);
    } finally {
      await client.end();
    }
  });
});
