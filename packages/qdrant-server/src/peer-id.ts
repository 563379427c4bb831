import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * This server's peer id, which snapshot names and `GET /collections/{c}/cluster`
 * carry. Random like Qdrant's, and kept in the storage directory so it stays
 * stable across restarts.
 */
export function loadPeerId(storageDir: string | undefined): string {
  const file = storageDir && join(storageDir, "peer-id");
  if (file && existsSync(file)) return readFileSync(file, "utf8").trim();
  // A 16-digit number like Qdrant's u64 peer ids, below 2^53 so that JSON
  // readers in JavaScript get it exactly.
  const low = 10n ** 15n;
  const id = String(low + (randomBytes(8).readBigUInt64BE() % (2n ** 53n - low)));
  if (file && storageDir) {
    mkdirSync(storageDir, { recursive: true });
    writeFileSync(file, id);
  }
  return id;
}
