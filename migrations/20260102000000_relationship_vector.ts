import { sql } from "kysely";
import { defineMigration } from "../src/define.js";
import { botCollections } from "./_bots.js";
import { requireInPlaceVectorNames, vectorSize } from "./_in-place-vectors.js";

const DIMENSIONS = 384;

/**
 * How a bot relates to a user gets an embedding of its own, kept in both
 * stores: `user_relationships.relationship_embedding` in Postgres (the source
 * the application recomputes from) and a fourth named vector, `relationship`,
 * in every bot's memory collection. The vector is added in place: existing
 * memories keep their points and simply have no `relationship` vector until
 * the application writes one.
 */
export default defineMigration({
  description: "user_relationships.relationship_embedding and a 384-d relationship vector per bot",
  postgres: {
    async up({ db }) {
      await db.schema
        .alterTable("user_relationships")
        .addColumn("relationship_embedding", sql`real[]`)
        .execute();
    },
    async down({ db }) {
      await db.schema
        .alterTable("user_relationships")
        .dropColumn("relationship_embedding")
        .execute();
    },
  },
  qdrant: {
    async up({ db, qdrant }) {
      await requireInPlaceVectorNames(qdrant);
      for (const collection of await botCollections(db)) {
        await qdrant.createVectorName(
          collection,
          "relationship",
          { dense: { size: DIMENSIONS, distance: "Cosine" } },
          { wait: true },
        );
      }
    },
    async down({ db, qdrant }) {
      for (const collection of await botCollections(db)) {
        await qdrant.deleteVectorName(collection, "relationship", { wait: true });
      }
    },
  },
  async verify({ db, qdrant }) {
    for (const collection of await botCollections(db)) {
      const size = await vectorSize(qdrant, collection, "relationship");
      if (size !== DIMENSIONS) {
        throw new Error(
          `${collection} has no ${DIMENSIONS}-d vector named relationship (size ${size})`,
        );
      }
    }
  },
});
