import type { Schemas } from "@qdrant/js-client-rest";
import { isSingleVector, namedVectorsOf } from "../collection-schema/live-vectors.js";
import { payloadSchemaOf, type RecordedPayloadIndex } from "../collection-schema/payload-index.js";
import { updateBodyOf } from "../collection-schema/update-body.js";
import { isRecord } from "../util/objects.js";
import type { QdrantConnection } from "./connect.js";

type PayloadIndexSpec = RecordedPayloadIndex;

/**
 * A collection's schema before a migration first changed it: what the inverse
 * of each schema-only change needs (payload index create ↔ delete, named
 * vector add ↔ delete, collection settings update ↔ the previous settings).
 * Plain JSON for the journal; a few hundred bytes whatever the collection's size.
 */
export interface SchemaStateRecord {
  collection: string;
  /** Named dense and sparse vectors; empty for a collection with one unnamed vector. */
  vectorNames: string[];
  payloadSchema: Record<string, PayloadIndexSpec>;
  /** The updatable settings as they were, as an `updateCollection` body puts them back. */
  settings: Schemas["UpdateCollection"];
}

/** Reads what `restoreSchemaState` needs to undo schema-only changes of `collection`. */
export async function readSchemaState(
  conn: QdrantConnection,
  collection: string,
): Promise<SchemaStateRecord> {
  const info = await conn.client.getCollection(collection);
  return {
    collection,
    vectorNames: vectorNamesOf(info),
    payloadSchema: payloadSchemaOf(info),
    settings: updateBodyOf(info),
  };
}

/**
 * Applies the inverse of every schema-only change made since `record` was
 * read: removes payload indexes and named vectors added since, re-creates
 * (or re-types) payload indexes removed or changed since (rebuilt from the
 * data, which such a change never touched), and sends the previous settings
 * back when any differ. Only what differs is sent, so it is idempotent.
 */
export async function restoreSchemaState(
  conn: QdrantConnection,
  record: SchemaStateRecord,
  log: (message: string) => void,
  opts: { strictMode?: boolean } = {},
): Promise<void> {
  const { collection } = record;
  const live = await conn.client.getCollection(collection);
  const wanted = new Set(record.vectorNames);
  for (const name of vectorNamesOf(live)) {
    if (wanted.has(name)) continue;
    log(`removing vector ${name} from ${collection}, which the migration added`);
    await conn.client.deleteVectorName(collection, name, { wait: true });
  }
  await putBackPayloadIndexes(conn, collection, record.payloadSchema, live, log);
  const { strict_mode_config: _later, ...allButStrictMode } = record.settings;
  await putBackSettings(
    conn,
    record,
    opts.strictMode === false ? allButStrictMode : record.settings,
    live,
    log,
  );
}

/**
 * Puts back strict mode alone: after the points, which a restored strict
 * mode's limits (a smaller upsert batch, say) could otherwise refuse.
 */
export async function restoreStrictMode(
  conn: QdrantConnection,
  record: SchemaStateRecord,
  log: (message: string) => void,
): Promise<void> {
  const live = await conn.client.getCollection(record.collection);
  const wanted = { strict_mode_config: record.settings.strict_mode_config };
  await putBackSettings(conn, record, wanted, live, log);
}

/**
 * Sends back the settings of `wanted` that `live` no longer has, and names
 * the strict-mode limits that cannot be sent back.
 */
async function putBackSettings(
  conn: QdrantConnection,
  record: SchemaStateRecord,
  wanted: Schemas["UpdateCollection"],
  live: Schemas["CollectionInfo"],
  log: (message: string) => void,
): Promise<void> {
  const { collection } = record;
  if ("strict_mode_config" in wanted) {
    const stuck = strictModeLeftovers(wanted.strict_mode_config, live);
    if (stuck.length > 0) {
      log(
        `strict-mode limit(s) ${stuck.join(", ")} that the migration added stay on ${collection}, ` +
          "as Qdrant cannot unset a strict-mode field: set them by hand to what you want",
      );
    }
  }
  const changed = changedSettings(wanted, updateBodyOf(live));
  if (Object.keys(changed).length > 0) {
    log(`putting back the settings of ${collection} (${Object.keys(changed).join(", ")})`);
    await conn.client.updateCollection(collection, changed);
  }
}

/** The parts of `before` that differ from `now`. */
function changedSettings(
  before: Schemas["UpdateCollection"],
  now: Schemas["UpdateCollection"],
): Schemas["UpdateCollection"] {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(before)) {
    const current = (now as Record<string, unknown>)[key];
    if (key === "metadata") {
      const keys = metadataInverse(value, current);
      if (Object.keys(keys).length > 0) out.metadata = keys;
    } else if (key === "strict_mode_config") {
      const changed = changedFields(value, current);
      if (Object.keys(changed).length > 0) out[key] = changed;
    } else if (key === "vectors" || key === "sparse_vectors") {
      const changed = changedPerVector(value, current);
      if (Object.keys(changed).length > 0) out[key] = changed;
    } else if (JSON.stringify(value) !== JSON.stringify(current)) out[key] = value;
  }
  return out as Schemas["UpdateCollection"];
}

/**
 * Per vector, the settings that differ: sending the others again would
 * write defaults (`on_disk: false`) the collection only had implicitly.
 * Vectors added since are left out: their inverse removes them.
 */
function changedPerVector(before: unknown, now: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isRecord(before)) return out;
  const current = isRecord(now) ? now : {};
  for (const [name, settings] of Object.entries(before)) {
    if (!isRecord(settings)) continue;
    const diff = changedFields(settings, current[name]);
    if (Object.keys(diff).length > 0) out[name] = diff;
  }
  return out;
}

/** The fields of `before` whose value `now` does not have. */
function changedFields(before: unknown, now: unknown): Record<string, unknown> {
  const live = isRecord(now) ? now : {};
  const diff: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(isRecord(before) ? before : {})) {
    if (JSON.stringify(value) !== JSON.stringify(live[key])) diff[key] = value;
  }
  return diff;
}

/**
 * Strict-mode fields set since `before` that still apply: an update merges
 * strict mode field by field and ignores null, so one added since cannot be
 * taken back. With strict mode off again they apply to nothing.
 */
function strictModeLeftovers(before: unknown, live: Schemas["CollectionInfo"]): string[] {
  const was = isRecord(before) ? before : {};
  if (was.enabled !== true) return [];
  const now = live.config.strict_mode_config ?? {};
  return Object.entries(now)
    .filter(([key, value]) => was[key] == null && value !== null && value !== undefined)
    .map(([key]) => key);
}

/**
 * An update merges metadata key by key, so putting it back sends each key
 * that differs: its value before, or null (delete) for a key added since.
 */
function metadataInverse(before: unknown, now: unknown): Record<string, unknown> {
  const was = isRecord(before) ? before : {};
  const is = isRecord(now) ? now : {};
  const out: Record<string, unknown> = {};
  for (const key of new Set([...Object.keys(was), ...Object.keys(is)])) {
    if (JSON.stringify(was[key]) !== JSON.stringify(is[key])) out[key] = was[key] ?? null;
  }
  return out;
}

function vectorNamesOf(info: Schemas["CollectionInfo"]): string[] {
  const { params } = info.config;
  return [
    ...Object.keys(namedVectorsOf(params.vectors)),
    ...Object.keys(params.sparse_vectors ?? {}),
  ].sort();
}

/** Removes the payload indexes `wanted` lacks and puts back those it has that differ. */
async function putBackPayloadIndexes(
  conn: QdrantConnection,
  collection: string,
  wanted: Record<string, PayloadIndexSpec>,
  live: Schemas["CollectionInfo"],
  log: (message: string) => void,
): Promise<void> {
  const liveIndexes = payloadSchemaOf(live);
  for (const field of Object.keys(liveIndexes)) {
    if (field in wanted) continue;
    log(`removing payload index ${field} from ${collection}`);
    await conn.client.deletePayloadIndex(collection, field, { wait: true });
  }
  for (const [field, spec] of Object.entries(wanted)) {
    if (JSON.stringify(liveIndexes[field]) === JSON.stringify(spec)) continue;
    log(`putting back payload index ${field} of ${collection}`);
    await conn.client.createPayloadIndex(collection, {
      field_name: field,
      field_schema: (spec.params ?? spec.data_type) as Schemas["PayloadFieldSchema"],
      wait: true,
    });
  }
}

/**
 * Named vectors and payload indexes live in the collection's config, not in
 * its shards: put back the recorded ones (removed or changed by the step) and
 * remove the ones the step added, before the shards are recovered.
 */
export async function putBackRecordedSchema(
  conn: QdrantConnection,
  record: {
    collection: string;
    params: Schemas["CollectionParams"];
    payloadSchema: Record<string, PayloadIndexSpec>;
  },
  log: (m: string) => void,
  refuse: (reason: string) => Error,
): Promise<void> {
  const { collection } = record;
  const live = await conn.client.getCollection(collection);
  const want = namedVectorsOf(record.params.vectors);
  const have = namedVectorsOf(live.config.params.vectors);
  if (isSingleVector(record.params.vectors) || isSingleVector(live.config.params.vectors)) {
    if (JSON.stringify(record.params.vectors) !== JSON.stringify(live.config.params.vectors)) {
      throw refuse("its unnamed vector's config changed and cannot be put back in place");
    }
  } else {
    for (const name of Object.keys(have)) {
      if (!(name in want)) {
        log(`removing vector ${name} from ${collection}`);
        await conn.client.deleteVectorName(collection, name, { wait: true });
      }
    }
    for (const [name, params] of Object.entries(want)) {
      const current = have[name];
      if (current && sameDense(current, params)) continue;
      log(`putting back vector ${name} of ${collection}`);
      if (current) await conn.client.deleteVectorName(collection, name, { wait: true });
      await conn.client.createVectorName(
        collection,
        name,
        {
          dense: {
            size: params.size,
            distance: params.distance,
            multivector_config: params.multivector_config ?? null,
            datatype: params.datatype ?? null,
          },
        },
        { wait: true },
      );
    }
  }
  const wantSparse = record.params.sparse_vectors ?? {};
  const haveSparse = live.config.params.sparse_vectors ?? {};
  for (const name of Object.keys(haveSparse)) {
    if (!(name in wantSparse)) await conn.client.deleteVectorName(collection, name, { wait: true });
  }
  for (const [name, params] of Object.entries(wantSparse)) {
    if (name in haveSparse || !params) continue;
    await conn.client.createVectorName(
      collection,
      name,
      { sparse: { modifier: params.modifier ?? null } },
      { wait: true },
    );
  }
  await putBackPayloadIndexes(conn, collection, record.payloadSchema, live, log);
}

type VectorParams = Schemas["VectorParams"];

function sameDense(a: VectorParams, b: VectorParams): boolean {
  const key = (v: VectorParams) =>
    JSON.stringify([v.size, v.distance, v.datatype ?? null, v.multivector_config ?? null]);
  return key(a) === key(b);
}
