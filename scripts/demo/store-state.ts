import { createHash } from "node:crypto";
import type { QdrantClient } from "@qdrant/js-client-rest";
import pg from "pg";
import { canonicalJson } from "../../src/util/canonical-json.js";

/** What the demo compares before and after the failing migration, store by store. */
export interface StoreState {
  postgres: { botsColumns: string[]; bots: string; userRelationships: number };
  qdrant: Record<string, { points: number; vectors: string[]; contentDigest: string }>;
}

/** Reads both stores: Postgres's bots and user_relationships, and every point of `collections`. */
export async function captureState(
  databaseUrl: string,
  qdrant: QdrantClient,
  collections: string[],
): Promise<StoreState> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  let postgres: StoreState["postgres"];
  try {
    const columns = await client.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'bots' ORDER BY ordinal_position",
    );
    const bots = await client.query("SELECT * FROM bots ORDER BY id");
    const relationships = await client.query<{ n: string }>(
      "SELECT count(*) AS n FROM user_relationships",
    );
    postgres = {
      botsColumns: columns.rows.map((r) => r.column_name),
      bots: JSON.stringify(bots.rows),
      userRelationships: Number(relationships.rows[0]?.n),
    };
  } finally {
    await client.end();
  }
  const points: StoreState["qdrant"] = {};
  for (const collection of collections) {
    const info = await qdrant.getCollection(collection);
    const { points: all } = await qdrant.scroll(collection, {
      limit: 10_000,
      with_payload: true,
      with_vector: true,
    });
    points[collection] = {
      points: all.length,
      vectors: Object.keys(info.config.params.vectors ?? {}).sort(),
      // Payloads and vectors of every point, so any change to any point shows; keys sorted,
      // as Qdrant 1.15 may give a payload's keys in another order once a segment is optimized.
      contentDigest: createHash("sha256").update(canonicalJson(all)).digest("hex").slice(0, 12),
    };
  }
  return { postgres, qdrant: points };
}

/** One line per part of the state that differs; empty when both stores are as they were. */
export function differences(before: StoreState, after: StoreState): string[] {
  const lines: string[] = [];
  for (const key of Object.keys(before.postgres) as (keyof StoreState["postgres"])[]) {
    if (JSON.stringify(before.postgres[key]) !== JSON.stringify(after.postgres[key])) {
      lines.push(
        `postgres ${key}: ${JSON.stringify(before.postgres[key])} → ${JSON.stringify(after.postgres[key])}`,
      );
    }
  }
  for (const [collection, was] of Object.entries(before.qdrant)) {
    const now = after.qdrant[collection];
    if (JSON.stringify(was) !== JSON.stringify(now)) {
      lines.push(`qdrant ${collection}: ${JSON.stringify(was)} → ${JSON.stringify(now)}`);
    }
  }
  return lines;
}
