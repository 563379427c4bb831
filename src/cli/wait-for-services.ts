import pg from "pg";
import type { ResolvedConfig } from "../config/resolve-config.js";
import { messageOf } from "../errors.js";
import { postgresConnectionError } from "../postgres/connection-error.js";
import { connectQdrant } from "../qdrant/connect.js";
import { waitFor } from "../util/wait-for.js";
import type { Output } from "./output.js";

/**
 * `--wait SECONDS`: containers start before their databases, so poll Postgres
 * (`SELECT 1`) and Qdrant (`GET /readyz`) with backoff until both answer.
 */
export async function waitForServices(
  config: ResolvedConfig,
  seconds: number,
  out: Output,
  signal?: AbortSignal,
): Promise<void> {
  const timeoutMs = seconds * 1000;
  const deadline = Date.now() + timeoutMs;
  const remaining = () => Math.max(1, deadline - Date.now());
  const onWaiting = (label: string) => (error: unknown, elapsedMs: number) => {
    const reason = messageOf(error);
    out.log(`waiting for ${label} (${Math.round(elapsedMs / 1000)}s): ${reason}`);
  };
  await waitFor(
    "Postgres",
    async () => {
      const client = new pg.Client({
        connectionString: config.postgres.url,
        connectionTimeoutMillis: Math.min(5000, remaining()),
      });
      client.on("error", () => {});
      try {
        await client.connect();
        await client.query("SELECT 1");
      } catch (error) {
        throw postgresConnectionError(error, config.postgres.url) ?? error;
      } finally {
        await client.end().catch(() => {});
      }
    },
    { timeoutMs: remaining(), onWaiting: onWaiting("Postgres"), signal },
  );
  const qdrant = connectQdrant({
    url: config.qdrant.url,
    apiKey: config.qdrant.apiKey,
    timeoutMs: Math.min(5000, config.qdrant.timeoutMs),
    retries: 0,
  });
  await waitFor(
    "Qdrant",
    async () => {
      const res = await qdrant.fetchRaw("/readyz");
      if (!res.ok) throw new Error(`GET /readyz answered ${res.status}`);
    },
    { timeoutMs: remaining(), onWaiting: onWaiting("Qdrant"), signal },
  );
}
