import { type CollectionSchema, schemaFromRecord } from "../collection-schema/collection-schema.js";
import { describeChange, diffSchemas } from "../collection-schema/diff-schemas.js";
import { readCollectionSchema } from "../qdrant/read-schema.js";
import type { DriftEntry } from "./migrator-types.js";
import type { Runtime } from "./runtime.js";

/**
 * Each recorded collection whose live schema in Qdrant differs from what the
 * journal recorded; of its aliases, only those `isManaged` accepts are compared.
 */
export async function findDrift(
  rt: Runtime,
  isManaged: (alias: string) => boolean,
): Promise<DriftEntry[]> {
  const drift: DriftEntry[] = [];
  for (const recorded of await rt.versions.list()) {
    const live = await readCollectionSchema(rt.qdrant, recorded.collectionName);
    const managed = (s: CollectionSchema) => ({ ...s, aliases: s.aliases.filter(isManaged) });
    const differences = live
      ? diffSchemas(managed(schemaFromRecord(recorded)), managed(live)).map(describeChange)
      : ["collection is recorded but does not exist in Qdrant"];
    if (differences.length > 0) drift.push({ collection: recorded.collectionName, differences });
  }
  return drift;
}
