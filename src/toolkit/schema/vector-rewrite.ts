import type { Schemas } from "@qdrant/js-client-rest";
import type { VectorParams } from "../../collection-schema/live-vectors.js";
import { strictLimit } from "../../qdrant/strict-limits.js";
import type { PointId } from "../../qdrant/touched-points.js";
import { isPlainObject } from "../../util/objects.js";
import type { CopyOptions } from "../data/copy-collection.js";
import { CopyVerificationError } from "../data/errors.js";
import { ProgressLog, positiveInteger } from "../data/progress.js";
import { scrollPages, writePages } from "../data/scroll-pages.js";
import { Reservoir, type SampledPoint, samePoint } from "../data/verify-sample.js";
import type { ToolkitContext } from "../toolkit-context.js";

export interface VectorRewriteOptions extends Pick<CopyOptions, "batchSize" | "concurrency"> {
  /** Each point as read (its id, the one vector, the payload fields asked for) to its new value; `null` leaves the point out. */
  transform?: CopyOptions["transform"];
  /** The payload the transform reads: `true` (all, the default), `false`, or these fields. */
  payload?: boolean | string[];
}

export interface VectorRewriteResult {
  scanned: number;
  /** Points whose vector was written. */
  written: number;
  /** Points the transform returned `null` for: deleted from the clone. */
  dropped: number;
  /** The clone's exact count afterwards. */
  count: number;
  sampled: number;
}

/** As a copy's (bench/schema-toolkit.ts): a page of one vector is a third of a page of three. */
const DEFAULT_BATCH = 192;

/**
 * Gives vector `vectorName` of `clone` (a server-side copy of `from` the step
 * created) new `params` in place (Qdrant 1.18+: deleted and created again),
 * then writes only that vector: `from` is scrolled for the one vector and the
 * payload `options.payload` names, each point goes through the transform (the
 * old value kept without one), and `update_vectors` writes the result. No
 * other vector nor any payload crosses the wire. A point the transform
 * returns `null` for is deleted from the clone. Checked as a copy is: the
 * exact count, and a sample read back.
 */
export async function rewriteVector(
  ctx: ToolkitContext,
  from: string,
  clone: string,
  vectorName: string,
  params: VectorParams,
  options: VectorRewriteOptions = {},
): Promise<VectorRewriteResult> {
  const concurrency = positiveInteger(options.concurrency ?? 2, "concurrency");
  const progress = new ProgressLog(ctx, "copy", clone, `vector "${vectorName}" of ${clone}`);
  await ctx.qdrant.deleteVectorName(clone, vectorName, { wait: true });
  // VectorParams is the dense config; the client types its nullables loosely.
  const dense = params as Schemas["DenseVectorConfig"];
  await ctx.qdrant.createVectorName(clone, vectorName, { dense }, { wait: true });
  const batchSize = Math.min(
    positiveInteger(options.batchSize ?? DEFAULT_BATCH, "batchSize"),
    strictLimit(await ctx.qdrant.getCollection(from), "max_query_limit"),
    strictLimit(await ctx.qdrant.getCollection(clone), "upsert_max_batchsize"),
  );
  const { count: total } = await ctx.qdrant.count(from, { exact: true });
  const request = {
    limit: batchSize,
    with_payload: options.payload ?? true,
    with_vector: [vectorName],
  };
  const counts = { scanned: 0, written: 0, dropped: 0 };
  const sample = new Reservoir<SampledPoint>(16);
  await writePages(
    scrollPages(ctx.qdrant, from, request, undefined, ctx.signal),
    concurrency,
    async (page) => {
      const points: Schemas["PointVectors"][] = [];
      const dropped: PointId[] = [];
      for (const record of page.points) {
        const value = isPlainObject(record.vector) ? record.vector[vectorName] : undefined;
        const read = {
          id: record.id,
          vector: { [vectorName]: value } as Schemas["VectorStructOutput"],
          payload: isPlainObject(record.payload) ? record.payload : {},
        };
        const out = options.transform ? await options.transform(read) : read;
        if (out === null) {
          dropped.push(record.id);
          continue;
        }
        const vector = isPlainObject(out.vector) ? out.vector[vectorName] : out.vector;
        if (vector === undefined) continue;
        const written = {
          id: record.id,
          vector: { [vectorName]: vector } as Schemas["VectorStruct"],
        };
        points.push(written);
        sample.offer({ point: written, origin: `point ${JSON.stringify(record.id)} of ${from}` });
      }
      ctx.signal.throwIfAborted();
      if (points.length > 0) await ctx.qdrant.updateVectors(clone, { wait: true, points });
      if (dropped.length > 0) await ctx.qdrant.delete(clone, { wait: true, points: dropped });
      return { scanned: page.points.length, written: points.length, dropped: dropped.length };
    },
    (batch) => {
      counts.scanned += batch.scanned;
      counts.written += batch.written;
      counts.dropped += batch.dropped;
      progress.tick(counts.scanned, total);
    },
  );

  const { count } = await ctx.qdrant.count(clone, { exact: true });
  const problems: string[] = [];
  if (count !== counts.scanned - counts.dropped) {
    problems.push(`${clone} holds ${count} points, ${counts.scanned - counts.dropped} expected`);
  }
  const stored = new Map(
    (
      await ctx.qdrant.retrieve(clone, {
        ids: sample.items.map((s) => s.point.id),
        with_payload: false,
        with_vector: [vectorName],
      })
    ).map((p) => [String(p.id), p]),
  );
  for (const { point, origin } of sample.items) {
    const actual = stored.get(String(point.id));
    const what = actual === undefined ? "it" : samePoint(point, actual);
    if (what !== undefined) problems.push(`${origin}: ${what} differs in ${clone}`);
  }
  if (problems.length > 0) throw new CopyVerificationError(from, clone, problems);
  progress.done(
    `vector "${vectorName}" of ${counts.written} points written, ${counts.dropped} points left out`,
  );
  return { ...counts, count, sampled: sample.items.length };
}
