import { sql } from "kysely";
import { defineMigration } from "../../src/define.js";

/**
 * The demo's deliberately failing migration: it changes both stores (a new
 * column and rewritten rows in Postgres; deleted and rewritten memories in
 * Qdrant), then its `verify` fails, so the demo can show both stores put
 * back as they were. Not one of the examples: it lives outside migrations/.
 */
export default defineMigration({
  description: "demo: change both stores, then fail verify",
  collections: ["memory_elena"],
  postgres: {
    async up({ db, log }) {
      await db.schema.alterTable("bots").addColumn("persona", "text").execute();
      await db
        .updateTable("bots")
        .set({ persona: sql`'rewritten by the failing migration'` })
        .execute();
      const deleted = await db.deleteFrom("user_relationships").executeTakeFirst();
      log.info(
        `[postgres] added bots.persona, deleted ${deleted.numDeletedRows} user_relationships rows`,
      );
    },
    async down({ db }) {
      await db.schema.alterTable("bots").dropColumn("persona").execute();
    },
  },
  qdrant: {
    async up({ qdrant, log }) {
      const smallTalk = { must: [{ key: "memory_type", match: { value: "small_talk" } }] };
      const { count } = await qdrant.count("memory_elena", { exact: true, filter: smallTalk });
      await qdrant.delete("memory_elena", { wait: true, filter: smallTalk });
      await qdrant.setPayload("memory_elena", {
        wait: true,
        filter: {},
        payload: { emotional_context: "overwritten" },
      });
      log.info(
        `[qdrant] deleted ${count} small_talk memories from memory_elena, overwrote emotional_context on the rest`,
      );
    },
    async down() {},
  },
  async verify() {
    throw new Error("deliberate failure in verify, to show the rollback");
  },
});
