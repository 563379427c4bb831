import type { Schemas } from "@qdrant/js-client-rest";
import { isRecord } from "../../util/objects.js";
import type { SchemaDifference } from "./differences.js";
import { liveSection, liveSparseVector, liveVector } from "./live-schema.js";
import { getAt, pathText, sameValue, setAt } from "./values.js";

export type CollectionPatch = Schemas["UpdateCollection"];

/**
 * Compares each value an update body sets with the live collection and
 * returns the differences (all `in-place`) and the smallest body that makes
 * them, so an update that changes nothing sends nothing. A `null` leaves a
 * setting unchanged, as in Qdrant's update, except under `metadata`, where it
 * deletes the key.
 */
export function settingDifferences(
  info: Schemas["CollectionInfo"],
  patch: CollectionPatch,
): { differences: SchemaDifference[]; minimal: CollectionPatch } {
  const differences: SchemaDifference[] = [];
  const minimal: Record<string, unknown> = {};
  const visit = (path: string[], wanted: unknown): void => {
    const metadataKey = path[0] === "metadata" && path.length === 2;
    if (wanted === undefined || (wanted === null && !metadataKey)) return;
    // Quantization is replaced whole by an update; metadata is merged one key deep.
    if (isRecord(wanted) && !metadataKey && path[path.length - 1] !== "quantization_config") {
      for (const [key, value] of Object.entries(wanted)) visit([...path, key], value);
      return;
    }
    const live = liveSetting(info, path);
    if (sameSetting(live, wanted)) return;
    differences.push({ field: pathText(path), live, wanted, resolution: "in-place" });
    setAt(minimal, path, wanted);
  };
  for (const [key, value] of Object.entries(patch)) visit([key], value);
  return { differences, minimal: minimal as CollectionPatch };
}

function sameSetting(live: unknown, wanted: unknown): boolean {
  // "Disabled" is how an update removes quantization: equal to none at all.
  if (wanted === "Disabled") return live == null;
  return sameValue(live, wanted);
}

/** The live value an update body's `path` would change, with Qdrant's effective defaults. */
export function liveSetting(info: Schemas["CollectionInfo"], path: readonly string[]): unknown {
  const [section, name, key, ...rest] = path;
  if (section === "vectors" && name !== undefined) {
    const vector = liveVector(info, name);
    if (key === "hnsw_config" && rest[0] !== undefined) {
      // A vector without its own HNSW setting uses the collection's.
      return getAt(vector?.hnsw_config, rest) ?? getAt(info.config.hnsw_config, rest);
    }
    if (key === "on_disk") return vector?.on_disk ?? false;
    return key === undefined ? vector : getAt(vector, [key, ...rest]);
  }
  if (section === "sparse_vectors" && name !== undefined) {
    const sparse = liveSparseVector(info, name);
    if (key === "modifier") return sparse?.modifier ?? "none";
    return key === undefined ? sparse : getAt(sparse, [key, ...rest]);
  }
  if (section === undefined) return undefined;
  return getAt(liveSection(info, section), path.slice(1));
}
