import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { QdrantClient } from "@qdrant/js-client-rest";
import {
  freePort,
  type RunningQdrant,
  startQdrant,
  startQdrantBinary,
} from "@qdrant-migrate/qdrant-server";

import { testClient } from "./qdrant.js";
/** A Qdrant of one test's own, on disk, that the test may crash and restart. */
export interface CrashableQdrant {
  readonly url: string;
  readonly client: QdrantClient;
  /** Where the server keeps its snapshots. */
  readonly snapshotsDir: string;
  /** Ends the server at once; what it acknowledged stays on disk. */
  crash(): Promise<void>;
  /** Starts it again on the same port and storage. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface CrashableQdrantKind {
  /** For test names: which server the scenario runs against. */
  label: string;
  /** Why the scenario cannot run here, or undefined when it can. */
  unavailable: string | undefined;
  start(): Promise<CrashableQdrant>;
}

/**
 * The servers fault tests run against: the in-process server with a storage
 * folder (always), and the real binary at `QDRANT_BIN` (when set; the CI's
 * real-server run sets it). Each test starts its own, so crashing it affects
 * no other test file.
 */
export const crashableQdrants: readonly CrashableQdrantKind[] = [
  { label: "in-process server", unavailable: undefined, start: startInProcess },
  {
    label: "Qdrant binary",
    unavailable: process.env.QDRANT_BIN ? undefined : "QDRANT_BIN is not set",
    start: startBinary,
  },
];

async function startInProcess(): Promise<CrashableQdrant> {
  const storageDir = await mkdtemp(join(tmpdir(), "qdrant-migrate-crashable-"));
  const port = await freePort();
  let server: RunningQdrant | undefined = await startQdrant({ port, storageDir });
  const url = server.url;
  return {
    url,
    client: testClient(url),
    snapshotsDir: join(storageDir, "snapshots"),
    // The in-process server fsyncs every acknowledged change before replying,
    // so stopping it loses exactly what a SIGKILL would.
    async crash() {
      await server?.stop();
      server = undefined;
    },
    async restart() {
      await server?.stop();
      server = await startQdrant({ port, storageDir });
    },
    async stop() {
      await server?.stop();
      server = undefined;
      await rm(storageDir, { recursive: true, force: true });
    },
  };
}

async function startBinary(): Promise<CrashableQdrant> {
  const running = await startQdrantBinary();
  const peer = running.peers[0];
  if (!peer) throw new Error("startQdrantBinary returned no peer");
  return {
    url: running.url,
    client: testClient(running.url),
    snapshotsDir: running.snapshotsDir,
    crash: () => peer.kill(),
    restart: () => peer.restart(),
    stop: () => running.stop(),
  };
}
