import type { Schemas } from "@qdrant/js-client-rest";
import type { CollectionSpec } from "../../collection-schema/create-body.js";
import {
  isSingleVector,
  namedVectorsOf,
  type VectorParams,
} from "../../collection-schema/live-vectors.js";
import {
  liveIndexSchema,
  type PayloadIndexSchema,
  sameIndex,
} from "../../collection-schema/payload-index.js";
import { type CollectionPatch, settingDifferences } from "../../collection-schema/update-body.js";
import { sameValue, setAt } from "../../collection-schema/values.js";
import { isRecord } from "../../util/objects.js";
import { BLUE_GREEN_REMEDY, type SchemaDifference } from "./differences.js";

/** What bringing a live collection to a spec takes, and every difference found on the way. */
export interface CollectionPlan {
  differences: SchemaDifference[];
  addVectors: { name: string; config: Schemas["VectorNameConfig"] }[];
  /** Sent after `addVectors`, so it may set a new vector's settings too. */
  settings: CollectionPatch;
  createIndexes: { field: string; schema: PayloadIndexSchema }[];
}

/**
 * Compares a live collection (GET /collections/{name}) with a spec. Only what
 * the spec states is compared (a setting it leaves out may be anything);
 * what the live collection has beyond the spec's vectors and payload indexes
 * is reported as `extra` and kept. `namedVectorCalls` is false on a server
 * older than 1.18, where a missing named vector cannot be added in place.
 */
export function diffCollection(
  info: Schemas["CollectionInfo"],
  spec: CollectionSpec,
  namedVectorCalls: { supported: boolean; version: string },
): CollectionPlan {
  const plan: CollectionPlan = { differences: [], addVectors: [], settings: {}, createIndexes: [] };
  const { differences } = plan;
  const { params } = info.config;
  const existingPatch: Record<string, unknown> = {};
  const newVectorPatch: Record<string, unknown> = {};
  const tooOld = `Qdrant ${namedVectorCalls.version} cannot add a named vector in place (1.18 or newer can): upgrade, or call ctx.schema.addVector, which makes a blue-green change on this server`;

  const wantVectors = spec.vectors;
  if (wantVectors !== undefined) {
    if (isSingleVector(wantVectors) !== isSingleVector(params.vectors)) {
      differences.push({
        field: "vectors",
        live: params.vectors,
        wanted: wantVectors,
        resolution: "refused",
        remedy: `one unnamed vector and named vectors are different shapes: ${BLUE_GREEN_REMEDY}`,
      });
    } else if (isSingleVector(wantVectors) && isSingleVector(params.vectors)) {
      differences.push(...fixedVectorDifferences("vectors", params.vectors, wantVectors));
      addVectorSettings(existingPatch, "", wantVectors);
    } else {
      const live = namedVectorsOf(params.vectors);
      for (const [name, wanted] of Object.entries(namedVectorsOf(wantVectors))) {
        const current = live[name];
        if (current) {
          differences.push(...fixedVectorDifferences(`vectors.${name}`, current, wanted));
          addVectorSettings(existingPatch, name, wanted);
        } else if (namedVectorCalls.supported) {
          differences.push({
            field: `vectors.${name}`,
            live: undefined,
            wanted,
            resolution: "in-place",
          });
          plan.addVectors.push({ name, config: { dense: denseConfig(wanted) } });
          addVectorSettings(newVectorPatch, name, wanted);
        } else {
          differences.push({
            field: `vectors.${name}`,
            live: undefined,
            wanted,
            resolution: "refused",
            remedy: tooOld,
          });
        }
      }
      for (const [name, current] of Object.entries(live)) {
        if (!(name in namedVectorsOf(wantVectors))) {
          differences.push({
            field: `vectors.${name}`,
            live: current,
            wanted: undefined,
            resolution: "extra",
          });
        }
      }
    }
  }

  if (spec.sparse_vectors != null) {
    const live = params.sparse_vectors ?? {};
    for (const [name, wanted] of Object.entries(spec.sparse_vectors)) {
      if (!wanted) continue;
      const settings = { index: wanted.index, modifier: wanted.modifier };
      if (live[name]) {
        setAt(existingPatch, ["sparse_vectors", name], settings);
      } else if (namedVectorCalls.supported) {
        const field = `sparse_vectors.${name}`;
        differences.push({ field, live: undefined, wanted, resolution: "in-place" });
        plan.addVectors.push({ name, config: { sparse: { modifier: wanted.modifier ?? null } } });
        if (wanted.index != null)
          setAt(newVectorPatch, ["sparse_vectors", name, "index"], wanted.index);
      } else {
        differences.push({
          field: `sparse_vectors.${name}`,
          live: undefined,
          wanted,
          resolution: "refused",
          remedy: tooOld,
        });
      }
    }
    for (const [name, current] of Object.entries(live)) {
      if (!(name in spec.sparse_vectors)) {
        differences.push({
          field: `sparse_vectors.${name}`,
          live: current,
          wanted: undefined,
          resolution: "extra",
        });
      }
    }
  }

  fixedAtCreation(differences, "shard_number", params.shard_number ?? 1, spec.shard_number);
  fixedAtCreation(
    differences,
    "sharding_method",
    params.sharding_method ?? "auto",
    spec.sharding_method,
  );
  for (const [key, wanted] of Object.entries(spec.wal_config ?? {})) {
    const live = (info.config.wal_config as Record<string, unknown> | null | undefined)?.[key];
    if (wanted != null && !sameValue(live, wanted)) {
      differences.push({
        field: `wal_config.${key}`,
        live,
        wanted,
        resolution: "refused",
        remedy:
          "Qdrant cannot change an existing collection's WAL config: a new collection filled by a copy, behind an alias",
      });
    }
  }

  const collectionSettings: Record<string, unknown> = {
    hnsw_config: spec.hnsw_config,
    optimizers_config: spec.optimizers_config,
    quantization_config: spec.quantization_config,
    strict_mode_config: spec.strict_mode_config,
    metadata: spec.metadata,
    params: {
      replication_factor: spec.replication_factor,
      write_consistency_factor: spec.write_consistency_factor,
      on_disk_payload: spec.on_disk_payload,
    },
  };
  Object.assign(existingPatch, collectionSettings);
  const settings = settingDifferences(info, existingPatch as CollectionPatch);
  // Named as in the create body, where the params sit at the top level, as `diffSchemas` names them.
  differences.push(
    ...settings.differences.map((d) => ({ ...d, field: d.field.replace(/^params\./, "") })),
  );
  plan.settings = merge(settings.minimal, newVectorPatch) as CollectionPatch;

  const liveIndexes = info.payload_schema;
  for (const [field, schema] of Object.entries(spec.payloadIndexes ?? {})) {
    const live = liveIndexes[field];
    if (!live) {
      differences.push({
        field: `payloadIndexes.${field}`,
        live: undefined,
        wanted: schema,
        resolution: "in-place",
      });
      plan.createIndexes.push({ field, schema });
    } else if (!sameIndex(live, schema)) {
      differences.push({
        field: `payloadIndexes.${field}`,
        live: liveIndexSchema(live),
        wanted: schema,
        resolution: "refused",
        remedy: `an index is not re-typed silently: call ctx.schema.dropPayloadIndex first, then ensureCollection creates it`,
      });
    }
  }
  for (const [field, live] of Object.entries(liveIndexes)) {
    if (live && !(field in (spec.payloadIndexes ?? {}))) {
      differences.push({
        field: `payloadIndexes.${field}`,
        live: liveIndexSchema(live),
        wanted: undefined,
        resolution: "extra",
      });
    }
  }
  return plan;
}

/**
 * A vector's size, distance, datatype and multivector config: what defines
 * its space, fixed once created. No datatype means float32.
 */
export function fixedVectorDifferences(
  field: string,
  live: { size?: number; distance?: string; datatype?: unknown; multivector_config?: unknown },
  wanted: { size?: number; distance?: string; datatype?: unknown; multivector_config?: unknown },
): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  const compare = (key: string, a: unknown, b: unknown) => {
    if (!sameValue(a, b))
      out.push({
        field: `${field}.${key}`,
        live: a,
        wanted: b,
        resolution: "refused",
        remedy: BLUE_GREEN_REMEDY,
      });
  };
  compare("size", live.size, wanted.size);
  compare("distance", live.distance, wanted.distance);
  compare("datatype", live.datatype ?? "float32", wanted.datatype ?? "float32");
  compare("multivector_config", live.multivector_config, wanted.multivector_config);
  return out;
}

/** The immutable part of a dense vector's params, as the named-vector create call takes it. */
function denseConfig(params: VectorParams): Schemas["DenseVectorConfig"] {
  return {
    size: params.size,
    distance: params.distance,
    multivector_config: params.multivector_config ?? null,
    datatype: (params.datatype ?? null) as Schemas["DenseVectorConfig"]["datatype"],
  };
}

/** A vector's updatable settings from its spec, into an update body. */
function addVectorSettings(
  patch: Record<string, unknown>,
  name: string,
  params: VectorParams,
): void {
  const settings = {
    hnsw_config: params.hnsw_config,
    quantization_config: params.quantization_config,
    on_disk: params.on_disk,
  };
  if (Object.values(settings).some((v) => v != null)) setAt(patch, ["vectors", name], settings);
}

function fixedAtCreation(
  out: SchemaDifference[],
  key: string,
  live: unknown,
  wanted: unknown,
): void {
  if (wanted == null || sameValue(live, wanted)) return;
  out.push({
    field: key,
    live,
    wanted,
    resolution: "refused",
    remedy: `${key} is fixed when a collection is created: a new collection filled by a copy, behind an alias`,
  });
}

/** `a` with `b`'s values added, objects merged key by key. */
function merge(a: unknown, b: unknown): unknown {
  if (!isRecord(a) || !isRecord(b)) return b === undefined ? a : b;
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) out[key] = merge(out[key], value);
  return out;
}
