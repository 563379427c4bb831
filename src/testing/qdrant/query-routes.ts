import { type Distance, resolveCollection, vectorSpecs } from "./collections-store.js";
import { badInput, badRequest, formatError, notFound } from "./errors.js";
import { compileFilter, type PointPredicate } from "./filter.js";
import { ok, type Router } from "./http.js";
import type { Collection, PointId, StoredPoint } from "./model.js";
import { isObject } from "./payload-paths.js";
import { canonicalUuid, comparePointIds } from "./point-ids.js";
import { objectBody, readLimit, readOptions } from "./point-routes.js";
import { type RecordOptions, selectPayload } from "./records.js";
import { largerIsBetter, passesThreshold, score } from "./scoring.js";
import type { ServerContext } from "./server-context.js";
import { filterContext, pointVersion } from "./update-ops.js";
import { normalised, shortestFloat32, vectorsToJson } from "./vectors.js";

/**
 * Nearest-neighbour reads by exact brute force: `POST /points/query` (dense
 * vector, `{nearest}`, or a point id whose vector is used and which is left
 * out) and the deprecated `POST /points/search`, which Qdrant 1.19 still
 * serves though its spec no longer lists it (qdrant PR #9982).
 */
export function registerQueryRoutes(router: Router, ctx: ServerContext): void {
  const base = "/collections/{collection_name}/points";
  router.add("POST", `${base}/query`, (req) => {
    const body = objectBody(req);
    const collection = resolveCollection(ctx.state, req.params.collection_name as string);
    return ok({ points: query(collection, body) });
  });
  router.add("POST", `${base}/search`, (req) => {
    const body = objectBody(req);
    const collection = resolveCollection(ctx.state, req.params.collection_name as string);
    return ok(search(collection, body));
  });
}

interface Nearest {
  using: string;
  vector: number[];
  exclude: PointId | undefined;
}

function query(collection: Collection, body: Record<string, unknown>): unknown[] {
  if (body.prefetch !== undefined && body.prefetch !== null) {
    throw badRequest("prefetch is not supported by this test server");
  }
  const limit = readLimit(body.limit, "internal.limit", 10);
  const offset = readOffset(body.offset);
  const options = readOptions(body, false, false);
  const predicate = compileFilter(body.filter, filterContext(collection));
  const using = typeof body.using === "string" ? body.using : "";
  const input = isObject(body.query) && "nearest" in body.query ? body.query.nearest : body.query;
  if (input === undefined || input === null) {
    // No query: points in id order, as Qdrant answers it.
    const points = [...collection.points.values()]
      .filter((p) => predicate({ id: p.id, payload: p.payload, vectors: p.vectors }))
      .sort((a, b) => comparePointIds(a.id, b.id))
      .slice(offset, offset + limit);
    return points.map((p) => scoredJson(p, 0, options));
  }
  const nearest = nearestOf(collection, input, using);
  return rank(collection, nearest, predicate, body.score_threshold, offset, limit, options);
}

function search(collection: Collection, body: Record<string, unknown>): unknown[] {
  if (body.limit === undefined) throw formatError("missing field `limit`");
  const limit = readLimit(body.limit, "search_request.limit", 10);
  const offset = readOffset(body.offset);
  const options = readOptions(body, false, false);
  const predicate = compileFilter(body.filter, filterContext(collection));
  const named = isObject(body.vector) ? body.vector : undefined;
  const using = named && typeof named.name === "string" ? named.name : "";
  const vector = named ? named.vector : body.vector;
  const nearest = nearestOf(collection, vector, using);
  return rank(collection, nearest, predicate, body.score_threshold, offset, limit, options);
}

function readOffset(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw formatError("invalid value for `offset`: expected usize");
  }
  return value;
}

function nearestOf(collection: Collection, input: unknown, using: string): Nearest {
  if (Array.isArray(input) && input.every((x) => typeof x === "number")) {
    return { using, vector: input as number[], exclude: undefined };
  }
  const id =
    typeof input === "number" && Number.isInteger(input) && input >= 0
      ? input
      : typeof input === "string"
        ? canonicalUuid(input)
        : undefined;
  if (id === undefined) {
    throw badRequest("only dense vectors and point ids are supported as query by this test server");
  }
  const point = collection.points.get(id);
  if (!point) throw notFound(`No point with id ${id} found`);
  const stored = point.vectors.get(using);
  if (!(stored instanceof Float32Array)) {
    throw badInput(`Vector "${using}" is not found in point ${id}`);
  }
  return { using, vector: Array.from(stored), exclude: id };
}

function rank(
  collection: Collection,
  nearest: Nearest,
  predicate: PointPredicate,
  thresholdJson: unknown,
  offset: number,
  limit: number,
  options: RecordOptions,
): unknown[] {
  const spec = vectorSpecs(collection).get(nearest.using);
  if (!spec) throw badInput(`Not existing vector name error: ${nearest.using}`);
  if (spec.kind !== "dense" || spec.multivector) {
    throw badRequest("only dense single vectors can be queried on this test server");
  }
  if (nearest.vector.length !== spec.size) {
    throw badInput(
      `Vector dimension error: expected dim: ${spec.size}, got ${nearest.vector.length}`,
    );
  }
  const distance: Distance = spec.distance;
  const raw = Float32Array.from(nearest.vector);
  const queryVector = distance === "Cosine" ? normalised(raw) : raw;
  const threshold = typeof thresholdJson === "number" ? thresholdJson : undefined;
  const hits: { point: StoredPoint; score: number }[] = [];
  for (const point of collection.points.values()) {
    if (point.id === nearest.exclude) continue;
    const stored = point.vectors.get(nearest.using);
    if (!(stored instanceof Float32Array)) continue;
    if (!predicate({ id: point.id, payload: point.payload, vectors: point.vectors })) continue;
    const value = score(distance, queryVector, stored);
    if (threshold !== undefined && !passesThreshold(distance, value, threshold)) continue;
    hits.push({ point, score: value });
  }
  const sign = largerIsBetter(distance) ? -1 : 1;
  hits.sort((a, b) => sign * (a.score - b.score) || comparePointIds(a.point.id, b.point.id));
  return hits.slice(offset, offset + limit).map((h) => scoredJson(h.point, h.score, options));
}

/** A ScoredPoint: `payload` and `vector` are left out when not requested. */
function scoredJson(point: StoredPoint, value: number, options: RecordOptions) {
  const out: Record<string, unknown> = {
    id: point.id,
    version: pointVersion(point),
    score: shortestFloat32(value),
  };
  const payload = selectPayload(point.payload, options.payload);
  if (payload !== undefined) out.payload = payload;
  const vector = vectorsToJson(point.vectors, options.vector);
  if (vector !== undefined) out.vector = vector;
  return out;
}
