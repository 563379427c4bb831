import {
  applyCollectionUpdate,
  createCollectionConfig,
  updateProblems,
} from "./collection-config.js";
import { findCollection, isRecord, resolveCollection } from "./collections-store.js";
import { alreadyExists, badInput, formatError } from "./errors.js";
import { ok, type Router } from "./http.js";
import type { Collection } from "./model.js";
import { getValues, parsePayloadPath } from "./payload-paths.js";
import { collectionBodyAliasesResolved } from "./serde-aliases.js";
import type { ServerContext } from "./server-context.js";
import { assertValidBody, assertValidName, queryTimeout } from "./validation.js";

/**
 * `/collections` and `/collections/{c}`: list, info, exists, create, update
 * and delete (src/actix/api/collections_api.rs, toc/collection_meta_ops.rs).
 */
export function registerCollectionRoutes(router: Router, ctx: ServerContext): void {
  const { state } = ctx;

  router.add("GET", "/collections", () =>
    ok({ collections: [...state.collections.keys()].map((name) => ({ name })) }),
  );

  router.add("GET", "/collections/{collection_name}", (req) => {
    const name = req.params.collection_name as string;
    assertValidName(name, false);
    return ok(collectionInfo(resolveCollection(state, name)));
  });

  router.add("GET", "/collections/{collection_name}/exists", (req) => {
    const name = req.params.collection_name as string;
    assertValidName(name, false);
    return ok({ exists: findCollection(state, name) !== undefined });
  });

  router.add(
    "PUT",
    "/collections/{collection_name}",
    (req) => {
      const name = req.params.collection_name as string;
      assertValidName(name, true);
      queryTimeout(req.query);
      const body = req.json();
      const { config, problems } = createCollectionConfig(
        isRecord(body) ? collectionBodyAliasesResolved(body) : body,
        req.rawBody.toString("utf8"),
      );
      assertValidBody(problems);
      if (state.collections.has(name)) {
        throw alreadyExists(`Collection \`${name}\` already exists!`);
      }
      if (state.aliases.has(name)) {
        throw badInput(
          `Can't create collection with name ${name}. Alias with the same name already exists`,
        );
      }
      state.collections.set(name, {
        name,
        config,
        payloadIndexes: new Map(),
        points: new Map(),
      });
      return ok(true);
    },
    { mutates: true },
  );

  router.add(
    "PATCH",
    "/collections/{collection_name}",
    (req) => {
      const name = req.params.collection_name as string;
      assertValidName(name, false);
      queryTimeout(req.query);
      const json = req.json();
      if (!isRecord(json)) throw formatError("invalid type: expected struct UpdateCollection");
      const body = collectionBodyAliasesResolved(json);
      assertValidBody(updateProblems(body, req.rawBody.toString("utf8")));
      const collection = resolveCollection(state, name);
      applyCollectionUpdate(collection.config, body);
      return ok(true);
    },
    { mutates: true },
  );

  router.add(
    "DELETE",
    "/collections/{collection_name}",
    (req) => {
      const name = req.params.collection_name as string;
      assertValidName(name, false);
      queryTimeout(req.query);
      // An alias is not resolved here: deleting by alias deletes nothing.
      if (!state.collections.delete(name)) return ok(false);
      for (const [alias, target] of state.aliases) {
        if (target === name) state.aliases.delete(alias);
      }
      return ok(true);
    },
    { mutates: true },
  );
}

/** `GET /collections/{c}` result. */
export function collectionInfo(collection: Collection): Record<string, unknown> {
  const optimizer = (collection.config.optimizer_config ?? {}) as Record<string, unknown>;
  const segments =
    typeof optimizer.default_segment_number === "number" && optimizer.default_segment_number > 0
      ? optimizer.default_segment_number
      : 2;
  return {
    status: "green",
    optimizer_status: "ok",
    indexed_vectors_count: 0,
    points_count: collection.points.size,
    segments_count: segments,
    config: collection.config,
    payload_schema: payloadSchema(collection),
    // Writes are applied before they are acknowledged, so nothing ever waits.
    update_queue: { length: 0 },
  };
}

function payloadSchema(collection: Collection): Record<string, unknown> {
  const schema: Record<string, unknown> = {};
  for (const [field, index] of collection.payloadIndexes) {
    const path = parsePayloadPath(field);
    let points = 0;
    for (const point of collection.points.values()) {
      if (getValues(point.payload, path).some((v) => v !== null)) points++;
    }
    if (typeof index.schema === "string") {
      schema[field] = { data_type: index.schema, points };
    } else {
      schema[field] = { data_type: index.schema.type, params: index.schema, points };
    }
  }
  return schema;
}
