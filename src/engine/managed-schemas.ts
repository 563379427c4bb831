import { recordOf } from "../collection-schema/collection-schema.js";
import type { ManagedCollection } from "../declared-schema/managed-collection.js";
import { readCollectionSchema } from "../qdrant/read-schema.js";
import { parseVersion } from "../toolkit/schema/collection-versions.js";
import type { Runtime } from "./runtime.js";

/**
 * The collections this project manages (the journal's schema versions, never
 * other projects' on a shared server), as the journal recorded them after the
 * last applied migration, or (`live`) as the server reports them now; one
 * recorded but gone from the server is left out of the live list. Superseded
 * blue-green versions are left out too (`withoutSuperseded`).
 */
export async function managedSchemas(
  rt: Runtime,
  from: "journal" | "live",
): Promise<ManagedCollection[]> {
  const recorded = await rt.versions.list();
  if (from === "journal") {
    return withoutSuperseded(
      recorded.map((r) => ({
        name: r.collectionName,
        aliases: r.aliases,
        vectorsConfig: r.vectorsConfig,
        payloadSchema: r.payloadSchema,
        config: r.config,
      })),
    );
  }
  const live: ManagedCollection[] = [];
  for (const r of recorded) {
    const schema = await readCollectionSchema(rt.qdrant, r.collectionName);
    if (schema) live.push({ name: r.collectionName, ...recordOf(schema) });
  }
  return withoutSuperseded(live);
}

/**
 * Leaves out a `<name>_v<N>` no alias points at while another version of
 * `<name>` carries the alias `<name>`: a blue-green change keeps the version
 * it replaced for `down` until `collections prune`, and the declared schema
 * describes what the alias serves, not what it served before.
 */
function withoutSuperseded(collections: ManagedCollection[]): ManagedCollection[] {
  const served = new Set(
    collections.flatMap((c) => {
      const version = parseVersion(c.name);
      return version && c.aliases.includes(version.name) ? [version.name] : [];
    }),
  );
  return collections.filter((c) => {
    const version = parseVersion(c.name);
    return !version || !served.has(version.name) || c.aliases.includes(version.name);
  });
}
