import { parseVersion } from "../toolkit/schema/collection-versions.js";
import type { PrunedCollections } from "./migrator-types.js";
import type { Runtime } from "./runtime.js";

/**
 * `collections prune`: the old physical versions `<name>_v<N>` that
 * blue-green changes left behind. Only collections this project's
 * migrations created (the created-objects ledger, every attempt's) and only versions
 * of a name that is an alias now (so an app addressing `docs_v1` by its own
 * name is never touched); of those, every version an alias points at is
 * kept, the version the last applied migration that moved the alias would
 * point it back at (even with `keep` 0), and the newest `keep` unaliased ones. With `dryRun` nothing is deleted. Run
 * holding the lock, unless `dryRun`.
 */
export async function pruneCollectionVersions(
  rt: Runtime,
  keep: number,
  dryRun: boolean,
): Promise<PrunedCollections[]> {
  // Every collection any attempt of this project's migrations created: a
  // migration's row forgets those of its earlier attempts (up, down, up
  // again leaves a `_v2` no row names), the ledger does not.
  const created = await rt.ledger.collections();
  // Per alias, the collection the last applied migration that moved it points
  // it back at on `down --from-snapshot`: kept even with `keep` 0. (The rows
  // are listed by name, so a later migration's record wins.)
  const backTo = new Map<string, { collection: string; migration: string }>();
  for (const record of await rt.journal.list()) {
    if (record.status !== "applied" || !record.appliedChanges) continue;
    const { aliasesBefore, changedAliases } = record.appliedChanges;
    for (const alias of aliasesBefore ?? []) {
      if (changedAliases.includes(alias.alias)) {
        backTo.set(alias.alias, { collection: alias.collection, migration: record.name });
      }
    }
  }
  const needed = new Map([...backTo.values()].map((b) => [b.collection, b.migration]));
  const { client } = rt.qdrant;
  const [{ collections }, { aliases }] = await Promise.all([
    client.getCollections(),
    client.getAliases(),
  ]);
  const aliasNames = new Set(aliases.map((a) => a.alias_name));
  const aliased = new Set(aliases.map((a) => a.collection_name));

  const groups = new Map<string, { collection: string; version: number }[]>();
  for (const { name: collection } of collections) {
    const parsed = parseVersion(collection);
    if (!parsed || !created.has(collection) || !aliasNames.has(parsed.name)) continue;
    const group = groups.get(parsed.name) ?? [];
    group.push({ collection, version: parsed.version });
    groups.set(parsed.name, group);
  }

  const out: PrunedCollections[] = [];
  for (const [name, versions] of [...groups].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const result: PrunedCollections = { name, deleted: [], kept: [] };
    let unaliasedKept = 0;
    for (const { collection } of versions.sort((a, b) => b.version - a.version)) {
      const neededBy = needed.get(collection);
      if (aliased.has(collection)) {
        result.kept.push({ collection, reason: "aliased" });
      } else if (neededBy !== undefined) {
        unaliasedKept++;
        result.kept.push({ collection, reason: "needed", neededBy });
      } else if (unaliasedKept < keep) {
        unaliasedKept++;
        result.kept.push({ collection, reason: "newest" });
      } else if (!dryRun && (await aliasedNow(rt, collection))) {
        result.kept.push({ collection, reason: "aliased" });
      } else {
        if (!dryRun) {
          await client.deleteCollection(collection);
          await rt.ledger.forgetCollection("collection", collection);
        }
        result.deleted.push(collection);
      }
    }
    out.push(result);
  }
  return out;
}

/** Asked again right before a delete: an alias may have been created since the list was read. */
async function aliasedNow(rt: Runtime, collection: string): Promise<boolean> {
  const { aliases } = await rt.qdrant.client.getCollectionAliases(collection);
  return aliases.length > 0;
}
