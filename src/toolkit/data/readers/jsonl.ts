import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import type { Schemas } from "@qdrant/js-client-rest";
import { isPlainObject } from "../../../util/objects.js";
import { SourceRecordError } from "../errors.js";
import type { SourcePoint } from "../import-points.js";

/**
 * The JSON value of each non-blank line of `path`, with its `file:line`,
 * read as a stream: a file of millions of lines is never in memory at once.
 */
export async function* jsonLines(
  path: string,
): AsyncGenerator<{ value: Record<string, unknown>; origin: string }> {
  const lines = createInterface({
    input: createReadStream(path),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const line of lines) {
    number++;
    if (line.trim() === "") continue;
    const origin = `${path}:${number}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw new SourceRecordError(origin, `not JSON (${(error as Error).message})`);
    }
    if (!isPlainObject(value)) throw new SourceRecordError(origin, "expected a JSON object");
    yield { value, origin };
  }
}

/**
 * Points from a JSON Lines file, one per line, as Qdrant's `PointStruct`:
 * `{"id": 7 | "any string", "vector": [..] | {"name": [..]}, "payload": {..}}`
 * (`vector` and `payload` optional). A string id that is not a UUID is mapped
 * by `importPoints` (see `pointIdFor`).
 */
export async function* readJsonl(path: string): AsyncGenerator<SourcePoint> {
  for await (const { value, origin } of jsonLines(path)) {
    const extra = Object.keys(value).find((k) => !["id", "vector", "payload"].includes(k));
    if (extra !== undefined) {
      throw new SourceRecordError(origin, `unknown key "${extra}" (expected id, vector, payload)`);
    }
    const { id, vector, payload } = value;
    if (payload !== undefined && !isPlainObject(payload)) {
      throw new SourceRecordError(origin, "payload must be an object");
    }
    yield {
      id: sourceId(id, origin),
      vector: vector === undefined ? undefined : vectorStruct(vector, origin),
      payload,
      origin,
    };
  }
}

/** A source id: a non-empty string or an unsigned integer. */
export function sourceId(id: unknown, origin: string): string | number {
  if (typeof id === "string" && id !== "") return id;
  if (typeof id === "number" && Number.isSafeInteger(id) && id >= 0) return id;
  throw new SourceRecordError(
    origin,
    `the id must be a non-empty string or an unsigned integer, got ${JSON.stringify(id) ?? "nothing"}`,
  );
}

/** A dense vector, or a map of named vectors (dense, multi or sparse), checked for shape only. */
export function vectorStruct(value: unknown, origin: string): Schemas["VectorStruct"] {
  if (isDense(value)) return value;
  if (isPlainObject(value)) {
    for (const [name, vector] of Object.entries(value)) {
      const sparse = isPlainObject(vector) && isDense(vector.indices) && isDense(vector.values);
      const multi = Array.isArray(vector) && vector.length > 0 && vector.every(isDense);
      if (!isDense(vector) && !sparse && !multi) {
        throw new SourceRecordError(origin, `the vector "${name}" is not a list of numbers`);
      }
    }
    return value as Schemas["VectorStruct"];
  }
  throw new SourceRecordError(
    origin,
    "the vector must be a list of numbers or an object of named vectors",
  );
}

function isDense(value: unknown): value is number[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((x) => typeof x === "number" && Number.isFinite(x))
  );
}
