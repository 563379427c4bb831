import { createHash } from "node:crypto";
import { pack, unpack, VectorBlob } from "./binary-container.js";
import type { Collection, ServerState } from "./model.js";
import {
  decodeCollection,
  type EncodedCollection,
  type EncodedState,
  encodeCollection,
  encodeState,
} from "./state-codec.js";

/**
 * The server's snapshot file format: a binary container (binary-container.ts)
 * whose header holds config, payload indexes, payloads and ids, and whose blob
 * holds the dense vectors as exact float32. Real Qdrant writes a tar of
 * segments instead; clients treat both as opaque bytes with a sha256 checksum,
 * which is all the REST API exposes.
 */

const MAGIC = "qdrant-migrate-snapshot/2\n";

type SnapshotContent =
  | { kind: "collection"; collection: EncodedCollection }
  | { kind: "full"; state: EncodedState };

export function collectionSnapshotBytes(collection: Collection): Buffer {
  const blob = new VectorBlob();
  const content: SnapshotContent = {
    kind: "collection",
    collection: encodeCollection(collection, blob),
  };
  return pack(MAGIC, content, blob.bytes());
}

/** A full-storage snapshot: every collection and the aliases (snapshots/mod.rs). */
export function fullSnapshotBytes(state: ServerState): Buffer {
  const blob = new VectorBlob();
  const content: SnapshotContent = { kind: "full", state: encodeState(state, blob) };
  return pack(MAGIC, content, blob.bytes());
}

/**
 * The collection a collection snapshot holds, renamed to `name`; undefined
 * when the bytes are not a collection snapshot (Qdrant: "does not contain a
 * collection config").
 */
export function readCollectionSnapshot(bytes: Buffer, name: string): Collection | undefined {
  const unpacked = unpack(MAGIC, bytes);
  const content = unpacked?.header as SnapshotContent | undefined;
  if (!unpacked || content?.kind !== "collection") return undefined;
  return decodeCollection(content.collection, unpacked.blob, name);
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}
