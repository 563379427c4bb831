import { resolveCollection, vectorSpecs } from "./collections-store.js";
import { badInput, formatError, notFound, QdrantHttpError } from "./errors.js";
import { compileFilter, type PointPredicate } from "./filter.js";
import { ok, type QdrantRequest, type Router } from "./http.js";
import type { Collection, PointId, StoredPoint } from "./model.js";
import { parseDatetimeMicros } from "./payload-datetime.js";
import { getValues, isObject, parsePayloadPath } from "./payload-paths.js";
import { parsePathPointId, parsePointId, parsePointIds } from "./point-ids.js";
import { invalidateOrder, pointsFrom } from "./point-order.js";
import { parsePayloadSelector, type RecordOptions, recordJson } from "./records.js";
import { VECTOR_SELECTOR_ALIASES, withAliasesResolved } from "./serde-aliases.js";
import type { ServerContext } from "./server-context.js";
import { checkStrictLimit } from "./strict-mode.js";
import {
  compileBatchOperation,
  compileClearPayload,
  compileDeletePayload,
  compileDeletePoints,
  compileDeleteVectors,
  compileSetPayload,
  compileUpdateVectors,
  compileUpsert,
  filterContext,
  MissingPointsError,
  type UpdateOperation,
} from "./update-ops.js";
import { queryFlag, readTimeout, updateTimeout } from "./validation.js";
import { parseVectorSelector } from "./vectors.js";

/**
 * The points API (src/actix/api/update_api.rs, retrieve_api.rs, count_api.rs):
 * writes answer UpdateResult `{operation_id, status}`; `wait=true` reports
 * `completed`, otherwise `acknowledged` (the change is applied either way).
 */
export function registerPointRoutes(router: Router, ctx: ServerContext): void {
  const base = "/collections/{collection_name}/points";
  const update = (
    method: string,
    path: string,
    compile: (body: unknown, collection: Collection) => UpdateOperation,
  ) =>
    router.add(
      method,
      `${base}${path}`,
      (req) => {
        const wait = updateParams(req.query);
        const body = req.json();
        const collection = resolveCollection(ctx.state, req.params.collection_name as string);
        const result = apply(ctx, collection, compile(body, collection), wait);
        return ok(result);
      },
      { mutates: true },
    );

  update("PUT", "", compileUpsert);
  update("POST", "/delete", compileDeletePoints);
  update("POST", "/payload", (body, c) => compileSetPayload(body, c, false));
  update("PUT", "/payload", (body, c) => compileSetPayload(body, c, true));
  update("POST", "/payload/delete", compileDeletePayload);
  update("POST", "/payload/clear", compileClearPayload);
  update("PUT", "/vectors", compileUpdateVectors);
  update("POST", "/vectors/delete", compileDeleteVectors);

  router.add(
    "POST",
    `${base}/batch`,
    (req) => {
      const wait = updateParams(req.query);
      const body = req.json();
      const collection = resolveCollection(ctx.state, req.params.collection_name as string);
      if (!isObject(body) || !Array.isArray(body.operations)) {
        throw formatError("missing field `operations`");
      }
      // Qdrant deserialises the whole list first, then runs the operations in
      // order; one that fails stops the rest, and earlier ones stay applied.
      for (const op of body.operations) {
        if (!isObject(op) || Object.keys(op).length !== 1) {
          throw formatError("data did not match any variant of untagged enum UpdateOperation");
        }
      }
      const results = body.operations.map((op) =>
        apply(ctx, collection, compileBatchOperation(op, collection), wait),
      );
      return ok(results);
    },
    { mutates: true },
  );

  router.add("POST", base, (req) => {
    readTimeout(req.query);
    const body = objectBody(req);
    const collection = resolveCollection(ctx.state, req.params.collection_name as string);
    if (!("ids" in body)) throw formatError("missing field `ids`");
    const ids = parsePointIds(body.ids, "ids");
    // Qdrant's retrieve falls back to no payload (Collection::retrieve); the
    // spec's "default true" is what the clients send on their side.
    refuseNullVectorSelector(body);
    const options = readOptions(body, false, false);
    const seen = new Set<PointId>();
    const records: unknown[] = [];
    for (const id of ids) {
      const point = collection.points.get(id);
      if (!point || seen.has(id)) continue;
      seen.add(id);
      records.push(recordJson(point, options));
    }
    assertVectorNames(collection, options, records.length);
    return ok(records);
  });

  router.add("GET", `${base}/{id}`, (req) => {
    readTimeout(req.query);
    const collection = resolveCollection(ctx.state, req.params.collection_name as string);
    const id = parsePathPointId(req.params.id as string);
    const point = collection.points.get(id);
    if (!point) throw notFound(`Point with id ${id} does not exists!`);
    return ok(recordJson(point, { payload: { kind: "all" }, vector: true }));
  });

  router.add("POST", `${base}/scroll`, (req) => {
    readTimeout(req.query);
    const body = objectBody(req);
    const collection = resolveCollection(ctx.state, req.params.collection_name as string);
    return ok(scroll(collection, body));
  });

  router.add("POST", `${base}/count`, (req) => {
    readTimeout(req.query);
    const body = objectBody(req);
    const collection = resolveCollection(ctx.state, req.params.collection_name as string);
    // `exact` defaults to true when absent, and takes no null.
    if (body.exact !== undefined && typeof body.exact !== "boolean") {
      throw formatError(`invalid type: ${JSON.stringify(body.exact)}, expected a boolean`);
    }
    const predicate = compileFilter(body.filter, filterContext(collection), "count_request.filter");
    let count = 0;
    for (const point of collection.points.values()) {
      if (predicate({ id: point.id, payload: point.payload, vectors: point.vectors })) count++;
    }
    return ok({ count });
  });
}

function apply(
  ctx: ServerContext,
  collection: Collection,
  operation: UpdateOperation,
  wait: boolean,
): { operation_id: number; status: "acknowledged" | "completed" } {
  const opId = ctx.state.nextOperationId++;
  try {
    operation(collection, opId);
  } catch (error) {
    // Qdrant finds missing ids only while applying, after acknowledging a
    // write sent without wait; then it only logs them.
    if (wait || !(error instanceof MissingPointsError)) throw error;
  } finally {
    invalidateOrder(collection);
  }
  return { operation_id: opId, status: wait ? "completed" : "acknowledged" };
}

/**
 * `?wait=` (default false), `?timeout=` (0 or more seconds) and `?ordering=` (weak |
 * medium | strong; it only matters in a cluster, so it is checked, not used).
 */
export function updateParams(query: URLSearchParams): boolean {
  const ordering = query.get("ordering");
  if (ordering !== null && !["weak", "medium", "strong"].includes(ordering)) {
    throw new QdrantHttpError(
      400,
      `Deserialize error in query parameters: unknown variant \`${ordering}\`, expected one of \`weak\`, \`medium\`, \`strong\``,
    );
  }
  updateTimeout(query);
  return queryFlag(query, "wait", false);
}

export function objectBody(req: QdrantRequest): Record<string, unknown> {
  const body = req.json();
  if (!isObject(body)) throw formatError("invalid type: expected a JSON object");
  return body;
}

export function readOptions(
  json: Record<string, unknown>,
  payloadByDefault: boolean,
  vectorByDefault: boolean,
): RecordOptions {
  const body = withAliasesResolved(json, VECTOR_SELECTOR_ALIASES);
  return {
    payload: parsePayloadSelector(body.with_payload, payloadByDefault),
    vector: parseVectorSelector(body.with_vector, vectorByDefault),
  };
}

/**
 * Qdrant checks the names in `with_vector` only when it reads a point's
 * vectors: an unknown name fails a read that returns points, not an empty one.
 */
export function assertVectorNames(
  collection: Collection,
  options: RecordOptions,
  found: number,
): void {
  if (found === 0 || !Array.isArray(options.vector)) return;
  const specs = vectorSpecs(collection);
  const unknown = options.vector.find((name) => !specs.has(name));
  if (unknown !== undefined) throw badInput(`Not existing vector name error: ${unknown}`);
}

/** Retrieve and scroll take no `with_vector: null` (query does: it is optional there). */
function refuseNullVectorSelector(body: Record<string, unknown>): void {
  if (withAliasesResolved(body, VECTOR_SELECTOR_ALIASES).with_vector === null) {
    throw formatError("Expected a boolean, or an array of strings");
  }
}

/** Reads `limit` (default 10); 0 is the validator's 422. */
export function readLimit(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw formatError(`invalid value for \`limit\`: expected usize`);
  }
  if (value === 0) {
    throw new QdrantHttpError(
      422,
      `Validation error in JSON body: [${field}: value 0 invalid, must be 1 or larger]`,
    );
  }
  return value;
}

function scroll(collection: Collection, body: Record<string, unknown>) {
  // serde's format errors come before the validator's 422s.
  const offset =
    body.offset === undefined || body.offset === null ? undefined : parsePointId(body.offset);
  refuseNullVectorSelector(body);
  const options = readOptions(body, true, false);
  const predicate = compileFilter(body.filter, filterContext(collection), "scroll_request.filter");
  const limit = readLimit(body.limit, "scroll_request.limit", 10);
  checkStrictLimit(collection, "max_query_limit", limit);
  if (body.order_by !== undefined && body.order_by !== null) {
    return scrollOrdered(collection, body.order_by, offset, limit, predicate, options);
  }
  const page: StoredPoint[] = [];
  for (const point of pointsFrom(collection, offset)) {
    if (!predicate({ id: point.id, payload: point.payload, vectors: point.vectors })) continue;
    page.push(point);
    if (page.length > limit) break;
  }
  const next = page.length > limit ? (page.pop() as StoredPoint).id : null;
  assertVectorNames(collection, options, page.length);
  return { points: page.map((p) => recordJson(p, options)), next_page_offset: next };
}

const RANGE_TYPES = new Set(["integer", "float", "datetime"]);

/**
 * `order_by` (collection.rs scroll_by): needs a range index on the key, takes
 * no `offset`, lists a point once per value it has, never pages by id.
 */
function scrollOrdered(
  collection: Collection,
  orderBy: unknown,
  offset: PointId | undefined,
  limit: number,
  predicate: PointPredicate,
  options: RecordOptions,
) {
  const spec = typeof orderBy === "string" ? { key: orderBy } : orderBy;
  if (!isObject(spec) || typeof spec.key !== "string") {
    throw formatError("data did not match any variant of untagged enum OrderByInterface");
  }
  const direction = spec.direction ?? "asc";
  if (direction !== "asc" && direction !== "desc") {
    throw formatError(`unknown variant \`${String(direction)}\`, expected \`asc\` or \`desc\``);
  }
  const schema = collection.payloadIndexes.get(spec.key)?.schema;
  const type = typeof schema === "string" ? schema : isObject(schema) ? schema.type : undefined;
  if (typeof type !== "string" || !RANGE_TYPES.has(type)) {
    // Qdrant 1.18 reports this from the segment (OperationError), hence `Wrong input`.
    throw badInput(
      `No range index for \`order_by\` key: \`${spec.key}\`. Please create one to use \`order_by\`. Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Range conditions`,
    );
  }
  if (offset !== undefined) {
    throw badInput(
      "Cannot use an `offset` when using `order_by`. The alternative for paging is to use `order_by.start_from` and a filter to exclude the IDs that you've already seen for the `order_by.start_from` value",
    );
  }
  const toOrderValue = (v: unknown): number | undefined => {
    if (type === "datetime") return typeof v === "string" ? parseDatetimeMicros(v) : undefined;
    if (typeof v !== "number") return undefined;
    return type === "integer" && !Number.isInteger(v) ? undefined : v;
  };
  const start =
    spec.start_from === undefined || spec.start_from === null
      ? undefined
      : typeof spec.start_from === "string"
        ? parseDatetimeMicros(spec.start_from)
        : Number(spec.start_from);
  const path = parsePayloadPath(spec.key);
  const rows: { value: number; point: StoredPoint }[] = [];
  for (const point of pointsFrom(collection, undefined)) {
    if (!predicate({ id: point.id, payload: point.payload, vectors: point.vectors })) continue;
    // A point is listed once per distinct value, as the range index holds it.
    const values = new Set<number>();
    for (const raw of getValues(point.payload, path).flatMap((v) => (Array.isArray(v) ? v : [v]))) {
      const value = toOrderValue(raw);
      if (value !== undefined) values.add(value);
    }
    for (const value of values) {
      if (start !== undefined && (direction === "asc" ? value < start : value > start)) continue;
      rows.push({ value, point });
    }
  }
  const sign = direction === "asc" ? 1 : -1;
  rows.sort((a, b) => sign * (a.value - b.value));
  assertVectorNames(collection, options, Math.min(rows.length, limit));
  return {
    points: rows
      .slice(0, limit)
      .map(({ value, point }) => ({ ...recordJson(point, options), order_value: value })),
    next_page_offset: null,
  };
}
