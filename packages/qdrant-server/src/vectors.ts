import type { DenseVectorSpec, VectorSpec } from "./collections-store.js";
import { badInput, formatError } from "./errors.js";
import { floatsFrom } from "./float-slab.js";
import type { SparseVector, StoredVector } from "./model.js";
import { isObject } from "./payload-paths.js";

/**
 * Incoming vectors checked against a collection's vector specs and stored as
 * Float32Array (never number[]), and stored vectors turned back into JSON.
 * Cosine vectors are normalised on the way in, as Qdrant does
 * (CosineMetric::preprocess), so they come back normalised.
 */

/** A point's vectors keyed by name (`""` for the unnamed default vector). */
export type NamedVectors = Map<string, StoredVector>;

const NOT_A_VECTOR = "data did not match any variant of untagged enum VectorStruct";

/**
 * A point's `vector` field: `[..]` (the default vector), `[[..], ..]` (a
 * default multivector) or `{name: dense | multi | sparse}`.
 */
export function parseVectorStruct(json: unknown, specs: Map<string, VectorSpec>): NamedVectors {
  const out: NamedVectors = new Map();
  if (Array.isArray(json)) {
    out.set("", parseNamedVector("", json, specs));
    return out;
  }
  if (!isObject(json)) throw formatError(NOT_A_VECTOR);
  for (const [name, value] of Object.entries(json)) {
    out.set(name, parseNamedVector(name, asSerdeReadsIt(value), specs));
  }
  return out;
}

/**
 * A named or query vector as Qdrant's serde reads it. serde also reads a
 * struct from a sequence, and the untagged `Vector`/`VectorInput` enums try
 * the sparse variant before the multivector one, so a two-row multivector
 * whose first row is all u32 becomes `{indices: row 0, values: row 1}`
 * (seen on Qdrant 1.18.1: it then fails as "Conversion between sparse and
 * regular vectors"). A point's bare default vector is not affected.
 */
export function asSerdeReadsIt(json: unknown): unknown {
  if (!Array.isArray(json) || json.length !== 2) return json;
  const [indices, values] = json as unknown[];
  const isU32 = (x: unknown) =>
    Number.isInteger(x) && (x as number) >= 0 && (x as number) < 2 ** 32;
  if (
    Array.isArray(indices) &&
    Array.isArray(values) &&
    indices.every(isU32) &&
    values.every((x) => typeof x === "number")
  ) {
    return { indices, values };
  }
  return json;
}

/** One named vector's value, validated against that name's spec. */
export function parseNamedVector(
  name: string,
  json: unknown,
  specs: Map<string, VectorSpec>,
): StoredVector {
  const shape = shapeOf(json);
  const spec = specs.get(name);
  if (!spec) throw badInput(`Not existing vector name error: ${name}`);
  if (spec.kind === "sparse") {
    if (shape !== "sparse") throw badInput(`Conversion between sparse and regular vectors failed`);
    return parseSparse(name, json as Record<string, unknown>);
  }
  if (shape === "sparse") throw badInput(`Conversion between sparse and regular vectors failed`);
  if (spec.multivector) {
    if (shape !== "multi") throw badInput(`Conversion between multi and regular vectors failed`);
    const rows = json as number[][];
    if (rows.length === 0) throw badInput("Multi vector must have at least one vector");
    return rows.map((row) => toDense(row, spec));
  }
  if (shape !== "dense") throw badInput(`Conversion between multi and regular vectors failed`);
  return toDense(json as number[], spec);
}

type Shape = "dense" | "multi" | "sparse";

function shapeOf(json: unknown): Shape {
  if (Array.isArray(json)) {
    if (json.every((x) => typeof x === "number")) return "dense";
    if (json.every((row) => Array.isArray(row) && row.every((x) => typeof x === "number"))) {
      return "multi";
    }
  } else if (
    isObject(json) &&
    Array.isArray(json.indices) &&
    Array.isArray(json.values) &&
    json.indices.every((i) => Number.isInteger(i) && (i as number) >= 0) &&
    json.values.every((v) => typeof v === "number")
  ) {
    return "sparse";
  }
  throw formatError(NOT_A_VECTOR);
}

function toDense(values: number[], spec: DenseVectorSpec): Float32Array {
  if (values.length !== spec.size) {
    throw badInput(`Vector dimension error: expected dim: ${spec.size}, got ${values.length}`);
  }
  const vector = floatsFrom(values);
  return spec.distance === "Cosine" ? normalised(vector) : vector;
}

/** The unit vector in the direction of `v`; a zero vector stays zero. */
export function normalised(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const length = Math.sqrt(sum);
  if (length < Number.EPSILON) return v;
  for (let i = 0; i < v.length; i++) v[i] = (v[i] as number) / length;
  return v;
}

/** Sparse vectors are kept sorted by index, as Qdrant stores them. */
function parseSparse(name: string, json: Record<string, unknown>): SparseVector {
  const indices = json.indices as number[];
  const values = json.values as number[];
  if (indices.length !== values.length) {
    throw badInput(
      `Sparse vector ${name}: indices and values must have the same length (${indices.length} != ${values.length})`,
    );
  }
  const order = indices
    .map((_, i) => i)
    .sort((a, b) => (indices[a] as number) - (indices[b] as number));
  const sorted: SparseVector = { indices: [], values: [] };
  for (const i of order) {
    const index = indices[i] as number;
    if (sorted.indices[sorted.indices.length - 1] === index) {
      throw badInput(`Sparse vector ${name}: index ${index} appears more than once`);
    }
    sorted.indices.push(index);
    sorted.values.push(Math.fround(values[i] as number));
  }
  return sorted;
}

/** `with_vector`: true/false or a list of vector names. */
export type VectorSelector = boolean | string[];

export function parseVectorSelector(json: unknown, fallback: boolean): VectorSelector {
  if (json === undefined || json === null) return fallback;
  if (typeof json === "boolean") return json;
  if (Array.isArray(json) && json.every((n) => typeof n === "string")) return json as string[];
  throw formatError("data did not match any variant of untagged enum WithVector");
}

/**
 * The `vector` of a Record or ScoredPoint: a bare list when only the default
 * dense vector is shown (VectorStructOutput::from), else a map by name.
 * Undefined when vectors are not requested.
 */
export function vectorsToJson(vectors: NamedVectors, selector: VectorSelector): unknown {
  if (selector === false) return undefined;
  const chosen = [...vectors].filter(([name]) => selector === true || selector.includes(name));
  const only = chosen.length === 1 ? chosen[0] : undefined;
  if (only && only[0] === "" && !isSparse(only[1])) return storedToJson(only[1]);
  const out: Record<string, unknown> = {};
  for (const [name, vector] of chosen) out[name] = storedToJson(vector);
  return out;
}

function isSparse(v: StoredVector): v is SparseVector {
  return !(v instanceof Float32Array) && !Array.isArray(v);
}

export function storedToJson(v: StoredVector): unknown {
  if (v instanceof Float32Array) return denseToJson(v);
  if (Array.isArray(v)) return v.map(denseToJson);
  return { indices: [...v.indices], values: v.values.map(shortestFloat32) };
}

function denseToJson(v: Float32Array): number[] {
  const out = new Array<number>(v.length);
  for (let i = 0; i < v.length; i++) out[i] = shortestFloat32(v[i] as number);
  return out;
}

/** Powers of ten that doubles hold exactly (up to 1e22). */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * The shortest decimal that reads back as the same float32, as Qdrant's
 * serializer (ryu) prints f32: 0.1 stays 0.1, not 0.10000000149011612.
 * Rounds with exact powers of ten instead of toPrecision (several times
 * faster, which matters when scrolling millions of values); every candidate
 * is checked to read back as `x`, so a rounding slip can only cost a digit.
 * Starting at 6 digits loses nothing: a shorter decimal that reads back is
 * also the nearest 6-digit one, padded with zeros.
 */
export function shortestFloat32(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const exponent = Math.floor(Math.log10(Math.abs(x)));
  for (let digits = 6; digits <= 9; digits++) {
    const k = digits - 1 - exponent;
    let candidate: number;
    if (k >= 0 && k <= 22) {
      const scale = POW10[k] as number;
      candidate = Math.round(x * scale) / scale;
    } else if (k < 0 && k >= -22) {
      const scale = POW10[-k] as number;
      candidate = Math.round(x / scale) * scale;
    } else {
      candidate = Number(x.toPrecision(digits));
    }
    if (Math.fround(candidate) === x) return candidate;
  }
  return Number(x.toPrecision(9));
}
