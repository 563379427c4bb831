import { type ChildProcess, spawn } from "node:child_process";
import { access, chmod, constants, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { QdrantServerError } from "./errors.js";
import { freePort } from "./free-port.js";

/** A real Qdrant binary could not be started or did not become ready. */
export class QdrantBinaryError extends QdrantServerError {
  constructor(message: string) {
    super("QDRANT_BINARY", message);
  }
}

export interface StartQdrantBinaryOptions {
  /** Path of the `qdrant` executable. Default: env `QDRANT_BIN`. */
  binary?: string;
  /** How many peers: 1 starts a single node, more start one cluster. Default 1. */
  peers?: number;
  /** Parent folder for each peer's storage and snapshots; a fresh temporary one by default (deleted on stop). */
  dataDir?: string;
  /** API key every peer requires. */
  apiKey?: string;
  /** How long to wait for readiness, per start. Default 30 s. */
  readyTimeoutMs?: number;
}

export interface QdrantPeer {
  /** REST base URL of this peer, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** gRPC base URL of this peer, e.g. `http://127.0.0.1:41235`. */
  readonly grpcUrl: string;
  /** Where this peer keeps its snapshots (for `file://` recovery). */
  readonly snapshotsDir: string;
  /** Where this peer keeps its collections. */
  readonly storageDir: string;
  /** True while the process runs. */
  readonly running: boolean;
  /** Ends the process with SIGKILL (a crash); storage stays. */
  kill(): Promise<void>;
  /** Starts the process again on the same ports and storage, and waits until it is ready. */
  restart(): Promise<void>;
}

export interface RunningQdrantBinary {
  /** REST base URL of the first peer. */
  readonly url: string;
  /** gRPC base URL of the first peer (for gRPC clients and tools such as `qdrant/migration`). */
  readonly grpcUrl: string;
  /** Snapshots directory of the first peer. */
  readonly snapshotsDir: string;
  /** Every peer, the first one first. */
  readonly peers: readonly QdrantPeer[];
  /** Stops every peer and removes the data folder it created. */
  stop(): Promise<void>;
}

interface PeerPorts {
  http: number;
  grpc: number;
  p2p: number;
}

/**
 * Starts a real Qdrant from its binary on free loopback ports with its own
 * storage and snapshot folders: one node, or several peers forming one cluster
 * (the first with `--uri`, the others bootstrapping from it). Resolves once
 * every peer answers `/readyz` and, for a cluster, `/cluster` lists them all.
 */
export async function startQdrantBinary(
  options: StartQdrantBinaryOptions = {},
): Promise<RunningQdrantBinary> {
  const binary = options.binary ?? process.env.QDRANT_BIN;
  if (!binary) {
    throw new QdrantBinaryError("no Qdrant binary given: pass `binary` or set QDRANT_BIN");
  }
  const binaryPath = resolve(binary);
  try {
    await access(binaryPath, constants.X_OK);
  } catch {
    throw new QdrantBinaryError(
      `the Qdrant binary ${binaryPath} does not exist or is not executable`,
    );
  }
  const count = options.peers ?? 1;
  if (!Number.isInteger(count) || count < 1) {
    throw new QdrantBinaryError(`peers must be a whole number of at least 1, got ${count}`);
  }
  const ownsDir = options.dataDir === undefined;
  const root = options.dataDir ?? (await mkdtemp(join(tmpdir(), "qdrant-migrate-qdrant-")));
  await chmod(root, 0o755);
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const cluster = count > 1;
  const peers: BinaryPeer[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const ports: PeerPorts = {
        http: await freePort(),
        grpc: await freePort(),
        p2p: await freePort(),
      };
      const first = peers[0];
      const peer = new BinaryPeer({
        binary: binaryPath,
        dir: join(root, `peer-${i}`),
        ports,
        cluster,
        bootstrap: first ? `http://127.0.0.1:${first.ports.p2p}` : undefined,
        apiKey: options.apiKey,
        readyTimeoutMs,
      });
      peers.push(peer);
      await peer.start();
    }
    if (cluster) await waitForPeers(peers, readyTimeoutMs, options.apiKey);
  } catch (error) {
    await Promise.all(peers.map((p) => p.kill()));
    if (ownsDir) await rm(root, { recursive: true, force: true });
    throw error;
  }
  const first = peers[0] as BinaryPeer;
  let stopped = false;
  return {
    url: first.url,
    grpcUrl: first.grpcUrl,
    snapshotsDir: first.snapshotsDir,
    peers,
    async stop() {
      if (stopped) return;
      stopped = true;
      await Promise.all(peers.map((p) => p.stop()));
      if (ownsDir) await rm(root, { recursive: true, force: true });
    },
  };
}

interface PeerSettings {
  binary: string;
  dir: string;
  ports: PeerPorts;
  cluster: boolean;
  bootstrap: string | undefined;
  apiKey: string | undefined;
  readyTimeoutMs: number;
}

class BinaryPeer implements QdrantPeer {
  readonly url: string;
  readonly grpcUrl: string;
  readonly snapshotsDir: string;
  readonly storageDir: string;
  readonly ports: PeerPorts;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private log = "";
  private started = false;

  constructor(private readonly settings: PeerSettings) {
    this.ports = settings.ports;
    this.url = `http://127.0.0.1:${settings.ports.http}`;
    this.grpcUrl = `http://127.0.0.1:${settings.ports.grpc}`;
    this.snapshotsDir = join(settings.dir, "snapshots");
    this.storageDir = join(settings.dir, "storage");
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  async start(): Promise<void> {
    const { settings } = this;
    await mkdir(this.storageDir, { recursive: true });
    await mkdir(this.snapshotsDir, { recursive: true });
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      QDRANT__SERVICE__HOST: "127.0.0.1",
      QDRANT__SERVICE__HTTP_PORT: String(settings.ports.http),
      QDRANT__SERVICE__GRPC_PORT: String(settings.ports.grpc),
      QDRANT__STORAGE__STORAGE_PATH: this.storageDir,
      QDRANT__STORAGE__SNAPSHOTS_PATH: this.snapshotsDir,
      QDRANT__TELEMETRY_DISABLED: "true",
      QDRANT__LOG_LEVEL: "WARN",
    };
    if (settings.apiKey) env.QDRANT__SERVICE__API_KEY = settings.apiKey;
    const args: string[] = [];
    if (settings.cluster) {
      env.QDRANT__CLUSTER__ENABLED = "true";
      env.QDRANT__CLUSTER__P2P__PORT = String(settings.ports.p2p);
      // A restarted peer already knows its cluster from its storage.
      if (settings.bootstrap && !this.started) args.push("--bootstrap", settings.bootstrap);
      args.push("--uri", `http://127.0.0.1:${settings.ports.p2p}`);
    }
    this.log = "";
    const child = spawn(settings.binary, args, {
      cwd: settings.dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keepLog = (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-4000);
    };
    child.stdout?.on("data", keepLog);
    child.stderr?.on("data", keepLog);
    this.child = child;
    this.exited = new Promise((done) => {
      child.once("exit", () => {
        if (this.child === child) this.child = undefined;
        done();
      });
    });
    this.started = true;
    await this.waitReady();
  }

  async restart(): Promise<void> {
    if (this.child) await this.kill();
    await this.start();
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGKILL");
    await this.exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await this.exited;
    clearTimeout(timer);
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + this.settings.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (!this.child) {
        throw new QdrantBinaryError(`Qdrant at ${this.url} exited while starting:\n${this.log}`);
      }
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(1000) });
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    await this.kill();
    throw new QdrantBinaryError(
      `Qdrant at ${this.url} was not ready within ${this.settings.readyTimeoutMs} ms:\n${this.log}`,
    );
  }
}

/** A cluster is usable once the first peer's `/cluster` lists every peer. */
async function waitForPeers(
  peers: readonly BinaryPeer[],
  timeoutMs: number,
  apiKey: string | undefined,
): Promise<void> {
  const first = peers[0] as BinaryPeer;
  const headers: Record<string, string> = apiKey ? { "api-key": apiKey } : {};
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${first.url}/cluster`, {
        headers,
        signal: AbortSignal.timeout(1000),
      });
      if (res.ok) {
        const body = (await res.json()) as { result?: { peers?: Record<string, unknown> } };
        seen = Object.keys(body.result?.peers ?? {}).length;
        if (seen >= peers.length) return;
      }
    } catch {
      // a peer still joining
    }
    await sleep(100);
  }
  throw new QdrantBinaryError(
    `the Qdrant cluster at ${first.url} listed ${seen} of ${peers.length} peers after ${timeoutMs} ms`,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
