import { type RunningQdrantBinary, startQdrantBinary } from "../../src/qdrant-binary.js";

/**
 * With `QDRANT_BIN` set (and no `QDRANT_URL`), one real Qdrant from that binary
 * for the whole run, published to the test files as `QDRANT_URL` and
 * `QDRANT_SNAPSHOTS_DIR`; otherwise each file starts its own in-process server.
 * Run from the repository root, the core's global setup may have started the
 * binary already: its `QDRANT_URL` is then used.
 */
export default async function setup(): Promise<() => Promise<void>> {
  let qdrant: RunningQdrantBinary | undefined;
  const stop = () => qdrant?.stop() ?? Promise.resolve();
  const stopOnSignal = (signal: NodeJS.Signals) => {
    void stop().finally(() => process.kill(process.pid, signal));
  };
  process.once("SIGINT", stopOnSignal);
  process.once("SIGTERM", stopOnSignal);
  if (process.env.QDRANT_BIN && !process.env.QDRANT_URL) {
    qdrant = await startQdrantBinary();
    // Test workers are forked after global setup and inherit these.
    process.env.QDRANT_URL = qdrant.url;
    process.env.QDRANT_SNAPSHOTS_DIR = qdrant.snapshotsDir;
  }
  return async () => {
    process.off("SIGINT", stopOnSignal);
    process.off("SIGTERM", stopOnSignal);
    await stop();
  };
}
