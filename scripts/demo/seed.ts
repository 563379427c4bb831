import { createHash } from "node:crypto";
import type { QdrantClient } from "@qdrant/js-client-rest";
import pg from "pg";
import { pseudoEmbedding } from "../../migrations/_pseudo-embedding.js";

const MEMORIES = [
  { type: "fact", emotion: "calm", key: "pets", text: "Sam has a dog called Biscuit" },
  {
    type: "fact",
    emotion: "proud",
    key: "work",
    text: "Sam shipped the billing rewrite last week",
  },
  { type: "preference", emotion: "warm", key: "food", text: "Sam prefers tea to coffee" },
  { type: "event", emotion: "excited", key: "travel", text: "Sam is flying to Lisbon in May" },
  { type: "small_talk", emotion: "neutral", key: "weather", text: "It rained all morning" },
  {
    type: "small_talk",
    emotion: "amused",
    key: "jokes",
    text: "Sam laughed at the pun about vectors",
  },
];

/**
 * What the application would have written by now: memories in each bot's
 * collection (three embeddings each) and a relationship row per bot.
 */
export async function seedBotData(
  databaseUrl: string,
  qdrant: QdrantClient,
  bots: string[],
): Promise<{ memories: number; relationships: number }> {
  const start = Date.UTC(2026, 0, 1) / 1000;
  for (const bot of bots) {
    await qdrant.upsert(`memory_${bot}`, {
      wait: true,
      points: MEMORIES.map((m, i) => {
        const content = `${bot}: ${m.text}`;
        return {
          id: i + 1,
          vector: {
            content: pseudoEmbedding(content, 384, "all-MiniLM-L6-v2"),
            emotion: pseudoEmbedding(m.emotion, 384, "all-MiniLM-L6-v2"),
            semantic: pseudoEmbedding(m.key, 384, "all-MiniLM-L6-v2"),
          },
          payload: {
            content,
            user_id: "sam",
            memory_type: m.type,
            timestamp_unix: start + i * 3600,
            semantic_key: m.key,
            emotional_context: m.emotion,
            content_hash: createHash("sha256").update(content).digest().readUInt32BE(0),
          },
        };
      }),
    });
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const bot of bots) {
      await client.query(
        "INSERT INTO user_relationships (bot_id, user_id, trust_level) VALUES ($1, 'sam', 0.8)",
        [bot],
      );
    }
  } finally {
    await client.end();
  }
  return { memories: MEMORIES.length * bots.length, relationships: bots.length };
}
