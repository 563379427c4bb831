import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { pack, unpack, VectorBlob } from "./binary-container.js";
import { QdrantServerStartError } from "./errors.js";
import type { ServerState } from "./model.js";
import { type EncodedState, encodeState } from "./state-codec.js";

/**
 * Durable storage for the server: a state file plus a write-ahead log of the
 * mutating requests made since it was written.
 *
 * - `state.bin` holds `{generation, state}` (a binary container, vectors as
 *   raw float32); `wal-<generation>.log` holds one JSON line per mutating
 *   request since then. Each line is fsynced before the server replies, so
 *   anything acknowledged survives `kill -9`.
 * - A checkpoint writes `state.bin` under the next generation (temp file,
 *   fsync, rename, fsync of the directory) and only then drops the old log; a
 *   crash in between leaves a log whose generation no longer matches, which is
 *   ignored, so no request is ever applied twice.
 * - A torn last line (a crash mid-write, before the reply) is dropped on load.
 *
 * Writes are synchronous on purpose: the log order is then the order in which
 * the handlers ran, with no await in between.
 */

export interface LoggedRequest {
  method: string;
  path: string;
  /** The query string without `?`. */
  query: string;
  /** The raw body, base64. */
  body: string;
}

/** Compact the log into the state file after this many entries. */
const CHECKPOINT_EVERY = 5_000;

interface StateFile {
  generation: number;
  state: EncodedState;
}

const STATE_MAGIC = "qdrant-migrate-state/1\n";
const STATE_FILE = "state.bin";

export class Persistence {
  private fd: number;
  private entries = 0;

  private constructor(
    private readonly dir: string,
    private generation: number,
  ) {
    this.fd = openSync(this.walPath(generation), "a");
  }

  /**
   * Opens (creating) `dir` and returns what it holds: the last state written
   * and the requests logged after it, to be replayed in order.
   */
  static open(dir: string): {
    persistence: Persistence;
    state: { encoded: EncodedState; blob: Buffer } | undefined;
    replay: LoggedRequest[];
  } {
    mkdirSync(dir, { recursive: true });
    const statePath = join(dir, STATE_FILE);
    let generation = 0;
    let state: { encoded: EncodedState; blob: Buffer } | undefined;
    if (existsSync(statePath)) {
      const unpacked = unpack(STATE_MAGIC, readFileSync(statePath));
      if (!unpacked) {
        throw new QdrantServerStartError(
          "qdrant_server_storage_unreadable",
          `${statePath} is not a state file of this server; point storageDir at a directory this server wrote, or at an empty one.`,
        );
      }
      const file = unpacked.header as StateFile;
      generation = file.generation;
      state = { encoded: file.state, blob: unpacked.blob };
    }
    const replay = readLog(join(dir, `wal-${generation}.log`));
    for (const name of readdirSync(dir)) {
      if (/^wal-\d+\.log$/.test(name) && name !== `wal-${generation}.log`) {
        unlinkSync(join(dir, name));
      }
    }
    return { persistence: new Persistence(dir, generation), state, replay };
  }

  /** Appends one request to the log and fsyncs it. */
  record(entry: LoggedRequest, state: ServerState): void {
    // writeFileSync on a descriptor loops until every byte is written.
    writeFileSync(this.fd, `${JSON.stringify(entry)}\n`);
    fsyncSync(this.fd);
    this.entries++;
    if (this.entries >= CHECKPOINT_EVERY) this.checkpoint(state);
  }

  /** Writes the whole state under a new generation and starts an empty log. */
  checkpoint(state: ServerState): void {
    const next = this.generation + 1;
    const statePath = join(this.dir, STATE_FILE);
    const tmp = `${statePath}.tmp`;
    const blob = new VectorBlob();
    const file: StateFile = { generation: next, state: encodeState(state, blob) };
    const fd = openSync(tmp, "w");
    try {
      writeFileSync(fd, pack(STATE_MAGIC, file, blob.bytes()));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, statePath);
    syncDirectory(this.dir);
    closeSync(this.fd);
    unlinkSync(this.walPath(this.generation));
    this.generation = next;
    this.fd = openSync(this.walPath(next), "a");
    this.entries = 0;
  }

  close(): void {
    closeSync(this.fd);
  }

  private walPath(generation: number): string {
    return join(this.dir, `wal-${generation}.log`);
  }
}

function readLog(path: string): LoggedRequest[] {
  if (!existsSync(path)) return [];
  const entries: LoggedRequest[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line === "") continue;
    try {
      entries.push(JSON.parse(line) as LoggedRequest);
    } catch {
      // Only the last line can be torn (it was never acknowledged); stop there.
      break;
    }
  }
  return entries;
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
