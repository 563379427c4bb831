import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { startPostgres } from "../src/testing/postgres.js";

async function countRows(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM kept");
    return Number(rows[0]?.n);
  } finally {
    await client.end();
  }
}

describe("startPostgres", () => {
  it("starts again on the data folder it was given, keeping its data", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "qm-pg-keep-"));
    try {
      const first = await startPostgres({ dataDir });
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      await client.query("CREATE TABLE kept (id int); INSERT INTO kept VALUES (1), (2)");
      await client.end();
      await first.stop();

      const second = await startPostgres({ dataDir });
      try {
        expect(await countRows(second.url)).toBe(2);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 60_000);

  it("says why it could not start when the port is taken, instead of 'undefined'", async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const address = blocker.address();
    const port = typeof address === "object" && address ? address.port : 0;
    try {
      const error = await startPostgres({ port }).then(
        () => undefined,
        (e: unknown) => e as Error,
      );
      expect(error?.message).toContain(
        `did not start on port ${port}: the server exited while starting`,
      );
      expect(error?.message).toMatch(/could not bind|Address already in use/);
      expect(error?.message).not.toContain("undefined");
    } finally {
      blocker.close();
    }
  }, 60_000);
});
