import { createHash } from "node:crypto";
import type { Collection, ServerState } from "./model.js";
import {
  decodeCollection,
  type EncodedCollection,
  type EncodedState,
  encodeCollection,
  encodeState,
} from "./state-codec.js";

/**
 * The server's snapshot file format: a magic line, then JSON. Dense vectors are
 * base64 of their float32 bytes (state-codec.ts), so they come back exactly.
 * Real Qdrant writes a tar of segments instead; clients treat both as opaque
 * bytes with a sha256 checksum, which is all the REST API exposes.
 */

const MAGIC = "qdrant-migrate-snapshot/1\n";

type SnapshotContent =
  | { kind: "collection"; collection: EncodedCollection }
  | { kind: "full"; state: EncodedState };

export function collectionSnapshotBytes(collection: Collection): Buffer {
  return pack({ kind: "collection", collection: encodeCollection(collection) });
}

/** A full-storage snapshot: every collection and the aliases (snapshots/mod.rs). */
export function fullSnapshotBytes(state: ServerState): Buffer {
  return pack({ kind: "full", state: encodeState(state) });
}

/**
 * The collection a collection snapshot holds, renamed to `name`; undefined
 * when the bytes are not a collection snapshot (Qdrant: "does not contain a
 * collection config").
 */
export function readCollectionSnapshot(bytes: Buffer, name: string): Collection | undefined {
  const content = unpack(bytes);
  if (content?.kind !== "collection") return undefined;
  return decodeCollection(content.collection, name);
}

export function sha256(bytes: Buffer): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function pack(content: SnapshotContent): Buffer {
  return Buffer.from(MAGIC + JSON.stringify(content), "utf8");
}

function unpack(bytes: Buffer): SnapshotContent | undefined {
  const text = bytes.toString("utf8");
  if (!text.startsWith(MAGIC)) return undefined;
  try {
    return JSON.parse(text.slice(MAGIC.length)) as SnapshotContent;
  } catch {
    return undefined;
  }
}
