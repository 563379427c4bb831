import { type ChildProcess, spawn } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "@qdrant-migrate/qdrant-server";
import { fileExists } from "../../src/util/file-exists.js";

/** Debian's package puts it here; `PGBOUNCER_BIN` overrides. */
const DEFAULT_BIN = "/usr/sbin/pgbouncer";

export type PoolMode = "session" | "transaction" | "statement";

export interface PgbouncerOptions {
  poolMode: PoolMode;
  /** Server connections per database and user (pgbouncer's `default_pool_size`). */
  poolSize?: number;
  /** pgbouncer's `idle_transaction_timeout`, in seconds; 0 is off. */
  idleTransactionTimeoutS?: number;
}

export interface RunningPgbouncer {
  /** `targetUrl` with pgbouncer's address in place of the server's. */
  readonly url: string;
  stop(): Promise<void>;
}

/** Where the pgbouncer binary is, or undefined when this machine has none (the tests then skip). */
export async function pgbouncerBinary(): Promise<string | undefined> {
  const bin = process.env.PGBOUNCER_BIN ?? DEFAULT_BIN;
  return (await fileExists(bin)) ? bin : undefined;
}

/**
 * Starts a real pgbouncer in front of the Postgres of `targetUrl` (every
 * database, the URL's user and password), as a team reaching Postgres only
 * through a pooler has it. It refuses to run as root, so as root it runs as
 * `nobody`, with its files readable by that user.
 */
export async function startPgbouncer(
  bin: string,
  targetUrl: string,
  opts: PgbouncerOptions,
): Promise<RunningPgbouncer> {
  const target = new URL(targetUrl);
  const user = decodeURIComponent(target.username);
  const password = decodeURIComponent(target.password);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-pgbouncer-"));
  await chmod(dir, 0o755);
  const authFile = join(dir, "userlist.txt");
  await writeFile(authFile, `"${user}" "${password}"\n`, { mode: 0o644 });
  const configFile = join(dir, "pgbouncer.ini");
  await writeFile(
    configFile,
    [
      "[databases]",
      `* = host=${target.hostname} port=${target.port || "5432"}`,
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      "unix_socket_dir =",
      "auth_type = md5",
      `auth_file = ${authFile}`,
      `pool_mode = ${opts.poolMode}`,
      `default_pool_size = ${opts.poolSize ?? 4}`,
      "max_client_conn = 500",
      `idle_transaction_timeout = ${opts.idleTransactionTimeoutS ?? 0}`,
      "ignore_startup_parameters = extra_float_digits,options",
      "",
    ].join("\n"),
    { mode: 0o644 },
  );
  const args = process.getuid?.() === 0 ? ["-u", "nobody", configFile] : [configFile];
  const child = spawn(bin, args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    log += d.toString();
  });
  try {
    await waitForPort(port, child, () => log);
  } catch (error) {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  const url = new URL(targetUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);
  return {
    url: url.toString(),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`pgbouncer exited with code ${child.exitCode}:\n${log()}`);
    }
    if (await accepts(port)) return;
    if (Date.now() > deadline) throw new Error(`pgbouncer did not listen within 10 s:\n${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}
