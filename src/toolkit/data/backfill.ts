import type { Schemas } from "@qdrant/js-client-rest";
import type { Checkpoint, CheckpointKey } from "../../journal/checkpoints.js";
import type { StepContext } from "../../migration/define-migration.js";
import { isPlainObject } from "../../util/objects.js";
import { BackfillPatchError } from "./errors.js";
import type { PointId } from "./point-ids.js";
import { ProgressLog, positiveInteger } from "./progress.js";
import { pointIdOrNull, scrollPages, writePages } from "./scroll-pages.js";

/**
 * What a backfill writes to one point. Both parts are set operations, so
 * writing a patch twice leaves the point as writing it once: a batch re-done
 * after a resume changes nothing.
 */
export interface BackfillPatch {
  /** Merged into the payload (`set_payload`): the keys given are set, the others kept. */
  payload?: Record<string, unknown>;
  /** Named vectors to set (`update_vectors`; `""` is the unnamed vector); the others are kept. */
  vectors?: Record<string, Schemas["Vector"]>;
}

export interface BackfillOptions {
  /** The patch of a point as read by `scroll`, or `null` to leave it as it is. */
  transform(point: Schemas["Record"]): BackfillPatch | null | Promise<BackfillPatch | null>;
  /** Only the points matching it are read. */
  filter?: Schemas["Filter"];
  /** Points per `scroll` page and per write (default 256). */
  batchSize?: number;
  /** Batches transformed and written at once (default 2). */
  concurrency?: number;
  /** The vectors `transform` needs (default none: only the payload is read). */
  withVector?: Schemas["WithVector"];
  /** Names this backfill's checkpoint; give each backfill of one collection in one migration its own (default `"backfill"`). */
  operation?: string;
}

export interface BackfillResult {
  /** Points read, including those of earlier runs of this migration. */
  scanned: number;
  updated: number;
  skipped: number;
  /** Whether this run went on from a checkpoint. */
  resumed: boolean;
}

interface BatchCounts {
  scanned: number;
  updated: number;
  skipped: number;
}

/**
 * Patches every point of `collection` (matching `filter`) with what
 * `transform` returns: streaming through `scroll`, `batchSize` points at a
 * time, at most `concurrency` batches in flight and one more read ahead.
 * Writes go through `ctx.qdrant`, so the engine snapshots the collection
 * before the first one and restores it if the migration fails. After each batch (in
 * scroll order) a checkpoint records the next offset and the counts; a run
 * with the same migration, `operation` and collection goes on from there.
 *
 * @example
 * // migrations/20240301000000_lang_from_locale.ts
 * import { backfill, defineMigration } from "qdrant-migrate";
 *
 * export default defineMigration({
 *   resumable: true, // a killed run goes on from its last checkpoint
 *   qdrant: {
 *     async up(ctx) {
 *       const { updated } = await backfill(ctx, "docs", {
 *         filter: { must: [{ is_empty: { key: "lang" } }] },
 *         transform: (point) => {
 *           const locale = point.payload?.locale;
 *           return typeof locale === "string" ? { payload: { lang: locale.slice(0, 2) } } : null;
 *         },
 *       });
 *       ctx.log.info(`set lang on ${updated} points`);
 *     },
 *   },
 * });
 */
export async function backfill(
  ctx: StepContext,
  collection: string,
  options: BackfillOptions,
): Promise<BackfillResult> {
  const batchSize = positiveInteger(options.batchSize ?? 256, "batchSize");
  const concurrency = positiveInteger(options.concurrency ?? 2, "concurrency");
  const dryRun = ctx.engine?.dryRun;
  if (dryRun) {
    // `--dry-run`: what it would read; the transform (an embedding call, say) is not run.
    const { count } = await ctx.qdrant.count(collection, { filter: options.filter, exact: true });
    dryRun.note(`backfill ${count} point(s) of ${collection} (transform not called)`);
    return { scanned: count, updated: 0, skipped: 0, resumed: false };
  }
  const store = ctx.engine?.checkpoints;
  const key: CheckpointKey = { operation: options.operation ?? "backfill", collection };
  const saved = await store?.read(key);
  const counts: BatchCounts = {
    scanned: saved?.counts.scanned ?? 0,
    updated: saved?.counts.updated ?? 0,
    skipped: saved?.counts.skipped ?? 0,
  };
  const resumed = saved !== undefined;
  const progress = new ProgressLog(ctx, "backfill", collection);
  if (saved?.finished) {
    progress.done(`already done by an earlier run: ${describe(counts)}`);
    return { ...counts, resumed };
  }
  const offset = saved === undefined ? undefined : positionOf(saved);
  if (resumed) progress.line(`going on from point ${JSON.stringify(offset)}: ${describe(counts)}`);
  // For the bar and the ETA: the points this backfill reads in all, resumed ones included.
  const { count: total } = await ctx.qdrant.count(collection, {
    filter: options.filter,
    exact: true,
  });

  const request = {
    filter: options.filter,
    limit: batchSize,
    with_payload: true,
    with_vector: options.withVector ?? false,
  };
  await writePages(
    scrollPages(ctx.qdrant, collection, request, offset, ctx.signal),
    concurrency,
    (page) => writeBatch(ctx, collection, page.points, options.transform),
    // Every batch before this one is written too, so after a kill the scroll
    // can go on from `next`.
    async (batch, { next }) => {
      counts.scanned += batch.scanned;
      counts.updated += batch.updated;
      counts.skipped += batch.skipped;
      const checkpoint: Checkpoint = {
        position: { next },
        counts: { ...counts },
        finished: next === null,
      };
      await store?.write(key, checkpoint);
      progress.tick(counts.scanned, total);
    },
  );
  progress.done(describe(counts));
  return { ...counts, resumed };
}

async function writeBatch(
  ctx: StepContext,
  collection: string,
  points: Schemas["Record"][],
  transform: BackfillOptions["transform"],
): Promise<BatchCounts> {
  const byPayload = new Map<string, { payload: Record<string, unknown>; ids: PointId[] }>();
  const vectors: Schemas["PointVectors"][] = [];
  let updated = 0;
  for (const point of points) {
    const patch = checkedPatch(collection, point.id, await transform(point));
    if (patch === null) continue;
    updated++;
    if (patch.payload !== undefined) {
      // Points given the same payload (a schema_version stamp) share one set_payload.
      const json = JSON.stringify(patch.payload);
      const group = byPayload.get(json) ?? { payload: patch.payload, ids: [] };
      group.ids.push(point.id);
      byPayload.set(json, group);
    }
    if (patch.vectors !== undefined) vectors.push({ id: point.id, vector: patch.vectors });
  }
  const operations: Schemas["UpdateOperation"][] = [...byPayload.values()].map((g) => ({
    set_payload: { payload: g.payload, points: g.ids },
  }));
  if (vectors.length > 0) operations.push({ update_vectors: { points: vectors } });
  ctx.signal.throwIfAborted();
  if (operations.length > 0) await ctx.qdrant.batchUpdate(collection, { wait: true, operations });
  return { scanned: points.length, updated, skipped: points.length - updated };
}

/** `null` to skip; otherwise a patch with something in it. */
function checkedPatch(collection: string, id: PointId, value: unknown): BackfillPatch | null {
  if (value === null) return null;
  if (!isPlainObject(value)) throw new BackfillPatchError(collection, id, kind(value));
  const extra = Object.keys(value).find((k) => k !== "payload" && k !== "vectors");
  if (extra !== undefined)
    throw new BackfillPatchError(collection, id, `an unknown key "${extra}"`);
  const { payload, vectors } = value;
  if (payload !== undefined && !isPlainObject(payload)) {
    throw new BackfillPatchError(collection, id, `payload as ${kind(payload)}`);
  }
  if (vectors !== undefined && !isPlainObject(vectors)) {
    throw new BackfillPatchError(collection, id, `vectors as ${kind(vectors)}`);
  }
  if (payload === undefined && vectors === undefined) {
    throw new BackfillPatchError(collection, id, "a patch with neither payload nor vectors");
  }
  return value as BackfillPatch;
}

function positionOf(checkpoint: Checkpoint): PointId | undefined {
  const { position } = checkpoint;
  return isPlainObject(position) ? (pointIdOrNull(position.next) ?? undefined) : undefined;
}

function describe(c: BatchCounts): string {
  return `${c.scanned} points scanned, ${c.updated} updated, ${c.skipped} skipped`;
}

function kind(value: unknown): string {
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}
