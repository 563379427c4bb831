import { formatError, QdrantHttpError } from "./errors.js";
import {
  ConditionMismatch,
  compileGeo,
  compileMatch,
  compileRange,
  compileValuesCount,
  type ValueTest,
} from "./field-tests.js";
import { indexedTest } from "./indexed-conditions.js";
import type { Payload, PointId, StoredPoint } from "./model.js";
import { getValues, isObject, type PayloadPath, parsePayloadPath } from "./payload-paths.js";
import { parsePointId } from "./point-ids.js";

/**
 * Qdrant's `Filter` (segment/src/types.rs), compiled once into a predicate
 * and evaluated as payload_storage/query_checker.rs and condition_checker.rs
 * do: `should` any, `min_should` at least n, `must` all, `must_not` none;
 * field conditions look into leaf arrays; a missing field fails every
 * condition except is_empty and is_null: false (values_count too, verified
 * against Qdrant 1.18.1).
 */

/** What a predicate sees: a stored point, or one object of a `nested` array. */
export interface FilterSubject {
  id: PointId | undefined;
  payload: Payload;
  vectors: StoredPoint["vectors"] | undefined;
}

export type PointPredicate = (subject: FilterSubject) => boolean;

export interface FilterContext {
  /** True when `key` has a full-text payload index: `match.text` then matches tokens. */
  isTextIndexed(key: string): boolean;
  /** The type of `key`'s payload index (`keyword`, `integer`, …), if it has one. */
  indexType(key: string): string | undefined;
}

const FILTER_FIELDS = ["should", "min_should", "must", "must_not"] as const;

/**
 * Compiles a request's `filter`; `null`/absent matches every point. `path` is
 * where the filter sits in the body (`scroll_request.filter`, …), as the
 * validator's 422 texts name it.
 */
export function compileFilter(
  json: unknown,
  ctx: FilterContext,
  path = "filter",
  { validate = true }: { validate?: boolean } = {},
): PointPredicate {
  if (json === undefined || json === null) return () => true;
  if (!isObject(json)) {
    throw formatError(`invalid type: ${typeName(json)}, expected struct Filter`);
  }
  for (const key of Object.keys(json)) {
    if (!(FILTER_FIELDS as readonly string[]).includes(key)) {
      throw formatError(
        `unknown field \`${key}\`, expected one of ${FILTER_FIELDS.map((f) => `\`${f}\``).join(", ")}`,
      );
    }
  }
  const problems: string[] = [];
  const predicate = compileFilterBody(json, ctx, { path, problems, inNested: false });
  // The validator reports every problem at once, after parsing succeeded.
  if (validate && problems.length > 0) {
    throw new QdrantHttpError(422, `Validation error in JSON body: [${problems.join("; ")}]`);
  }
  return predicate;
}

/** Where a condition sits (for validator texts), and the problems found so far. */
interface Site {
  path: string;
  problems: string[];
  /** Inside a `nested` filter, where Qdrant's per-element check reads an empty `should` as none. */
  inNested: boolean;
}

const at = (site: Site, step: string): Site => ({ ...site, path: `${site.path}.${step}` });

function compileFilterBody(
  json: Record<string, unknown>,
  ctx: FilterContext,
  site: Site,
): PointPredicate {
  // Field order of Qdrant's Filter, which is the order the validator reports in.
  const should = conditionList(json.should, ctx, at(site, "should"));
  const minShould = compileMinShould(json.min_should, ctx, at(site, "min_should"));
  const must = conditionList(json.must, ctx, at(site, "must"));
  const mustNot = conditionList(json.must_not, ctx, at(site, "must_not"));
  return (s) =>
    (should === undefined || should.some((c) => c(s))) &&
    (minShould === undefined || minShould(s)) &&
    (must === undefined || must.every((c) => c(s))) &&
    (mustNot === undefined || !mustNot.some((c) => c(s)));
}

function conditionList(
  value: unknown,
  ctx: FilterContext,
  site: Site,
): PointPredicate[] | undefined {
  if (value === undefined || value === null) return undefined;
  const items = Array.isArray(value) ? value : [value];
  const list = items.map((item, i) =>
    guarded(item, ctx, "MaybeOneOrMany", { ...site, path: `${site.path}[${i}]` }),
  );
  // An empty list constrains nothing (Qdrant checks `should` only when it has
  // conditions), except inside `nested`, where an empty `should` matches no element.
  return list.length === 0 && !site.inNested ? undefined : list;
}

function compileMinShould(
  value: unknown,
  ctx: FilterContext,
  site: Site,
): PointPredicate | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || !Array.isArray(value.conditions)) {
    throw formatError("missing field `conditions`");
  }
  const count = value.min_count;
  if (typeof count !== "number" || !Number.isSafeInteger(count) || count < 0) {
    throw formatError("invalid type for `min_count`, expected usize");
  }
  const conditions = value.conditions.map((c, i) =>
    guarded(c, ctx, "Condition", at(site, `conditions[${i}]`)),
  );
  // min_count 0, or no conditions, is met by every point; inside `nested`, no
  // conditions with a min_count above 0 match no element.
  if (conditions.length === 0 && site.inNested && count > 0) return () => false;
  if (count === 0 || conditions.length === 0) return undefined;
  return (s) => {
    let hits = 0;
    for (const c of conditions) {
      if (c(s) && ++hits >= count) return true;
    }
    return false;
  };
}

function guarded(json: unknown, ctx: FilterContext, enumName: string, site: Site): PointPredicate {
  try {
    return compileCondition(json, ctx, site);
  } catch (error) {
    if (error instanceof ConditionMismatch) {
      throw formatError(`data did not match any variant of untagged enum ${enumName}`);
    }
    throw error;
  }
}

function compileCondition(json: unknown, ctx: FilterContext, site: Site): PointPredicate {
  if (!isObject(json)) throw new ConditionMismatch();
  if ("key" in json) return compileFieldCondition(json, ctx, site);
  if ("is_empty" in json) {
    const path = payloadFieldPath(json.is_empty);
    return (s) => isEmptyValues(getValues(s.payload, path));
  }
  if ("is_null" in json) {
    const path = payloadFieldPath(json.is_null);
    return (s) => getValues(s.payload, path).some((v) => v === null);
  }
  if ("has_id" in json) {
    if (!Array.isArray(json.has_id)) throw new ConditionMismatch();
    const ids = new Set<PointId>(json.has_id.map(idOrMismatch));
    return (s) => s.id !== undefined && ids.has(s.id);
  }
  if ("has_vector" in json) {
    const name = json.has_vector;
    if (typeof name !== "string") throw new ConditionMismatch();
    return (s) => s.vectors?.has(name) ?? false;
  }
  if ("nested" in json)
    return compileNested(json.nested, ctx, { ...at(site, "nested.filter"), inNested: true });
  for (const key of Object.keys(json)) {
    if (!(FILTER_FIELDS as readonly string[]).includes(key)) throw new ConditionMismatch();
  }
  return compileFilterBody(json, ctx, site);
}

function idOrMismatch(value: unknown): PointId {
  try {
    return parsePointId(value);
  } catch {
    throw new ConditionMismatch();
  }
}

function payloadFieldPath(json: unknown): PayloadPath {
  if (!isObject(json) || typeof json.key !== "string") throw new ConditionMismatch();
  return parsePayloadPath(json.key);
}

function compileNested(json: unknown, ctx: FilterContext, site: Site): PointPredicate {
  if (!isObject(json) || typeof json.key !== "string" || !isObject(json.filter)) {
    throw new ConditionMismatch();
  }
  // Qdrant appends `[]` to the key unless it already ends with one: the filter
  // applies to each array element.
  const path = parsePayloadPath(json.key.endsWith("[]") ? json.key : `${json.key}[]`);
  for (const key of Object.keys(json.filter)) {
    if (!(FILTER_FIELDS as readonly string[]).includes(key)) throw new ConditionMismatch();
  }
  const inner = compileFilterBody(json.filter, ctx, site);
  return (s) =>
    getValues(s.payload, path).some(
      (element) =>
        isObject(element) && inner({ id: undefined, payload: element, vectors: undefined }),
    );
}

/** A value test for one leaf value (arrays are looked into by the caller). */
function compileFieldCondition(
  json: Record<string, unknown>,
  ctx: FilterContext,
  site: Site,
): PointPredicate {
  if (typeof json.key !== "string") throw new ConditionMismatch();
  const key = json.key;
  const path = parsePayloadPath(key);
  const tests: ValueTest[] = [];
  if (json.match !== undefined && json.match !== null) {
    tests.push(compileMatch(json.match, ctx.isTextIndexed(key)));
  }
  if (json.range !== undefined && json.range !== null) tests.push(compileRange(json.range));
  const valuesCount =
    json.values_count === undefined || json.values_count === null
      ? undefined
      : compileValuesCount(json.values_count);
  const isEmpty = optionalBool(json.is_empty);
  const isNull = optionalBool(json.is_null);
  const geo = compileGeo(json);
  if (geo) tests.push(geo);
  if (
    tests.length === 0 &&
    valuesCount === undefined &&
    isEmpty === undefined &&
    isNull === undefined
  ) {
    site.problems.push(
      `${site.path}.__all__: Validation error: At least one field condition must be specified [{}]`,
    );
  }
  const anyValue: ValueTest = (v) => tests.some((t) => t(v));
  const indexType = site.inNested ? undefined : ctx.indexType(key);
  const byIndex = indexType === undefined ? undefined : indexedTest(indexType, json);
  if (byIndex) {
    return (s) =>
      getValues(s.payload, path).some((value) =>
        Array.isArray(value) ? value.some(byIndex) : byIndex(value),
      );
  }
  // With an index, is_empty and is_null are answered before values_count (Qdrant 1.18.1).
  const countTest =
    indexType !== undefined && (isEmpty !== undefined || isNull !== undefined)
      ? undefined
      : valuesCount;
  return (s) => {
    const values = getValues(s.payload, path);
    if (values.length === 0) {
      if (isEmpty !== undefined) return isEmpty;
      if (isNull !== undefined) return !isNull;
      return false;
    }
    if (indexType !== undefined && countTest === undefined) {
      // An index holds the point's values together: empty when it holds none,
      // null when any of them is null (verified against Qdrant 1.18.1).
      if (isEmpty !== undefined) return values.every(emptyValue) === isEmpty;
      if (isNull !== undefined) return values.some(nullValue) === isNull;
    }
    return values.some((value) => {
      if (countTest !== undefined) {
        // As Qdrant counts: an array's length, 0 for null, 1 for anything else.
        return countTest(Array.isArray(value) ? value.length : value === null ? 0 : 1);
      }
      if (isEmpty !== undefined) return emptyValue(value) === isEmpty;
      if (isNull !== undefined) return nullValue(value) === isNull;
      return Array.isArray(value) ? value.some(anyValue) : anyValue(value);
    });
  };
}

/** geo_bounding_box / geo_radius / geo_polygon, OR-ed like the other field conditions. */
function optionalBool(value: unknown): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "boolean") throw new ConditionMismatch();
  return value;
}

function emptyValue(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.length === 0);
}

function nullValue(value: unknown): boolean {
  return value === null || (Array.isArray(value) && value.some((v) => v === null));
}

/** IsEmptyCondition: every reached value is null or `[]` (vacuously true when none). */
function isEmptyValues(values: unknown[]): boolean {
  return values.every(emptyValue);
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return "sequence";
  if (typeof value === "string") return `string ${JSON.stringify(value)}`;
  return typeof value === "number" ? `integer \`${value}\`` : String(value);
}
