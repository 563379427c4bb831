import { type Distance, resolveCollection, vectorSpecs } from "./collections-store.js";
import { badInput, badRequest, formatError, notFound } from "./errors.js";
import { compileFilter, type PointPredicate } from "./filter.js";
import { ok, type Router } from "./http.js";
import type { Collection, PointId, SparseVector, StoredPoint, StoredVector } from "./model.js";
import { isObject } from "./payload-paths.js";
import { canonicalUuid, comparePointIds } from "./point-ids.js";
import { assertVectorNames, objectBody, readLimit, readOptions } from "./point-routes.js";
import { type RecordOptions, selectPayload } from "./records.js";
import { largerIsBetter, maxSim, passesThreshold, score, sparseDot } from "./scoring.js";
import type { ServerContext } from "./server-context.js";
import { checkStrictLimit } from "./strict-mode.js";
import { filterContext, pointVersion } from "./update-ops.js";
import { readTimeout } from "./validation.js";
import { asSerdeReadsIt, normalised, shortestFloat32, vectorsToJson } from "./vectors.js";

/**
 * Nearest-neighbour reads by exact brute force: `POST /points/query` and
 * `/query/batch` (a dense, sparse or multi vector, `{nearest}`, or a point id
 * whose vector is used and which is left out) and the deprecated
 * `POST /points/search`, which Qdrant 1.19 still serves though its spec no
 * longer lists it (qdrant PR #9982).
 */
export function registerQueryRoutes(router: Router, ctx: ServerContext): void {
  const base = "/collections/{collection_name}/points";
  router.add("POST", `${base}/query`, (req) => {
    readTimeout(req.query);
    const body = objectBody(req);
    const collection = resolveCollection(ctx.state, req.params.collection_name as string);
    return ok({ points: query(collection, body) });
  });
  router.add("POST", `${base}/query/batch`, (req) => {
    readTimeout(req.query);
    const body = objectBody(req);
    const collection = resolveCollection(ctx.state, req.params.collection_name as string);
    if (!Array.isArray(body.searches)) throw formatError("missing field `searches`");
    return ok(
      body.searches.map((one) => {
        if (!isObject(one)) throw formatError("invalid type: expected struct QueryRequest");
        return { points: query(collection, one) };
      }),
    );
  });
  router.add("POST", `${base}/search`, (req) => {
    readTimeout(req.query);
    const body = objectBody(req);
    const collection = resolveCollection(ctx.state, req.params.collection_name as string);
    return ok(search(collection, body));
  });
}

export type QueryVector =
  | { kind: "dense"; values: number[] }
  | { kind: "sparse"; vector: SparseVector }
  | { kind: "multi"; rows: number[][] };

export interface Nearest {
  using: string;
  query: QueryVector;
  /** Points left out of the answer: the ids the query was given by. */
  exclude: ReadonlySet<PointId>;
}

function query(collection: Collection, body: Record<string, unknown>): unknown[] {
  if (body.prefetch !== undefined && body.prefetch !== null) {
    throw badRequest("prefetch is not supported by this test server");
  }
  // serde's format errors come before the validator's 422s and the lookups.
  checkThreshold(body.score_threshold);
  const offset = readOffset(body.offset);
  const options = readOptions(body, false, false);
  const predicate = compileFilter(body.filter, filterContext(collection), "internal.filter");
  const input = isObject(body.query) && "nearest" in body.query ? body.query.nearest : body.query;
  checkQueryForm(input);
  if (body.using !== undefined && body.using !== null && typeof body.using !== "string") {
    throw formatError("invalid type: expected a string");
  }
  const limit = readLimit(body.limit, "internal.limit", 10);
  checkStrictLimit(collection, "max_query_limit", limit);
  const using = typeof body.using === "string" ? body.using : "";
  if (input === undefined || input === null) {
    // No query: points in id order, as Qdrant answers it.
    const points = [...collection.points.values()]
      .filter((p) => predicate({ id: p.id, payload: p.payload, vectors: p.vectors }))
      .sort((a, b) => comparePointIds(a.id, b.id))
      .slice(offset, offset + limit);
    assertVectorNames(collection, options, points.length);
    // Qdrant scores every point of a query-less request 1, at version 0.
    return points.map((p) => scoredJson(p, 1, options, 0));
  }
  const nearest = nearestOf(collection, input, using);
  return rank(collection, nearest, predicate, body.score_threshold, offset, limit, options);
}

/** The deprecated search; `at` prefixes its 422 field paths (`searches[0].` in a batch). */
export function search(collection: Collection, body: Record<string, unknown>, at = ""): unknown[] {
  if (body.limit === undefined) throw formatError("missing field `limit`");
  checkThreshold(body.score_threshold);
  const { limit, offset, options, predicate } = readScoredRequest(
    collection,
    body,
    `${at}search_request`,
  );
  const named = isObject(body.vector) ? body.vector : undefined;
  const using = named && typeof named.name === "string" ? named.name : "";
  const vector = named ? asSerdeReadsIt(named.vector) : body.vector;
  // NamedVectorStruct has no multivector variant: a plain list of numbers, or
  // {name, vector} holding one or a sparse vector (checked against Qdrant 1.18.1).
  const plain = Array.isArray(vector) && vector.every((x) => typeof x === "number");
  if (!plain && !(named && isObject(vector))) {
    throw formatError("data did not match any variant of untagged enum NamedVectorStruct");
  }
  const nearest = nearestOf(collection, vector, using);
  return rank(collection, nearest, predicate, body.score_threshold, offset, limit, options);
}

/** What a scored read (search, recommend) asks for besides its vector. */
export interface ScoredRequest {
  limit: number;
  offset: number;
  options: RecordOptions;
  predicate: PointPredicate;
}

/**
 * The limit (within strict mode's `max_query_limit`), offset, payload and
 * vector selectors and filter of a search or recommend request, in the order
 * Qdrant checks them; `at` prefixes the 422 field paths, e.g.
 * `searches[0].search_request`.
 */
export function readScoredRequest(
  collection: Collection,
  body: Record<string, unknown>,
  at: string,
): ScoredRequest {
  const limit = readLimit(body.limit, `${at}.limit`, 10);
  checkStrictLimit(collection, "max_query_limit", limit);
  const offset = readOffset(body.offset);
  const options = readOptions(body, false, false);
  const predicate = compileFilter(body.filter, filterContext(collection), `${at}.filter`);
  return { limit, offset, options, predicate };
}

/** `score_threshold`'s type, checked with the body's other format errors. */
export function checkThreshold(value: unknown): void {
  if (value !== undefined && value !== null && typeof value !== "number") {
    throw formatError("invalid type: expected f32");
  }
}

function readOffset(value: unknown): number {
  if (value === undefined || value === null) return 0;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw formatError("invalid value for `offset`: expected usize");
  }
  return value;
}

/** Qdrant's other query kinds: valid bodies this server does not implement. */
const QUERY_KINDS = new Set([
  "recommend",
  "discover",
  "context",
  "order_by",
  "fusion",
  "rrf",
  "formula",
  "sample",
  "mmr",
  "relevance_feedback",
]);

/** serde's verdict on `query`, which comes before the validator's 422s. */
function checkQueryForm(input: unknown): void {
  if (input === undefined || input === null || queryVectorOf(input)) return;
  if (typeof input === "number" && Number.isInteger(input) && input >= 0) return;
  if (typeof input === "string" && canonicalUuid(input) !== undefined) return;
  if (isObject(input) && Object.keys(input).some((k) => QUERY_KINDS.has(k))) return;
  throw formatError("Expected some form of vector, id, or a type of query");
}

function nearestOf(collection: Collection, input: unknown, using: string): Nearest {
  const given = queryVectorOf(input);
  if (given) return { using, query: given, exclude: new Set() };
  const id =
    typeof input === "number" && Number.isInteger(input) && input >= 0
      ? input
      : typeof input === "string"
        ? canonicalUuid(input)
        : undefined;
  if (id === undefined) {
    if (isObject(input) && Object.keys(input).some((k) => QUERY_KINDS.has(k))) {
      throw badRequest("only vectors and point ids are supported as query by this test server");
    }
    throw formatError("Expected some form of vector, id, or a type of query");
  }
  const point = collection.points.get(id);
  if (!point) throw notFound(`No point with id ${id} found`);
  const stored = point.vectors.get(using);
  if (stored === undefined) throw notFound(`Vector with name "${using}" for point not found`);
  return { using, query: storedAsQuery(stored), exclude: new Set([id]) };
}

function queryVectorOf(json: unknown): QueryVector | undefined {
  const input = asSerdeReadsIt(json);
  if (Array.isArray(input)) {
    if (input.every((x) => typeof x === "number")) return { kind: "dense", values: input };
    if (input.every((row) => Array.isArray(row) && row.every((x) => typeof x === "number"))) {
      return { kind: "multi", rows: input as number[][] };
    }
    return undefined;
  }
  if (isObject(input) && Array.isArray(input.indices) && Array.isArray(input.values)) {
    return {
      kind: "sparse",
      vector: { indices: input.indices as number[], values: input.values as number[] },
    };
  }
  return undefined;
}

export function storedAsQuery(stored: StoredVector): QueryVector {
  if (stored instanceof Float32Array) return { kind: "dense", values: Array.from(stored) };
  if (Array.isArray(stored)) return { kind: "multi", rows: stored.map((row) => Array.from(row)) };
  return { kind: "sparse", vector: stored };
}

/** How to score one stored point against the query; undefined leaves it out. */
type Scorer = (stored: StoredVector | undefined) => number | undefined;

function scorerFor(collection: Collection, nearest: Nearest): { scorer: Scorer; larger: boolean } {
  const spec = vectorSpecs(collection).get(nearest.using);
  if (!spec) throw badInput(`Not existing vector name error: ${nearest.using}`);
  const q = nearest.query;
  if (spec.kind === "sparse") {
    if (q.kind !== "sparse") throw badInput("Conversion between sparse and regular vectors failed");
    const query = q.vector;
    // Qdrant searches sparse vectors through an inverted index: points that
    // share no index with the query are never candidates.
    return {
      larger: true,
      scorer: (stored) =>
        stored && !(stored instanceof Float32Array) && !Array.isArray(stored)
          ? sparseDot(query, stored)
          : undefined,
    };
  }
  if (q.kind === "sparse") throw badInput("Conversion between sparse and regular vectors failed");
  const distance: Distance = spec.distance;
  const prepare = (values: number[]) => {
    if (values.length !== spec.size) {
      throw badInput(`Vector dimension error: expected dim: ${spec.size}, got ${values.length}`);
    }
    const v = Float32Array.from(values);
    return distance === "Cosine" ? normalised(v) : v;
  };
  if (spec.multivector) {
    const rows = (q.kind === "multi" ? q.rows : [q.values]).map(prepare);
    return {
      larger: true,
      scorer: (stored) => (Array.isArray(stored) ? maxSim(distance, rows, stored) : undefined),
    };
  }
  if (q.kind !== "dense") throw badInput("Conversion between multi and regular vectors failed");
  const query = prepare(q.values);
  return {
    larger: largerIsBetter(distance),
    scorer: (stored) =>
      stored instanceof Float32Array ? score(distance, query, stored) : undefined,
  };
}

export function rank(
  collection: Collection,
  nearest: Nearest,
  predicate: PointPredicate,
  thresholdJson: unknown,
  offset: number,
  limit: number,
  options: RecordOptions,
): unknown[] {
  const { scorer, larger } = scorerFor(collection, nearest);
  const threshold = typeof thresholdJson === "number" ? thresholdJson : undefined;
  const hits: { point: StoredPoint; score: number }[] = [];
  for (const point of collection.points.values()) {
    if (nearest.exclude.has(point.id)) continue;
    const value = scorer(point.vectors.get(nearest.using));
    if (value === undefined) continue;
    if (!predicate({ id: point.id, payload: point.payload, vectors: point.vectors })) continue;
    if (threshold !== undefined && !passesThreshold(larger, value, threshold)) continue;
    hits.push({ point, score: value });
  }
  const sign = larger ? -1 : 1;
  hits.sort((a, b) => sign * (a.score - b.score) || comparePointIds(a.point.id, b.point.id));
  const page = hits.slice(offset, offset + limit);
  assertVectorNames(collection, options, page.length);
  return page.map((h) => scoredJson(h.point, h.score, options));
}

/** A ScoredPoint: `payload` and `vector` are left out when not requested. */
function scoredJson(
  point: StoredPoint,
  value: number,
  options: RecordOptions,
  version = pointVersion(point),
) {
  const out: Record<string, unknown> = {
    id: point.id,
    version,
    score: shortestFloat32(value),
  };
  const payload = selectPayload(point.payload, options.payload);
  if (payload !== undefined) out.payload = payload;
  const vector = vectorsToJson(point.vectors, options.vector);
  if (vector !== undefined) out.vector = vector;
  return out;
}
