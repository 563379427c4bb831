import type {
  Collection,
  PayloadIndex,
  PointId,
  ServerState,
  SparseVector,
  StoredPoint,
  StoredVector,
} from "./model.js";

/**
 * JSON encoding of collections and whole server states, shared by the state
 * file and snapshot files. Dense vectors travel as base64 of their float32
 * bytes, so they come back bit for bit.
 */

type EncodedVector =
  | { dense: string }
  | { multi: string[] }
  | { sparse: { indices: number[]; values: number[] } };

interface EncodedPoint {
  id: PointId;
  vectors: Record<string, EncodedVector>;
  payload: Record<string, unknown>;
}

export interface EncodedCollection {
  name: string;
  config: Record<string, unknown>;
  payloadIndexes: Record<string, PayloadIndex>;
  points: EncodedPoint[];
}

export interface EncodedState {
  collections: EncodedCollection[];
  aliases: Record<string, string>;
  nextOperationId: number;
}

const encodeFloats = (v: Float32Array): string =>
  Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64");

function decodeFloats(text: string): Float32Array {
  const bytes = Buffer.from(text, "base64");
  // Copy into a fresh, aligned buffer: Buffer slices may start at any offset.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Float32Array(copy.buffer);
}

function encodeVector(v: StoredVector): EncodedVector {
  if (v instanceof Float32Array) return { dense: encodeFloats(v) };
  if (Array.isArray(v)) return { multi: v.map(encodeFloats) };
  return { sparse: { indices: [...v.indices], values: [...v.values] } };
}

function decodeVector(v: EncodedVector): StoredVector {
  if ("dense" in v) return decodeFloats(v.dense);
  if ("multi" in v) return v.multi.map(decodeFloats);
  const sparse: SparseVector = { indices: v.sparse.indices, values: v.sparse.values };
  return sparse;
}

export function encodeCollection(c: Collection): EncodedCollection {
  return {
    name: c.name,
    config: c.config,
    payloadIndexes: Object.fromEntries(c.payloadIndexes),
    points: [...c.points.values()].map((p) => ({
      id: p.id,
      vectors: Object.fromEntries([...p.vectors].map(([k, v]) => [k, encodeVector(v)])),
      payload: p.payload,
    })),
  };
}

export function decodeCollection(e: EncodedCollection, name = e.name): Collection {
  const points = new Map<PointId, StoredPoint>();
  for (const p of e.points) {
    points.set(p.id, {
      id: p.id,
      vectors: new Map(Object.entries(p.vectors).map(([k, v]) => [k, decodeVector(v)])),
      payload: p.payload,
    });
  }
  return {
    name,
    config: structuredClone(e.config),
    payloadIndexes: new Map(Object.entries(e.payloadIndexes)),
    points,
  };
}

export function encodeState(s: ServerState): EncodedState {
  return {
    collections: [...s.collections.values()].map(encodeCollection),
    aliases: Object.fromEntries(s.aliases),
    nextOperationId: s.nextOperationId,
  };
}

/** Replaces the contents of `target` (kept as the same object, since handlers hold it). */
export function loadState(target: ServerState, e: EncodedState): void {
  target.collections = new Map(e.collections.map((c) => [c.name, decodeCollection(c)]));
  target.aliases = new Map(Object.entries(e.aliases));
  target.nextOperationId = e.nextOperationId;
}
