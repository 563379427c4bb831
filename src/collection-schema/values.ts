import { isRecord } from "../util/objects.js";

/**
 * Equal as Qdrant means them: an unset option is `null` or left out depending
 * on the version and the endpoint, and key order carries no meaning.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** `value` with null-valued keys dropped and keys sorted, for comparison and display. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isRecord(value)) return value ?? null;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    if (value[key] != null) out[key] = canonical(value[key]);
  }
  return out;
}

/** A value as an error message or a report shows it. */
export function show(value: unknown): string {
  return value === undefined || value === null ? "(absent)" : JSON.stringify(canonical(value));
}

/** `target` with `value` set at `path`, creating the objects on the way. */
export function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown) {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (isRecord(next)) node = next;
    else {
      const created: Record<string, unknown> = {};
      node[key] = created;
      node = created;
    }
  }
  const last = path[path.length - 1];
  if (last !== undefined) node[last] = value;
}

/** The value at `path` of `source`, or undefined where a step is missing. */
export function getAt(source: unknown, path: readonly string[]): unknown {
  let node = source;
  for (const key of path) {
    if (!isRecord(node)) return undefined;
    node = node[key];
  }
  return node;
}

/** A path as the reports print it: `vectors.text.hnsw_config.m` (`""`, the unnamed vector, kept visible). */
export function pathText(path: readonly string[]): string {
  return path.map((key) => (key === "" ? '""' : key)).join(".");
}
