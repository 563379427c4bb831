import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { defineMigration } from "../src/define.js";
import { importPoints, pointIdFor, readChromaExport, SOURCE_ID_KEY } from "../src/index.js";

/**
 * Moves a knowledge base from ChromaDB to Qdrant, keeping its text and
 * metadata in Postgres. The export is JSON Lines, one page of Chroma's
 * `collection.get(include=["documents", "metadatas", "embeddings"])` per line
 * (the format `readChromaExport` documents).
 *
 * Qdrant ids are integers or UUIDs, Chroma's are any string: each is mapped to
 * a name-based UUID (v5), the same on every run, and kept as `_source_id` in
 * Qdrant and `chroma_id` in Postgres. `importPoints` checks at the end that
 * every id arrived and that sampled points match the export.
 */
const EXPORT_FILE = fileURLToPath(new URL("../examples/chroma-export.jsonl", import.meta.url));
const COLLECTION = "knowledge_base";
const DIMENSIONS = 384;
/** The UUID namespace of this import's ids; another import should pick its own. */
const ID_NAMESPACE = "3b241101-e2bb-4255-8caf-4136c566a962";
const BATCH = 64;

const qdrantId = (chromaId: string | number) => pointIdFor(chromaId, ID_NAMESPACE);
const exportRecords = () => readChromaExport(EXPORT_FILE, { vector: "content" });

export default defineMigration({
  description: "import the ChromaDB export into knowledge_base (Qdrant) and knowledge_documents",
  collections: [COLLECTION],
  postgres: {
    async up({ db }) {
      await db.schema
        .createTable("knowledge_documents")
        // The same id as the document's Qdrant point.
        .addColumn("id", "uuid", (c) => c.primaryKey())
        .addColumn("chroma_id", "text", (c) => c.notNull().unique())
        .addColumn("document", "text", (c) => c.notNull())
        .addColumn("metadata", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .execute();
      let rows: Record<string, unknown>[] = [];
      const insert = async () => {
        if (rows.length > 0) await db.insertInto("knowledge_documents").values(rows).execute();
        rows = [];
      };
      for await (const record of exportRecords()) {
        const { document, ...metadata } = record.payload ?? {};
        rows.push({
          id: qdrantId(record.id),
          chroma_id: String(record.id),
          document: String(document ?? ""),
          metadata: JSON.stringify(metadata),
        });
        if (rows.length >= BATCH) await insert();
      }
      await insert();
    },
    async down({ db }) {
      await db.schema.dropTable("knowledge_documents").execute();
    },
  },
  qdrant: {
    async up(ctx) {
      const { qdrant } = ctx;
      await qdrant.createCollection(COLLECTION, {
        vectors: { content: { size: DIMENSIONS, distance: "Cosine" } },
      });
      for (const field_name of [SOURCE_ID_KEY, "source", "topic"]) {
        await qdrant.createPayloadIndex(COLLECTION, {
          field_name,
          field_schema: "keyword",
          wait: true,
        });
      }
      await importPoints(ctx, COLLECTION, exportRecords(), { idMap: qdrantId, batchSize: BATCH });
    },
    async down({ qdrant }) {
      await qdrant.deleteCollection(COLLECTION);
    },
  },
  // importPoints proved Qdrant against the export; this proves Postgres against Qdrant.
  async verify({ db, qdrant }) {
    const points = (await qdrant.count(COLLECTION, { exact: true })).count;
    const row = await db
      .selectFrom("knowledge_documents")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    const rows = Number(row.n);
    if (points !== rows) {
      throw new Error(`${COLLECTION} has ${points} points but knowledge_documents ${rows} rows`);
    }
  },
});
