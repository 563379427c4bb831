import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { defineMigration } from "../src/define.js";

/**
 * Moves a knowledge base from ChromaDB to Qdrant, keeping its text and
 * metadata in Postgres. The export is JSON Lines, one page of Chroma's
 * `collection.get(include=["documents", "metadatas", "embeddings"])` per line:
 * `{ids, documents, metadatas, embeddings}`, as this Python writes it:
 *
 *   for offset in range(0, collection.count(), 500):
 *       page = collection.get(limit=500, offset=offset, include=["documents", "metadatas", "embeddings"])
 *       print(json.dumps({k: page[k] for k in ("ids", "documents", "metadatas", "embeddings")}, default=list))
 *
 * Qdrant ids are integers or UUIDs, Chroma's are any string: each is mapped to
 * a name-based UUID (v5), the same on every run, and kept as `chroma_id`.
 */
const EXPORT_FILE = fileURLToPath(new URL("../examples/chroma-export.jsonl", import.meta.url));
const COLLECTION = "knowledge_base";
const DIMENSIONS = 384;
/** The UUID namespace of this import's ids; another import should pick its own. */
const ID_NAMESPACE = "3b241101-e2bb-4255-8caf-4136c566a962";
const BATCH = 64;

interface ChromaRecord {
  chromaId: string;
  id: string;
  document: string;
  metadata: Record<string, unknown>;
  embedding: number[];
}

/** Reads every record of the export, naming the line of anything malformed. */
async function readExport(): Promise<ChromaRecord[]> {
  const lines = (await readFile(EXPORT_FILE, "utf8")).split("\n");
  const records: ChromaRecord[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const where = `${EXPORT_FILE}:${index + 1}`;
    const page = JSON.parse(line) as Record<string, unknown>;
    const { ids, documents, metadatas, embeddings } = page;
    if (!Array.isArray(ids) || !Array.isArray(documents) || !Array.isArray(embeddings)) {
      throw new Error(`${where}: expected arrays ids, documents and embeddings`);
    }
    const metas = Array.isArray(metadatas) ? metadatas : [];
    if (documents.length !== ids.length || embeddings.length !== ids.length) {
      throw new Error(
        `${where}: ${ids.length} ids but ${documents.length} documents and ${embeddings.length} embeddings`,
      );
    }
    for (const [i, chromaId] of ids.entries()) {
      const embedding = embeddings[i] as unknown;
      if (!Array.isArray(embedding) || embedding.length !== DIMENSIONS) {
        throw new Error(
          `${where}: the embedding of ${JSON.stringify(chromaId)} is not ${DIMENSIONS} numbers`,
        );
      }
      records.push({
        chromaId: String(chromaId),
        id: uuidV5(String(chromaId), ID_NAMESPACE),
        document: String(documents[i] ?? ""),
        metadata: (metas[i] as Record<string, unknown> | null) ?? {},
        embedding: embedding as number[],
      });
    }
  }
  return records;
}

/** RFC 4122 name-based UUID (SHA-1): the same name always gives the same id. */
function uuidV5(name: string, namespace: string): string {
  const bytes = createHash("sha1")
    .update(Buffer.from(namespace.replaceAll("-", ""), "hex"))
    .update(name)
    .digest()
    .subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

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
      const records = await readExport();
      for (let i = 0; i < records.length; i += BATCH) {
        await db
          .insertInto("knowledge_documents")
          .values(
            records.slice(i, i + BATCH).map((r) => ({
              id: r.id,
              chroma_id: r.chromaId,
              document: r.document,
              metadata: JSON.stringify(r.metadata),
            })),
          )
          .execute();
      }
    },
    async down({ db }) {
      await db.schema.dropTable("knowledge_documents").execute();
    },
  },
  qdrant: {
    async up({ qdrant, log, signal }) {
      await qdrant.createCollection(COLLECTION, {
        vectors: { content: { size: DIMENSIONS, distance: "Cosine" } },
      });
      for (const field_name of ["chroma_id", "source", "topic"]) {
        await qdrant.createPayloadIndex(COLLECTION, {
          field_name,
          field_schema: "keyword",
          wait: true,
        });
      }
      const records = await readExport();
      for (let i = 0; i < records.length; i += BATCH) {
        signal.throwIfAborted();
        await qdrant.upsert(COLLECTION, {
          wait: true,
          points: records.slice(i, i + BATCH).map((r) => ({
            id: r.id,
            vector: { content: r.embedding },
            payload: { ...r.metadata, chroma_id: r.chromaId, document: r.document },
          })),
        });
      }
      log.info(`imported ${records.length} documents from ${EXPORT_FILE}`);
    },
    async down({ qdrant }) {
      await qdrant.deleteCollection(COLLECTION);
    },
  },
  async verify({ db, qdrant }) {
    const expected = (await readExport()).length;
    const points = (await qdrant.count(COLLECTION, { exact: true })).count;
    const row = await db
      .selectFrom("knowledge_documents")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow();
    const rows = Number(row.n);
    if (points !== expected || rows !== expected) {
      throw new Error(
        `the export has ${expected} documents, but ${COLLECTION} has ${points} points and knowledge_documents ${rows} rows`,
      );
    }
  },
});
