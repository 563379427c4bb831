import { createHash } from "node:crypto";

import type { PointId } from "../../qdrant/touched-points.js";

export type { PointId };

/**
 * The UUID namespace of ids made from source ids by `pointIdFor`. Fixed
 * forever: changing it would give every re-run of an import new ids, so a
 * resumed or repeated import would duplicate points instead of overwriting them.
 */
export const SOURCE_ID_NAMESPACE = "6f1d2c3e-4b5a-5e8f-9a0b-1c2d3e4f5a6b";

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * The Qdrant id of a source record's id, the same on every run: an unsigned
 * integer or a UUID is already a valid Qdrant id and is kept (a UUID in the
 * hyphenated lower-case form Qdrant answers with, so ids compare equal when
 * read back); any other string (ChromaDB's ids, file names, slugs) becomes a
 * name-based UUID (version 5) in `namespace`.
 */
export function pointIdFor(sourceId: string | number, namespace = SOURCE_ID_NAMESPACE): PointId {
  if (typeof sourceId === "number") {
    if (Number.isSafeInteger(sourceId) && sourceId >= 0) return sourceId;
    return uuidV5(String(sourceId), namespace);
  }
  if (UUID.test(sourceId)) return canonicalUuid(sourceId);
  return uuidV5(sourceId, namespace);
}

/** RFC 9562 name-based UUID, version 5 (SHA-1 of namespace bytes + name). */
export function uuidV5(name: string, namespace: string): string {
  if (!UUID.test(namespace)) throw new TypeError(`uuidV5: namespace ${namespace} is not a UUID`);
  const bytes = createHash("sha1")
    .update(Buffer.from(namespace.replaceAll("-", ""), "hex"))
    .update(name, "utf8")
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  return canonicalUuid(bytes.toString("hex"));
}

function canonicalUuid(uuid: string): string {
  const hex = uuid.replaceAll("-", "").toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
