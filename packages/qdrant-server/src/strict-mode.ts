import { badRequest } from "./errors.js";
import type { Collection } from "./model.js";

/**
 * Strict mode's request limits, as Qdrant 1.18.1 enforces them when the
 * collection's `strict_mode_config.enabled` is true (checked against the
 * binary): `max_query_limit` caps the `limit` of scroll, query and search,
 * `upsert_max_batchsize` the points of one upsert. Only these two are
 * enforced here.
 */
type LimitKey = "max_query_limit" | "upsert_max_batchsize";

const LABELS: Record<LimitKey, string> = {
  max_query_limit: "limit",
  upsert_max_batchsize: "upsert limit",
};

/** Refuses `value` above the collection's strict-mode `key`, with Qdrant's message. */
export function checkStrictLimit(collection: Collection, key: LimitKey, value: number): void {
  const strict = collection.config.strict_mode_config as Record<string, unknown> | undefined;
  if (strict?.enabled !== true) return;
  const max = strict[key];
  if (typeof max !== "number" || value <= max) return;
  const label = LABELS[key];
  throw badRequest(
    `Limit exceeded ${value} > ${max} for "${label}". Help: Reduce the "${label}" parameter to or below ${max}.`,
  );
}
