import { resolveCollection, vectorSpecs } from "./collections-store.js";
import { badInput, badRequest, formatError, notFound } from "./errors.js";
import { ok, type Router } from "./http.js";
import type { Collection, PointId } from "./model.js";
import { isObject } from "./payload-paths.js";
import { canonicalUuid } from "./point-ids.js";
import { objectBody } from "./point-routes.js";
import {
  checkThreshold,
  type Nearest,
  rank,
  readScoredRequest,
  search,
  storedAsQuery,
} from "./query-routes.js";
import type { ServerContext } from "./server-context.js";
import { readTimeout } from "./validation.js";

/**
 * The point APIs Qdrant 1.18 and 1.19 still serve beside `/points/query`,
 * though the spec no longer lists most of them: `search/batch`, `recommend`
 * and `recommend/batch` (the default `average_vector` strategy) answer as
 * Qdrant does; the others (discover, groups, matrix, facet) and the other
 * recommend strategies are refused with a 400 that says so, never an empty 404.
 */
export function registerLegacyRoutes(router: Router, ctx: ServerContext): void {
  const base = "/collections/{collection_name}/points";
  const collectionOf = (name: string | undefined) => resolveCollection(ctx.state, name as string);
  router.add("POST", `${base}/search/batch`, (req) => {
    readTimeout(req.query);
    const searches = batchOf(objectBody(req));
    const collection = collectionOf(req.params.collection_name);
    return ok(searches.map((one, i) => search(collection, one, `searches[${i}].`)));
  });
  router.add("POST", `${base}/recommend`, (req) => {
    readTimeout(req.query);
    const body = objectBody(req);
    return ok(recommend(collectionOf(req.params.collection_name), body, ""));
  });
  router.add("POST", `${base}/recommend/batch`, (req) => {
    readTimeout(req.query);
    const searches = batchOf(objectBody(req));
    const collection = collectionOf(req.params.collection_name);
    return ok(searches.map((one, i) => recommend(collection, one, `searches[${i}].`)));
  });
  for (const [path, what] of [
    [`${base}/discover`, "discover"],
    [`${base}/discover/batch`, "discover"],
    [`${base}/search/groups`, "search groups"],
    [`${base}/recommend/groups`, "recommend groups"],
    [`${base}/query/groups`, "query groups"],
    [`${base}/search/matrix/pairs`, "the distance matrix"],
    [`${base}/search/matrix/offsets`, "the distance matrix"],
    ["/collections/{collection_name}/facet", "facets"],
  ] as const) {
    router.add("POST", path, (req) => {
      readTimeout(req.query);
      objectBody(req);
      collectionOf(req.params.collection_name);
      throw badRequest(`${what} is not supported by this test server`);
    });
  }
}

function batchOf(body: Record<string, unknown>): Record<string, unknown>[] {
  if (!("searches" in body)) throw formatError("missing field `searches`");
  if (!Array.isArray(body.searches)) throw formatError("invalid type: expected a sequence");
  return body.searches.map((one) => {
    if (!isObject(one)) throw formatError("invalid type: expected a struct");
    return one;
  });
}

/** RecommendRequest with the `average_vector` strategy (Qdrant's default). */
function recommend(collection: Collection, body: Record<string, unknown>, at: string): unknown[] {
  if (body.limit === undefined) throw formatError("missing field `limit`");
  checkThreshold(body.score_threshold);
  const strategy = body.strategy ?? "average_vector";
  if (strategy !== "average_vector") {
    if (strategy === "best_score" || strategy === "sum_scores") {
      throw badRequest(`recommend strategy ${strategy} is not supported by this test server`);
    }
    throw formatError(
      `unknown variant \`${String(strategy)}\`, expected one of \`average_vector\`, \`best_score\`, \`sum_scores\``,
    );
  }
  if (body.lookup_from !== undefined && body.lookup_from !== null) {
    throw badRequest("lookup_from is not supported by this test server");
  }
  const positive = examples(body.positive, "positive");
  const negative = examples(body.negative, "negative");
  const { limit, offset, options, predicate } = readScoredRequest(
    collection,
    body,
    `${at}recommend_request`,
  );
  if (body.using !== undefined && body.using !== null && typeof body.using !== "string") {
    throw formatError("invalid type: expected a string");
  }
  const using = typeof body.using === "string" ? body.using : "";
  if (positive.length === 0) {
    throw badRequest("At least one positive vector ID required with this strategy");
  }
  if (!vectorSpecs(collection).has(using)) {
    throw badInput(`Not existing vector name error: ${using}`);
  }
  const exclude = new Set<PointId>();
  const vectorOf = (example: Example): number[] => {
    if (Array.isArray(example)) return example;
    const point = collection.points.get(example);
    if (!point) throw notFound(`No point with id ${example} found`);
    exclude.add(example);
    const stored = point.vectors.get(using);
    if (stored === undefined) throw notFound(`Vector with name "${using}" for point not found`);
    const query = storedAsQuery(stored);
    if (query.kind !== "dense") {
      throw badRequest("only dense vectors can be recommended by this test server");
    }
    return query.values;
  };
  const pos = average(positive.map(vectorOf));
  const neg = negative.length > 0 ? average(negative.map(vectorOf)) : undefined;
  // avg_positive + (avg_positive - avg_negative), as Qdrant's average_vector does.
  const values = neg ? pos.map((p, i) => p + (p - (neg[i] ?? 0))) : pos;
  const nearest: Nearest = { using, query: { kind: "dense", values }, exclude };
  return rank(collection, nearest, predicate, body.score_threshold, offset, limit, options);
}

/** A recommend example: a point id, or a dense vector. */
type Example = PointId | number[];

function examples(json: unknown, field: string): Example[] {
  if (json === undefined || json === null) return [];
  if (!Array.isArray(json)) throw formatError(`invalid type: \`${field}\` expected a sequence`);
  return json.map((item) => {
    if (typeof item === "number" && Number.isInteger(item) && item >= 0) return item;
    if (typeof item === "string") {
      const id = canonicalUuid(item);
      if (id !== undefined) return id;
    }
    if (Array.isArray(item) && item.every((x) => typeof x === "number")) return item;
    throw formatError("data did not match any variant of untagged enum RecommendExample");
  });
}

function average(vectors: number[][]): number[] {
  const sum = new Array<number>(vectors[0]?.length ?? 0).fill(0);
  return sum.map((_, i) => vectors.reduce((total, v) => total + (v[i] ?? 0), 0) / vectors.length);
}
