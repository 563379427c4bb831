import type { Schemas } from "@qdrant/js-client-rest";
import type { CollectionSpec } from "../collection-schema/create-body.js";
import type { VectorParams } from "../collection-schema/live-vectors.js";
import type { PayloadIndexSchema } from "../collection-schema/payload-index.js";
import { serverVersionOf } from "../collection-schema/server-version.js";
import type { CollectionPatch } from "../collection-schema/update-body.js";
import { type CopyOptions, type CopyResult, copyCollection } from "./data/copy-collection.js";
import { type EnsureAliasedResult, ensureAliasedCollection } from "./schema/aliased-collection.js";
import {
  type BlueGreenOptions,
  type BlueGreenResult,
  blueGreen,
  changeVector,
} from "./schema/blue-green.js";
import { type EnsureCollectionResult, ensureCollection } from "./schema/ensure-collection.js";
import { addVector, removeVector, type VectorChangeResult } from "./schema/named-vectors.js";
import {
  createPayloadIndex,
  dropPayloadIndex,
  type SchemaChangeResult,
} from "./schema/payload-indexes.js";
import { type RevertAliasResult, revertAlias } from "./schema/revert-alias.js";
import { type UpdateCollectionResult, updateCollection } from "./schema/update-collection.js";
import type { ToolkitContext } from "./toolkit-context.js";

/**
 * `ctx.schema`: idempotent schema operations for migration steps. Each reads
 * the live collection, does only what differs, and refuses with a typed
 * error what Qdrant cannot do in place. Every change goes through the step's
 * tracking client, so the engine records and rolls it back like a direct call.
 */
export interface SchemaToolkit {
  /** Creates the collection (with `payloadIndexes`), or brings an existing one to the spec in place. */
  ensureCollection(collection: string, spec: CollectionSpec): Promise<EnsureCollectionResult>;
  /**
   * With `{ alias: true }`: the same, behind the alias `collection`, as
   * blue-green changes expect it: creates `<collection>_v1` and the alias
   * when there is no alias yet, else works on the collection it points at.
   */
  ensureCollection(
    collection: string,
    spec: CollectionSpec,
    options: { alias: true },
  ): Promise<EnsureAliasedResult>;
  /** Updates in-place settings; sends only what differs. */
  updateCollection(collection: string, patch: CollectionPatch): Promise<UpdateCollectionResult>;
  /** Creates a payload index unless the same one exists; another schema on the field is refused. */
  createPayloadIndex(
    collection: string,
    field: string,
    schema: PayloadIndexSchema,
  ): Promise<SchemaChangeResult>;
  dropPayloadIndex(collection: string, field: string): Promise<SchemaChangeResult>;
  /**
   * Adds a named vector: in place on Qdrant 1.18+, else by blue-green behind
   * the alias `collection` (`options`; copied points lack the new vector
   * unless `options.transform` gives it).
   */
  addVector(
    collection: string,
    vectorName: string,
    config: Schemas["VectorNameConfig"],
    options?: BlueGreenOptions,
  ): Promise<VectorChangeResult>;
  /**
   * Removes a named vector and its data: in place on Qdrant 1.18+, else by
   * blue-green behind the alias `collection` (`options`), each copied point without it.
   */
  removeVector(
    collection: string,
    vectorName: string,
    options?: BlueGreenOptions,
  ): Promise<VectorChangeResult>;
  /**
   * Copies every point (payload and vectors) of `from` into `to`, created
   * like `from` when absent; `source` reads `from` on another server.
   * Verified by exact count and a sample.
   */
  copyCollection(from: string, to: string, options?: CopyOptions): Promise<CopyResult>;
  /**
   * Changes vector `vectorName` of the collection behind alias `name` by
   * blue-green: a new `<name>_v<N>`, a copy through `transform`, one alias switch.
   */
  changeVector(
    name: string,
    vectorName: string,
    params: Partial<VectorParams>,
    options?: BlueGreenOptions,
  ): Promise<BlueGreenResult>;
  /** Any change Qdrant cannot make in place, by blue-green behind alias `name` (see changeVector). */
  blueGreen(
    name: string,
    spec: CollectionSpec,
    options?: BlueGreenOptions,
  ): Promise<BlueGreenResult>;
  /**
   * In a `down` step: points alias `alias` back at the collection it pointed
   * at before this migration's `up` changed it (deletes it if the `up`
   * created it), as that `up` journaled it.
   */
  revertAlias(alias: string): Promise<RevertAliasResult>;
}

/** The toolkit over the step's tracking client `qdrant`; the server version is asked once. */
export function createSchemaToolkit(step: Omit<ToolkitContext, "version">): SchemaToolkit {
  const { qdrant } = step;
  const serverVersion = () => serverVersionOf(qdrant);
  const ctx: ToolkitContext = { ...step, version: serverVersion };
  return {
    ensureCollection: ((collection: string, spec: CollectionSpec, options?: { alias?: boolean }) =>
      options?.alias
        ? ensureAliasedCollection(qdrant, serverVersion, collection, spec, step.engine?.dryRun)
        : ensureCollection(
            qdrant,
            serverVersion,
            collection,
            spec,
            step.engine?.dryRun,
          )) as SchemaToolkit["ensureCollection"],
    updateCollection: (collection, patch) => updateCollection(qdrant, collection, patch),
    createPayloadIndex: (collection, field, schema) =>
      createPayloadIndex(qdrant, collection, field, schema),
    dropPayloadIndex: (collection, field) => dropPayloadIndex(qdrant, collection, field),
    addVector: (collection, vectorName, config, options) =>
      addVector(ctx, collection, vectorName, config, options),
    removeVector: (collection, vectorName, options) =>
      removeVector(ctx, collection, vectorName, options),
    copyCollection: (from, to, options) => copyCollection(ctx, from, to, options),
    changeVector: (name, vectorName, params, options) =>
      changeVector(ctx, name, vectorName, params, options),
    blueGreen: (name, spec, options) => blueGreen(ctx, name, spec, options),
    revertAlias: (alias) => revertAlias(ctx, alias),
  };
}
