import { messageOf } from "../errors.js";
import type { AliasRecord } from "../journal/table-types.js";
import type { QdrantConnection } from "./connect.js";
import { AliasRestoreError } from "./errors.js";

export type { AliasRecord };

type AliasAction =
  | { create_alias: { alias_name: string; collection_name: string } }
  | { delete_alias: { alias_name: string } };

/** Every alias on the server. */
export async function readAliases(conn: QdrantConnection): Promise<AliasRecord[]> {
  const res = await conn.client.getAliases();
  return res.aliases.map((a) => ({ alias: a.alias_name, collection: a.collection_name }));
}

/**
 * Puts the aliases in `scope` back as `before` recorded them: every alias in
 * `scope.aliases`, or that pointed into `scope.collections`, is re-created
 * (create_alias re-points an existing one); aliases that now point into scope
 * but did not exist before are deleted. Sent as one request, then verified,
 * because Qdrant applies the actions of one request one by one and stops at
 * the first failure without undoing the others; what is still wrong is sent
 * again once, then `AliasRestoreError`.
 */
export async function restoreAliases(
  conn: QdrantConnection,
  before: readonly AliasRecord[],
  scope: { aliases: ReadonlySet<string>; collections: ReadonlySet<string> },
): Promise<void> {
  const wanted = new Map<string, string>();
  for (const rec of before) {
    if (scope.aliases.has(rec.alias) || scope.collections.has(rec.collection)) {
      wanted.set(rec.alias, rec.collection);
    }
  }
  const existedBefore = new Set(before.map((rec) => rec.alias));
  const plan = (now: readonly AliasRecord[]): AliasAction[] => {
    const current = new Map(now.map((rec) => [rec.alias, rec.collection]));
    const actions: AliasAction[] = [];
    for (const rec of now) {
      const inScope = scope.aliases.has(rec.alias) || scope.collections.has(rec.collection);
      if (inScope && !existedBefore.has(rec.alias)) {
        actions.push({ delete_alias: { alias_name: rec.alias } });
      }
    }
    for (const [alias, collection] of wanted) {
      if (current.get(alias) !== collection) {
        actions.push({ create_alias: { alias_name: alias, collection_name: collection } });
      }
    }
    return actions;
  };

  const first = plan(await readAliases(conn));
  if (first.length === 0) return;
  let lastError: string | undefined;
  try {
    await conn.client.updateCollectionAliases({ actions: first });
  } catch (error) {
    lastError = messageOf(error);
  }
  // The retry sends each missing action alone, so one that cannot succeed (its
  // collection is gone) does not stop the others.
  for (const action of plan(await readAliases(conn))) {
    try {
      await conn.client.updateCollectionAliases({ actions: [action] });
    } catch (error) {
      lastError = messageOf(error);
    }
  }
  const remaining = plan(await readAliases(conn));
  if (remaining.length > 0) throw new AliasRestoreError(remaining.map(describe), lastError);
}

/**
 * Points the aliases that now point into `created` back where `before` had
 * them, when that collection exists, in one request. Run before `created`
 * is dropped: dropping a collection drops its aliases, and an alias a
 * blue-green switch moved would otherwise be missing until the aliases are
 * restored. Best effort: restoreAliases afterwards checks and finishes.
 */
export async function repointAliasesOff(
  conn: QdrantConnection,
  before: readonly AliasRecord[],
  created: ReadonlySet<string>,
): Promise<void> {
  const { collections } = await conn.client.getCollections();
  const existing = new Set(collections.map((c) => c.name));
  const now = new Map((await readAliases(conn)).map((rec) => [rec.alias, rec.collection]));
  const actions: AliasAction[] = before
    .filter((rec) => {
      const current = now.get(rec.alias);
      return current !== undefined && created.has(current) && existing.has(rec.collection);
    })
    .map((rec) => ({ create_alias: { alias_name: rec.alias, collection_name: rec.collection } }));
  if (actions.length > 0) await conn.client.updateCollectionAliases({ actions }).catch(() => {});
}

function describe(action: AliasAction): string {
  if ("create_alias" in action) {
    const { alias_name, collection_name } = action.create_alias;
    return `alias "${alias_name}" should point to "${collection_name}"`;
  }
  return `alias "${action.delete_alias.alias_name}" should not exist`;
}
