import { type VectorSpec, vectorSpecs } from "./collections-store.js";
import { badInput, badRequest, formatError, QdrantHttpError, validationError } from "./errors.js";
import { compileFilter, type FilterContext, type PointPredicate } from "./filter.js";
import type { Collection, Payload, PointId, StoredPoint } from "./model.js";
import { deleteAtPath, isObject, parsePayloadPath, setAtPath } from "./payload-paths.js";
import { parsePointId, parsePointIds } from "./point-ids.js";
import { checkStrictLimit } from "./strict-mode.js";
import {
  asSerdeReadsIt,
  type NamedVectors,
  parseNamedVector,
  parseVectorStruct,
} from "./vectors.js";

/**
 * The point update operations (collection/operations/point_ops.rs,
 * payload_ops.rs, vector_ops.rs) applied to one collection. A malformed body
 * is rejected before anything changes. Ids that do not exist are another
 * matter: like Qdrant (check_unprocessed_points), the operation changes the
 * points that do exist and then fails with `MissingPointsError`, which with
 * `wait=false` Qdrant only logs. `POST /points/batch` runs the operations in
 * order and stops at the first error.
 */

export type UpdateOperation = (collection: Collection, opId: number) => void;

/** Raised after an update changed the points that exist: some ids did not. */
export class MissingPointsError extends QdrantHttpError {
  constructor(id: PointId) {
    super(404, `Not found: No point with id ${id} found`);
  }
}

/** The operation id that last changed each point: ScoredPoint.version. */
const versions = new WeakMap<StoredPoint, number>();

export function pointVersion(point: StoredPoint): number {
  return versions.get(point) ?? 0;
}

function touch(point: StoredPoint, opId: number): void {
  versions.set(point, opId);
}

export function filterContext(collection: Collection): FilterContext {
  return {
    isTextIndexed(key) {
      const schema = collection.payloadIndexes.get(key)?.schema;
      return schema === "text" || (isObject(schema) && schema.type === "text");
    },
    indexType(key) {
      const schema = collection.payloadIndexes.get(key)?.schema;
      if (typeof schema === "string") return schema;
      return isObject(schema) && typeof schema.type === "string" ? schema.type : undefined;
    },
  };
}

const subject = (p: StoredPoint) => ({ id: p.id, payload: p.payload, vectors: p.vectors });

/** Points matching a compiled filter, in storage order. */
export function matching(collection: Collection, predicate: PointPredicate): StoredPoint[] {
  const out: StoredPoint[] = [];
  for (const point of collection.points.values()) if (predicate(subject(point))) out.push(point);
  return out;
}

interface NewPoint {
  id: PointId;
  vectors: NamedVectors;
  payload: Payload;
}

/** `PUT /points` and the batch `upsert`: the list or the column (`batch`) form. */
export function compileUpsert(body: unknown, collection: Collection): UpdateOperation {
  if (!isObject(body)) {
    throw formatError("data did not match any variant of untagged enum PointInsertOperations");
  }
  const specs = vectorSpecs(collection);
  let points: NewPoint[];
  if (body.batch !== undefined) points = batchPoints(body.batch, specs);
  else if (Array.isArray(body.points)) points = body.points.map((p) => listPoint(p, specs));
  else throw formatError("data did not match any variant of untagged enum PointInsertOperations");
  if (points.length === 0) throw emptyUpdate();
  checkStrictLimit(collection, "upsert_max_batchsize", points.length);
  const mode = body.update_mode ?? "upsert";
  if (mode !== "upsert" && mode !== "insert_only" && mode !== "update_only") {
    throw formatError(
      `unknown variant \`${String(mode)}\`, expected one of \`upsert\`, \`insert_only\`, \`update_only\``,
    );
  }
  const updateFilter = compileFilter(body.update_filter, filterContext(collection));
  return (target, opId) => {
    for (const p of points) {
      const existing = target.points.get(p.id);
      if (existing ? mode === "insert_only" : mode === "update_only") continue;
      // update_filter guards existing points only; new ones are always inserted.
      if (existing && !updateFilter(subject(existing))) continue;
      const stored: StoredPoint = { id: p.id, vectors: new Map(p.vectors), payload: p.payload };
      target.points.set(p.id, stored);
      touch(stored, opId);
    }
  };
}

function listPoint(json: unknown, specs: Map<string, VectorSpec>): NewPoint {
  if (!isObject(json)) throw formatError("invalid type: expected struct PointStruct");
  if (!("id" in json)) throw formatError("missing field `id`");
  if (!("vector" in json)) throw formatError("missing field `vector`");
  const id = parsePointId(json.id);
  return { id, vectors: parseVectorStruct(json.vector, specs), payload: payloadOf(json.payload) };
}

function payloadOf(json: unknown): Payload {
  if (json === undefined || json === null) return {};
  if (!isObject(json)) throw formatError("invalid type: expected a map for `payload`");
  return json;
}

function batchPoints(json: unknown, specs: Map<string, VectorSpec>): NewPoint[] {
  if (!isObject(json)) throw formatError("invalid type: expected struct Batch");
  const ids = parsePointIds(json.ids, "ids");
  const columns = batchVectorColumns(json.vectors);
  const payloads = json.payloads;
  if (payloads !== undefined && payloads !== null && !Array.isArray(payloads)) {
    throw formatError("invalid type: expected a sequence for `payloads`");
  }
  // Batch::validate (lib/api/src/rest/validate.rs): the validator's 422.
  for (const [, column] of columns) {
    if (column.length !== ids.length) {
      throw validationError([
        `batch: number of ids and vectors must be equal (${ids.length} != ${column.length})`,
      ]);
    }
  }
  if (Array.isArray(payloads) && payloads.length !== ids.length) {
    throw validationError([
      `batch: number of ids and payloads must be equal (${ids.length} != ${payloads.length})`,
    ]);
  }
  return ids.map((id, i) => {
    const vectors: NamedVectors = new Map();
    for (const [name, column] of columns) {
      // A column list (not a map of columns) holds bare default vectors.
      const value = Array.isArray(json.vectors) ? column[i] : asSerdeReadsIt(column[i]);
      vectors.set(name, parseNamedVector(name, value, specs));
    }
    return { id, vectors, payload: payloadOf(Array.isArray(payloads) ? payloads[i] : undefined) };
  });
}

/** BatchVectorStruct: `[[..]]` / `[[[..]]]` for the default vector, or `{name: [...]}`. */
function batchVectorColumns(json: unknown): Map<string, unknown[]> {
  if (Array.isArray(json)) return new Map([["", json]]);
  if (isObject(json) && Object.values(json).every(Array.isArray)) {
    return new Map(Object.entries(json) as [string, unknown[]][]);
  }
  throw formatError("data did not match any variant of untagged enum BatchVectorStruct");
}

/**
 * The points an update applies to. Payload and vector updates take `points`,
 * `filter` or both (their union), and at least one (SetPayloadShadow); a
 * PointsSelector (delete, clear_payload) is an untagged enum of the two, so
 * ids win when both are given.
 */
function selectPoints(
  body: Record<string, unknown>,
  collection: Collection,
  selector: "points-selector" | "points-or-filter" | "ids-or-filter",
  requireExisting: boolean,
): (target: Collection) => StoredPoint[] & { missing?: PointId } {
  const hasIds = body.points !== undefined && body.points !== null;
  const hasFilter = body.filter !== undefined && body.filter !== null;
  if (!hasIds && !hasFilter) {
    throw formatError(
      selector === "points-selector"
        ? "data did not match any variant of untagged enum PointsSelector"
        : "Either list of point ids or filter must be provided",
    );
  }
  const ids = hasIds ? parsePointIds(body.points, "points") : [];
  if (hasIds && ids.length === 0) throw emptyUpdate();
  // Payload updates take the ids and ignore the filter when both are given
  // (process_payload_operation); deleting vectors applies both.
  const useFilter = hasFilter && !(selector !== "points-or-filter" && hasIds);
  if (!useFilter && ids.length === 0) throw emptyUpdate();
  // Qdrant's validator does not look inside a PointsSelector: a field condition
  // with no test there is no 422, and it selects no point.
  const predicate = useFilter
    ? compileFilter(body.filter, filterContext(collection), "filter", {
        validate: selector !== "points-selector",
      })
    : undefined;
  return (target) => {
    const chosen = new Map<PointId, StoredPoint>();
    let missing: PointId | undefined;
    for (const id of ids) {
      const point = target.points.get(id);
      if (point) chosen.set(id, point);
      else missing ??= id;
    }
    if (predicate) for (const point of matching(target, predicate)) chosen.set(point.id, point);
    const points = [...chosen.values()];
    if (requireExisting && missing !== undefined) {
      return Object.assign(points, { missing });
    }
    return points;
  };
}

/** Runs `change` on the selected points, then fails for the first id that was missing. */
function forSelected(
  select: (target: Collection) => StoredPoint[] & { missing?: PointId },
  change: (point: StoredPoint, opId: number) => void,
): UpdateOperation {
  return (target, opId) => {
    const points = select(target);
    for (const p of points) {
      change(p, opId);
      touch(p, opId);
    }
    if (points.missing !== undefined) throw new MissingPointsError(points.missing);
  };
}

/** `POST /points/delete` and the batch `delete`. */
export function compileDeletePoints(body: unknown, collection: Collection): UpdateOperation {
  if (!isObject(body)) {
    throw formatError("data did not match any variant of untagged enum PointsSelector");
  }
  const select = selectPoints(body, collection, "points-selector", false);
  return (target) => {
    for (const p of select(target)) target.points.delete(p.id);
  };
}

/** `POST /points/payload` (merge) and `PUT /points/payload` (overwrite). */
export function compileSetPayload(
  body: unknown,
  collection: Collection,
  overwrite: boolean,
): UpdateOperation {
  if (!isObject(body)) throw formatError("invalid type: expected struct SetPayload");
  if (!isObject(body.payload)) throw formatError("missing field `payload`");
  const payload = body.payload;
  // Overwrite has no payload selector: Qdrant ignores `key` and replaces the whole payload.
  const key =
    overwrite || body.key === undefined || body.key === null
      ? undefined
      : parsePayloadPath(String(body.key));
  const select = selectPoints(body, collection, "ids-or-filter", true);
  return forSelected(select, (p) => {
    if (key) {
      setAtPath(p.payload, key, clone(payload));
    } else if (overwrite) {
      p.payload = clone(payload);
    } else {
      // merge_map: a null value removes the key.
      for (const [k, v] of Object.entries(payload)) {
        if (v === null) delete p.payload[k];
        else p.payload[k] = clone(v);
      }
    }
  });
}

/** `POST /points/payload/delete`. */
export function compileDeletePayload(body: unknown, collection: Collection): UpdateOperation {
  if (!isObject(body)) throw formatError("invalid type: expected struct DeletePayload");
  if (!Array.isArray(body.keys)) throw formatError("missing field `keys`");
  const keys = body.keys.map((k) => parsePayloadPath(String(k)));
  const select = selectPoints(body, collection, "ids-or-filter", true);
  return forSelected(select, (p) => {
    for (const key of keys) deleteAtPath(p.payload, key);
  });
}

/** `POST /points/payload/clear`. */
export function compileClearPayload(body: unknown, collection: Collection): UpdateOperation {
  if (!isObject(body)) {
    throw formatError("data did not match any variant of untagged enum PointsSelector");
  }
  const select = selectPoints(body, collection, "points-selector", true);
  return forSelected(select, (p) => {
    p.payload = {};
  });
}

/** `PUT /points/vectors`: replaces the named vectors given, keeps the others. */
export function compileUpdateVectors(body: unknown, collection: Collection): UpdateOperation {
  if (!isObject(body) || !Array.isArray(body.points)) throw formatError("missing field `points`");
  if (body.points.length === 0) {
    throw validationError(["points: must specify points to update"]);
  }
  const specs = vectorSpecs(collection);
  const updates = body.points.map((json, i) => {
    if (!isObject(json)) throw formatError("invalid type: expected struct PointVectors");
    const id = parsePointId(json.id);
    if (isObject(json.vector) && Object.keys(json.vector).length === 0) {
      throw validationError([`points[${i}].vector: must specify vectors to update for point`]);
    }
    return { id, vectors: parseVectorStruct(json.vector, specs) };
  });
  const updateFilter = compileFilter(body.update_filter, filterContext(collection));
  return (target, opId) => {
    let missing: PointId | undefined;
    for (const u of updates) {
      const point = target.points.get(u.id);
      if (!point) missing ??= u.id;
      if (!point || !updateFilter(subject(point))) continue;
      for (const [name, vector] of u.vectors) point.vectors.set(name, vector);
      touch(point, opId);
    }
    if (missing !== undefined) throw new MissingPointsError(missing);
  };
}

/** `POST /points/vectors/delete`. */
export function compileDeleteVectors(body: unknown, collection: Collection): UpdateOperation {
  if (!isObject(body) || !Array.isArray(body.vector)) throw formatError("missing field `vector`");
  if (body.vector.length === 0) {
    throw validationError(["vector: must specify vector names to delete"]);
  }
  const names = body.vector.map(String);
  const specs = vectorSpecs(collection);
  const unknown = names.find((n) => !specs.has(n));
  if (unknown !== undefined) throw badInput(`Not existing vector name error: ${unknown}`);
  const select = selectPoints(body, collection, "points-or-filter", true);
  return forSelected(select, (p) => {
    for (const name of names) p.vectors.delete(name);
  });
}

/**
 * An update that names no point: Qdrant refuses it as it is submitted (so
 * even with wait=false), after the batch operations before it were applied.
 */
function emptyUpdate() {
  return badRequest("Empty update request");
}

/** One `POST /points/batch` entry: `{upsert: …}`, `{delete: …}`, …. */
export function compileBatchOperation(json: unknown, collection: Collection): UpdateOperation {
  if (!isObject(json) || Object.keys(json).length !== 1) {
    throw formatError("data did not match any variant of untagged enum UpdateOperation");
  }
  const [kind, body] = Object.entries(json)[0] as [string, unknown];
  switch (kind) {
    case "upsert":
      return compileUpsert(body, collection);
    case "delete":
      return compileDeletePoints(body, collection);
    case "set_payload":
      return compileSetPayload(body, collection, false);
    case "overwrite_payload":
      return compileSetPayload(body, collection, true);
    case "delete_payload":
      return compileDeletePayload(body, collection);
    case "clear_payload":
      return compileClearPayload(body, collection);
    case "update_vectors":
      return compileUpdateVectors(body, collection);
    case "delete_vectors":
      return compileDeleteVectors(body, collection);
    default:
      throw formatError("data did not match any variant of untagged enum UpdateOperation");
  }
}

function clone<T>(value: T): T {
  return structuredClone(value);
}
