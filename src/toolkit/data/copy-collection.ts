import type { QdrantClient, Schemas } from "@qdrant/js-client-rest";
import { specOf } from "../../collection-schema/create-body.js";
import { connectQdrant } from "../../qdrant/connect.js";
import { strictLimit } from "../../qdrant/strict-limits.js";
import type { PointId } from "../../qdrant/touched-points.js";
import { isPlainObject } from "../../util/objects.js";
import { redactUrl } from "../../util/redact.js";
import { ensureCollection } from "../schema/ensure-collection.js";
import type { ToolkitContext } from "../toolkit-context.js";
import { CopyVerificationError } from "./errors.js";
import { ProgressLog, positiveInteger } from "./progress.js";
import { scrollPages, writePages } from "./scroll-pages.js";
import { Reservoir, type SampledPoint, samePoint } from "./verify-sample.js";

/** A point as a copy reads it (payload and every vector) and writes it. */
export interface CopyPoint {
  id: PointId;
  vector: Schemas["VectorStructOutput"];
  payload: Record<string, unknown>;
}

/** Another Qdrant server to read the source collection from. */
export interface CopySource {
  url: string;
  /** Sent to that server only; never logged. */
  apiKey?: string;
  /** Per request (default 30 s). */
  timeoutMs?: number;
}

export interface CopyOptions {
  /** The point to write for each point read (a new vector, say), or `null` to skip it. */
  transform?: (point: CopyPoint) => CopyPoint | null | Promise<CopyPoint | null>;
  /** Only the points matching it are copied. */
  filter?: Schemas["Filter"];
  /** Points per `scroll` page and per upsert (default 192). */
  batchSize?: number;
  /** Batches transformed and written at once (default 2). */
  concurrency?: number;
  /** Read `from` on this server instead of the migration's. */
  source?: CopySource;
  /** Points read back from `to` and compared with what was written (default 16). */
  sampleSize?: number;
}

export interface CopyResult {
  from: string;
  to: string;
  /** Whether the copy created `to` (with `from`'s config and payload indexes). */
  created: boolean;
  scanned: number;
  copied: number;
  /** Points the transform returned `null` for. */
  skipped: number;
  /** `to`'s exact count afterwards: equal to `copied`. */
  count: number;
  /** Points read back and compared. */
  sampled: number;
  /** True when the server cloned `from` (a snapshot recovered as `to`), no point passing through here. */
  cloned: boolean;
}

interface BatchCounts {
  scanned: number;
  copied: number;
  skipped: number;
}

/**
 * With a page read ahead, pages of 256 took the peak RSS of a copy of 200,000
 * points of 384 dimensions to 204–222 MB on the real 1.18.1; pages of 192 kept
 * it at 176–188 MB, as fast (bench/schema-toolkit.ts, issue 10's goal: < 200 MB).
 */
const DEFAULT_BATCH = 192;

/**
 * Copies every point of `from` (matching `filter`), payload and all vectors,
 * into `to`, creating `to` with `from`'s config and payload indexes when it
 * does not exist. Streams by `scroll` pages: at most `concurrency` pages are
 * being written, and one more is read ahead. Writes go through the step's
 * tracked client, so a `to` the copy created is dropped on rollback and an
 * existing one snapshotted first; reads from another server (`source`) are
 * untracked, as nothing there changes.
 * At the end `to`'s exact count must equal the points written, and a sample
 * of them is read back and compared (`COPY_VERIFICATION_FAILED` otherwise).
 */
export async function copyCollection(
  ctx: ToolkitContext,
  from: string,
  to: string,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const concurrency = positiveInteger(options.concurrency ?? 2, "concurrency");
  const reader = readerFor(ctx, options.source);
  const where = options.source ? ` on ${redactUrl(options.source.url)}` : "";
  const progress = new ProgressLog(ctx, "copy", to, `copy of ${from}${where} into ${to}`);

  const dryRun = ctx.engine?.dryRun;
  if (dryRun) {
    const { count } = await reader.count(from, { filter: options.filter, exact: true });
    const created = !dryRun.created(to) && !(await ctx.qdrant.collectionExists(to)).exists;
    if (created) dryRun.note(`createCollection ${to} (the config and payload indexes of ${from})`);
    dryRun.note(`copy ${count} point(s) of ${from}${where} into ${to}`);
    const counts = { scanned: count, copied: count, skipped: 0 };
    return { from, to, created, ...counts, count, sampled: 0, cloned: false };
  }
  const source = await reader.getCollection(from);
  let created = false;
  if (!(await ctx.qdrant.collectionExists(to)).exists) {
    created = (await ensureCollection(ctx.qdrant, ctx.version, to, specOf(source))).created;
  }
  const plain = !options.transform && !options.filter && !options.source;
  if (plain && created && ctx.engine?.cloneCollection) {
    const clone = await ctx.engine.cloneCollection(from, to);
    if (clone.cloned) {
      return verifyClone(ctx, from, to, clone.points, options.sampleSize ?? 16, progress);
    }
    ctx.log.info(`copy of ${from} into ${to} streams: no server-side clone, as ${clone.reason}`);
  }
  // A collection in strict mode refuses larger scroll pages and upserts.
  const batchSize = Math.min(
    positiveInteger(options.batchSize ?? DEFAULT_BATCH, "batchSize"),
    strictLimit(source, "max_query_limit"),
    strictLimit(await ctx.qdrant.getCollection(to), "upsert_max_batchsize"),
  );

  const counts: BatchCounts = { scanned: 0, copied: 0, skipped: 0 };
  // For the bar and the ETA.
  const { count: total } = await reader.count(from, { filter: options.filter, exact: true });
  const sample = new Reservoir<SampledPoint>(options.sampleSize ?? 16);
  const request = {
    filter: options.filter,
    limit: batchSize,
    with_payload: true,
    with_vector: true,
  };
  await writePages(
    scrollPages(reader, from, request, undefined, ctx.signal),
    concurrency,
    (page) => writeBatch(ctx, to, page.points, options.transform, sample),
    (batch) => {
      counts.scanned += batch.scanned;
      counts.copied += batch.copied;
      counts.skipped += batch.skipped;
      progress.tick(counts.scanned, total);
    },
  );

  const { count } = await ctx.qdrant.count(to, { exact: true });
  const problems: string[] = [];
  if (count !== counts.copied) {
    problems.push(`${to} holds ${count} points, the copy wrote ${counts.copied}`);
  }
  problems.push(...(await compareSample(ctx.qdrant, to, sample.items)));
  if (problems.length > 0) throw new CopyVerificationError(from, to, problems);
  progress.done(
    `${describe(counts)}; ${to} holds ${count}, ${sample.items.length} sampled points match`,
  );
  return { from, to, created, ...counts, count, sampled: sample.items.length, cloned: false };
}

/**
 * A server-side clone checked as a streamed copy is: `to`'s exact count equal
 * to the points in the snapshot, and a sample of `from` read back from `to`.
 */
async function verifyClone(
  ctx: ToolkitContext,
  from: string,
  to: string,
  points: number,
  sampleSize: number,
  progress: ProgressLog,
): Promise<CopyResult> {
  const { count } = await ctx.qdrant.count(to, { exact: true });
  const problems: string[] = [];
  if (count !== points)
    problems.push(`${to} holds ${count} points, the snapshot of ${from} ${points}`);
  const sample: SampledPoint[] = [];
  if (sampleSize > 0) {
    const page = await ctx.qdrant.scroll(from, {
      limit: sampleSize,
      with_payload: true,
      with_vector: true,
    });
    for (const record of page.points) {
      const point = {
        id: record.id,
        vector: (record.vector ?? {}) as Schemas["VectorStruct"],
        payload: record.payload ?? {},
      };
      sample.push({ point, origin: `point ${JSON.stringify(record.id)} of the source` });
    }
  }
  problems.push(...(await compareSample(ctx.qdrant, to, sample)));
  if (problems.length > 0) throw new CopyVerificationError(from, to, problems);
  progress.done(
    `${to} cloned on the server: ${count} points, ${sample.length} sampled points match`,
  );
  const counts = { scanned: points, copied: points, skipped: 0 };
  return { from, to, created: true, ...counts, count, sampled: sample.length, cloned: true };
}

/** The client that reads `from`: the step's, or a plain one for another server. */
function readerFor(ctx: ToolkitContext, source: CopySource | undefined): QdrantClient {
  if (!source) return ctx.qdrant;
  return connectQdrant({
    url: source.url,
    apiKey: source.apiKey,
    timeoutMs: source.timeoutMs ?? 30_000,
  }).client;
}

async function writeBatch(
  ctx: ToolkitContext,
  to: string,
  records: Schemas["Record"][],
  transform: CopyOptions["transform"],
  sample: Reservoir<SampledPoint>,
): Promise<BatchCounts> {
  const points: Schemas["PointStruct"][] = [];
  for (const record of records) {
    const read: CopyPoint = {
      id: record.id,
      vector: (record.vector ?? {}) as Schemas["VectorStructOutput"],
      payload: isPlainObject(record.payload) ? record.payload : {},
    };
    const point = transform ? await transform(read) : read;
    if (point === null) continue;
    const written = { id: point.id, vector: point.vector, payload: point.payload };
    points.push(written);
    sample.offer({ point: written, origin: `point ${JSON.stringify(record.id)} of the source` });
  }
  ctx.signal.throwIfAborted();
  if (points.length > 0) await ctx.qdrant.upsert(to, { wait: true, points });
  return {
    scanned: records.length,
    copied: points.length,
    skipped: records.length - points.length,
  };
}

async function compareSample(
  client: QdrantClient,
  to: string,
  sample: readonly SampledPoint[],
): Promise<string[]> {
  if (sample.length === 0) return [];
  const stored = await client.retrieve(to, {
    ids: sample.map((s) => s.point.id),
    with_payload: true,
    with_vector: true,
  });
  const byId = new Map(stored.map((p) => [String(p.id), p]));
  const problems: string[] = [];
  for (const { point, origin } of sample) {
    const actual = byId.get(String(point.id));
    const where = `${origin}, written as ${JSON.stringify(point.id)}`;
    if (actual === undefined) {
      problems.push(`${where}, is missing`);
      continue;
    }
    const what = samePoint(point, actual);
    if (what !== undefined) problems.push(`${where}: ${what} differs`);
  }
  return problems;
}

function describe(c: BatchCounts): string {
  return `${c.scanned} points read, ${c.copied} copied, ${c.skipped} skipped`;
}
