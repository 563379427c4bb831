import { recordOf } from "../collection-schema/collection-schema.js";
import type { MigrationFile } from "../migration/discover.js";
import { readCollectionSchema } from "../qdrant/read-schema.js";
import { UnknownMigrationError } from "./errors.js";
import type { MigrationStatusEntry } from "./history-status.js";
import type { BaselineResult } from "./migrator-types.js";
import type { Runtime } from "./runtime.js";

/**
 * Adopts an existing deployment: stamps the migrations up to `to` applied
 * without running them (no snapshots are recorded, so they cannot be reverted
 * `--from-snapshot`), and records every live collection's config as its
 * schema version. Run holding the lock.
 */
export async function baseline(
  rt: Runtime,
  files: readonly MigrationFile[],
  entries: readonly MigrationStatusEntry[],
  to: string,
): Promise<BaselineResult> {
  if (!files.some((f) => f.name === to)) throw new UnknownMigrationError(to);
  const stamped: string[] = [];
  for (const file of files) {
    if (file.name > to) break;
    if (entries.find((e) => e.name === file.name)?.state === "applied") continue;
    await rt.journal.stamp(file.name, file.checksum);
    stamped.push(file.name);
  }
  const { collections } = await rt.qdrant.client.getCollections();
  const names = collections.map((c) => c.name).sort();
  for (const collection of names) {
    const live = await readCollectionSchema(rt.qdrant, collection);
    if (!live) continue;
    await rt.versions.record({ collectionName: collection, ...recordOf(live), lastMigration: to });
  }
  return { stamped, collections: names };
}
