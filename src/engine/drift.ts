import { compareConfig, readLiveConfig } from "../qdrant/live-config.js";
import type { DriftEntry } from "./migrator-types.js";
import type { Runtime } from "./runtime.js";

/**
 * Each recorded collection whose live config in Qdrant differs from what the
 * journal recorded; of its aliases, only those `isManaged` accepts are compared.
 */
export async function findDrift(
  rt: Runtime,
  isManaged: (alias: string) => boolean,
): Promise<DriftEntry[]> {
  const drift: DriftEntry[] = [];
  for (const recorded of await rt.versions.list()) {
    const live = await readLiveConfig(rt.qdrant, recorded.collectionName);
    const differences = live
      ? compareConfig(
          {
            vectorsConfig: recorded.vectorsConfig,
            payloadSchema: recorded.payloadSchema,
            config: recorded.config,
            aliases: recorded.aliases.filter(isManaged),
          },
          { ...live, aliases: live.aliases.filter(isManaged) },
        )
      : ["collection is recorded but does not exist in Qdrant"];
    if (differences.length > 0) drift.push({ collection: recorded.collectionName, differences });
  }
  return drift;
}
