import { defineMigration } from "../src/index.js";

/** Named vectors can be added to and removed from a live collection since Qdrant 1.18. */
const IN_PLACE_SINCE: readonly [number, number] = [1, 18];

/**
 * Titles get a column and an embedding of their own: a `title` named vector
 * added in place to `documents`, next to `text`; existing points simply have
 * no title vector until the application writes one.
 */
export default defineMigration({
  description: "documents.title column and a 4-d title vector, added in place",
  collections: ["documents"],
  postgres: {
    async up({ db }) {
      await db.schema.alterTable("documents").addColumn("title", "text").execute();
    },
    async down({ db }) {
      await db.schema.alterTable("documents").dropColumn("title").execute();
    },
  },
  qdrant: {
    async up({ qdrant }) {
      const { version } = await qdrant.versionInfo();
      if (!atLeast(version, IN_PLACE_SINCE)) {
        throw new Error(
          `Qdrant ${version} cannot add a named vector in place (needs ${IN_PLACE_SINCE.join(".")}+); ` +
            "upgrade Qdrant, or copy the points into a new collection behind an alias",
        );
      }
      await qdrant.createVectorName(
        "documents",
        "title",
        { dense: { size: 4, distance: "Cosine" } },
        { wait: true },
      );
    },
    async down({ qdrant }) {
      await qdrant.deleteVectorName("documents", "title", { wait: true });
    },
  },
  async verify({ qdrant }) {
    const { config } = await qdrant.getCollection("documents");
    const vectors = config.params.vectors;
    const title = vectors && "title" in vectors ? vectors.title : undefined;
    if (title?.size !== 4 || title.distance !== "Cosine") {
      throw new Error("collection documents has no 4-d Cosine vector named title");
    }
  },
});

/** Whether a `major.minor[.patch]` version is at least `[major, minor]`; unknown forms pass. */
function atLeast(version: string, [major, minor]: readonly [number, number]): boolean {
  const match = /^v?(\d+)\.(\d+)/.exec(version);
  if (!match) return true;
  const [have, haveMinor] = [Number(match[1]), Number(match[2])];
  return have > major || (have === major && haveMinor >= minor);
}
