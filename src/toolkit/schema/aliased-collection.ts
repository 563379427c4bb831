import type { QdrantClient } from "@qdrant/js-client-rest";
import type { CollectionSpec } from "../../collection-schema/create-body.js";
import type { ServerVersion } from "../../collection-schema/server-version.js";
import type { DryRunRecorder } from "../../qdrant/dry-client.js";
import { versionName } from "./collection-versions.js";
import { type EnsureCollectionResult, ensureCollection } from "./ensure-collection.js";
import { AliasSwitchError, CollectionNotAliasedError } from "./errors.js";

/** `ensureCollection`'s result with `{ alias: true }`: also where the alias points. */
export interface EnsureAliasedResult extends EnsureCollectionResult {
  alias: {
    name: string;
    /** The physical collection behind it, `<name>_v1` when this call made it. */
    collection: string;
    /** True when this call created the alias. */
    created: boolean;
  };
}

/**
 * `ensureCollection(name, spec, { alias: true })`: a collection born behind
 * the alias `name`, as blue-green changes expect it (`name` → `<name>_v1`,
 * the next change makes `<name>_v2`). When the alias exists, the collection
 * it points at is brought to the spec like any existing one. Otherwise
 * `<name>_v1` is ensured (created, or, when an interrupted run left it,
 * finished) and the alias created in one request and read back. Both go
 * through the tracked client, so a rollback deletes the alias and drops the
 * collection it created. A physical collection `name` is refused
 * (`CollectionNotAliasedError`): an alias cannot share its name.
 */
export async function ensureAliasedCollection(
  client: QdrantClient,
  version: ServerVersion,
  name: string,
  spec: CollectionSpec,
  /** Under `--dry-run`, where `client`'s writes are only described. */
  dryRun?: DryRunRecorder,
): Promise<EnsureAliasedResult> {
  const existing = (await client.getAliases()).aliases.find((a) => a.alias_name === name);
  if (existing) {
    const result = await ensureCollection(client, version, existing.collection_name, spec, dryRun);
    return { ...result, alias: { name, collection: existing.collection_name, created: false } };
  }
  const { collections } = await client.getCollections();
  if (collections.some((c) => c.name === name)) {
    throw new CollectionNotAliasedError(
      name,
      `ensureCollection("${name}", spec, { alias: true }) needs the alias "${name}": ` +
        `convert the collection first, with blueGreen("${name}", {}, { adoptPhysical: true })`,
    );
  }
  const target = versionName(name, 1);
  const result = await ensureCollection(client, version, target, spec, dryRun);
  await client.updateCollectionAliases({
    actions: [{ create_alias: { alias_name: name, collection_name: target } }],
  });
  const done = { ...result, changed: true, alias: { name, collection: target, created: true } };
  // `--dry-run`: the alias was only described, so there is nothing to read back.
  if (dryRun) return done;
  const now = (await client.getAliases()).aliases.find((a) => a.alias_name === name);
  if (now?.collection_name !== target) {
    throw new AliasSwitchError(name, target, now?.collection_name);
  }
  return done;
}
