import type { Schemas } from "@qdrant/js-client-rest";
import { reportedIndexOf } from "../collection-schema/payload-index.js";
import { isRecord } from "../util/objects.js";

/**
 * A collection this project manages, as the journal recorded it after the
 * last applied migration (`qdrant_schema_versions`) or as the server reports
 * it now: the same shape either way (`readLiveConfig`'s).
 */
export interface ManagedCollection {
  /** The physical collection name. */
  name: string;
  aliases: readonly string[];
  /** `config.params.vectors`. */
  vectorsConfig: unknown;
  /** Payload indexes by field, without point counts. */
  payloadSchema: unknown;
  /** The rest of `config`: `params` without vectors, hnsw, optimizer, wal, quantization, metadata. */
  config: unknown;
}

/** A managed collection as `GET /collections/{name}` would answer, for the toolkit's comparators. */
export function collectionInfoOf(managed: ManagedCollection): Schemas["CollectionInfo"] {
  const config = isRecord(managed.config) ? managed.config : {};
  const params = isRecord(config.params) ? config.params : {};
  return {
    status: "green",
    optimizer_status: "ok",
    segments_count: 0,
    config: { ...config, params: { ...params, vectors: managed.vectorsConfig } },
    payload_schema: Object.fromEntries(
      Object.entries(isRecord(managed.payloadSchema) ? managed.payloadSchema : {}).flatMap(
        ([field, index]) => (isRecord(index) ? [[field, reportedIndexOf(index)]] : []),
      ),
    ),
  } as unknown as Schemas["CollectionInfo"];
}
