import { sql } from "kysely";
import { defineMigration } from "../src/index.js";

/**
 * Documents live in both stores under one id: the row (text, tenant) in
 * Postgres, the embedding in Qdrant, filtered by tenant through a payload index.
 */
export default defineMigration({
  description: "documents table and collection: a 4-d text vector and a tenant index",
  collections: ["documents"],
  postgres: {
    async up({ db }) {
      await db.schema
        .createTable("documents")
        // The same id as the document's Qdrant point.
        .addColumn("id", "bigint", (c) => c.primaryKey())
        .addColumn("tenant", "text", (c) => c.notNull())
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createIndex("documents_tenant_idx")
        .on("documents")
        .column("tenant")
        .execute();
    },
    async down({ db }) {
      await db.schema.dropTable("documents").execute();
    },
  },
  qdrant: {
    async up({ qdrant }) {
      await qdrant.createCollection("documents", {
        vectors: { text: { size: 4, distance: "Cosine" } },
      });
      // Created before any upload, as Qdrant advises, so filtered searches use it from the start.
      await qdrant.createPayloadIndex("documents", {
        field_name: "tenant",
        field_schema: "keyword",
        wait: true,
      });
    },
    async down({ qdrant }) {
      await qdrant.deleteCollection("documents");
    },
  },
  async verify({ qdrant }) {
    const info = await qdrant.getCollection("documents");
    if (info.payload_schema?.tenant?.data_type !== "keyword") {
      throw new Error("collection documents has no keyword index on tenant");
    }
  },
});
