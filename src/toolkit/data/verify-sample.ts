import type { Schemas } from "@qdrant/js-client-rest";
import { canonicalJson } from "../../util/canonical-json.js";
import { isPlainObject } from "../../util/objects.js";

/** A point as an import wrote it, and where its source record is. */
export interface SampledPoint {
  point: Schemas["PointStruct"];
  origin: string;
}

/**
 * Tolerance per component of a unit vector. Qdrant stores Cosine vectors
 * normalised and may store them as float16 or uint8, so what is read back is
 * compared by direction, not bit for bit.
 */
const TOLERANCE = 2e-3;

/**
 * How the point read back differs from the point written (`undefined`: it
 * does not). Payloads are compared as JSON regardless of key order; vectors
 * by direction.
 */
export function samePoint(
  written: Schemas["PointStruct"],
  stored: Schemas["Record"],
): string | undefined {
  if (canonicalJson(written.payload ?? {}) !== canonicalJson(stored.payload ?? {})) {
    return "the payload";
  }
  const expected = written.vector;
  const actual = stored.vector ?? {};
  if (Array.isArray(expected)) {
    // An unnamed vector is read back bare, or as the "" vector of a named map.
    const bare = isPlainObject(actual) ? actual[""] : actual;
    return sameVector(expected, bare) ? undefined : "the vector";
  }
  if (!isPlainObject(expected)) return undefined;
  const named = isPlainObject(actual) ? actual : {};
  for (const [name, vector] of Object.entries(expected)) {
    if (!sameVector(vector, named[name])) return `the vector "${name}"`;
  }
  return undefined;
}

function sameVector(expected: unknown, actual: unknown): boolean {
  if (isNumberArray(expected)) {
    if (!isNumberArray(actual) || actual.length !== expected.length) return false;
    const a = unit(expected);
    const b = unit(actual);
    return a.every((x, i) => Math.abs(x - (b[i] ?? Number.NaN)) <= TOLERANCE);
  }
  if (Array.isArray(expected)) {
    // A multivector: each of its vectors in turn.
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((v, i) => sameVector(v, actual[i]))
    );
  }
  // A sparse vector: the same indices and values (Qdrant does not normalise them).
  return canonicalJson(expected) === canonicalJson(actual);
}

function unit(v: number[]): number[] {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return norm === 0 ? v : v.map((x) => x / norm);
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((x) => typeof x === "number");
}

/** A uniform random sample of at most `size` items of a stream of unknown length (Algorithm R). */
export class Reservoir<T> {
  readonly items: T[] = [];
  #seen = 0;

  constructor(private readonly size: number) {}

  offer(item: T): void {
    this.#seen++;
    if (this.items.length < this.size) {
      this.items.push(item);
      return;
    }
    const slot = Math.floor(Math.random() * this.#seen);
    if (slot < this.size) this.items[slot] = item;
  }
}
