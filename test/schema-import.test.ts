import type { Schemas } from "@qdrant/js-client-rest";
import { describe, expect, it } from "vitest";
import { journalTables } from "../src/journal/table-types.js";
import { ImportVerificationError } from "../src/toolkit/data/errors.js";
import {
  type ImportReport,
  importPoints,
  type SourcePoint,
} from "../src/toolkit/data/import-points.js";
import { pointIdFor } from "../src/toolkit/data/point-ids.js";
import { useTestDatabase } from "./harness/database.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";
import { interceptingClient, stepContext, useJournalKysely } from "./harness/step-context.js";

const database = useTestDatabase();
const qdrant = useQdrant();
const journal = useJournalKysely(database);

/** `count` records with Chroma-like string ids, each with text and a 3-d vector. */
function* records(count: number, failAfter = Number.POSITIVE_INFINITY): Generator<SourcePoint> {
  for (let i = 1; i <= count; i++) {
    if (i > failAfter) throw new Error(`source unreadable after record ${failAfter}`);
    yield {
      id: `doc-${i}`,
      vector: [i, 1, 0.5],
      payload: { document: `text ${i}`, topic: i % 3 ? "x" : "y" },
      origin: `export.jsonl:${i}`,
    };
  }
}

async function createCollection(name: string): Promise<void> {
  await qdrant.client.createCollection(name, { vectors: { size: 3, distance: "Cosine" } });
}

describe("importPoints", () => {
  it("verification catches a point that did not arrive, naming its source id and line", async () => {
    const collection = uniqueName("imp_missing");
    await createCollection(collection);
    const lost = pointIdFor("doc-7");
    // A write that silently loses one point.
    const client = interceptingClient(qdrant.client, "upsert", (args) => {
      const body = args[1] as { points: Schemas["PointStruct"][] };
      return [args[0], { ...body, points: body.points.filter((p) => p.id !== lost) }];
    });
    const ctx = stepContext({ qdrant: client, db: journal.db, name: "001_import" });
    const failure = await importPoints(ctx, collection, records(40), { batchSize: 16 }).catch(
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(ImportVerificationError);
    const { report, message } = failure as ImportVerificationError;
    expect(report).toMatchObject({
      records: 40,
      distinctIds: 40,
      present: 39,
      missing: 1,
      ok: false,
    });
    expect(report.missingIds).toEqual([{ sourceId: "doc-7", id: lost, origin: "export.jsonl:7" }]);
    expect(message).toContain(collection);
    expect(message).toContain('"doc-7" (export.jsonl:7)');
  });

  it("finishes a half-finished import of several collections on re-run, and reports per collection", async () => {
    const names = [uniqueName("imp_a"), uniqueName("imp_b"), uniqueName("imp_c")];
    for (const name of names) await createCollection(name);
    const tables = journalTables("public", `${uniqueName("ck").toLowerCase()}_`);
    const migration = "002_import_three";
    const [a, b, c] = names as [string, string, string];
    const first = stepContext({ qdrant: qdrant.client, db: journal.db, name: migration, tables });
    await importPoints(first, a, records(100), { batchSize: 32 });
    // The second source breaks after 70 records: two batches of 32 are in.
    await expect(importPoints(first, b, records(100, 70), { batchSize: 32 })).rejects.toThrow(
      "source unreadable after record 70",
    );

    const upserted = new Map<string, number>();
    const counting = interceptingClient(qdrant.client, "upsert", (args) => {
      const name = String(args[0]);
      const body = args[1] as { points: unknown[] };
      upserted.set(name, (upserted.get(name) ?? 0) + body.points.length);
      return undefined;
    });
    const again = stepContext({ qdrant: counting, db: journal.db, name: migration, tables });
    const reports: ImportReport[] = [];
    for (const name of names)
      reports.push(await importPoints(again, name, records(100), { batchSize: 32 }));

    expect(reports.map((r) => [r.collection, r.resumedFrom, r.written, r.present, r.ok])).toEqual([
      [a, 100, 0, 100, true],
      [b, 64, 36, 100, true],
      [c, 0, 100, 100, true],
    ]);
    expect(Object.fromEntries(upserted)).toEqual({ [b]: 36, [c]: 100 });
    for (const name of names)
      expect((await qdrant.client.count(name, { exact: true })).count).toBe(100);
    // Every source id kept beside its mapped id.
    const [point] = await qdrant.client.retrieve(b, {
      ids: [pointIdFor("doc-99")],
      with_payload: true,
    });
    expect(point?.payload).toEqual({ document: "text 99", topic: "y", _source_id: "doc-99" });
  });
});
