import { existsSync } from "node:fs";
import { readFile, realpath } from "node:fs/promises";
import { sep } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { badInput, badRequest, forbidden, formatError, serviceError } from "./errors.js";
import type { Collection, ServerState } from "./model.js";
import { readCollectionSnapshot, sha256 } from "./snapshot-file.js";

/**
 * Snapshot recovery (content_manager/snapshots/recover.rs, download.rs): fetch
 * the bytes a location names, check them, and put the collection they hold
 * into the state.
 */

/**
 * The bytes at a recovery `location`: a `file://` path inside the snapshots
 * directory, or an http(s) URL the server downloads (with `api-key` when given).
 */
export async function fetchSnapshot(
  location: string,
  snapshotsDir: string,
  apiKey: string | undefined,
): Promise<Buffer> {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw formatError("relative URL without a base");
  }
  if (url.protocol === "file:") {
    if (url.host !== "" && url.host !== "localhost") {
      throw badRequest("Invalid snapshot URI, file path must be absolute or on localhost");
    }
    const path = fileURLToPath(new URL(`file://${url.pathname}`));
    if (!existsSync(path)) throw badRequest(`Snapshot file ${JSON.stringify(path)} does not exist`);
    const canonical = await realpath(path);
    const allowed = await realpath(snapshotsDir);
    if (!canonical.startsWith(allowed + sep)) {
      throw forbidden(
        `Snapshot file path must be inside the snapshots directory ${JSON.stringify(allowed)}`,
      );
    }
    return readFile(canonical);
  }
  if (url.protocol === "http:" || url.protocol === "https:") {
    const response = await fetch(url, { headers: apiKey ? { "api-key": apiKey } : {} });
    if (!response.ok) {
      throw badRequest(
        `Failed to download snapshot from ${url.origin}${url.pathname}: status - ${response.status}`,
      );
    }
    return Buffer.from(await response.arrayBuffer());
  }
  // Named without user info or query, which may carry credentials.
  const shown = `${url.protocol}//${url.host}${url.pathname}`;
  throw badRequest(`URL ${shown} with schema ${url.protocol.slice(0, -1)} is not supported`);
}

/** 400 when a snapshot's sha256 is not the `checksum` the caller gave. */
export function verifyChecksum(bytes: Buffer, checksum: string | undefined): void {
  if (checksum === undefined) return;
  const actual = sha256(bytes);
  if (actual !== checksum.toLowerCase()) {
    throw badInput(`Snapshot checksum mismatch: expected ${checksum}, got ${actual}`);
  }
}

/**
 * Recovers `bytes` as collection `name`. A missing collection is created from
 * the snapshot (config, payload indexes, points); an existing one must have
 * the same vectors config and shard number, and then only its points are
 * replaced (its own config and payload index schema stay).
 */
export function recoverCollection(
  state: ServerState,
  name: string,
  bytes: Buffer,
  checksum: string | undefined,
): void {
  verifyChecksum(bytes, checksum);
  // Qdrant looks the target up with get_collection, which resolves aliases first.
  const target = state.aliases.get(name) ?? name;
  const recovered = readCollectionSnapshot(bytes, target);
  // Qdrant fails unpacking such a file (an IO error, 500); its text names
  // server paths, which this server leaves out.
  if (!recovered) throw serviceError("File IO error: not a snapshot archive");
  const existing = state.collections.get(target);
  if (!existing) {
    state.collections.set(target, recovered);
    return;
  }
  // Qdrant compares the whole vectors config (on_disk, hnsw_config, … too), then
  // the shard number (content_manager/snapshots/recover.rs).
  const params = (c: Collection) => c.config.params as Record<string, unknown>;
  if (!isDeepStrictEqual(params(existing).vectors, params(recovered).vectors)) {
    throw badInput(
      `Snapshot is not compatible with existing collection: Collection vectors: ${JSON.stringify(params(existing).vectors)} Snapshot Vectors: ${JSON.stringify(params(recovered).vectors)}`,
    );
  }
  if (params(existing).shard_number !== params(recovered).shard_number) {
    throw badInput(
      `Snapshot is not compatible with existing collection: Collection shard number: ${String(params(existing).shard_number)} Snapshot shard number: ${String(params(recovered).shard_number)}`,
    );
  }
  existing.points = recovered.points;
}
