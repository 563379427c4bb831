import type { Schemas } from "@qdrant/js-client-rest";
import type { CollectionSpec } from "../collection-schema/create-body.js";
import type { VectorParams } from "../collection-schema/live-vectors.js";
import type { PayloadIndexSchema } from "../collection-schema/payload-index.js";
import { type CollectionPatch, liveSetting } from "../collection-schema/update-body.js";
import { sameValue, setAt, show } from "../collection-schema/values.js";
import { diffCollection } from "../toolkit/schema/collection-diff.js";
import type { SchemaDifference } from "../toolkit/schema/differences.js";
import { isRecord } from "../util/objects.js";
import { collectionInfoOf, type ManagedCollection } from "./managed-collection.js";
import type { DeclaredTarget } from "./match-declared.js";

/** One change a generated migration makes, with what its `down` needs to undo it. */
export type SchemaChange =
  | { kind: "createCollection"; spec: CollectionSpec; alias: boolean }
  | { kind: "addVector"; vector: string; config: Schemas["VectorNameConfig"] }
  | { kind: "removeVector"; vector: string; config: Schemas["VectorNameConfig"] }
  | { kind: "updateCollection"; patch: CollectionPatch; inverse: CollectionPatch }
  | { kind: "createPayloadIndex"; field: string; schema: PayloadIndexSchema }
  | { kind: "dropPayloadIndex"; field: string; schema: PayloadIndexSchema }
  /** What generate does not decide: written as a TODO that throws. */
  | { kind: "decide"; what: string; options: string };

/** The changes that bring one collection to its declaration, and each difference in words. */
export interface CollectionChanges {
  name: string;
  template?: string;
  changes: SchemaChange[];
  differences: string[];
}

/**
 * Compares each declared collection with the managed one it describes (with
 * the toolkit's own comparator, `diffCollection`, so a generated migration
 * does exactly what `ensureCollection` would find to do) and lists the
 * changes, in the order `up` makes them. Collections without differences are left out.
 */
export function schemaChanges(
  targets: readonly DeclaredTarget[],
  undeclared: readonly ManagedCollection[],
): CollectionChanges[] {
  const out: CollectionChanges[] = [];
  for (const target of targets) {
    const found = target.current
      ? changesOf(target.current, target.declared)
      : newCollection(target);
    if (found.changes.length > 0)
      out.push({ name: target.name, template: target.template, ...found });
  }
  for (const m of undeclared) {
    const name = m.aliases[0] ?? m.name;
    out.push({
      name,
      changes: [
        {
          kind: "decide",
          what: `collection ${name} is managed but no longer declared`,
          options:
            "drop it (`await ctx.qdrant.deleteCollection(...)`; down --from-snapshot brings it back), or declare it in the schema file",
        },
      ],
      differences: [`collection ${name}: managed, not declared`],
    });
  }
  return out;
}

function newCollection(target: DeclaredTarget): Pick<CollectionChanges, "changes" | "differences"> {
  const { alias, ...spec } = target.declared;
  return {
    changes: [{ kind: "createCollection", spec, alias: alias === true }],
    differences: [`collection ${target.name}: declared, does not exist yet`],
  };
}

function changesOf(
  current: ManagedCollection,
  declared: DeclaredTarget["declared"],
): Pick<CollectionChanges, "changes" | "differences"> {
  const { alias: _alias, ...spec } = declared;
  const info = collectionInfoOf(current);
  const plan = diffCollection(info, spec, { supported: true, version: "declared" });
  const changes: SchemaChange[] = [];
  const differences = plan.differences.map(describe);

  const removed = plan.differences
    .filter((d) => d.resolution === "extra" && /^(sparse_)?vectors\./.test(d.field))
    .map((d) => ({
      field: d.field,
      vector: d.field.slice(d.field.indexOf(".") + 1),
      live: d.live,
    }));
  const added = new Map(plan.addVectors.map((v) => [v.name, v.config]));
  const renames = new Set<string>();
  for (const gone of removed) {
    const sparse = gone.field.startsWith("sparse_");
    const twin = [...added].find(([, config]) =>
      sparse ? "sparse" in config : "dense" in config && sameShape(gone.live, config.dense),
    );
    if (!twin) continue;
    const [name] = twin;
    added.delete(name);
    renames.add(name).add(gone.vector);
    changes.push({
      kind: "decide",
      what: `${current.name}: vector "${gone.vector}" disappears while "${name}" of the same shape appears`,
      options: `a rename (addVector "${name}", backfill it from "${gone.vector}", then removeVector "${gone.vector}") or a drop (removeVector "${gone.vector}", addVector "${name}")`,
    });
  }
  for (const [vector, config] of added) changes.push({ kind: "addVector", vector, config });

  const patch = withoutVectors(plan.settings, renames);
  if (Object.keys(patch).length > 0) {
    changes.push({ kind: "updateCollection", patch, inverse: inverseOf(info, patch, added) });
  }
  for (const { field, schema } of plan.createIndexes) {
    changes.push({ kind: "createPayloadIndex", field, schema });
  }
  for (const d of plan.differences) {
    const field = d.field.slice(d.field.indexOf(".") + 1);
    if (d.field.startsWith("payloadIndexes.") && d.resolution === "extra") {
      changes.push({ kind: "dropPayloadIndex", field, schema: d.live as PayloadIndexSchema });
    } else if (d.field.startsWith("payloadIndexes.") && d.resolution === "refused") {
      // Re-typed by a person's declaration: drop the old index, create the new one.
      changes.push({ kind: "dropPayloadIndex", field, schema: d.live as PayloadIndexSchema });
      changes.push({ kind: "createPayloadIndex", field, schema: d.wanted as PayloadIndexSchema });
    } else if (d.resolution === "refused") {
      changes.push({
        kind: "decide",
        what: `${current.name}: ${d.field} changes from ${show(d.live)} to ${show(d.wanted)}, which Qdrant cannot change in place`,
        options: `ctx.schema.changeVector (behind an alias) with a \`transform\` that makes the new vectors, or ctx.schema.blueGreen: ${d.remedy ?? ""}`,
      });
    }
  }
  for (const gone of removed) {
    if (renames.has(gone.vector)) continue;
    const config: Schemas["VectorNameConfig"] = gone.field.startsWith("sparse_")
      ? {
          sparse: {
            modifier: (isRecord(gone.live) && gone.live.modifier !== "none"
              ? gone.live.modifier
              : null) as Schemas["Modifier"] | null,
          },
        }
      : { dense: denseOf(gone.live) };
    changes.push({ kind: "removeVector", vector: gone.vector, config });
  }
  return { changes, differences };
}

/** The difference in words, for `check` and `generate`'s report. */
function describe(d: SchemaDifference): string {
  if (d.resolution === "extra") return `${d.field}: ${show(d.live)}, not declared`;
  return `${d.field}: ${show(d.live)}, declared ${show(d.wanted)}`;
}

function sameShape(live: unknown, dense: Schemas["DenseVectorConfig"]): boolean {
  if (!isRecord(live)) return false;
  return (
    live.size === dense.size &&
    live.distance === dense.distance &&
    sameValue(live.datatype ?? "float32", dense.datatype ?? "float32") &&
    sameValue(live.multivector_config, dense.multivector_config)
  );
}

function denseOf(live: unknown): Schemas["DenseVectorConfig"] {
  const params = (isRecord(live) ? live : {}) as VectorParams;
  return {
    size: params.size,
    distance: params.distance,
    multivector_config: params.multivector_config ?? null,
    // The recorded schema spells out Qdrant's default; left unset, the vector
    // comes back as it was created, not with a datatype Qdrant then echoes.
    datatype: (params.datatype === "float32"
      ? null
      : (params.datatype ?? null)) as Schemas["DenseVectorConfig"]["datatype"],
  };
}

/** The patch without the settings of vectors a TODO now decides about. */
function withoutVectors(patch: CollectionPatch, vectors: ReadonlySet<string>): CollectionPatch {
  const out = structuredClone(patch) as Record<string, unknown>;
  for (const section of ["vectors", "sparse_vectors"]) {
    const entries = out[section];
    if (!isRecord(entries)) continue;
    for (const name of vectors) delete entries[name];
    if (Object.keys(entries).length === 0) delete out[section];
  }
  return out as CollectionPatch;
}

/**
 * The update that puts back what `patch` changes, value by value from the
 * recorded collection; the settings of vectors the migration adds are left
 * out (its `down` removes them). An absent quantization is put back as
 * `"Disabled"`, an absent metadata key as `null` (which deletes it).
 */
function inverseOf(
  info: Schemas["CollectionInfo"],
  patch: CollectionPatch,
  added: ReadonlyMap<string, unknown>,
): CollectionPatch {
  const inverse: Record<string, unknown> = {};
  const visit = (path: string[], value: unknown): void => {
    if (
      (path[0] === "vectors" || path[0] === "sparse_vectors") &&
      path[1] !== undefined &&
      added.has(path[1])
    )
      return;
    const leaf =
      !isRecord(value) ||
      path.at(-1) === "quantization_config" ||
      (path[0] === "metadata" && path.length === 2);
    if (!leaf) {
      for (const [key, inner] of Object.entries(value)) visit([...path, key], inner);
      return;
    }
    const before = liveSetting(info, path);
    const absent = path.at(-1) === "quantization_config" ? "Disabled" : null;
    setAt(inverse, path, before ?? absent);
  };
  for (const [key, value] of Object.entries(patch)) visit([key], value);
  return inverse as CollectionPatch;
}
