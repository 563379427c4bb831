import { formatError } from "./errors.js";
import {
  asGeoPoint,
  boundingBox,
  type GeoPoint,
  type GeoTest,
  parseGeoPoint,
  polygon,
  radius,
} from "./geo.js";
import { parseDatetimeMicros } from "./payload-datetime.js";
import { isObject } from "./payload-paths.js";

/**
 * The value tests of a field condition (segment/src/types.rs): `match`
 * (value, any, except, text), `range` (numbers and datetimes), the geo
 * conditions and `values_count`, each as Qdrant 1.18.1 evaluates them.
 */

/** One test of a field's value; a field condition holds when a value passes them all. */
export type ValueTest = (value: unknown) => boolean;

/** Thrown inside a condition; becomes serde's untagged-enum message at the boundary. */
export class ConditionMismatch extends Error {}

export function compileGeo(json: Record<string, unknown>): ValueTest | undefined {
  const geoTests: GeoTest[] = [];
  const box = json.geo_bounding_box;
  if (box !== undefined && box !== null) {
    if (!isObject(box)) throw new ConditionMismatch();
    geoTests.push(
      boundingBox(geoPointOrMismatch(box.top_left), geoPointOrMismatch(box.bottom_right)),
    );
  }
  const circle = json.geo_radius;
  if (circle !== undefined && circle !== null) {
    if (!isObject(circle) || typeof circle.radius !== "number") throw new ConditionMismatch();
    geoTests.push(radius(geoPointOrMismatch(circle.center), circle.radius));
  }
  const shape = json.geo_polygon;
  if (shape !== undefined && shape !== null) {
    if (!isObject(shape)) throw new ConditionMismatch();
    if (shape.interiors != null && !Array.isArray(shape.interiors)) throw new ConditionMismatch();
    const interiors = Array.isArray(shape.interiors) ? shape.interiors.map(lineOrMismatch) : [];
    geoTests.push(polygon(lineOrMismatch(shape.exterior), interiors));
  }
  if (geoTests.length === 0) return undefined;
  return (v) => {
    const point = asGeoPoint(v);
    return point !== undefined && geoTests.some((t) => t(point));
  };
}

function geoPointOrMismatch(json: unknown): GeoPoint {
  const point = parseGeoPoint(json);
  if (!point) throw new ConditionMismatch();
  return point;
}

/** A polygon's ring: Qdrant's validator wants at least 4 points, the last the first again. */
function lineOrMismatch(json: unknown): GeoPoint[] {
  if (!isObject(json) || !Array.isArray(json.points)) throw new ConditionMismatch();
  const points = json.points.map(geoPointOrMismatch);
  if (points.length < 4) {
    throw formatError(
      `Validation failed: polygon invalid, the size must be at least 4, got ${points.length}`,
    );
  }
  const first = points[0] as GeoPoint;
  const last = points[points.length - 1] as GeoPoint;
  if (first.lon !== last.lon || first.lat !== last.lat) {
    throw formatError(
      "Validation failed: polygon invalid, the first and the last points should be the same to form a closed line",
    );
  }
  return points;
}

export function compileMatch(json: unknown, textIndexed: boolean): ValueTest {
  if (!isObject(json)) throw new ConditionMismatch();
  if ("value" in json) {
    const expected = json.value;
    if (typeof expected === "string" || typeof expected === "boolean") {
      return (v) => v === expected;
    }
    if (typeof expected === "number" && Number.isInteger(expected)) {
      return (v) => typeof v === "number" && Number.isInteger(v) && v === expected;
    }
    throw new ConditionMismatch();
  }
  if ("text" in json || "phrase" in json) {
    const text = json.text ?? json.phrase;
    if (typeof text !== "string") throw new ConditionMismatch();
    if (textIndexed) {
      const wanted = tokens(text);
      return (v) => {
        if (typeof v !== "string") return false;
        const have = new Set(tokens(v));
        return wanted.every((t) => have.has(t));
      };
    }
    return (v) => typeof v === "string" && v.includes(text);
  }
  if ("text_any" in json) {
    if (typeof json.text_any !== "string") throw new ConditionMismatch();
    const wanted = json.text_any.split(/\s+/).filter(Boolean);
    return (v) => typeof v === "string" && wanted.some((t) => v.includes(t));
  }
  if ("prefix" in json) {
    const prefix = json.prefix;
    if (typeof prefix !== "string") throw new ConditionMismatch();
    return (v) => typeof v === "string" && v.startsWith(prefix);
  }
  if ("any" in json) {
    const list = anyVariants(json.any);
    return (v) => (typeof v === "string" || isInteger(v)) && list.has(v);
  }
  if ("except" in json) {
    const list = anyVariants(json.except);
    return (v) => {
      if (v === null) return false;
      if (typeof v === "string" || isInteger(v)) return !list.has(v);
      return true;
    };
  }
  throw new ConditionMismatch();
}

function isInteger(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v);
}

/** AnyVariants: all strings or all integers; mixed lists match neither variant. */
function anyVariants(json: unknown): Set<string | number> {
  if (!Array.isArray(json)) throw new ConditionMismatch();
  const allStrings = json.every((v) => typeof v === "string");
  const allIntegers = json.every(isInteger);
  if (!allStrings && !allIntegers) throw new ConditionMismatch();
  return new Set(json as (string | number)[]);
}

/** Word tokens, lower-cased, as the default full-text index tokenizer yields them. */
function tokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}_]+/u)
    .filter(Boolean);
}

const BOUNDS = ["lt", "gt", "gte", "lte"] as const;

export function compileRange(json: unknown): ValueTest {
  if (!isObject(json)) throw new ConditionMismatch();
  // An explicit `null` bound is an unset one (clients send unset fields as null).
  const given = BOUNDS.filter((b) => json[b] !== undefined && json[b] !== null);
  if (given.every((b) => typeof json[b] === "number")) {
    const check = boundsCheck(Object.fromEntries(given.map((b) => [b, json[b] as number])));
    return (v) => typeof v === "number" && check(v);
  }
  // Qdrant's RangeInterface is untagged: not all numbers, so a DatetimeRange.
  const bounds: Partial<Record<(typeof BOUNDS)[number], number>> = {};
  for (const b of given) {
    const raw = json[b];
    const micros = typeof raw === "string" ? parseDatetimeMicros(raw) : undefined;
    if (micros === undefined) throw new ConditionMismatch();
    bounds[b] = micros;
  }
  const check = boundsCheck(bounds);
  return (v) => {
    if (typeof v !== "string") return false;
    const micros = parseDatetimeMicros(v);
    return micros !== undefined && check(micros);
  };
}

function boundsCheck(b: Partial<Record<(typeof BOUNDS)[number], number>>): (n: number) => boolean {
  return (n) =>
    (b.lt === undefined || n < b.lt) &&
    (b.gt === undefined || n > b.gt) &&
    (b.lte === undefined || n <= b.lte) &&
    (b.gte === undefined || n >= b.gte);
}

export function compileValuesCount(json: unknown): (count: number) => boolean {
  if (!isObject(json)) throw new ConditionMismatch();
  const bounds: Partial<Record<(typeof BOUNDS)[number], number>> = {};
  for (const b of BOUNDS) {
    const raw = json[b];
    if (raw === undefined || raw === null) continue;
    // A usize: beyond 2^64 - 1 serde refuses it.
    if (!isInteger(raw) || raw < 0 || raw >= 2 ** 64) throw new ConditionMismatch();
    bounds[b] = raw;
  }
  return boundsCheck(bounds);
}
