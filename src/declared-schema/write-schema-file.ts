import { writeFile } from "node:fs/promises";
import { extname, join } from "node:path";
import {
  canonicalIndex,
  liveIndexSchema,
  reportedIndexOf,
} from "../collection-schema/payload-index.js";
import { canonical } from "../collection-schema/values.js";
import type { ProjectConfig } from "../config/resolve-config.js";
import { parseVersion } from "../toolkit/schema/collection-versions.js";
import { isRecord } from "../util/objects.js";
import type { DeclaredCollection, DeclaredSchema } from "./define-schema.js";
import { SchemaFileError } from "./errors.js";
import { findSchemaFile, SCHEMA_FILE_NAMES } from "./load-schema.js";
import type { ManagedCollection } from "./managed-collection.js";

/**
 * `generate --schema-only`: writes the declared schema file from `managed`
 * (the server's collections, for a team adopting the tool), at the config's
 * `schema` path or `qdrant.schema.ts` beside it; never over an existing one.
 * Collections alike whose names share a prefix become one template.
 */
export async function writeSchemaFile(
  config: ProjectConfig,
  managed: readonly ManagedCollection[],
): Promise<{ file: string; schema: DeclaredSchema }> {
  const existing = await findSchemaFile(config).catch(() => undefined);
  if (existing !== undefined) {
    throw new SchemaFileError(
      "SCHEMA_FILE_EXISTS",
      existing,
      `Schema file ${existing} already exists; generate --schema-only writes a new one only (move it away first).`,
    );
  }
  const file =
    config.schemaFile ?? join(config.rootDir, SCHEMA_FILE_NAMES[0] ?? "qdrant.schema.ts");
  const schema = declaredSchemaOf(managed);
  await writeFile(file, renderSchemaFile(schema, extname(file)), { flag: "wx" });
  return { file, schema };
}

/** The declared schema that describes `managed` exactly. */
export function declaredSchemaOf(managed: readonly ManagedCollection[]): DeclaredSchema {
  const named = managed.map((m) => {
    const base = parseVersion(m.name)?.name;
    const alias = m.aliases.find((a) => a === base);
    const declared = declaredCollectionOf(m);
    return alias
      ? { name: alias, declared: { ...declared, alias: true } }
      : { name: m.name, declared };
  });
  const alike = new Map<string, typeof named>();
  for (const entry of named) {
    const key = JSON.stringify(entry.declared);
    alike.set(key, [...(alike.get(key) ?? []), entry]);
  }
  const collections: Record<string, DeclaredCollection> = {};
  const templates: NonNullable<DeclaredSchema["templates"]> = {};
  for (const group of alike.values()) {
    const prefix = commonPrefix(group.map((g) => g.name));
    const first = group[0];
    if (group.length > 1 && prefix !== "" && first) {
      const name =
        prefix.replace(/[^A-Za-z0-9]+$/, "") || `template_${Object.keys(templates).length + 1}`;
      templates[name] = { match: `${prefix}*`, ...first.declared };
    } else {
      for (const g of group) collections[g.name] = g.declared;
    }
  }
  return {
    ...(Object.keys(collections).length > 0 ? { collections } : {}),
    ...(Object.keys(templates).length > 0 ? { templates } : {}),
  };
}

/** One collection's recorded config as a declaration: vectors, indexes, and the settings `updateCollection` changes. */
function declaredCollectionOf(m: ManagedCollection): DeclaredCollection {
  const config = isRecord(m.config) ? m.config : {};
  const params = isRecord(config.params) ? config.params : {};
  const payloadIndexes: Record<string, unknown> = {};
  for (const [field, index] of Object.entries(isRecord(m.payloadSchema) ? m.payloadSchema : {})) {
    if (isRecord(index)) payloadIndexes[field] = declaredIndexOf(index);
  }
  const metadata =
    isRecord(config.metadata) && Object.keys(config.metadata).length > 0
      ? config.metadata
      : undefined;
  const sparse =
    isRecord(params.sparse_vectors) && Object.keys(params.sparse_vectors).length > 0
      ? params.sparse_vectors
      : undefined;
  const declared = {
    vectors: m.vectorsConfig,
    sparse_vectors: sparse,
    hnsw_config: config.hnsw_config,
    optimizers_config: config.optimizer_config,
    quantization_config: config.quantization_config,
    on_disk_payload: params.on_disk_payload,
    replication_factor: params.replication_factor,
    write_consistency_factor: params.write_consistency_factor,
    metadata,
    payloadIndexes,
  };
  return canonical(declared) as DeclaredCollection;
}

/**
 * A recorded index as a declaration: rows keep `{type, ...params}` (older
 * rows Qdrant's `{data_type, params}`); a bare type where nothing else is set.
 */
function declaredIndexOf(index: Record<string, unknown>): unknown {
  const canonical = canonicalIndex(liveIndexSchema(reportedIndexOf(index)));
  return Object.keys(canonical).length === 1 ? canonical.type : canonical;
}

/** The file's source: `defineSchema` in TypeScript, a typed plain object in JavaScript. */
function renderSchemaFile(schema: DeclaredSchema, extension: string): string {
  const body = JSON.stringify(schema, null, 2);
  const header =
    "// Written by `qdrant-migrate generate --schema-only` from the managed collections on the server.\n" +
    "// Edit it, then `qdrant-migrate generate NAME` writes the migration that makes the difference.\n";
  if (extension === ".ts" || extension === ".mts") {
    return `${header}import { defineSchema } from "qdrant-migrate/define";\n\nexport default defineSchema(${body});\n`;
  }
  return `${header}/** @type {import("qdrant-migrate/define").DeclaredSchema} */\nexport default ${body};\n`;
}

function commonPrefix(names: readonly string[]): string {
  let prefix = names[0] ?? "";
  for (const name of names) while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
