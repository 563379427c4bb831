import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, onTestFinished } from "vitest";
import { SourceRecordError } from "../../src/toolkit/data/errors.js";
import type { SourcePoint } from "../../src/toolkit/data/import-points.js";
import { readChromaExport } from "../../src/toolkit/data/readers/chroma.js";
import { readJsonl } from "../../src/toolkit/data/readers/jsonl.js";

/** `lines` as a file in a folder of its own, removed after the test. */
async function file(lines: string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "qm-reader-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, "export.jsonl");
  await writeFile(path, `${lines.join("\n")}\n`);
  return path;
}

async function all(source: AsyncIterable<SourcePoint>): Promise<SourcePoint[]> {
  const out: SourcePoint[] = [];
  for await (const p of source) out.push(p);
  return out;
}

describe("readChromaExport", () => {
  it("reads pages of collection.get() and single records alike, documents into the payload", async () => {
    const path = await file([
      JSON.stringify({
        ids: ["a", "b"],
        documents: ["first", null],
        metadatas: [{ topic: "x" }, null],
        embeddings: [
          [1, 0],
          [0, 1],
        ],
        included: ["documents", "metadatas", "embeddings"],
      }),
      "",
      JSON.stringify({ id: "c", document: "third", metadata: { topic: "y" }, embedding: [1, 1] }),
    ]);
    expect(await all(readChromaExport(path, { vector: "content" }))).toEqual([
      {
        id: "a",
        vector: { content: [1, 0] },
        payload: { topic: "x", document: "first" },
        origin: `${path}:1 [0]`,
      },
      { id: "b", vector: { content: [0, 1] }, payload: {}, origin: `${path}:1 [1]` },
      {
        id: "c",
        vector: { content: [1, 1] },
        payload: { topic: "y", document: "third" },
        origin: `${path}:3`,
      },
    ]);
  });

  it("names the file and line of a page whose lists do not line up", async () => {
    const path = await file([
      JSON.stringify({ ids: ["a"], embeddings: [[1, 0]] }),
      JSON.stringify({ ids: ["b", "c"], embeddings: [[1, 0]] }),
    ]);
    const error = await all(readChromaExport(path)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SourceRecordError);
    expect((error as SourceRecordError).message).toBe(
      `${path}:2: "embeddings" must be a list as long as "ids" (2), got 1.`,
    );
  });

  it("refuses a record without an embedding, naming it", async () => {
    const path = await file([JSON.stringify({ id: "a", document: "no vector" })]);
    await expect(all(readChromaExport(path))).rejects.toThrow(`${path}:1: "a" has no embedding.`);
  });
});

describe("readJsonl", () => {
  it("reads one point per line and names the line of one that is not JSON", async () => {
    const path = await file([
      JSON.stringify({ id: 1, vector: [0.5, 0.5], payload: { a: 1 } }),
      JSON.stringify({ id: "x", vector: { text: [1, 2] } }),
      "{not json",
    ]);
    const read: SourcePoint[] = [];
    const error = await (async () => {
      for await (const p of readJsonl(path)) read.push(p);
    })().catch((e: unknown) => e);
    expect(read).toEqual([
      { id: 1, vector: [0.5, 0.5], payload: { a: 1 }, origin: `${path}:1` },
      { id: "x", vector: { text: [1, 2] }, payload: undefined, origin: `${path}:2` },
    ]);
    expect((error as SourceRecordError).code).toBe("SOURCE_RECORD_INVALID");
    expect((error as SourceRecordError).message).toMatch(new RegExp(`^${path}:3: not JSON`));
  });
});
