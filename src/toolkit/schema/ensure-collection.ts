import type { QdrantClient } from "@qdrant/js-client-rest";
import type { CollectionSpec } from "../../collection-schema/create-body.js";
import { namedVectorCalls, type ServerVersion } from "../../collection-schema/server-version.js";
import type { DryRunRecorder } from "../../qdrant/dry-client.js";
import { QdrantRequestError } from "../../qdrant/errors.js";
import { diffCollection } from "./collection-diff.js";
import type { SchemaDifference } from "./differences.js";
import { SchemaChangeInvalidError, SchemaIncompatibleError } from "./errors.js";
import { createPayloadIndex } from "./payload-indexes.js";
import { limitProblems } from "./update-limits.js";

/**
 * What `ensureCollection` found and did. `differences` lists every
 * difference between the live collection and the spec: the `in-place` ones
 * were applied, the `extra` ones (vectors and payload indexes the spec does
 * not name) left alone.
 */
export interface EnsureCollectionResult {
  created: boolean;
  changed: boolean;
  differences: SchemaDifference[];
}

/**
 * Creates the collection with its payload indexes, or brings an existing one
 * to the spec where Qdrant can do so in place: missing payload indexes,
 * missing named vectors (Qdrant 1.18+), settings. Anything else that differs
 * (a vector's size, distance or datatype, unnamed versus named vectors, the
 * shard count, a payload index of another type) is refused with
 * `SchemaIncompatibleError` listing every difference, before anything is
 * changed. Idempotent: run again, it finds nothing to do, and after a crash
 * between steps it finishes what is missing.
 */
export async function ensureCollection(
  client: QdrantClient,
  version: ServerVersion,
  collection: string,
  spec: CollectionSpec,
  /** Under `--dry-run`, where `client`'s writes are only described. */
  dryRun?: DryRunRecorder,
): Promise<EnsureCollectionResult> {
  const { payloadIndexes, ...body } = spec;
  const problems = limitProblems(body);
  if (problems.length > 0) throw new SchemaChangeInvalidError(collection, problems);
  if (!(await client.collectionExists(collection)).exists) {
    try {
      await client.createCollection(collection, body);
      // The official client's createCollection (1.18) does not send `metadata`.
      if (body.metadata != null)
        await client.updateCollection(collection, { metadata: body.metadata });
    } catch (error) {
      // Created meanwhile by someone else: compare it with the spec like any existing one.
      if (!(error instanceof QdrantRequestError && error.status === 409)) throw error;
      return bringToSpec(client, version, collection, spec);
    }
    // `--dry-run`: the collection was only described, so there is none to compare indexes with.
    for (const [field, schema] of Object.entries(payloadIndexes ?? {})) {
      if (dryRun) {
        await client.createPayloadIndex(collection, { field_name: field, field_schema: schema });
      } else {
        await createPayloadIndex(client, collection, field, schema);
      }
    }
    return { created: true, changed: true, differences: [] };
  }
  return bringToSpec(client, version, collection, spec);
}

async function bringToSpec(
  client: QdrantClient,
  version: ServerVersion,
  collection: string,
  spec: CollectionSpec,
): Promise<EnsureCollectionResult> {
  const info = await client.getCollection(collection);
  const plan = diffCollection(info, spec, await namedVectorCalls(version));
  const { differences } = plan;
  if (differences.some((d) => d.resolution === "refused")) {
    throw new SchemaIncompatibleError(collection, differences);
  }
  for (const { name, config } of plan.addVectors) {
    await client.createVectorName(collection, name, config, { wait: true });
  }
  if (Object.keys(plan.settings).length > 0)
    await client.updateCollection(collection, plan.settings);
  for (const { field, schema } of plan.createIndexes) {
    await client.createPayloadIndex(collection, {
      field_name: field,
      field_schema: schema,
      wait: true,
    });
  }
  const changed = differences.some((d) => d.resolution === "in-place");
  return { created: false, changed, differences };
}
