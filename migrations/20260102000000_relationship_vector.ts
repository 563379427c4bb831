import { sql } from "kysely";
import { defineMigration } from "../src/define.js";
import { botCollections } from "./_bots.js";
import { removeAddedVector, vectorSize } from "./_vectors.js";

const DIMENSIONS = 384;

/**
 * How a bot relates to a user gets an embedding of its own, kept in both
 * stores: `user_relationships.relationship_embedding` in Postgres (the source
 * the application recomputes from) and a fourth named vector, `relationship`,
 * in every bot's memory collection. Existing memories keep their points and
 * simply have no `relationship` vector until the application writes one.
 * `ctx.schema.addVector` adds it in place on Qdrant 1.18+; on an older server
 * it copies the memories into a new collection with the vector and switches
 * the bot's alias to it (`memory_<bot>_v2`), which is why 20260101000000
 * created the collections behind aliases.
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
    async up({ db, schema }) {
      for (const collection of await botCollections(db)) {
        await schema.addVector(collection, "relationship", {
          dense: { size: DIMENSIONS, distance: "Cosine" },
        });
      }
    },
    async down(ctx) {
      for (const collection of await botCollections(ctx.db)) {
        await removeAddedVector(ctx, collection, "relationship");
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
