import { createHash } from "node:crypto";

/**
 * A Postgres advisory-lock key (a signed 64-bit integer) for a text key. Stable
 * across processes, machines and Node versions, so every runner of the same
 * project computes the same lock.
 */
export function advisoryLockKey(key: string): bigint {
  return createHash("sha256").update(key, "utf8").digest().readBigInt64BE(0);
}
