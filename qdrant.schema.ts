// In your project: import { defineSchema } from "qdrant-migrate/define";
import { defineSchema } from "./src/define.js";

/**
 * The Qdrant schema the example migrations in migrations/ produce, declared:
 * `qdrant-migrate check` fails (exit 6) when they disagree, and after an edit
 * here `qdrant-migrate generate NAME` writes the migration that makes the
 * difference. Settings left out (HNSW, optimizers) are not compared.
 */
const memory = { size: 384, distance: "Cosine" } as const;

export default defineSchema({
  collections: {
    knowledge_base: {
      vectors: { content: { size: 384, distance: "Cosine" } },
      payloadIndexes: { _source_id: "keyword", source: "keyword", topic: "keyword" },
    },
  },
  templates: {
    // One collection per bot (memory_elena, memory_marcus, ...), all alike.
    memory: {
      match: "memory_{bot}",
      vectors: {
        content: memory,
        content_v2: { size: 768, distance: "Cosine" },
        emotion: memory,
        relationship: memory,
        semantic: memory,
      },
      payloadIndexes: {
        content_hash: "integer",
        emotional_context: "keyword",
        memory_type: "keyword",
        semantic_key: "keyword",
        timestamp_unix: "float",
        user_id: "keyword",
      },
    },
  },
});
