import type { QdrantClient } from "@qdrant/js-client-rest";
import {
  liveIndexSchema,
  type PayloadIndexSchema,
  sameIndex,
} from "../../collection-schema/payload-index.js";
import { PayloadIndexConflictError } from "./errors.js";

/** What a schema operation did: `changed` is false when the state was already the wanted one. */
export interface SchemaChangeResult {
  changed: boolean;
}

/**
 * Creates a payload index on `field` unless one with the same schema exists;
 * one with another schema is refused (`PayloadIndexConflictError`), so a
 * re-run never silently rebuilds an index. Through `client`, the step's
 * tracking client: the engine undoes the creation on rollback.
 */
export async function createPayloadIndex(
  client: QdrantClient,
  collection: string,
  field: string,
  schema: PayloadIndexSchema,
): Promise<SchemaChangeResult> {
  const { payload_schema } = await client.getCollection(collection);
  const live = payload_schema[field];
  if (live) {
    if (sameIndex(live, schema)) return { changed: false };
    throw new PayloadIndexConflictError(collection, field, liveIndexSchema(live), schema);
  }
  await client.createPayloadIndex(collection, {
    field_name: field,
    field_schema: schema,
    wait: true,
  });
  return { changed: true };
}

/** Drops the payload index on `field`; nothing to do when there is none. */
export async function dropPayloadIndex(
  client: QdrantClient,
  collection: string,
  field: string,
): Promise<SchemaChangeResult> {
  const { payload_schema } = await client.getCollection(collection);
  if (!payload_schema[field]) return { changed: false };
  await client.deletePayloadIndex(collection, field, { wait: true });
  return { changed: true };
}
