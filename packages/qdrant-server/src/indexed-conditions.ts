import { compileGeo, type ValueTest } from "./field-tests.js";
import { parseDatetimeMicros } from "./payload-datetime.js";
import { isObject } from "./payload-paths.js";

/**
 * How Qdrant 1.18.1 answers a field condition on a key with a payload index
 * (verified against the binary): the index takes the first test it can
 * answer, `match`, then `range`, then `geo_bounding_box`, `geo_radius`,
 * `geo_polygon`, ignores the condition's other fields, and sees only the
 * values it indexed (integers for an integer index, parsed datetimes for a
 * datetime one, …). Without such a test the condition is checked on the
 * payload, as without an index.
 */

const BOUNDS = ["lt", "gt", "lte", "gte"] as const;
type Bounds = Partial<Record<(typeof BOUNDS)[number], number>>;

/** The test the index answers with, for one leaf value; undefined when it answers none. */
export function indexedTest(
  indexType: string,
  json: Record<string, unknown>,
): ValueTest | undefined {
  const match = isObject(json.match) ? json.match : undefined;
  switch (indexType) {
    case "keyword":
    case "uuid":
      return match ? matchTest(match, "string") : undefined;
    case "bool":
      return match ? matchTest(match, "boolean") : undefined;
    case "integer": {
      const byMatch = match ? matchTest(match, "integer") : undefined;
      if (byMatch) return byMatch;
      // Datetime bounds are read as timestamps in microseconds (a float index too).
      const bounds = numericBounds(json.range) ?? datetimeBounds(json.range);
      return bounds ? (v) => isInteger(v) && inBounds(v, bounds) : undefined;
    }
    case "float": {
      const bounds = numericBounds(json.range) ?? datetimeBounds(json.range);
      return bounds ? (v) => typeof v === "number" && inBounds(v, bounds) : undefined;
    }
    case "datetime": {
      // Numeric bounds are compared with the timestamp in microseconds.
      const bounds = numericBounds(json.range) ?? datetimeBounds(json.range);
      if (!bounds) return undefined;
      return (v) => {
        const micros = typeof v === "string" ? parseDatetimeMicros(v) : undefined;
        return micros !== undefined && inBounds(micros, bounds);
      };
    }
    case "geo":
      for (const shape of ["geo_bounding_box", "geo_radius", "geo_polygon"]) {
        if (json[shape] !== undefined && json[shape] !== null) {
          return compileGeo({ [shape]: json[shape] });
        }
      }
      return undefined;
    default:
      return undefined;
  }
}

type Kind = "string" | "integer" | "boolean";

const isInteger = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v);
const ofKind = (v: unknown, kind: Kind) => (kind === "integer" ? isInteger(v) : typeof v === kind);

/** A match of values of the index's kind; `[]` reads as a list of strings, as serde's untagged AnyVariants does. */
function matchTest(match: Record<string, unknown>, kind: Kind): ValueTest | undefined {
  if ("value" in match) {
    const expected = match.value;
    return ofKind(expected, kind) ? (v) => v === expected : undefined;
  }
  const list = "any" in match ? match.any : "except" in match ? match.except : undefined;
  if (!Array.isArray(list)) return undefined;
  const listKind: Kind | undefined =
    list.length === 0 || list.every((x) => typeof x === "string")
      ? "string"
      : list.every(isInteger)
        ? "integer"
        : undefined;
  if (listKind !== kind) return undefined;
  const values = new Set<unknown>(list);
  return "any" in match
    ? (v) => ofKind(v, kind) && values.has(v)
    : (v) => ofKind(v, kind) && !values.has(v);
}

function numericBounds(range: unknown): Bounds | undefined {
  if (!isObject(range)) return undefined;
  const bounds: Bounds = {};
  for (const b of BOUNDS) {
    const value = range[b];
    if (value === undefined || value === null) continue;
    if (typeof value !== "number") return undefined;
    bounds[b] = value;
  }
  return bounds;
}

function datetimeBounds(range: unknown): Bounds | undefined {
  if (!isObject(range)) return undefined;
  const bounds: Bounds = {};
  for (const b of BOUNDS) {
    const value = range[b];
    if (value === undefined || value === null) continue;
    const micros = typeof value === "string" ? parseDatetimeMicros(value) : undefined;
    if (micros === undefined) return undefined;
    bounds[b] = micros;
  }
  return bounds;
}

function inBounds(n: number, b: Bounds): boolean {
  return (
    (b.lt === undefined || n < b.lt) &&
    (b.gt === undefined || n > b.gt) &&
    (b.lte === undefined || n <= b.lte) &&
    (b.gte === undefined || n >= b.gte)
  );
}
