import { badInput, formatError } from "./errors.js";
import type { PointId } from "./model.js";

/**
 * Point ids as Qdrant reads and orders them (segment/src/types.rs
 * ExtendedPointId): an unsigned integer or a UUID. UUIDs are accepted in every
 * form the `uuid` crate parses (hyphenated, simple, braced, urn) and kept in
 * canonical lower-case hyphenated form, which is how Qdrant returns them.
 */

const HYPHENATED = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SIMPLE = /^[0-9a-f]{32}$/i;

/** The canonical form of a UUID string, or undefined when it is not one. */
export function canonicalUuid(text: string): string | undefined {
  let body = text;
  if (body.startsWith("{") && body.endsWith("}")) body = body.slice(1, -1);
  else if (body.toLowerCase().startsWith("urn:uuid:")) body = body.slice(9);
  if (HYPHENATED.test(body)) return body.toLowerCase();
  if (SIMPLE.test(body)) {
    const h = body.toLowerCase();
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return undefined;
}

function isUnsignedInteger(value: unknown): value is number {
  // A u64: Qdrant refuses ids beyond 2^64 - 1.
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value < 2 ** 64;
}

/**
 * A point id from a JSON body. Anything else is serde's 400 ``Format error in
 * JSON body: value x is not a valid point ID, …`` (strings shown bare, as
 * Qdrant's SerdeValue prints them).
 */
export function parsePointId(value: unknown): PointId {
  if (isUnsignedInteger(value)) return value;
  if (typeof value === "string") {
    const uuid = canonicalUuid(value);
    if (uuid !== undefined) return uuid;
  }
  const shown = typeof value === "string" ? value : JSON.stringify(value);
  throw formatError(
    `value ${shown} is not a valid point ID, valid values are either an unsigned integer or a UUID`,
  );
}

/** A list of point ids from a JSON body (`ids`, `points`, `has_id`). */
export function parsePointIds(value: unknown, field: string): PointId[] {
  if (!Array.isArray(value)) {
    throw formatError(`invalid type: ${describeJson(value)}, expected a sequence for \`${field}\``);
  }
  return value.map(parsePointId);
}

/**
 * A point id from a URL path (`GET /points/{id}`): Qdrant parses it with
 * FromStr and answers 400 `Wrong input: Can not recognize "x" as point id`.
 */
export function parsePathPointId(text: string): PointId {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (Number.isSafeInteger(n)) return n;
  }
  const uuid = canonicalUuid(text);
  if (uuid !== undefined) return uuid;
  throw badInput(`Can not recognize "${text}" as point id`);
}

/** Qdrant's id order: integers ascending, then UUIDs by their bytes (= canonical text). */
export function comparePointIds(a: PointId, b: PointId): number {
  if (typeof a === "number") {
    return typeof b === "number" ? a - b : -1;
  }
  if (typeof b === "number") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** serde's wording for the type of an unexpected JSON value. */
export function describeJson(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "sequence";
  switch (typeof value) {
    case "string":
      return `string ${JSON.stringify(value)}`;
    case "boolean":
      return `boolean \`${value}\``;
    case "number":
      return Number.isInteger(value) ? `integer \`${value}\`` : `floating point \`${value}\``;
    case "object":
      return "map";
    default:
      return typeof value;
  }
}
