import type { ServerState } from "./model.js";

export interface ServerOptions {
  /** What `GET /` reports as `version`. */
  version: string;
  /** Where collection and full-storage snapshots are written. */
  snapshotsDir: string;
  /** Persistent storage directory, or undefined for memory only. */
  storageDir: string | undefined;
  apiKey: string | undefined;
}

/** Everything a route module needs: the state and the server's options. */
export interface ServerContext {
  state: ServerState;
  options: ServerOptions;
}
