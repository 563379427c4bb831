import type { QdrantClient } from "@qdrant/js-client-rest";
import { type CollectionPatch, settingDifferences } from "../../collection-schema/update-body.js";
import type { SchemaDifference } from "./differences.js";
import { SchemaChangeInvalidError } from "./errors.js";
import { patchProblems } from "./update-limits.js";

/** What `updateCollection` changed: `differences` are the settings that differed, all sent. */
export interface UpdateCollectionResult {
  changed: boolean;
  differences: SchemaDifference[];
}

/**
 * Updates settings Qdrant changes in place (HNSW, quantization, optimizers,
 * params, metadata, each vector's HNSW, quantization and on_disk). The patch
 * is checked against Qdrant's limits and the live collection first
 * (`SchemaChangeInvalidError` names every problem, nothing is sent); only
 * the values that differ are sent, and nothing at all when none does.
 */
export async function updateCollection(
  client: QdrantClient,
  collection: string,
  patch: CollectionPatch,
): Promise<UpdateCollectionResult> {
  const info = await client.getCollection(collection);
  const problems = patchProblems(info, patch);
  if (problems.length > 0) throw new SchemaChangeInvalidError(collection, problems);
  const { differences, minimal } = settingDifferences(info, patch);
  if (differences.length === 0) return { changed: false, differences };
  await client.updateCollection(collection, minimal);
  return { changed: true, differences };
}
