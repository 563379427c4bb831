import { formatError } from "./errors.js";
import type { Payload } from "./model.js";

/**
 * Payload key paths as Qdrant parses and walks them (segment/src/json_path):
 * `a.b`, `a[]` (every element), `a[2]` (one element), `a."dotted.key"`.
 * Arrays are only entered where the path says so; a leaf array is returned
 * whole, and conditions then look inside it.
 */

export type PathItem =
  | { kind: "key"; key: string }
  | { kind: "index"; index: number }
  | { kind: "wildcard" };

export interface PayloadPath {
  text: string;
  first: string;
  rest: PathItem[];
}

const RAW = /^[\p{L}\p{N}_-]+/u;

/** Parses a key path; 400 `Format error in JSON body: …` when it is not one. */
export function parsePayloadPath(text: string): PayloadPath {
  let rest = text;
  const first = takeKey(rest);
  if (!first) throw invalidPath(text);
  rest = rest.slice(first.length);
  const items: PathItem[] = [];
  while (rest.length > 0) {
    if (rest.startsWith("[]")) {
      items.push({ kind: "wildcard" });
      rest = rest.slice(2);
      continue;
    }
    const index = /^\[(\d+)\]/.exec(rest);
    if (index) {
      items.push({ kind: "index", index: Number(index[1]) });
      rest = rest.slice(index[0].length);
      continue;
    }
    if (rest.startsWith(".")) {
      const key = takeKey(rest.slice(1));
      if (!key) throw invalidPath(text);
      items.push({ kind: "key", key: key.value });
      rest = rest.slice(1 + key.length);
      continue;
    }
    throw invalidPath(text);
  }
  return { text, first: first.value, rest: items };
}

function takeKey(text: string): { value: string; length: number } | undefined {
  const raw = RAW.exec(text);
  if (raw) return { value: raw[0], length: raw[0].length };
  const quoted = /^"([^"\\]*)"/.exec(text);
  if (quoted) return { value: quoted[1] as string, length: quoted[0].length };
  return undefined;
}

function invalidPath(text: string) {
  return formatError(`Invalid json path: '${text}'`);
}

/** Every value the path reaches (get.rs): none when a step is missing. */
export function getValues(payload: Payload, path: PayloadPath): unknown[] {
  const out: unknown[] = [];
  if (Object.hasOwn(payload, path.first)) collect(path.rest, 0, payload[path.first], out);
  return out;
}

function collect(items: PathItem[], at: number, value: unknown, out: unknown[]): void {
  const item = items[at];
  if (!item) {
    out.push(value);
    return;
  }
  if (item.kind === "key") {
    if (isObject(value) && Object.hasOwn(value, item.key)) {
      collect(items, at + 1, value[item.key], out);
    }
  } else if (Array.isArray(value)) {
    if (item.kind === "index") {
      if (item.index < value.length) collect(items, at + 1, value[item.index], out);
    } else {
      for (const element of value) collect(items, at + 1, element, out);
    }
  }
}

/**
 * `set_payload` with `key`: merges `values` into the object(s) the path
 * names, creating missing objects on the way and replacing non-objects.
 */
export function setAtPath(payload: Payload, path: PayloadPath, values: Payload): void {
  const all: PathItem[] = [{ kind: "key", key: path.first }, ...path.rest];
  mergeInto(payload, all, 0, values);
}

function mergeInto(
  target: Record<string, unknown>,
  items: PathItem[],
  at: number,
  values: Payload,
): void {
  const item = items[at] as PathItem & { kind: "key" };
  const next = items[at + 1];
  let child = target[item.key];
  if (next === undefined) {
    if (!isObject(child)) {
      child = {};
      target[item.key] = child;
    }
    mergeValues(child as Record<string, unknown>, values);
    return;
  }
  if (next.kind === "key") {
    if (!isObject(child)) {
      child = {};
      target[item.key] = child;
    }
    mergeInto(child as Record<string, unknown>, items, at + 1, values);
    return;
  }
  // An index step: only into an existing array, as Qdrant never grows one;
  // anything else there (a missing key included) becomes an empty array.
  if (!Array.isArray(child)) {
    target[item.key] = [];
    return;
  }
  const indices =
    next.kind === "index" ? (next.index < child.length ? [next.index] : []) : child.keys();
  for (const i of indices) {
    const after = items[at + 2];
    if (after === undefined) {
      if (!isObject(child[i])) child[i] = {};
      mergeValues(child[i] as Record<string, unknown>, values);
    } else if (after.kind === "key") {
      if (!isObject(child[i])) child[i] = {};
      mergeInto(child[i] as Record<string, unknown>, items, at + 2, values);
    }
  }
}

/** Qdrant's merge: a key set to null is removed, not stored. */
function mergeValues(target: Record<string, unknown>, values: Payload): void {
  for (const [key, value] of Object.entries(values)) {
    if (value === null) delete target[key];
    else target[key] = value;
  }
}

/** `delete_payload` and `exclude`: removes what the path names (a key, or every element under `[]`). */
export function deleteAtPath(payload: Payload, path: PayloadPath): void {
  const all: PathItem[] = [{ kind: "key", key: path.first }, ...path.rest];
  removeFrom(payload, all, 0);
}

function removeFrom(value: unknown, items: PathItem[], at: number): void {
  const item = items[at];
  if (!item) return;
  const last = at === items.length - 1;
  if (item.kind === "key") {
    if (!isObject(value) || !Object.hasOwn(value, item.key)) return;
    if (last) delete value[item.key];
    else removeFrom(value[item.key], items, at + 1);
    return;
  }
  // Qdrant's remove walks `[]` only: a path with an index step removes nothing.
  if (!Array.isArray(value) || item.kind === "index") return;
  if (last) value.length = 0;
  else for (const element of value) removeFrom(element, items, at + 1);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
