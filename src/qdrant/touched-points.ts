import type { Schemas } from "@qdrant/js-client-rest";
import { isRecord } from "../util/objects.js";

/** A Qdrant point id: an unsigned integer or a UUID. */
export type PointId = number | string;

/**
 * The points one write of a migration step may change in one collection:
 * named by id, matched by a filter, or every point (a dropped or recreated
 * collection, a removed named vector). Journaled before the write is sent, so
 * that a rollback can tell the migration's own changes from those others made
 * meanwhile (writes-since-snapshot.ts).
 */
export interface TouchedPoints {
  collection: string;
  ids?: PointId[];
  filter?: Schemas["Filter"];
  all?: true;
  /**
   * The step wrote more points than are kept by id (MAX_TOUCHED_IDS): its
   * changes can no longer be told from others'.
   */
  overflow?: true;
}

/** Ids kept per collection and step; beyond, the record says `overflow`. */
export const MAX_TOUCHED_IDS = 100_000;

/** What a data write (`method` of the client, with its request `body`) touches. */
export function touchedBy(method: string, collection: string, body: unknown): TouchedPoints {
  if (method === "batchUpdate") {
    const operations = isRecord(body) && Array.isArray(body.operations) ? body.operations : [];
    return merge(
      collection,
      operations.map((op) => touchedByOperation(isRecord(op) ? op : {})),
    );
  }
  if (method === "deleteVectorName") return { collection, all: true };
  if (!isRecord(body)) return { collection, all: true };
  const operation = OPERATION_OF[method];
  if (operation === undefined) return { collection, all: true };
  return { collection, ...touchedByOperation({ [operation]: body }) };
}

/** The client's methods as the `batchUpdate` operations they are. */
const OPERATION_OF: Record<string, string> = {
  upsert: "upsert",
  delete: "delete",
  setPayload: "set_payload",
  overwritePayload: "overwrite_payload",
  deletePayload: "delete_payload",
  clearPayload: "clear_payload",
  updateVectors: "update_vectors",
  deleteVectors: "delete_vectors",
};

function touchedByOperation(op: Record<string, unknown>): Omit<TouchedPoints, "collection"> {
  const [kind, raw] = Object.entries(op)[0] ?? [];
  const body = isRecord(raw) ? raw : {};
  switch (kind) {
    case "upsert":
    case "update_vectors":
      return { ids: upsertedIds(body) };
    case "delete":
    case "clear_payload":
      // `points` is a list of ids or, in the client's shape, a filter selector.
      if (Array.isArray(body.points)) return { ids: body.points.filter(isPointId) };
      return byFilter(isRecord(body.points) ? body.points.filter : body.filter);
    case "set_payload":
    case "overwrite_payload":
    case "delete_payload":
    case "delete_vectors":
      // With both, Qdrant applies the ids and ignores the filter.
      if (Array.isArray(body.points)) return { ids: body.points.filter(isPointId) };
      return byFilter(body.filter);
    default:
      return { all: true };
  }
}

function upsertedIds(body: Record<string, unknown>): PointId[] {
  if (Array.isArray(body.points)) {
    return body.points.flatMap((p) => (isRecord(p) && isPointId(p.id) ? [p.id] : []));
  }
  if (isRecord(body.batch) && Array.isArray(body.batch.ids))
    return body.batch.ids.filter(isPointId);
  return [];
}

function byFilter(filter: unknown): Omit<TouchedPoints, "collection"> {
  // No selector at all: Qdrant refuses the request, so nothing is touched.
  if (filter === undefined) return { ids: [] };
  return isRecord(filter) ? { filter: filter as Schemas["Filter"] } : { all: true };
}

function merge(collection: string, parts: Omit<TouchedPoints, "collection">[]): TouchedPoints {
  if (parts.some((p) => p.all)) return { collection, all: true };
  const ids = parts.flatMap((p) => p.ids ?? []);
  const filters = parts.flatMap((p) => (p.filter ? [p.filter] : []));
  const out: TouchedPoints = { collection, ids };
  if (filters.length > 0) out.filter = filters.length === 1 ? filters[0] : { should: filters };
  return out;
}

function isPointId(value: unknown): value is PointId {
  return typeof value === "string" || (typeof value === "number" && Number.isInteger(value));
}

/**
 * A key under which an id compares equal however Qdrant spelled it (a UUID
 * in any case, with or without dashes, is one point).
 */
export function pointKey(id: PointId): string {
  if (typeof id === "number") return `n:${id}`;
  return `s:${id.replaceAll("-", "").toLowerCase()}`;
}
