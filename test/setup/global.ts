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
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    project.provide("pgAdminUrl", external);
    return async () => {};
  }
  const server: RunningPostgres = await startPostgres();
  const stopOnSignal = (signal: NodeJS.Signals) => {
    void server.stop().finally(() => process.kill(process.pid, signal));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  project.provide("pgAdminUrl", server.url);
  return async () => {
    process.off("SIGINT", stopOnSignal);
    process.off("SIGTERM", stopOnSignal);
    await server.stop();
  };
}
