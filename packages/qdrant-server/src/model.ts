/**
 * The in-memory state of the Qdrant-compatible server. Handlers read and
 * change it through these types; persistence (see persistence.ts) stores it.
 */

/** A point id: an unsigned integer, or a UUID in canonical lower-case form. */
export type PointId = number | string;

export interface SparseVector {
  indices: number[];
  values: number[];
}

/** One named vector's value: dense, sparse, or a multivector (list of dense). */
export type StoredVector = Float32Array | SparseVector | Float32Array[];

export type Payload = Record<string, unknown>;

export interface StoredPoint {
  id: PointId;
  /** Keyed by vector name; the unnamed default vector is stored under "". */
  vectors: Map<string, StoredVector>;
  payload: Payload;
}

/** JSON shape of a collection's config as `GET /collections/{name}` reports it. */
export type CollectionConfigJson = Record<string, unknown>;

export interface PayloadIndex {
  /** `field_schema` exactly as given: a type name or a parameterised object. */
  schema: string | Record<string, unknown>;
}

export interface Collection {
  name: string;
  /** `config` of the collection info: params, hnsw_config, optimizer_config, wal_config, … */
  config: CollectionConfigJson;
  payloadIndexes: Map<string, PayloadIndex>;
  /** Points by id; numeric and UUID ids never collide as Map keys. */
  points: Map<PointId, StoredPoint>;
}

export interface ServerState {
  collections: Map<string, Collection>;
  /** alias name → collection name */
  aliases: Map<string, string>;
  /** Monotonic counter for UpdateResult.operation_id. */
  nextOperationId: number;
}

export function emptyState(): ServerState {
  return { collections: new Map(), aliases: new Map(), nextOperationId: 0 };
}
