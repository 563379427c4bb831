import { createHash } from "node:crypto";

/**
 * Stands in for an embedding model in these examples and the demo: the same
 * text and model always give the same unit vector, with no model to download.
 * In your project, call your embedding service here instead. Files whose
 * name starts with `_` are not migrations; qdrant-migrate skips them.
 */
export function pseudoEmbedding(text: string, dimensions: number, model: string): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash("sha256").update(`${model}\0${block}\0${text}`).digest();
    for (let i = 0; i + 1 < digest.length && values.length < dimensions; i += 2) {
      values.push(digest.readUInt16BE(i) / 32_767.5 - 1);
    }
  }
  const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));
  return values.map((v) => v / norm);
}
