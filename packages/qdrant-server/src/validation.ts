import { QdrantHttpError } from "./errors.js";

/**
 * Qdrant's validator messages (422) for path and query parameters and body
 * fields: `<field path>: value <v> invalid, must be <bound> or larger`, joined
 * into `Validation error in <part>: [...]` (src/actix/mod.rs).
 */

export type Problem = string;

export const tooSmall = (path: string, value: unknown, min: number): Problem =>
  `${path}: value ${String(value)} invalid, must be ${min} or larger`;

export const outOfRange = (path: string, value: unknown, min: number, max: number): Problem =>
  `${path}: value ${String(value)} invalid, must be from ${min} to ${max}`;

const invalid = (part: string, problems: Problem[]) =>
  new QdrantHttpError(422, `Validation error in ${part}: [${problems.join("; ")}]`);

/** Throws 422 `Validation error in JSON body: [...]` when there are problems. */
export function assertValidBody(problems: Problem[]): void {
  if (problems.length > 0) throw invalid("JSON body", problems);
}

/**
 * Collection and alias name rules (common/validation.rs); Qdrant names the path
 * parameter `collection_name` on every route.
 */
export function assertValidName(name: string, creating: boolean): void {
  const problems: Problem[] = [];
  if (name.length < 1 || name.length > 255) {
    // The validator prints a string value as JSON, quotes included.
    problems.push(
      `collection_name: value ${JSON.stringify(name)} invalid, must be from 1 to 255 characters`,
    );
  }
  const forbidden = creating ? '<>:"/\\|?*\0\u001f' : "/";
  const bad = [...name].find((ch) => forbidden.includes(ch));
  if (bad !== undefined)
    problems.push(`collection_name: collection name cannot contain "${bad}" char`);
  if (problems.length > 0) throw invalid("path parameters", problems);
}

/** `?timeout=` in seconds; 422 when 0 (Qdrant requires 1 or more). */
export function queryTimeout(query: URLSearchParams): number | undefined {
  const raw = query.get("timeout");
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new QdrantHttpError(
      400,
      `Deserialize error in query parameters: invalid digit found in string`,
    );
  }
  if (value < 1) throw invalid("query parameters", [tooSmall("timeout", value, 1)]);
  return value;
}

/**
 * `?timeout=` of a point, payload index or vector-name update: a Duration,
 * so 0 is accepted (the wait then times out at once) and a negative one is
 * its own deserialize error (checked against Qdrant 1.18.1).
 */
export function updateTimeout(query: URLSearchParams): number | undefined {
  const raw = query.get("timeout");
  if (raw === null) return undefined;
  if (/^\d+$/.test(raw)) return Number(raw);
  throw deserializeError(
    /^-\d+$/.test(raw) ? "std::time::Duration cannot be negative" : "invalid digit found in string",
  );
}

/** `?timeout=` of a point read (retrieve, scroll, count, query, search): a nonzero u64. */
export function readTimeout(query: URLSearchParams): number | undefined {
  const raw = query.get("timeout");
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) throw deserializeError("invalid digit found in string");
  if (Number(raw) === 0)
    throw deserializeError("invalid value: integer `0`, expected a nonzero u64");
  return Number(raw);
}

const deserializeError = (what: string) =>
  new QdrantHttpError(400, `Deserialize error in query parameters: ${what}`);

/** A boolean query flag such as `wait`, with Qdrant's default when absent. */
export function queryFlag(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const raw = query.get(name);
  if (raw === null) return fallback;
  if (raw === "true") return true;
  if (raw === "false") return false;
  throw new QdrantHttpError(
    400,
    "Deserialize error in query parameters: provided string was not `true` or `false`",
  );
}

/**
 * serde's position suffix (` at line L column C`) for a top-level field: where
 * the parser stood after reading that field's value, as serde reports errors
 * of untagged enums. Empty when the field cannot be located.
 */
export function positionAfterField(raw: string, field: string): string {
  const end = endOfTopLevelValue(raw, field);
  if (end === undefined) return "";
  const before = raw.slice(0, end);
  const line = before.split("\n").length;
  const column = end - (before.lastIndexOf("\n") + 1);
  return ` at line ${line} column ${column}`;
}

function endOfTopLevelValue(raw: string, field: string): number | undefined {
  let depth = 0;
  let i = 0;
  let expectKey = false;
  let pendingKey: string | undefined;
  while (i < raw.length) {
    const ch = raw[i] as string;
    if (ch === '"') {
      const start = i;
      i++;
      while (i < raw.length && raw[i] !== '"') i += raw[i] === "\\" ? 2 : 1;
      i++;
      if (depth === 1 && expectKey) {
        pendingKey = JSON.parse(raw.slice(start, i)) as string;
        expectKey = false;
      }
      continue;
    }
    if (ch === "{" || ch === "[") {
      depth++;
      if (depth === 1) expectKey = true;
    } else if (ch === "}" || ch === "]") {
      depth--;
      // An object or array value closes at depth 1; a scalar one ends at the `}`.
      if (depth === 1 && pendingKey === field) return i + 1;
      if (depth === 0 && pendingKey === field) return i;
    } else if (ch === "," && depth === 1) {
      if (pendingKey === field) return i;
      expectKey = true;
    } else if (depth === 0 && pendingKey === field) {
      return i;
    }
    i++;
  }
  return undefined;
}
