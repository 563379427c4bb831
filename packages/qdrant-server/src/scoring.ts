import type { Distance } from "./collections-store.js";
import type { SparseVector } from "./model.js";

/**
 * Exact scores by a collection's distance, as Qdrant's metrics compute them
 * (segment/src/spaces/simple.rs): Cosine is a dot product of normalised
 * vectors, Euclid the distance itself (smaller is better), Manhattan the sum
 * of absolute differences. Scores are f32, like Qdrant's ScoreType.
 */

export function score(distance: Distance, query: Float32Array, stored: Float32Array): number {
  switch (distance) {
    case "Cosine":
    case "Dot":
      return Math.fround(dot(query, stored));
    case "Euclid":
      return Math.fround(Math.sqrt(squaredDistance(query, stored)));
    case "Manhattan":
      return Math.fround(manhattan(query, stored));
  }
}

/** True when `a` ranks before `b`: larger first for Cosine/Dot, smaller for Euclid/Manhattan. */
export function largerIsBetter(distance: Distance): boolean {
  return distance === "Cosine" || distance === "Dot";
}

/**
 * Qdrant's score_threshold keeps scores strictly better than the threshold
 * (Distance::check_threshold); a score equal to it is dropped.
 */
export function passesThreshold(larger: boolean, value: number, threshold: number): boolean {
  return larger ? value > threshold : value < threshold;
}

/** Dot product over the indices both sparse vectors have; undefined when they share none. */
export function sparseDot(a: SparseVector, b: SparseVector): number | undefined {
  const weights = new Map<number, number>();
  for (let i = 0; i < a.indices.length; i++) {
    weights.set(a.indices[i] as number, a.values[i] as number);
  }
  let sum = 0;
  let shared = false;
  for (let i = 0; i < b.indices.length; i++) {
    const w = weights.get(b.indices[i] as number);
    if (w === undefined) continue;
    shared = true;
    sum += w * (b.values[i] as number);
  }
  return shared ? Math.fround(sum) : undefined;
}

/**
 * MaxSim (the only multivector comparator): for each query row, the best
 * similarity to any stored row, summed. Similarity is the dot product for
 * Cosine/Dot and the negated distance for Euclid/Manhattan, so larger is
 * always better.
 */
export function maxSim(distance: Distance, query: Float32Array[], stored: Float32Array[]): number {
  let sum = 0;
  for (const q of query) {
    let best = Number.NEGATIVE_INFINITY;
    for (const s of stored) {
      const raw = score(distance, q, s);
      best = Math.max(best, largerIsBetter(distance) ? raw : -raw);
    }
    sum += best;
  }
  return Math.fround(sum);
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number);
  return sum;
}

function squaredDistance(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] as number) - (b[i] as number);
    sum += d * d;
  }
  return sum;
}

function manhattan(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum;
}
