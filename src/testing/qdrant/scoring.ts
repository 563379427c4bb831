import type { Distance } from "./collections-store.js";

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
export function passesThreshold(distance: Distance, value: number, threshold: number): boolean {
  return largerIsBetter(distance) ? value > threshold : value < threshold;
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
