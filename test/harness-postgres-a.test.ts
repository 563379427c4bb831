import pg from "pg";
import { describe, expect, inject, it } from "vitest";
import { useTestDatabase } from "./harness/database.js";

// This file and harness-postgres-b.test.ts create the same table at the same
// time; each must see only its own rows.
const db = useTestDatabase();

describe("test harness: a database per test file (a)", () => {
  it("lets two files create the same table concurrently without clashing", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query("CREATE TABLE shared_name (who text NOT NULL)");
      await client.query("INSERT INTO shared_name VALUES ('a'), ('a')");
      await new Promise((r) => setTimeout(r, 200));
      const { rows } = await client.query<{ who: string }>("SELECT who FROM shared_name");
      expect(rows.map((r) => r.who)).toEqual(["a", "a"]);
    } finally {
      await client.end();
    }
  });

  it("connects to a real Postgres server", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ v: string }>(
        "SELECT current_setting('server_version_num') AS v",
      );
      expect(Number(rows[0]?.v)).toBeGreaterThanOrEqual(130000);
    } finally {
      await client.end();
    }
  });

  it("uses TEST_DATABASE_URL's server when that variable is set", () => {
    const external = process.env.TEST_DATABASE_URL;
    const admin = new URL(inject("pgAdminUrl"));
    if (external) expect(admin.host).toBe(new URL(external).host);
    expect(new URL(db.url).host).toBe(admin.host);
  });
});
