import { formatError } from "./errors.js";
import type { Payload, StoredPoint } from "./model.js";
import {
  deleteAtPath,
  isObject,
  type PathItem,
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
    case "include":
      return applyMask(payload, includeMask(selector.paths)) as Payload;
  }
}

/**
 * Which parts of a value the include paths keep (Qdrant's JsonPath value
 * filter): `keep` keeps the whole value; `keys` keeps those keys of an
 * object; `each` keeps that part of every array element.
 */
interface Mask {
  keep: boolean;
  keys: Map<string, Mask>;
  each: Mask | undefined;
}

const emptyMask = (): Mask => ({ keep: false, keys: new Map(), each: undefined });

function includeMask(paths: PayloadPath[]): Mask {
  const root = emptyMask();
  for (const path of paths) {
    let node = root;
    for (const item of [{ kind: "key", key: path.first } as PathItem, ...path.rest]) {
      if (item.kind === "key") {
        let child = node.keys.get(item.key);
        if (!child) {
          child = emptyMask();
          node.keys.set(item.key, child);
        }
        node = child;
      } else if (item.kind === "wildcard") {
        node.each ??= emptyMask();
        node = node.each;
      } else {
        // Qdrant's filter keeps no element for an index step: the array comes back empty.
        node = emptyMask();
      }
    }
    node.keep = true;
  }
  return root;
}

/**
 * Applies a mask as Qdrant does: an object keeps the masked keys it has (so a
 * path into a missing key leaves `{}`), an array keeps its elements only
 * under `[]` (else `[]`), and a scalar is kept whole whatever the path says.
 */
function applyMask(value: unknown, mask: Mask): unknown {
  if (mask.keep) return value;
  if (Array.isArray(value)) {
    const each = mask.each;
    return each ? value.map((element) => applyMask(element, each)) : [];
  }
  if (isObject(value)) {
    const out: Payload = {};
    for (const [key, child] of mask.keys) {
      if (Object.hasOwn(value, key)) out[key] = applyMask(value[key], child);
    }
    return out;
  }
  return value;
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
