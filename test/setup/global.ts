import { type RunningQdrantBinary, startQdrantBinary } from "@qdrant-migrate/qdrant-server";
import type { TestProject } from "vitest/node";
import { type RunningPostgres, startPostgres } from "../../src/testing/postgres.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Superuser URL of the Postgres server this test run uses. */
    pgAdminUrl: string;
  }
}

/**
 * One Postgres server per test run: `TEST_DATABASE_URL` when set, otherwise a
 * throwaway embedded server that is stopped when the run ends or is interrupted.
 * With `QDRANT_BIN` set (and no `QDRANT_URL`), also one real Qdrant from that
 * binary, published to the test files as `QDRANT_URL` and `QDRANT_SNAPSHOTS_DIR`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const servers: { stop(): Promise<void> }[] = [];
  const stopAll = () => Promise.all(servers.map((s) => s.stop()));
  const stopOnSignal = (signal: NodeJS.Signals) => {
    void stopAll().finally(() => process.kill(process.pid, signal));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  try {
    const external = process.env.TEST_DATABASE_URL;
    if (external) {
      project.provide("pgAdminUrl", external);
    } else {
      const postgres: RunningPostgres = await startPostgres();
      servers.push(postgres);
      project.provide("pgAdminUrl", postgres.url);
    }
    if (process.env.QDRANT_BIN && !process.env.QDRANT_URL) {
      const qdrant: RunningQdrantBinary = await startQdrantBinary();
      servers.push(qdrant);
      // Test workers are forked after global setup and inherit these.
      process.env.QDRANT_URL = qdrant.url;
      process.env.QDRANT_SNAPSHOTS_DIR = qdrant.snapshotsDir;
    }
  } catch (error) {
    await stopAll();
    throw error;
  }
  return async () => {
    process.off("SIGINT", stopOnSignal);
    process.off("SIGTERM", stopOnSignal);
    await stopAll();
  };
}
