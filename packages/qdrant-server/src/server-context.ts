import type { ServerState } from "./model.js";

export interface ServerOptions {
  /** What `GET /` reports as `version`. */
  version: string;
  /** Where collection and full-storage snapshots are written. */
  snapshotsDir: string;
  /** Persistent storage directory, or undefined for memory only. */
  storageDir: string | undefined;
  apiKey: string | undefined;
  /** This node's peer id (decimal digits), as in snapshot names. */
  peerId: string;
}

/** Everything a route module needs: the state and the server's options. */
export interface ServerContext {
  state: ServerState;
  options: ServerOptions;
  /**
   * Called by a mutating handler whose effect cannot be replayed from its
   * request (e.g. snapshot recovery reads a file that may be deleted later):
   * the server then writes the whole state to disk before replying instead of
   * logging the request. A no-op without a storage directory.
   */
  checkpoint(): void;
}
