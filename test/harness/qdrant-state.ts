import type { QdrantClient } from "@qdrant/js-client-rest";

/**
 * Everything a migration could change in one collection, in a form tests can
 * compare with toEqual: vectors config, payload indexes, every point with its
 * vectors and payload, and the aliases pointing at it.
 */
export async function dumpCollection(client: QdrantClient, name: string) {
  const { exists } = await client.collectionExists(name);
  if (!exists) return null;
  const info = await client.getCollection(name);
  const points: { id: string | number; vector: unknown; payload: unknown }[] = [];
  let offset: string | number | undefined | null;
  do {
    const page = await client.scroll(name, {
      limit: 256,
      with_payload: true,
      with_vector: true,
      ...(offset !== undefined && offset !== null ? { offset } : {}),
    });
    for (const p of page.points) points.push({ id: p.id, vector: p.vector, payload: p.payload });
    offset = page.next_page_offset as string | number | null | undefined;
  } while (offset !== undefined && offset !== null);
  const { aliases } = await client.getCollectionAliases(name);
  const indexes = Object.fromEntries(
    Object.entries(info.payload_schema ?? {}).map(([field, schema]) => [field, schema?.data_type]),
  );
  return {
    vectors: info.config.params.vectors,
    sparseVectors: info.config.params.sparse_vectors ?? null,
    indexes,
    points,
    aliases: aliases.map((a) => a.alias_name).sort(),
  };
}
