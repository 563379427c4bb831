import pg from "pg";
import { postgresConnectionUrl, type ResolvedConfig } from "../config/resolve-config.js";
import { postgresConnectionError } from "../postgres/connection-error.js";
import { connectQdrant } from "../qdrant/connect.js";
import { waitFor } from "../util/wait-for.js";

export interface WaitForServicesOptions {
  timeoutMs: number;
  /** After each failed attempt: which store, why (redacted), and how long it has been. */
  onWaiting?: (store: "Postgres" | "Qdrant", error: unknown, elapsedMs: number) => void;
  signal?: AbortSignal;
}

/**
 * Containers start before their databases: polls Postgres (`SELECT 1`) and
 * then Qdrant (`GET /readyz`) with backoff until both answer, within one
 * deadline. Throws `WaitTimeoutError` naming the store and its last error.
 */
export async function waitForServices(
  config: ResolvedConfig,
  opts: WaitForServicesOptions,
): Promise<void> {
  const url = postgresConnectionUrl(config.postgres);
  const deadline = Date.now() + opts.timeoutMs;
  const remaining = () => Math.max(1, deadline - Date.now());
  const onWaiting = (store: "Postgres" | "Qdrant") => (error: unknown, elapsedMs: number) =>
    opts.onWaiting?.(store, error, elapsedMs);
  await waitFor(
    "Postgres",
    async () => {
      const client = new pg.Client({
        connectionString: url,
        connectionTimeoutMillis: Math.min(5000, remaining()),
      });
      client.on("error", () => {});
      try {
        await client.connect();
        await client.query("SELECT 1");
      } catch (error) {
        throw postgresConnectionError(error, url) ?? error;
      } finally {
        await client.end().catch(() => {});
      }
    },
    { timeoutMs: remaining(), onWaiting: onWaiting("Postgres"), signal: opts.signal },
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
    { timeoutMs: remaining(), onWaiting: onWaiting("Qdrant"), signal: opts.signal },
  );
}
