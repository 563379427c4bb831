import type { QdrantClient } from "@qdrant/js-client-rest";
import type { StepContext } from "../src/define.js";

/** Named vectors can be added to and removed from a live collection since Qdrant 1.18. */
const IN_PLACE_SINCE: readonly [number, number] = [1, 18];

/** Whether the server adds and removes named vectors in place (1.18+), as `ctx.schema.addVector` decides. */
async function inPlaceVectorNames(qdrant: QdrantClient): Promise<boolean> {
  const { version } = await qdrant.versionInfo();
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (!match) return true;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const [needMajor, needMinor] = IN_PLACE_SINCE;
  return major > needMajor || (major === needMajor && minor >= needMinor);
}

/**
 * The `down` of `ctx.schema.addVector(alias, vectorName, …)`: on 1.18+ the
 * `up` added the vector in place, so it is removed in place; before, the `up`
 * made a blue-green change, so the alias goes back to the collection it
 * pointed at (as the `up` journaled it) and the collection the `up` created
 * is dropped. Qdrant cannot be downgraded, so a `down` never meets an older
 * server than its `up` did; after an upgrade in between, the vector is
 * removed in place from the collection the `up` made. Not a migration: `_`
 * files are skipped.
 */
export async function removeAddedVector(
  ctx: StepContext,
  alias: string,
  vectorName: string,
): Promise<void> {
  if (await inPlaceVectorNames(ctx.qdrant)) {
    await ctx.schema.removeVector(alias, vectorName);
    return;
  }
  const reverted = await ctx.schema.revertAlias(alias);
  if (reverted.changed && reverted.previous !== null) {
    await ctx.qdrant.deleteCollection(reverted.previous);
  }
}

/** The size of a collection's named dense vector, or undefined when it has none by that name. */
export async function vectorSize(
  qdrant: QdrantClient,
  collection: string,
  name: string,
): Promise<number | undefined> {
  const { config } = await qdrant.getCollection(collection);
  const vectors = config.params.vectors;
  if (!vectors || !(name in vectors)) return undefined;
  const params = (vectors as Record<string, { size?: number } | undefined>)[name];
  return params?.size;
}
