import { type CollectionSchema, schemaOf } from "../collection-schema/collection-schema.js";
import type { QdrantConnection } from "./connect.js";
import { QdrantRequestError } from "./errors.js";

/** The live schema of `collection` with its aliases, or undefined when it does not exist. */
export async function readCollectionSchema(
  conn: QdrantConnection,
  collection: string,
): Promise<CollectionSchema | undefined> {
  let info: Awaited<ReturnType<QdrantConnection["client"]["getCollection"]>>;
  try {
    info = await conn.client.getCollection(collection);
  } catch (error) {
    if (error instanceof QdrantRequestError && error.status === 404) return undefined;
    throw error;
  }
  const { aliases } = await conn.client.getCollectionAliases(collection);
  return schemaOf(
    info,
    aliases.map((a) => a.alias_name),
  );
}
