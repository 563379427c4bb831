import type { Schemas } from "@qdrant/js-client-rest";
import type { CheckpointKey } from "../../journal/checkpoints.js";
import type { StepContext } from "../../migration/define-migration.js";
import { isPlainObject } from "../../util/objects.js";
import { ImportVerificationError } from "./errors.js";
import type { ImportReport } from "./import-report.js";
import { type PointId, pointIdFor } from "./point-ids.js";
import { ProgressLog, positiveInteger } from "./progress.js";
import { Reservoir, type SampledPoint, samePoint } from "./verify-sample.js";

export type { ImportReport } from "./import-report.js";

/** One record of an import source (`readJsonl`, `readChromaExport`, or any async iterable). */
export interface SourcePoint {
  /** The source's id: kept if it is an unsigned integer or a UUID, otherwise mapped (`idMap`). */
  id: string | number;
  vector?: Schemas["VectorStruct"];
  payload?: Record<string, unknown>;
  /** Where the record is, such as `export.jsonl:12`, for messages. */
  origin?: string;
}

/** The payload key that keeps a source id the import had to map to a Qdrant id. */
export const SOURCE_ID_KEY = "_source_id";

export interface ImportOptions {
  /** The Qdrant id of a source id; must give the same id on every run (default `pointIdFor`). */
  idMap?: (sourceId: string | number) => PointId;
  /** Points per upsert (default 128). */
  batchSize?: number;
  /** Names this import's checkpoint; give each import into one collection in one migration its own (default `"import"`). */
  operation?: string;
  /** Points whose payload and vectors are read back and compared with their source record (default 16). */
  sampleSize?: number;
}

const MISSING_LISTED = 10;
const RETRIEVE_CHUNK = 256;

/**
 * Upserts every record of `source` into `collection`, `batchSize` at a time,
 * through `ctx.qdrant` (tracked: the engine snapshots or drops the collection
 * on failure). A record whose id is not a Qdrant id gets `idMap`'s id and
 * keeps its own as `_source_id`. After each batch a checkpoint records how
 * many source records are consumed; a run of the same migration reads past
 * them without writing. Then every imported id is retrieved and a sample of
 * points compared with its record; a missing or differing point fails the
 * import (`IMPORT_VERIFICATION_FAILED`) with the report.
 *
 * The imported ids are kept in memory for that check (about 100 bytes each).
 *
 * @example
 * // migrations/20240401000000_import_faq.ts
 * import { defineMigration, importPoints, readJsonl } from "qdrant-migrate";
 *
 * export default defineMigration({
 *   resumable: true, // a killed run reads past what it imported, without writing
 *   qdrant: {
 *     async up(ctx) {
 *       await ctx.schema.ensureCollection("faq", { vectors: { size: 384, distance: "Cosine" } });
 *       // Each line: {"id": "faq-1", "vector": [...], "payload": {...}}
 *       const report = await importPoints(ctx, "faq", readJsonl("data/faq.jsonl"));
 *       ctx.log.info(`imported ${report.records} records`);
 *     },
 *     async down({ qdrant }) {
 *       await qdrant.deleteCollection("faq");
 *     },
 *   },
 * });
 */
export async function importPoints(
  ctx: StepContext,
  collection: string,
  source: AsyncIterable<SourcePoint> | Iterable<SourcePoint>,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const batchSize = positiveInteger(options.batchSize ?? 128, "batchSize");
  const dryRun = ctx.engine?.dryRun;
  if (dryRun) {
    dryRun.note(`importPoints into ${collection} (the source is not read in a dry run)`);
    return {
      collection,
      records: 0,
      written: 0,
      resumedFrom: 0,
      distinctIds: 0,
      present: 0,
      missing: 0,
      missingIds: [],
      sampled: 0,
      mismatches: [],
      ok: true,
    };
  }
  const sampleSize = options.sampleSize ?? 16;
  const idMap = options.idMap ?? ((id: string | number) => pointIdFor(id));
  const store = ctx.engine?.checkpoints;
  const key: CheckpointKey = { operation: options.operation ?? "import", collection };
  const saved = await store?.read(key);
  const resumedFrom = consumedOf(saved?.position);
  const progress = new ProgressLog(ctx, "import", collection, `import into ${collection}`);
  if (resumedFrom > 0)
    progress.line(`going on after the ${resumedFrom} records an earlier run wrote`);

  const ids = new Map<string, { sourceId: string | number; id: PointId; origin: string }>();
  const sample = new Reservoir<SampledPoint>(sampleSize);
  let records = 0;
  let batch: Schemas["PointStruct"][] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    ctx.signal.throwIfAborted();
    await ctx.qdrant.upsert(collection, { wait: true, points: batch });
    batch = [];
    await store?.write(key, { position: { consumed: records }, counts: {}, finished: false });
    progress.tick(records);
  };
  for await (const record of source) {
    records++;
    const origin = record.origin ?? `record ${records}`;
    const point = pointOf(record, idMap(record.id));
    ids.set(String(point.id), { sourceId: record.id, id: point.id, origin });
    sample.offer({ point, origin });
    // Consumed by an earlier run: its batch is in Qdrant already.
    if (records <= resumedFrom) continue;
    batch.push(point);
    if (batch.length >= batchSize) await flush();
  }
  await flush();
  await store?.write(key, { position: { consumed: records }, counts: {}, finished: true });

  const present = await presentIds(
    ctx,
    collection,
    [...ids.values()].map((i) => i.id),
  );
  const missing = [...ids.values()].filter((i) => !present.has(String(i.id)));
  const mismatches = await compareSample(ctx, collection, sample.items);
  const report: ImportReport = {
    collection,
    records,
    written: Math.max(0, records - resumedFrom),
    resumedFrom: Math.min(resumedFrom, records),
    distinctIds: ids.size,
    present: ids.size - missing.length,
    missing: missing.length,
    missingIds: missing.slice(0, MISSING_LISTED),
    sampled: sample.items.length,
    mismatches,
    ok: missing.length === 0 && mismatches.length === 0,
  };
  progress.done(
    `${report.written} records written (${report.resumedFrom} by an earlier run), ` +
      `${report.present} of ${report.distinctIds} ids present, ${report.sampled} sampled points compared`,
  );
  if (!report.ok) throw new ImportVerificationError(report);
  return report;
}

function pointOf(record: SourcePoint, id: PointId): Schemas["PointStruct"] {
  const payload: Record<string, unknown> = { ...record.payload };
  if (id !== record.id) payload[SOURCE_ID_KEY] = record.id;
  return { id, vector: record.vector ?? {}, payload };
}

/** The ids of `ids` that `collection` holds, as strings. */
async function presentIds(
  ctx: StepContext,
  collection: string,
  ids: PointId[],
): Promise<Set<string>> {
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += RETRIEVE_CHUNK) {
    ctx.signal.throwIfAborted();
    const points = await ctx.qdrant.retrieve(collection, {
      ids: ids.slice(i, i + RETRIEVE_CHUNK),
      with_payload: false,
      with_vector: false,
    });
    for (const p of points) found.add(String(p.id));
  }
  return found;
}

async function compareSample(
  ctx: StepContext,
  collection: string,
  sample: SampledPoint[],
): Promise<ImportReport["mismatches"]> {
  if (sample.length === 0) return [];
  const stored = await ctx.qdrant.retrieve(collection, {
    ids: sample.map((s) => s.point.id),
    with_payload: true,
    with_vector: true,
  });
  const byId = new Map(stored.map((p) => [String(p.id), p]));
  const mismatches: ImportReport["mismatches"] = [];
  for (const { point, origin } of sample) {
    const actual = byId.get(String(point.id));
    // A missing one is reported as missing, not as different.
    if (actual === undefined) continue;
    const what = samePoint(point, actual);
    if (what !== undefined) mismatches.push({ id: point.id, origin, what });
  }
  return mismatches;
}

function consumedOf(position: unknown): number {
  if (!isPlainObject(position)) return 0;
  const { consumed } = position;
  return typeof consumed === "number" && Number.isSafeInteger(consumed) ? consumed : 0;
}
