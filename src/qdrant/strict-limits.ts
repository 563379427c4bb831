import type { Schemas } from "@qdrant/js-client-rest";
import { isRecord } from "../util/objects.js";

/**
 * A strict-mode limit of a collection, or no limit when strict mode is off:
 * Qdrant refuses a larger page or batch with 403.
 */
export function strictLimit(
  info: Schemas["CollectionInfo"],
  key: "max_query_limit" | "upsert_max_batchsize",
): number {
  const strict = info.config.strict_mode_config;
  if (!isRecord(strict) || strict.enabled !== true) return Number.POSITIVE_INFINITY;
  const limit = strict[key];
  return typeof limit === "number" && limit >= 1 ? limit : Number.POSITIVE_INFINITY;
}
