import { isDeepStrictEqual } from "node:util";
import type { Answer, Exchange } from "./servers.js";

/**
 * How two answers to the same request are compared: status code; the
 * `status.error` text of an error; the `result`, with floats within a
 * tolerance and lists in the order Qdrant defines (by id for scroll, by score
 * or order value where those tie only as sets).
 */

export type Ordering =
  /** The result's order is Qdrant's (ids ascending for scroll). */
  | "exact"
  /** `points` ranked by `score`; points of equal score may come in any order. */
  | "score"
  /** `points` ordered by `order_value`; ties may come in any order. */
  | "order_value";

/** The paging of a ranked request: where ties may have been cut. */
export interface Cut {
  offset?: number;
  limit?: number;
  /**
   * The request's `score_threshold`: a point scored within float error of it
   * may fall on either side (Qdrant scores in f32 SIMD, this server in f64).
   */
  threshold?: number;
}

/** Fields whose values are documented to differ (this package's README): never compared. */
const IGNORED = new Set(["time", "usage", "operation_id", "version"]);

const TOLERANCE = 1e-5;

/** The first difference between the two answers, or undefined when they agree. */
export function differenceOf(
  inProcess: Answer,
  real: Answer,
  ordering: Ordering = "exact",
  cut: Cut = {},
): string | undefined {
  if (inProcess.status !== real.status) {
    return `status ${inProcess.status} (in-process) vs ${real.status} (real)`;
  }
  const a = normalise(inProcess.body);
  const b = normalise(real.body);
  if (inProcess.status !== 200) {
    const ea = errorText(a);
    const eb = errorText(b);
    return ea === eb ? undefined : `error text ${JSON.stringify(ea)} vs ${JSON.stringify(eb)}`;
  }
  const ra = isRecord(a) ? a.result : a;
  const rb = isRecord(b) ? b.result : b;
  if (ordering === "exact") return diff(ra, rb, "result");
  return rankedDifference(ra, rb, ordering === "score" ? "score" : "order_value", cut);
}

/**
 * Ranked lists: the keys (scores, order values) must agree position by
 * position; each run of equal keys must hold the same points, except a first
 * run after an offset and a last run that reaches the limit, which may be cut
 * at different members.
 */
function rankedDifference(a: unknown, b: unknown, key: string, cut: Cut): string | undefined {
  const onThreshold = (p: Record<string, unknown>) =>
    cut.threshold !== undefined && close(p[key], cut.threshold);
  const pa = pointsOf(a)?.filter((p) => !onThreshold(p));
  const pb = pointsOf(b)?.filter((p) => !onThreshold(p));
  if (!pa || !pb) return diff(a, b, "result");
  if (pa.length !== pb.length) return `result.points: ${pa.length} vs ${pb.length} points`;
  for (let i = 0; i < pa.length; i++) {
    const d = diff(pa[i]?.[key], pb[i]?.[key], `result.points[${i}].${key}`);
    if (d) return d;
  }
  let start = 0;
  while (start < pa.length) {
    let end = start + 1;
    while (end < pa.length && close(pa[end]?.[key], pa[start]?.[key])) end++;
    // A run the offset or the limit cut may hold other members: only its keys count.
    const cutAtStart = start === 0 && (cut.offset ?? 0) > 0;
    const cutAtEnd = end === pa.length && pa.length >= (cut.limit ?? Number.POSITIVE_INFINITY);
    if (!cutAtStart && !cutAtEnd) {
      const d = diff(
        sortById(pa.slice(start, end)),
        sortById(pb.slice(start, end)),
        `result.points[${start}..${end - 1}] (any order)`,
      );
      if (d) return d;
    }
    start = end;
  }
  return undefined;
}

function pointsOf(result: unknown): Record<string, unknown>[] | undefined {
  const points = isRecord(result) ? result.points : result;
  return Array.isArray(points) && points.every(isRecord) ? points : undefined;
}

function sortById(points: Record<string, unknown>[]): Record<string, unknown>[] {
  return [...points].sort((x, y) => String(x.id).localeCompare(String(y.id)));
}

function close(x: unknown, y: unknown): boolean {
  return typeof x === "number" && typeof y === "number" && closeNumbers(x, y);
}

function closeNumbers(x: number, y: number): boolean {
  return Math.abs(x - y) <= TOLERANCE * Math.max(1, Math.abs(x), Math.abs(y));
}

function diff(a: unknown, b: unknown, path: string): string | undefined {
  if (typeof a === "number" && typeof b === "number") {
    return closeNumbers(a, b) ? undefined : `${path}: ${a} vs ${b}`;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) {
      return `${path}: ${a.length} vs ${b.length} items: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
    }
    for (let i = 0; i < a.length; i++) {
      const d = diff(a[i], b[i], `${path}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of [...keys].sort()) {
      if (!(key in a) || !(key in b)) {
        return `${path}.${key}: ${key in a ? JSON.stringify(a[key]) : "absent"} vs ${key in b ? JSON.stringify(b[key]) : "absent"}`;
      }
      const d = diff(a[key], b[key], `${path}.${key}`);
      if (d) return d;
    }
    return undefined;
  }
  return isDeepStrictEqual(a, b)
    ? undefined
    : `${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`;
}

/**
 * Drops fields that are documented to differ, and `vector: null`: whether a
 * point read without vectors carries `vector: null` or no `vector` key is a
 * known difference being fixed elsewhere.
 */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (!isRecord(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (IGNORED.has(key)) continue;
    if (key === "vector" && v === null) continue;
    out[key] = normalise(v);
  }
  return out;
}

const FORMAT_ERROR = "Format error in JSON body: ";

/**
 * The error text as far as it is meant to agree: this package's README documents
 * serde's format errors (400 `Format error in JSON body: …`) as worded
 * differently and without ` at line L column C`, so only their prefix counts.
 */
function errorText(body: unknown): unknown {
  const status = isRecord(body) ? body.status : undefined;
  const text = isRecord(status) ? status.error : body;
  if (typeof text !== "string") return text;
  if (text.startsWith(FORMAT_ERROR)) return FORMAT_ERROR;
  // Qdrant lists several validation problems in hash-map order, which differs per server process.
  const list = /^(Validation error in [A-Za-z ]+: \[)(.*)\]$/s.exec(text);
  return list ? `${list[1]}${(list[2] as string).split("; ").sort().join("; ")}]` : text;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The minimal reproduction fast-check prints: both requests and both answers. */
export function reproduction(
  setup: string,
  exchange: Exchange,
  inProcess: Answer,
  real: Answer,
  difference: string,
): string {
  return [
    `difference: ${difference}`,
    `collection: ${setup}`,
    `request (sent identically to both): ${exchange.method} ${exchange.path} ${JSON.stringify(exchange.body ?? null)}`,
    `in-process answer: ${inProcess.status} ${JSON.stringify(inProcess.body)}`,
    `real answer:       ${real.status} ${JSON.stringify(real.body)}`,
  ].join("\n");
}
