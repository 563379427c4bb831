import { mkdir, open, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { sha256 } from "./snapshot-file.js";

/** Qdrant's SnapshotDescription. */
export interface SnapshotDescription {
  name: string;
  creation_time: string;
  size: number;
  /** Absent (not null) when the snapshot has no sidecar, as Qdrant serialises it. */
  checksum?: string;
}

/**
 * Snapshot files on disk, laid out as Qdrant lays them out
 * (collection/snapshots.rs, snapshot_manager): collection snapshots in
 * `<snapshots>/<collection>/<collection>-<peer_id>-<YYYY-MM-DD-HH-MM-SS>.snapshot`,
 * full ones in `<snapshots>/full-snapshot-<…>.snapshot`, each with a
 * `<name>.checksum` sidecar holding its sha256.
 *
 * Two snapshots of one collection within the same second get the same name;
 * like Qdrant, the later one replaces the earlier file (its final step is a
 * rename over the target), so only the later content remains.
 */
export class SnapshotStore {
  constructor(
    readonly root: string,
    private readonly peerId: string,
    private readonly now: () => Date,
  ) {}

  collectionDir(collection: string): string {
    return join(this.root, collection);
  }

  collectionSnapshotName(collection: string): string {
    return `${collection}-${this.peerId}-${stamp(this.now())}.snapshot`;
  }

  /** `<snapshots>/<collection>/shards/<shard_id>`, where Qdrant keeps a shard's snapshots. */
  shardDir(collection: string, shardId: number): string {
    return join(this.root, collection, "shards", String(shardId));
  }

  /** Shard snapshot names carry no peer id: `<collection>-shard-<id>-<time>.snapshot`. */
  shardSnapshotName(collection: string, shardId: number): string {
    return `${collection}-shard-${shardId}-${stamp(this.now())}.snapshot`;
  }

  fullSnapshotName(): string {
    return `full-snapshot-${stamp(this.now())}.snapshot`;
  }

  /**
   * Writes a snapshot and its checksum sidecar. The sidecar goes first and the
   * snapshot appears last, by rename, so a listed snapshot always has both.
   * An uploaded snapshot gets no sidecar: Qdrant only moves the upload into
   * place, so it lists without a `checksum`.
   */
  async save(
    dir: string,
    name: string,
    bytes: Buffer,
    opts: { sidecar?: boolean } = {},
  ): Promise<SnapshotDescription> {
    await mkdir(dir, { recursive: true });
    const target = join(dir, name);
    if (opts.sidecar !== false)
      await writeDurably(`${target}.checksum`, Buffer.from(sha256(bytes)));
    await writeDurably(`${target}.tmp`, bytes);
    await rename(`${target}.tmp`, target);
    return this.describe(dir, name) as Promise<SnapshotDescription>;
  }

  async list(dir: string): Promise<SnapshotDescription[]> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch {
      return [];
    }
    const snapshots: SnapshotDescription[] = [];
    for (const name of names.filter((n) => n.endsWith(".snapshot")).sort()) {
      const described = await this.describe(dir, name);
      if (described) snapshots.push(described);
    }
    return snapshots;
  }

  async describe(dir: string, name: string): Promise<SnapshotDescription | undefined> {
    const path = this.path(dir, name);
    if (!path) return undefined;
    try {
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      const described: SnapshotDescription = {
        name,
        creation_time: info.mtime.toISOString().slice(0, 19),
        size: info.size,
      };
      try {
        described.checksum = (await readFile(`${path}.checksum`, "utf8")).trim();
      } catch {
        // No sidecar (an uploaded snapshot): Qdrant leaves the key out.
      }
      return described;
    } catch {
      return undefined;
    }
  }

  /**
   * The file of a snapshot name, or undefined for a name that could leave its
   * directory (Qdrant answers those 404, tests/openapi/test_snapshot.py).
   */
  path(dir: string, name: string): string | undefined {
    if (name === "" || name === "." || name === ".." || /[/\\]/.test(name)) return undefined;
    return join(dir, name);
  }

  async read(dir: string, name: string): Promise<Buffer | undefined> {
    if (!(await this.describe(dir, name))) return undefined;
    return readFile(this.path(dir, name) as string);
  }

  /** Deletes a snapshot and its sidecar; false when it does not exist. */
  async remove(dir: string, name: string): Promise<boolean> {
    if (!(await this.describe(dir, name))) return false;
    const path = this.path(dir, name) as string;
    await rm(path);
    await rm(`${path}.checksum`, { force: true });
    return true;
  }
}

/** `YYYY-MM-DD-HH-MM-SS` in UTC, as in Qdrant's snapshot names. */
function stamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace("T", "-").replaceAll(":", "-");
}

async function writeDurably(path: string, bytes: Buffer): Promise<void> {
  const handle = await open(path, "w");
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } finally {
    await handle.close();
  }
}
