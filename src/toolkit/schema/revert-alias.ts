import type { Schemas } from "@qdrant/js-client-rest";
import type { ToolkitContext } from "../toolkit-context.js";
import { AliasRevertError, AliasSwitchError } from "./errors.js";

export interface RevertAliasResult {
  /** False when the alias already was as the `up` found it: nothing was sent. */
  changed: boolean;
  alias: string;
  /** The collection the alias pointed at before this call (`null`: no such alias). */
  previous: string | null;
  /** The collection it points at now, as before the `up` (`null`: the `up` created the alias, so it is gone). */
  collection: string | null;
}

/**
 * In a `down` step: puts alias `alias` back where it pointed before the `up`
 * of this same migration changed it, as that `up` journaled it
 * (`applied_changes`), so a `down` never has to guess which version its `up`
 * switched from (after up → down → up the previous version is not
 * "current minus one"). An alias the `up` created is deleted. One alias
 * request, read back. Refuses (`AliasRevertError`) in an `up` step, when the
 * `up` recorded no change of the alias, when the collection recorded is gone,
 * and when the `up` replaced a physical collection of that name by the alias
 * (`adoptPhysical`: only `down --from-snapshot` can bring that back).
 */
export async function revertAlias(ctx: ToolkitContext, alias: string): Promise<RevertAliasResult> {
  const refuse = (problem: string) => new AliasRevertError(alias, ctx.migration.name, problem);
  if (ctx.migration.direction !== "down") {
    throw refuse("it belongs in a down step, which reverts what this migration's up recorded");
  }
  const up = ctx.recordedUp;
  if (!up?.aliasesBefore || !up.changedAliases.includes(alias)) {
    throw refuse(
      up
        ? `the up of ${ctx.migration.name} recorded no change of the alias "${alias}", so there is nothing to switch back to`
        : `the up of ${ctx.migration.name} recorded nothing (it was baselined, not run), so there is nothing to switch back to`,
    );
  }
  const before = up.aliasesBefore.find((a) => a.alias === alias)?.collection ?? null;
  if (before === null && up.snapshotted.includes(alias)) {
    throw refuse(
      `the up replaced the physical collection "${alias}" by the alias (adoptPhysical); ` +
        "an alias request cannot bring the collection back: revert with `down --from-snapshot`",
    );
  }
  const current =
    (await ctx.qdrant.getAliases()).aliases.find((a) => a.alias_name === alias)?.collection_name ??
    null;
  if (current === before) return { changed: false, alias, previous: current, collection: before };
  if (before !== null && !(await ctx.qdrant.collectionExists(before)).exists) {
    throw refuse(
      `the collection "${before}" it pointed at before the up is gone (pruned or dropped); ` +
        "revert with `down --from-snapshot`, or point the alias yourself",
    );
  }
  // create_alias re-points an existing alias, so one action switches it back.
  const action: Schemas["AliasOperations"] =
    before === null
      ? { delete_alias: { alias_name: alias } }
      : { create_alias: { alias_name: alias, collection_name: before } };
  await ctx.qdrant.updateCollectionAliases({ actions: [action] });
  const result = { changed: true, alias, previous: current, collection: before };
  // `--dry-run`: the request was only described, so there is nothing to read back.
  if (ctx.engine?.dryRun) return result;
  const now =
    (await ctx.qdrant.getAliases()).aliases.find((a) => a.alias_name === alias)?.collection_name ??
    null;
  if (now !== before) throw new AliasSwitchError(alias, before ?? undefined, now ?? undefined);
  ctx.log.info(
    before === null
      ? `alias ${alias} deleted (the up created it)`
      : `alias ${alias} points at ${before} again (was ${current ?? "absent"})`,
  );
  return result;
}
