import { writeFile } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { freePort, startQdrant } from "@qdrant-migrate/qdrant-server";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { createMigrator } from "../src/engine/migrator.js";
import { postgresConnectionError } from "../src/postgres/connection-error.js";
import { connectQdrant } from "../src/qdrant/connect.js";
import { runCli } from "./harness/child.js";
import { useTestDatabase } from "./harness/database.js";
import { makeProject } from "./harness/project.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();

const servers: Server[] = [];
const sockets: Socket[] = [];
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((s) => new Promise((done) => s.close(done))));
});

/** A TCP server on a free loopback port that handles each connection with `onSocket`. */
async function tcpServer(onSocket: (socket: Socket) => void): Promise<number> {
  const server = createServer((socket) => {
    sockets.push(socket);
    onSocket(socket);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP port");
  return address.port;
}

/** A Postgres URL for this test file's database with some parts changed. */
function postgresUrl(change: (url: URL) => void): string {
  const url = new URL(db.url);
  change(url);
  return url.toString();
}

/** The error `status` throws for a project whose Postgres URL is `url`. */
async function statusError(url: string): Promise<unknown> {
  const project = await makeProject({ postgres: url, qdrant: qdrant.url, apiKey: qdrant.apiKey });
  const migrator = createMigrator(project.config());
  try {
    return await migrator.status().then(
      () => undefined,
      (error: unknown) => error,
    );
  } finally {
    await migrator.close();
  }
}

/** A project with a config file whose stores are the given URLs. */
async function cliProject(postgres: string, qdrantUrl: string): Promise<string> {
  const project = await makeProject({ postgres, qdrant: qdrantUrl });
  const config = {
    migrations: "migrations/*.mjs",
    postgres: { url: postgres },
    qdrant: { url: qdrantUrl, timeoutMs: 2000 },
  };
  await writeFile(
    join(project.dir, "umzug.config.mjs"),
    `export default ${JSON.stringify(config)};`,
  );
  return project.dir;
}

/**
 * The wire bytes of a Postgres ErrorResponse, as a server whose pg_hba.conf has
 * only `hostssl` lines sends to a client that connected without TLS.
 */
function postgresErrorResponse(sqlState: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${sqlState}\0M${message}\0\0`);
  const head = Buffer.alloc(5);
  head.write("E", 0);
  head.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

describe("Postgres failures have stable codes and name host and port, never the password", () => {
  const password = "pw-Fault-9z!";

  it("status --json answers POSTGRES_UNREACHABLE with exit 1 when the connection is refused", async () => {
    const port = await freePort();
    const url = postgresUrl((u) => {
      u.port = String(port);
      u.password = password;
    });
    const dir = await cliProject(url, qdrant.url);
    const status = await runCli(["status", "--json"], { cwd: dir });
    expect(status.code).toBe(1);
    const { error } = JSON.parse(status.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe("POSTGRES_UNREACHABLE");
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain("--wait SECONDS");
    expect(status.stdout + status.stderr).not.toContain(password);
  });

  it("a wrong password is POSTGRES_AUTH_FAILED", async () => {
    const error = await statusError(
      postgresUrl((u) => {
        u.password = password;
      }),
    );
    expect(error).toMatchObject({ code: "POSTGRES_AUTH_FAILED" });
    expect((error as Error).message).toContain("password authentication failed");
    expect((error as Error).message).not.toContain(password);
  });

  it("a database that does not exist is POSTGRES_DATABASE_MISSING, naming it", async () => {
    const name = uniqueName("nodb").toLowerCase();
    const error = await statusError(
      postgresUrl((u) => {
        u.pathname = `/${name}`;
      }),
    );
    expect(error).toMatchObject({ code: "POSTGRES_DATABASE_MISSING" });
    expect((error as Error).message).toContain(`database "${name}"`);
  });

  it("sslmode=require against a server without TLS is POSTGRES_TLS_REFUSED", async () => {
    const error = await statusError(postgresUrl((u) => u.searchParams.set("sslmode", "require")));
    expect(error).toMatchObject({ code: "POSTGRES_TLS_REFUSED" });
    expect((error as Error).message).toContain("does not support TLS");
  });

  it("a server that accepts only TLS is POSTGRES_TLS_REQUIRED, suggesting sslmode=require", async () => {
    const port = await tcpServer((socket) => {
      socket.once("data", () =>
        socket.end(
          postgresErrorResponse(
            "28000",
            'no pg_hba.conf entry for host "127.0.0.1", user "app", database "app", no encryption',
          ),
        ),
      );
    });
    const error = await statusError(`postgres://app:${password}@127.0.0.1:${port}/app`);
    expect(error).toMatchObject({ code: "POSTGRES_TLS_REQUIRED", host: "127.0.0.1", port });
    expect((error as Error).message).toContain("add sslmode=require");
  });

  it("a connection attempt that gets no answer is POSTGRES_TIMEOUT", async () => {
    // Accepts the TCP connection and never speaks, like a firewall that drops replies.
    const port = await tcpServer(() => {});
    const url = `postgres://app:${password}@127.0.0.1:${port}/app`;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 200 });
    const failure = await client.connect().then(
      () => undefined,
      (e: unknown) => e,
    );
    const error = postgresConnectionError(failure, url);
    expect(error).toMatchObject({ code: "POSTGRES_TIMEOUT", host: "127.0.0.1", port });
    expect(error?.message).toContain("--wait SECONDS");
  });

  it("leaves a failing SQL statement alone: it is not a connection problem", async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const failure = await client.query("SELECT * FROM no_such_table").catch((e: unknown) => e);
    await client.end();
    expect(postgresConnectionError(failure, db.url)).toBeUndefined();
  });
});

describe("Qdrant failures have stable codes and name the URL, never the API key", () => {
  const apiKey = "key-Fault-8y-secret";

  it("snapshots list --json answers QDRANT_UNREACHABLE with exit 1 when the connection is refused", async () => {
    const port = await freePort();
    const dir = await cliProject(db.url, `http://127.0.0.1:${port}`);
    const listed = await runCli(["snapshots", "list", "--json"], { cwd: dir });
    expect(listed.code).toBe(1);
    const { error } = JSON.parse(listed.stdout) as { error: { code: string; message: string } };
    expect(error.code).toBe("QDRANT_UNREACHABLE");
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(error.message).toContain("--wait SECONDS");
  });

  it("a call that gets no answer is QDRANT_TIMEOUT", async () => {
    const port = await tcpServer(() => {});
    const conn = connectQdrant({ url: `http://127.0.0.1:${port}`, timeoutMs: 200, retries: 0 });
    const error = await conn.client.getCollections().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "QDRANT_TIMEOUT" });
    expect((error as Error).message).toContain(`127.0.0.1:${port} within 200 ms`);
  });

  it("a wrong API key is QDRANT_AUTH_FAILED, and the key is not shown", async () => {
    const keyed = await startQdrant({ apiKey });
    try {
      const wrong = `${apiKey}-wrong`;
      const conn = connectQdrant({ url: keyed.url, apiKey: wrong, timeoutMs: 2000, retries: 0 });
      const error = await conn.client.getCollections().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: "QDRANT_AUTH_FAILED", status: 401 });
      expect((error as Error).message).toContain("Check the API key");
      expect((error as Error).message).not.toContain(wrong);
    } finally {
      await keyed.stop();
    }
  });

  it("an https:// URL for a server without TLS is QDRANT_TLS_REFUSED", async () => {
    const url = qdrant.url.replace(/^http:/, "https:");
    const conn = connectQdrant({ url, apiKey: qdrant.apiKey, timeoutMs: 2000, retries: 0 });
    const error = await conn.client.getCollections().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "QDRANT_TLS_REFUSED" });
    expect((error as Error).message).toContain("Use http://");
  });

  it("an http:// URL for a server with TLS is QDRANT_TLS_REQUIRED", async () => {
    // Qdrant 1.18.1 with TLS enabled answers a plain HTTP request with this TLS
    // alert record (decode_error) and closes; captured from the binary.
    const alert = Buffer.from("15030300020232", "hex");
    const port = await tcpServer((socket) => socket.once("data", () => socket.end(alert)));
    const conn = connectQdrant({ url: `http://127.0.0.1:${port}`, timeoutMs: 2000, retries: 0 });
    const error = await conn.client.getCollections().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "QDRANT_TLS_REQUIRED" });
    expect((error as Error).message).toContain("use https://");
  });
});

describe("a Qdrant refused before any change is reported as itself, with no failed row", () => {
  const apiKey = "key-Preflight-7x-secret";
  const qdrantHalf = (collection: string) =>
    `export default { qdrant: {
      up: async ({ qdrant }) => { await qdrant.createCollection("${collection}", { vectors: { size: 4, distance: "Dot" } }); },
      down: async () => {},
    } };`;

  /** `up` of one migration with a Qdrant half against `url`: its error, and what the journal holds after. */
  async function upAgainst(url: string, key?: string) {
    const project = await makeProject({ postgres: db.url, qdrant: url, apiKey: key });
    await project.writeMigration("001_create", qdrantHalf(uniqueName("docs")));
    const migrator = createMigrator(
      project.config({ tablePrefix: `${uniqueName("qm").toLowerCase()}_` }),
    );
    try {
      const { error } = await migrator.up();
      return { error, rows: await migrator.history(), runs: await migrator.runs() };
    } finally {
      await migrator.close();
    }
  }

  it("an unreachable port is QDRANT_UNREACHABLE", async () => {
    const { error, rows, runs } = await upAgainst(`http://127.0.0.1:${await freePort()}`);
    expect(error?.code).toBe("QDRANT_UNREACHABLE");
    expect(rows).toEqual([]);
    expect(runs).toEqual([]);
  });

  it("an https:// URL to a server without TLS is QDRANT_TLS_REFUSED", async () => {
    const { error, rows, runs } = await upAgainst(
      qdrant.url.replace(/^http:/, "https:"),
      qdrant.apiKey,
    );
    expect(error?.code).toBe("QDRANT_TLS_REFUSED");
    expect(rows).toEqual([]);
    expect(runs).toEqual([]);
  });

  it("a refused API key is QDRANT_AUTH_FAILED, and the key is not shown", async () => {
    const keyed = await startQdrant({ apiKey });
    try {
      const { error, rows } = await upAgainst(keyed.url, `${apiKey}-wrong`);
      expect(error?.code).toBe("QDRANT_AUTH_FAILED");
      expect(error?.message).not.toContain(apiKey);
      expect(rows).toEqual([]);
    } finally {
      await keyed.stop();
    }
  });

  it("up exits 1 with the store's code, and check then says pending (3), not failed (4)", async () => {
    const project = await makeProject({ postgres: db.url, qdrant: qdrant.url });
    const https = qdrant.url.replace(/^http:/, "https:");
    const config = {
      migrations: "migrations/*.mjs",
      postgres: { url: db.url, tablePrefix: `${uniqueName("qm").toLowerCase()}_` },
      qdrant: { url: https, timeoutMs: 2000, ...(qdrant.apiKey ? { apiKey: qdrant.apiKey } : {}) },
    };
    await writeFile(
      join(project.dir, "umzug.config.mjs"),
      `export default ${JSON.stringify(config)};`,
    );
    await project.writeMigration("001_create", qdrantHalf(uniqueName("docs")));
    const up = await runCli(["up", "--json"], { cwd: project.dir });
    expect(up.code, up.stderr).toBe(1);
    const { error } = JSON.parse(up.stdout) as { error: { code: string } };
    expect(error.code).toBe("QDRANT_TLS_REFUSED");
    const check = await runCli(["check", "--json"], { cwd: project.dir });
    expect(check.code).toBe(3);
    expect(JSON.parse(check.stdout)).toMatchObject({ pending: ["001_create"] });
  });
});
