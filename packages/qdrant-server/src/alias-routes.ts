import { isRecord } from "./collections-store.js";
import { alreadyExists, collectionNotFound, formatError, notFound } from "./errors.js";
import { ok, type Router } from "./http.js";
import type { ServerContext } from "./server-context.js";
import { assertValidName, queryTimeout } from "./validation.js";

type AliasAction =
  | { create_alias: { collection_name: string; alias_name: string } }
  | { delete_alias: { alias_name: string } }
  | { rename_alias: { old_alias_name: string; new_alias_name: string } };

/**
 * Aliases (toc/collection_meta_ops.rs update_aliases). The actions of one
 * request run in order with nothing interleaved, but each takes effect at once
 * and a failing action returns early without undoing the earlier ones.
 */
export function registerAliasRoutes(router: Router, ctx: ServerContext): void {
  const { state } = ctx;

  router.add(
    "POST",
    "/collections/aliases",
    (req) => {
      queryTimeout(req.query);
      const actions = readActions(req.json());
      for (const action of actions) {
        if ("create_alias" in action) {
          const { collection_name, alias_name } = action.create_alias;
          if (!state.collections.has(collection_name)) throw collectionNotFound(collection_name);
          if (state.collections.has(alias_name)) {
            throw alreadyExists(`Collection \`${alias_name}\` already exists!`);
          }
          // An existing alias is re-pointed silently: one action swaps it.
          state.aliases.set(alias_name, collection_name);
        } else if ("delete_alias" in action) {
          state.aliases.delete(action.delete_alias.alias_name);
        } else {
          const { old_alias_name, new_alias_name } = action.rename_alias;
          const target = state.aliases.get(old_alias_name);
          if (target === undefined) throw notFound(`Alias ${old_alias_name} does not exists!`);
          state.aliases.delete(old_alias_name);
          state.aliases.set(new_alias_name, target);
        }
      }
      return ok(true);
    },
    { mutates: true },
  );

  router.add("GET", "/aliases", () => ok({ aliases: describe(state.aliases) }));

  router.add("GET", "/collections/{collection_name}/aliases", (req) => {
    const name = req.params.collection_name as string;
    assertValidName(name, false);
    const matching = new Map([...state.aliases].filter(([, target]) => target === name));
    return ok({ aliases: describe(matching) });
  });
}

function describe(aliases: Map<string, string>) {
  return [...aliases].map(([alias_name, collection_name]) => ({ alias_name, collection_name }));
}

/** ChangeAliasesOperation as serde reads it: every action must be well-formed first. */
function readActions(body: unknown): AliasAction[] {
  if (!isRecord(body) || !Array.isArray(body.actions)) {
    throw formatError("missing field `actions`");
  }
  const untagged = formatError("data did not match any variant of untagged enum AliasOperations");
  const strings = (value: unknown, ...keys: string[]) =>
    isRecord(value) && keys.every((k) => typeof value[k] === "string");
  return body.actions.map((action: unknown): AliasAction => {
    if (!isRecord(action)) throw untagged;
    if (strings(action.create_alias, "collection_name", "alias_name")) {
      return {
        create_alias: action.create_alias as { collection_name: string; alias_name: string },
      };
    }
    if (strings(action.delete_alias, "alias_name")) {
      return { delete_alias: action.delete_alias as { alias_name: string } };
    }
    if (strings(action.rename_alias, "old_alias_name", "new_alias_name")) {
      return {
        rename_alias: action.rename_alias as { old_alias_name: string; new_alias_name: string },
      };
    }
    throw untagged;
  });
}
