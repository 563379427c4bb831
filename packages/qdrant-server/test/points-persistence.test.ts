import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { QdrantClient } from "@qdrant/js-client-rest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startQdrant } from "../src/start-qdrant.js";

// Persistence is the in-process server's own feature: nothing to check on a real Qdrant.
describe.skipIf(process.env.QDRANT_URL !== undefined)(
  "Qdrant server: points survive a restart (in-process server only: its own storageDir option)",
  () => {
    let dir = "";
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "qdrant-points-storage-"));
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("keeps vectors, payloads and later changes across stop and start", async () => {
      const first = await startQdrant({ storageDir: dir });
      const a = new QdrantClient({ url: first.url, checkCompatibility: false });
      await a.createCollection("kept", { vectors: { size: 2, distance: "Cosine" } });
      await a.upsert("kept", {
        wait: true,
        points: [
          { id: 1, vector: [3, 4], payload: { tag: "x" } },
          { id: 2, vector: [1, 0] },
        ],
      });
      await a.setPayload("kept", { wait: true, payload: { more: 1 }, points: [1] });
      await a.delete("kept", { wait: true, points: [2] });
      await first.stop();

      const second = await startQdrant({ storageDir: dir });
      try {
        const b = new QdrantClient({ url: second.url, checkCompatibility: false });
        const page = await b.scroll("kept", { with_vector: true });
        expect(page.points).toEqual([
          { id: 1, payload: { tag: "x", more: 1 }, vector: [0.6, 0.8] },
        ]);
      } finally {
        await second.stop();
      }
    });
  },
);
