import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { hostname } from "node:os";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { afterEach, describe, expect, it } from "vitest";
import { LockLostError, LockTimeoutError } from "../src/lock/errors.js";
import { advisoryLockKey } from "../src/lock/lock-key.js";
import {
  acquireMigrationLock,
  type LockHolder,
  type MigrationLock,
} from "../src/lock/migration-lock.js";
import { PostgresConnectionError } from "../src/postgres/connection-error.js";
import { AbortedError } from "../src/util/abort.js";
import { useTestDatabase } from "./harness/database.js";

const database = useTestDatabase();
const held: MigrationLock[] = [];
const children: ChildProcess[] = [];

afterEach(async () => {
  await Promise.all(held.splice(0).map((lock) => lock.release()));
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
});

let counter = 0;
/** A lock key no other test in this file uses. */
function freshKey(): string {
  counter += 1;
  return `ops.qdrant_#${counter}`;
}

async function acquire(key: string, timeoutMs = 0, extra = {}): Promise<MigrationLock> {
  const lock = await acquireMigrationLock({ url: database.url, key, timeoutMs, ...extra });
  held.push(lock);
  return lock;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: unknown) => error,
  );
}

/** Starts a separate process that takes the lock; resolves once it holds it. */
async function holdInChild(key: string): Promise<ChildProcess> {
  const script = fileURLToPath(new URL("./lock-support/hold-lock.ts", import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", script, database.url, key], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  let output = "";
  child.stdout?.setEncoding("utf8");
  for await (const chunk of child.stdout ?? []) {
    output += String(chunk);
    if (output.includes('"acquired":true')) return child;
  }
  throw new Error(`lock holder exited early: ${output}`);
}

describe("acquireMigrationLock", () => {
  it("gives the lock to one acquirer at a time", async () => {
    const key = freshKey();
    await acquire(key);
    expect(await failure(acquire(key))).toBeInstanceOf(LockTimeoutError);
  });

  it("lets different keys be held at once", async () => {
    await acquire(freshKey());
    await expect(acquire(freshKey())).resolves.toBeDefined();
  });

  it("describes this process as the holder", async () => {
    const lock = await acquire(freshKey());
    expect(lock.holder).toMatchObject({ host: hostname(), pid: process.pid });
    expect(lock.holder.since).toBeInstanceOf(Date);
  });

  it("hands the lock to a waiter once the holder releases it", async () => {
    const key = freshKey();
    const first = await acquire(key);
    const waits: (LockHolder | undefined)[] = [];
    const second = acquire(key, 30_000, {
      onWait: (holder: LockHolder | undefined) => {
        waits.push(holder);
        void first.release();
      },
    });
    await expect(second).resolves.toBeDefined();
    expect(waits).toHaveLength(1);
    expect(waits[0]).toMatchObject({ host: hostname(), pid: process.pid });
  });

  it("names the holder's host, pid and start in the timeout error", async () => {
    const key = freshKey();
    const first = await acquire(key);
    const error = await failure(acquire(key, 100));
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect(error).toMatchObject({ code: "LOCK_TIMEOUT" });
    const holder = (error as LockTimeoutError).holder;
    expect(holder).toMatchObject({ host: hostname(), pid: process.pid });
    expect(holder?.since.getTime()).toBe(first.holder.since.getTime());
    const message = (error as Error).message;
    expect(message).toContain(`host ${hostname()}, pid ${process.pid}`);
    expect(message).toContain(first.holder.since.toISOString());
    expect(message).toContain(`pg_terminate_backend(${first.holder.backendPid})`);
  });

  it("identifies a holder that is not a qdrant-migrate runner by its session", async () => {
    const key = freshKey();
    const other = new pg.Client({ connectionString: database.url, application_name: "psql" });
    await other.connect();
    try {
      const { rows } = await other.query<{ backend: number }>(
        "SELECT pg_advisory_lock($1::bigint), pg_backend_pid() AS backend",
        [advisoryLockKey(key).toString()],
      );
      const error = await failure(acquire(key));
      expect(error).toMatchObject({ holder: { pid: 0, backendPid: rows[0]?.backend } });
      expect((error as Error).message).toContain("not a qdrant-migrate runner");
    } finally {
      await other.end();
    }
  });

  it("is freed when the holding process is killed with SIGKILL", async () => {
    const key = freshKey();
    const child = await holdInChild(key);
    const contended = await failure(acquire(key));
    expect((contended as LockTimeoutError).holder?.pid).toBe(child.pid);
    child.kill("SIGKILL");
    await once(child, "exit");
    await expect(acquire(key, 20_000)).resolves.toBeDefined();
  });

  it("makes release idempotent and the lock free again", async () => {
    const key = freshKey();
    const lock = await acquire(key);
    await Promise.all([lock.release(), lock.release()]);
    await lock.release();
    await expect(acquire(key)).resolves.toBeDefined();
  });

  it("reports a lost lock when its connection is terminated", async () => {
    const key = freshKey();
    const lock = await acquire(key);
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query("SELECT pg_terminate_backend($1)", [lock.holder.backendPid]);
    } finally {
      await admin.end();
    }
    const lost = await lock.lost;
    expect(lost).toBeInstanceOf(LockLostError);
    expect(lost.code).toBe("LOCK_LOST");
    await expect(acquire(key, 20_000)).resolves.toBeDefined();
  });

  it("keeps the lock past the server's idle_in_transaction_session_timeout and idle_session_timeout", async () => {
    const key = freshKey();
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    try {
      await admin.query(
        `ALTER DATABASE "${database.name}" SET idle_in_transaction_session_timeout = '100ms'`,
      );
      await admin.query(`ALTER DATABASE "${database.name}" SET idle_session_timeout = '100ms'`);
      const lock = await acquire(key);
      const outcome = await Promise.race([
        lock.lost,
        new Promise((resolve) => setTimeout(resolve, 500, "held")),
      ]);
      expect(outcome).toBe("held");
    } finally {
      await admin.query(
        `ALTER DATABASE "${database.name}" RESET idle_in_transaction_session_timeout`,
      );
      await admin.query(`ALTER DATABASE "${database.name}" RESET idle_session_timeout`);
      await admin.end();
    }
  });

  it("does not report a lock as lost after release", async () => {
    const lock = await acquire(freshKey());
    await lock.release();
    const outcome = await Promise.race([lock.lost, new Promise((r) => setImmediate(r, "held"))]);
    expect(outcome).toBe("held");
  });

  it("stops waiting with AbortedError when aborted", async () => {
    const key = freshKey();
    await acquire(key);
    const controller = new AbortController();
    const error = await failure(
      acquire(key, 60_000, { signal: controller.signal, onWait: () => controller.abort() }),
    );
    expect(error).toBeInstanceOf(AbortedError);
  });

  it("fails with POSTGRES_UNREACHABLE naming host and port, not the password, when Postgres is unreachable", async () => {
    const url = new URL(database.url);
    url.port = "1";
    url.password = "s3cret-pw";
    const error = await failure(
      acquireMigrationLock({ url: url.toString(), key: freshKey(), timeoutMs: 0 }),
    );
    expect(error).toBeInstanceOf(PostgresConnectionError);
    expect(error).toMatchObject({ code: "POSTGRES_UNREACHABLE" });
    expect((error as Error).message).not.toContain("s3cret-pw");
    expect((error as Error).message).toContain(`${url.hostname}:1`);
  });
});
