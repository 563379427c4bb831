/**
 * Float32Array storage carved out of shared 256 KiB slabs. A separate
 * ArrayBuffer per vector costs a backing-store record and a malloc header
 * each (hundreds of bytes beside a 1.5 KB vector); views into a slab cost
 * only the view. A slab is freed once no view into it is left, so space of
 * deleted points is reclaimed when their neighbours go too; a test server
 * trades that for near-raw memory per stored vector.
 */

const SLAB_FLOATS = 64 * 1024;

let slab = new Float32Array(SLAB_FLOATS);
let used = 0;

/** A zeroed Float32Array of `length` values. */
export function allocateFloats(length: number): Float32Array {
  // Large vectors get their own buffer so that they never strand a slab.
  if (length > SLAB_FLOATS / 8) return new Float32Array(length);
  if (used + length > SLAB_FLOATS) {
    slab = new Float32Array(SLAB_FLOATS);
    used = 0;
  }
  const view = slab.subarray(used, used + length);
  used += length;
  return view;
}

/** `values` as float32, stored in a slab. */
export function floatsFrom(values: ArrayLike<number>): Float32Array {
  const out = allocateFloats(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i] as number;
  return out;
}
