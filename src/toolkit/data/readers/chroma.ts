import type { Schemas } from "@qdrant/js-client-rest";
import { isPlainObject } from "../../../util/objects.js";
import { SourceRecordError } from "../errors.js";
import type { SourcePoint } from "../import-points.js";
import { jsonLines, sourceId, vectorStruct } from "./jsonl.js";

export interface ChromaReadOptions {
  /** The named vector the embeddings go to; unnamed (the collection's single vector) by default. */
  vector?: string;
}

/**
 * Points from a ChromaDB export in JSON Lines. Each line is either
 *
 * - a page as `collection.get(include=["documents", "metadatas", "embeddings"])`
 *   returns it: `{"ids": [..], "documents": [..], "metadatas": [..], "embeddings": [..]}`,
 *   the lists aligned with `ids` (`documents` and `metadatas` may be absent or
 *   hold `null`s; other keys, such as `included` or `uris`, are ignored), or
 * - one record: `{"id": "..", "document": "..", "metadata": {..}, "embedding": [..]}`.
 *
 * Each record becomes a point whose vector is its embedding and whose payload
 * is its metadata plus `document` (the text). Every record needs an embedding.
 * Chroma's string ids are mapped to UUIDs by `importPoints`, which keeps the
 * original as `_source_id`. The Python that writes such a file, a page per line:
 *
 *     for offset in range(0, collection.count(), 500):
 *         page = collection.get(limit=500, offset=offset,
 *                               include=["documents", "metadatas", "embeddings"])
 *         print(json.dumps({k: page[k] for k in ("ids", "documents", "metadatas", "embeddings")},
 *                          default=list))
 */
export async function* readChromaExport(
  path: string,
  options: ChromaReadOptions = {},
): AsyncGenerator<SourcePoint> {
  for await (const { value, origin } of jsonLines(path)) {
    if (Array.isArray(value.ids)) {
      yield* pageRecords(value, origin, options);
    } else if ("id" in value) {
      yield record(value.id, value.document, value.metadata, value.embedding, origin, options);
    } else {
      throw new SourceRecordError(
        origin,
        'expected a page {"ids": [..], "embeddings": [..], ...} or a record {"id": .., "embedding": [..], ...}',
      );
    }
  }
}

function* pageRecords(
  page: Record<string, unknown>,
  origin: string,
  options: ChromaReadOptions,
): Generator<SourcePoint> {
  const ids = page.ids as unknown[];
  const column = (name: string, required: boolean): unknown[] | undefined => {
    const values = page[name];
    if (values === undefined || values === null) {
      if (required) throw new SourceRecordError(origin, `the page has no "${name}"`);
      return undefined;
    }
    if (!Array.isArray(values) || values.length !== ids.length) {
      throw new SourceRecordError(
        origin,
        `"${name}" must be a list as long as "ids" (${ids.length}), got ${Array.isArray(values) ? values.length : typeof values}`,
      );
    }
    return values;
  };
  const documents = column("documents", false);
  const metadatas = column("metadatas", false);
  const embeddings = column("embeddings", true);
  for (const [i, id] of ids.entries()) {
    yield record(id, documents?.[i], metadatas?.[i], embeddings?.[i], `${origin} [${i}]`, options);
  }
}

function record(
  id: unknown,
  document: unknown,
  metadata: unknown,
  embedding: unknown,
  origin: string,
  options: ChromaReadOptions,
): SourcePoint {
  const sid = sourceId(id, origin);
  if (embedding === undefined || embedding === null) {
    throw new SourceRecordError(origin, `${JSON.stringify(sid)} has no embedding`);
  }
  if (document !== undefined && document !== null && typeof document !== "string") {
    throw new SourceRecordError(origin, `the document of ${JSON.stringify(sid)} is not text`);
  }
  if (metadata !== undefined && metadata !== null && !isPlainObject(metadata)) {
    throw new SourceRecordError(origin, `the metadata of ${JSON.stringify(sid)} is not an object`);
  }
  const dense = vectorStruct(embedding, origin);
  if (!Array.isArray(dense)) {
    throw new SourceRecordError(
      origin,
      `the embedding of ${JSON.stringify(sid)} is not a list of numbers`,
    );
  }
  const vector: Schemas["VectorStruct"] =
    options.vector === undefined ? dense : { [options.vector]: dense };
  const payload: Record<string, unknown> = isPlainObject(metadata) ? { ...metadata } : {};
  if (typeof document === "string") payload.document = document;
  return { id: sid, vector, payload, origin };
}
