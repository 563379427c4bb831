import { isRecord } from "../util/objects.js";
import type { QdrantConnection } from "./connect.js";
import { QdrantRequestError } from "./errors.js";

/** A collection's schema as the server reports it now, in a form that can be compared for drift. */
export interface LiveCollectionConfig {
  /** `config.params.vectors`: one VectorParams or a map of named ones. */
  vectorsConfig: unknown;
  /** Payload indexes by field, without the volatile `points` counts. */
  payloadSchema: Record<string, unknown>;
  /** The rest of `config` (params, hnsw, optimizer, wal, quantization, metadata), minus our own stamp. */
  config: unknown;
  aliases: string[];
  /** Approximate, as `GET /collections/{c}` reports it; not compared. */
  pointsCount: number;
}

/** What drift detection compares: a recorded or live config, without the volatile points count. */
export interface ComparableConfig {
  vectorsConfig: unknown;
  payloadSchema: unknown;
  config: unknown;
  aliases: readonly string[];
}

/** The metadata key qdrant-migrate writes on each collection it migrates. */
export const STAMP_KEY = "qdrant_migrate";

/** Collection metadata arrived in Qdrant 1.16. */
const METADATA_SINCE: readonly [number, number] = [1, 16];

/** The live config of `collection`, or undefined when it does not exist. */
export async function readLiveConfig(
  conn: QdrantConnection,
  collection: string,
): Promise<LiveCollectionConfig | undefined> {
  let info: Awaited<ReturnType<QdrantConnection["client"]["getCollection"]>>;
  try {
    info = await conn.client.getCollection(collection);
  } catch (error) {
    if (error instanceof QdrantRequestError && error.status === 404) return undefined;
    throw error;
  }
  const { params, metadata, ...restConfig } = info.config as typeof info.config & {
    metadata?: Record<string, unknown> | null;
  };
  const { vectors, ...restParams } = params;
  const payloadSchema: Record<string, unknown> = {};
  for (const [field, index] of Object.entries(info.payload_schema ?? {})) {
    const { points: _points, ...stable } = index as Record<string, unknown>;
    payloadSchema[field] = stable;
  }
  const userMetadata = { ...(metadata ?? {}) };
  delete userMetadata[STAMP_KEY];
  const aliases = await conn.client.getCollectionAliases(collection);
  return {
    vectorsConfig: vectors,
    payloadSchema,
    config: { ...restConfig, params: restParams, metadata: userMetadata },
    aliases: aliases.aliases.map((a) => a.alias_name).sort(),
    pointsCount: info.points_count ?? 0,
  };
}

/**
 * Writes `metadata.qdrant_migrate = { schema_version, migration, migrated_at }`
 * on the collection (PATCH merges metadata, so other keys stay); a null
 * `schemaVersion` removes the key (`null` deletes a metadata key). Returns
 * false, writing nothing, when the server predates collection metadata (1.16).
 */
export async function stampSchemaVersion(
  conn: QdrantConnection,
  collection: string,
  info: { schemaVersion: number | null; migration: string | null },
): Promise<boolean> {
  if (!supportsMetadata(await conn.serverVersion())) return false;
  const stamp =
    info.schemaVersion === null
      ? null
      : {
          schema_version: info.schemaVersion,
          migration: info.migration,
          migrated_at: new Date().toISOString(),
        };
  await conn.client.updateCollection(collection, { metadata: { [STAMP_KEY]: stamp } });
  return true;
}

/**
 * The differences between a recorded and a live config, one readable line
 * each (`vectors.text.size: 4 → 8`); empty when they match. Points counts are
 * not compared: they change without any schema change.
 */
export function compareConfig(recorded: ComparableConfig, live: ComparableConfig): string[] {
  const out: string[] = [];
  diff("vectors", recorded.vectorsConfig, live.vectorsConfig, out);
  diff("payload_schema", recorded.payloadSchema, live.payloadSchema, out);
  diff("config", recorded.config, live.config, out);
  const before = [...recorded.aliases].sort();
  const after = [...live.aliases].sort();
  if (before.join("\n") !== after.join("\n")) {
    out.push(`aliases: ${show(before)} → ${show(after)}`);
  }
  return out;
}

function supportsMetadata(version: string): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  // An unparseable version (a dev build) is assumed recent.
  if (!match) return true;
  const major = Number(match[1]);
  const minor = Number(match[2]);
  return major > METADATA_SINCE[0] || (major === METADATA_SINCE[0] && minor >= METADATA_SINCE[1]);
}

function diff(path: string, a: unknown, b: unknown, out: string[]): void {
  // Qdrant reports an unset option as null or leaves it out, depending on the version.
  if (a == null && b == null) return;
  if (isRecord(a) && isRecord(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const key of keys) diff(`${path}.${key}`, a[key], b[key], out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push(`${path}: ${show(a)} → ${show(b)}`);
}

function show(value: unknown): string {
  return value === undefined ? "(absent)" : JSON.stringify(value);
}
