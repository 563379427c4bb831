import { readVector, type VectorBlob } from "./binary-container.js";
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
 * Encoding of collections and whole server states, shared by the state file
 * and snapshot files: a JSON-able header whose dense vectors point into a
 * binary blob (binary-container.ts), so they come back bit for bit.
 */

type VectorRef = [offset: number, count: number];

type EncodedVector =
  | { dense: VectorRef }
  | { multi: VectorRef[] }
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

function encodeVector(v: StoredVector, blob: VectorBlob): EncodedVector {
  if (v instanceof Float32Array) return { dense: blob.push(v) };
  if (Array.isArray(v)) return { multi: v.map((part) => blob.push(part)) };
  return { sparse: { indices: [...v.indices], values: [...v.values] } };
}

function decodeVector(v: EncodedVector, blob: Buffer): StoredVector {
  if ("dense" in v) return readVector(blob, ...v.dense);
  if ("multi" in v) return v.multi.map((ref) => readVector(blob, ...ref));
  const sparse: SparseVector = { indices: v.sparse.indices, values: v.sparse.values };
  return sparse;
}

export function encodeCollection(c: Collection, blob: VectorBlob): EncodedCollection {
  return {
    name: c.name,
    config: c.config,
    payloadIndexes: Object.fromEntries(c.payloadIndexes),
    points: [...c.points.values()].map((p) => ({
      id: p.id,
      vectors: Object.fromEntries([...p.vectors].map(([k, v]) => [k, encodeVector(v, blob)])),
      payload: p.payload,
    })),
  };
}

export function decodeCollection(e: EncodedCollection, blob: Buffer, name = e.name): Collection {
  const points = new Map<PointId, StoredPoint>();
  for (const p of e.points) {
    points.set(p.id, {
      id: p.id,
      vectors: new Map(Object.entries(p.vectors).map(([k, v]) => [k, decodeVector(v, blob)])),
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

export function encodeState(s: ServerState, blob: VectorBlob): EncodedState {
  return {
    collections: [...s.collections.values()].map((c) => encodeCollection(c, blob)),
    aliases: Object.fromEntries(s.aliases),
    nextOperationId: s.nextOperationId,
  };
}

/** Replaces the contents of `target` (kept as the same object, since handlers hold it). */
export function loadState(target: ServerState, e: EncodedState, blob: Buffer): void {
  target.collections = new Map(e.collections.map((c) => [c.name, decodeCollection(c, blob)]));
  target.aliases = new Map(Object.entries(e.aliases));
  target.nextOperationId = e.nextOperationId;
}
