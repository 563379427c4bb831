import { endianness } from "node:os";
import { allocateFloats } from "./float-slab.js";

/**
 * A file of one JSON header plus one binary blob: `<magic line><uint32 BE
 * header length><header JSON><blob>`. Dense vectors go into the blob as raw
 * little-endian float32, so they round-trip bit for bit and a large
 * collection never becomes one giant JSON string.
 */

// On little-endian hosts (all common ones) float32 memory is the file format, so copy it whole.
const LITTLE_ENDIAN = endianness() === "LE";

/** Collects float32 vectors into one blob; each push returns where it went. */
export class VectorBlob {
  private readonly chunks: Buffer[] = [];
  private length = 0;

  /** Appends the vector; returns its byte offset and element count. */
  push(vector: Float32Array): [offset: number, count: number] {
    let bytes: Buffer;
    if (LITTLE_ENDIAN) {
      // A view: `bytes()` copies it, before any handler can change the vector.
      bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
    } else {
      bytes = Buffer.alloc(vector.length * 4);
      for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i] as number, i * 4);
    }
    const offset = this.length;
    this.chunks.push(bytes);
    this.length += bytes.length;
    return [offset, vector.length];
  }

  bytes(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

/** Reads back a vector that `VectorBlob.push` placed at `offset`. */
export function readVector(blob: Buffer, offset: number, count: number): Float32Array {
  // In the points' shared slabs, like vectors that arrive over HTTP.
  const out = allocateFloats(count);
  if (LITTLE_ENDIAN) {
    new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(
      blob.subarray(offset, offset + count * 4),
    );
  } else {
    for (let i = 0; i < count; i++) out[i] = blob.readFloatLE(offset + i * 4);
  }
  return out;
}

export function pack(magic: string, header: unknown, blob: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header), "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(json.length);
  return Buffer.concat([Buffer.from(magic, "utf8"), length, json, blob]);
}

/** The header and blob of a container, or undefined when `bytes` is not one of `magic`. */
export function unpack(
  magic: string,
  bytes: Buffer,
): { header: unknown; blob: Buffer } | undefined {
  const prefix = Buffer.from(magic, "utf8");
  if (bytes.length < prefix.length + 4 || !bytes.subarray(0, prefix.length).equals(prefix)) {
    return undefined;
  }
  const headerLength = bytes.readUInt32BE(prefix.length);
  const start = prefix.length + 4;
  if (bytes.length < start + headerLength) return undefined;
  try {
    const header: unknown = JSON.parse(
      bytes.subarray(start, start + headerLength).toString("utf8"),
    );
    return { header, blob: bytes.subarray(start + headerLength) };
  } catch {
    return undefined;
  }
}
