import { formatError } from "./errors.js";
import type { Payload, StoredPoint } from "./model.js";
import {
  deleteAtPath,
  getValues,
  isObject,
  type PayloadPath,
  parsePayloadPath,
} from "./payload-paths.js";
import { type VectorSelector, vectorsToJson } from "./vectors.js";

/**
 * Points as read endpoints return them: `with_payload` (true/false, a list of
 * keys, `{include}` or `{exclude}`) and `with_vector` applied. Records and
 * ScoredPoints both leave out `payload` and `vector` when not requested (real
 * Qdrant skips serialising them rather than writing null).
 */

export type PayloadSelector =
  | { kind: "all" }
  | { kind: "none" }
  | { kind: "include"; paths: PayloadPath[] }
  | { kind: "exclude"; paths: PayloadPath[] };

const NO_MATCH = "data did not match any variant of untagged enum WithPayloadInterface";

export function parsePayloadSelector(json: unknown, fallback: boolean): PayloadSelector {
  if (json === undefined || json === null) return { kind: fallback ? "all" : "none" };
  if (typeof json === "boolean") return { kind: json ? "all" : "none" };
  if (Array.isArray(json)) return { kind: "include", paths: pathList(json) };
  if (isObject(json)) {
    const keys = Object.keys(json);
    if (keys.length === 1 && Array.isArray(json.include)) {
      return { kind: "include", paths: pathList(json.include) };
    }
    if (keys.length === 1 && Array.isArray(json.exclude)) {
      return { kind: "exclude", paths: pathList(json.exclude) };
    }
  }
  throw formatError(NO_MATCH);
}

function pathList(items: unknown[]): PayloadPath[] {
  return items.map((item) => {
    if (typeof item !== "string") throw formatError(NO_MATCH);
    return parsePayloadPath(item);
  });
}

export function selectPayload(payload: Payload, selector: PayloadSelector): Payload | undefined {
  switch (selector.kind) {
    case "none":
      return undefined;
    case "all":
      return payload;
    case "exclude": {
      const copy = structuredClone(payload);
      for (const path of selector.paths) deleteAtPath(copy, path);
      return copy;
    }
    case "include": {
      const out: Payload = {};
      for (const path of selector.paths) includePath(payload, path, out);
      return out;
    }
  }
}

/** Copies what `path` reaches into `out`, keeping its place in the document. */
function includePath(payload: Payload, path: PayloadPath, out: Payload): void {
  if (path.rest.length === 0) {
    if (Object.hasOwn(payload, path.first)) out[path.first] = payload[path.first];
    return;
  }
  // Nested keys: keep the first key's subtree trimmed to the path.
  const values = getValues(payload, path);
  if (values.length === 0) return;
  const keyed = path.rest.every((item) => item.kind === "key");
  if (!keyed) {
    out[path.first] = payload[path.first];
    return;
  }
  let target = out;
  const keys = [path.first, ...path.rest.map((item) => (item as { key: string }).key)];
  for (const key of keys.slice(0, -1)) {
    if (!isObject(target[key])) target[key] = {};
    target = target[key] as Payload;
  }
  target[keys[keys.length - 1] as string] = values[0];
}

export interface RecordOptions {
  payload: PayloadSelector;
  vector: VectorSelector;
}

/** A `Record` (retrieve, scroll): payload and vector only when asked for. */
export function recordJson(point: StoredPoint, options: RecordOptions): Record<string, unknown> {
  const record: Record<string, unknown> = { id: point.id };
  const payload = selectPayload(point.payload, options.payload);
  if (payload !== undefined) record.payload = payload;
  const vector = vectorsToJson(point.vectors, options.vector);
  if (vector !== undefined) record.vector = vector;
  return record;
}
