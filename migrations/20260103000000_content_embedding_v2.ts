import { defineMigration } from "../src/define.js";
import { botCollections } from "./_bots.js";
import { pseudoEmbedding } from "./_pseudo-embedding.js";
import { removeAddedVector, vectorSize } from "./_vectors.js";

const OLD = { vector: "content", model: "all-MiniLM-L6-v2" };
const NEW = { vector: "content_v2", model: "bge-base-en-v1.5", dimensions: 768 };
// Qdrant's advice for bulk writes: batches of 64 to 256 points.
const BATCH = 64;

/**
 * A new embedding model with zero downtime: the new model's vectors go in a
 * new named vector beside the old one (a different size cannot replace it in
 * place; `ctx.schema.addVector` adds it in place on Qdrant 1.18+, by a
 * blue-green copy behind the bot's alias before), every memory is backfilled,
 * then `bots.content_vector` switches the
 * application over. The switch is this migration's Postgres change, which
 * commits only after the backfill and `verify`: until then the application
 * keeps querying `content`, and a failure anywhere leaves it there.
 * Deploy writers that fill both vectors first, or memories written during
 * the backfill fail `verify` (and the migration rolls back; run it again).
 * Drop `content` in a later migration, once nothing reads it.
 */
export default defineMigration({
  description: `backfill ${NEW.vector} (${NEW.model}, ${NEW.dimensions}-d) and switch bots to it`,
  // A backfill of millions of points takes time; stop and roll back rather than hang a deploy.
  timeoutMs: 30 * 60_000,
  postgres: {
    async up({ db }) {
      await db
        .updateTable("bots")
        .set({ content_vector: NEW.vector, embedding_model: NEW.model })
        .execute();
    },
    async down({ db }) {
      await db
        .updateTable("bots")
        .set({ content_vector: OLD.vector, embedding_model: OLD.model })
        .execute();
    },
  },
  qdrant: {
    async up({ db, qdrant, schema, log, signal }) {
      for (const collection of await botCollections(db)) {
        await schema.addVector(collection, NEW.vector, {
          dense: { size: NEW.dimensions, distance: "Cosine" },
        });
        let offset: string | number | undefined;
        let done = 0;
        do {
          signal.throwIfAborted();
          const page = await qdrant.scroll(collection, {
            limit: BATCH,
            offset,
            with_payload: ["content"],
            with_vector: false,
          });
          if (page.points.length > 0) {
            await qdrant.updateVectors(collection, {
              wait: true,
              points: page.points.map((point) => ({
                id: point.id,
                vector: {
                  [NEW.vector]: pseudoEmbedding(
                    String(point.payload?.content ?? ""),
                    NEW.dimensions,
                    NEW.model,
                  ),
                },
              })),
            });
          }
          done += page.points.length;
          const next = page.next_page_offset;
          offset = typeof next === "string" || typeof next === "number" ? next : undefined;
        } while (offset !== undefined);
        log.info(`${collection}: backfilled ${NEW.vector} for ${done} memories`);
      }
    },
    async down(ctx) {
      for (const collection of await botCollections(ctx.db)) {
        await removeAddedVector(ctx, collection, NEW.vector);
      }
    },
  },
  async verify({ db, qdrant }) {
    for (const collection of await botCollections(db)) {
      const size = await vectorSize(qdrant, collection, NEW.vector);
      if (size !== NEW.dimensions) {
        throw new Error(`${collection} has no ${NEW.dimensions}-d vector ${NEW.vector}`);
      }
      const total = (await qdrant.count(collection, { exact: true })).count;
      const filled = (
        await qdrant.count(collection, {
          exact: true,
          filter: { must: [{ has_vector: NEW.vector }] },
        })
      ).count;
      if (filled !== total) {
        throw new Error(
          `${collection}: ${total - filled} of ${total} memories have no ${NEW.vector} vector ` +
            "(written during the backfill by a writer that fills only the old vector?)",
        );
      }
    }
    const stale = await db
      .selectFrom("bots")
      .select("id")
      .where("content_vector", "!=", NEW.vector)
      .execute();
    if (stale.length > 0) {
      throw new Error(`bots ${stale.map((b) => String(b.id))} were not switched to ${NEW.vector}`);
    }
  },
});
