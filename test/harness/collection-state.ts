import type { QdrantClient } from "@qdrant/js-client-rest";
import { STAMP_KEY } from "../../src/collection-schema/collection-schema.js";

/** JSON with every object's keys sorted, so equal states print and compare alike. */
export type Canonical =
  | null
  | boolean
  | number
  | string
  | Canonical[]
  | { [key: string]: Canonical };

export interface CollectionState {
  /** The whole `config` of GET /collections/{name}: params (vectors), hnsw, optimizers, quantization, metadata. */
  config: Canonical;
  /** Each payload index: its type and params (not its point count, which Qdrant fills in lazily). */
  payloadIndexes: Canonical;
  /** Every point with its vectors and payload, by id. */
  points: Canonical[];
  /** The aliases pointing at the collection, sorted. */
  aliases: string[];
}

/**
 * Everything a migration could change in one collection, captured so that a
 * restored collection can be checked with `expect(after).toEqual(before)`:
 * collection config and metadata, payload indexes, every point with vectors and
 * payload, and the aliases pointing at it. Objects are canonical (keys sorted),
 * points sorted by id; `null` when the collection does not exist.
 * Run-time figures (status, segment and indexed-vector counts) are left out:
 * they change with background optimisation, not with the collection's content.
 * `withoutStamp` leaves out the schema-version stamp qdrant-migrate writes into
 * `metadata` after every successful run (a `down` included).
 */
export async function captureCollectionState(
  client: QdrantClient,
  name: string,
  options: { withoutStamp?: boolean } = {},
): Promise<CollectionState | null> {
  const { exists } = await client.collectionExists(name);
  if (!exists) return null;
  const info = await client.getCollection(name);
  const metadata: Record<string, unknown> = { ...info.config.metadata };
  if (options.withoutStamp) delete metadata[STAMP_KEY];
  const payloadIndexes = Object.fromEntries(
    Object.entries(info.payload_schema ?? {}).map(([field, schema]) => [
      field,
      { dataType: schema?.data_type, params: schema?.params ?? null },
    ]),
  );
  const points: { id: string | number; vector: unknown; payload: unknown }[] = [];
  let offset: string | number | undefined | null;
  do {
    const page = await client.scroll(name, {
      limit: 256,
      with_payload: true,
      with_vector: true,
      ...(offset !== undefined && offset !== null ? { offset } : {}),
    });
    for (const p of page.points) {
      points.push({ id: p.id, vector: p.vector ?? null, payload: p.payload ?? null });
    }
    offset = page.next_page_offset as string | number | null | undefined;
  } while (offset !== undefined && offset !== null);
  points.sort((a, b) => String(a.id).localeCompare(String(b.id), "en", { numeric: true }));
  const { aliases } = await client.getCollectionAliases(name);
  return {
    config: canonical({
      ...info.config,
      metadata: Object.keys(metadata).length > 0 ? metadata : undefined,
    }),
    payloadIndexes: canonical(payloadIndexes),
    points: points.map(canonical),
    aliases: aliases.map((a) => a.alias_name).sort(),
  };
}

/** `value` as JSON with object keys sorted at every depth. */
export function canonical(value: unknown): Canonical {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(canonical);
  if (typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, canonical(v)]));
  }
  if (typeof value === "number" || typeof value === "string" || typeof value === "boolean") {
    return value;
  }
  return String(value);
}
