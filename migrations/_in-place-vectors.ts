import type { QdrantClient } from "@qdrant/js-client-rest";

/** Named vectors can be added to and removed from a live collection since Qdrant 1.18. */
const IN_PLACE_SINCE: readonly [number, number] = [1, 18];

/**
 * Fails before any change when the server is too old to add a named vector in
 * place, saying what to do instead. Not a migration: `_` files are skipped.
 */
export async function requireInPlaceVectorNames(qdrant: QdrantClient): Promise<void> {
  const { version } = await qdrant.versionInfo();
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (!match) return;
  const [major, minor] = [Number(match[1]), Number(match[2])];
  const [needMajor, needMinor] = IN_PLACE_SINCE;
  if (major > needMajor || (major === needMajor && minor >= needMinor)) return;
  throw new Error(
    `Qdrant ${version} cannot add a named vector in place (needs ${IN_PLACE_SINCE.join(".")}+); ` +
      "upgrade Qdrant, or copy the points into a new collection behind an alias",
  );
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
