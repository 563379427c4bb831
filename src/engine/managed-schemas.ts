import { recordOf } from "../collection-schema/collection-schema.js";
import type { ManagedCollection } from "../declared-schema/managed-collection.js";
import { readCollectionSchema } from "../qdrant/read-schema.js";
import type { Runtime } from "./runtime.js";

/**
 * The collections this project manages (the journal's schema versions, never
 * other projects' on a shared server), as the journal recorded them after the
 * last applied migration, or (`live`) as the server reports them now; one
 * recorded but gone from the server is left out of the live list.
 */
export async function managedSchemas(
  rt: Runtime,
  from: "journal" | "live",
): Promise<ManagedCollection[]> {
  const recorded = await rt.versions.list();
  if (from === "journal") {
    return recorded.map((r) => ({
      name: r.collectionName,
      aliases: r.aliases,
      vectorsConfig: r.vectorsConfig,
      payloadSchema: r.payloadSchema,
      config: r.config,
    }));
  }
  const live: ManagedCollection[] = [];
  for (const r of recorded) {
    const schema = await readCollectionSchema(rt.qdrant, r.collectionName);
    if (schema) live.push({ name: r.collectionName, ...recordOf(schema) });
  }
  return live;
}
