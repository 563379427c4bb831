import { sql } from "kysely";
import { defineMigration } from "../src/define.js";
import { botCollections } from "./_bots.js";

/**
 * Each bot keeps its memories in a Qdrant collection of its own
 * (`memory_<bot>`), and its row in Postgres names it. A memory has three 384-d
 * embeddings of the same text: what was said (`content`), how it felt
 * (`emotion`) and what it is about (`semantic`). `bots.content_vector` names
 * the vector the application queries for content, so a later migration can
 * switch models without a deploy (see 20260103000000_content_embedding_v2).
 *
 * Each collection is created behind an alias of the bot's collection name
 * (`memory_<bot>` → `memory_<bot>_v1`), so the application keeps one name
 * while later migrations change the collection the way the server allows:
 * in place on Qdrant 1.18+, by a blue-green copy and alias switch before.
 */
const BOTS = [
  { id: "elena", displayName: "Elena" },
  { id: "marcus", displayName: "Marcus" },
];
const VECTORS = ["content", "emotion", "semantic"] as const;
const DIMENSIONS = 384;
// Created before any point is written, as Qdrant advises, so filtered searches use them at once.
const PAYLOAD_INDEXES = {
  user_id: "keyword",
  memory_type: "keyword",
  timestamp_unix: "float",
  semantic_key: "keyword",
  emotional_context: "keyword",
  content_hash: "integer",
} as const;

export default defineMigration({
  description: "bots and user_relationships tables; a memory_<bot> collection per bot",
  collections: BOTS.map((bot) => `memory_${bot.id}`),
  postgres: {
    async up({ db }) {
      await db.schema
        .createTable("bots")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("display_name", "text", (c) => c.notNull())
        .addColumn("collection_name", "text", (c) => c.notNull().unique())
        .addColumn("embedding_model", "text", (c) => c.notNull().defaultTo("all-MiniLM-L6-v2"))
        .addColumn("content_vector", "text", (c) => c.notNull().defaultTo("content"))
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable("user_relationships")
        .addColumn("bot_id", "text", (c) => c.notNull().references("bots.id").onDelete("cascade"))
        .addColumn("user_id", "text", (c) => c.notNull())
        .addColumn("trust_level", "real", (c) => c.notNull().defaultTo(0))
        .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint("user_relationships_pkey", ["bot_id", "user_id"])
        .execute();
      await db
        .insertInto("bots")
        .values(
          BOTS.map((bot) => ({
            id: bot.id,
            display_name: bot.displayName,
            collection_name: `memory_${bot.id}`,
          })),
        )
        .execute();
    },
    async down({ db }) {
      await db.schema.dropTable("user_relationships").execute();
      await db.schema.dropTable("bots").execute();
    },
  },
  qdrant: {
    async up({ db, schema, log }) {
      for (const collection of await botCollections(db)) {
        const { alias } = await schema.ensureCollection(
          collection,
          {
            vectors: Object.fromEntries(
              VECTORS.map((name) => [name, { size: DIMENSIONS, distance: "Cosine" as const }]),
            ),
            payloadIndexes: PAYLOAD_INDEXES,
          },
          { alias: true },
        );
        log.info(
          `created ${alias.collection} behind the alias ${collection}: vectors ${VECTORS.join(", ")}; ${Object.keys(PAYLOAD_INDEXES).length} payload indexes`,
        );
      }
    },
    async down({ db, qdrant, schema }) {
      for (const collection of await botCollections(db)) {
        // The alias goes (the up created it), then the collection it pointed at.
        const { changed, previous } = await schema.revertAlias(collection);
        if (changed && previous !== null) await qdrant.deleteCollection(previous);
      }
    },
  },
  async verify({ db, qdrant }) {
    for (const collection of await botCollections(db)) {
      const info = await qdrant.getCollection(collection);
      const vectors = Object.keys(info.config.params.vectors ?? {}).sort();
      if (vectors.join() !== [...VECTORS].sort().join()) {
        throw new Error(`${collection} has vectors [${vectors}], expected [${VECTORS}]`);
      }
      for (const [field, type] of Object.entries(PAYLOAD_INDEXES)) {
        const actual = info.payload_schema?.[field]?.data_type;
        if (actual !== type)
          throw new Error(`${collection}.${field} is indexed as ${actual}, expected ${type}`);
      }
    }
  },
});
