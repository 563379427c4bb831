import { join } from "node:path";
import type { ProjectConfig } from "../config/resolve-config.js";
import { messageOf } from "../errors.js";
import { fileExists } from "../util/file-exists.js";
import { importDefaultFresh } from "../util/import-fresh.js";
import { isRecord } from "../util/objects.js";
import type { DeclaredCollection, DeclaredSchema } from "./define-schema.js";
import { SchemaFileError } from "./errors.js";

/** Schema file names looked for beside the config, in this order. */
export const SCHEMA_FILE_NAMES = [
  "qdrant.schema.ts",
  "qdrant.schema.mts",
  "qdrant.schema.js",
  "qdrant.schema.mjs",
];

/** The project's declared schema and its file, or undefined when it has none. */
export interface LoadedSchema {
  file: string;
  schema: DeclaredSchema;
}

/** The schema file the config names (which must exist), else the first found beside it. */
export async function findSchemaFile(config: ProjectConfig): Promise<string | undefined> {
  if (config.schemaFile !== undefined) {
    if (!(await fileExists(config.schemaFile))) {
      throw new SchemaFileError(
        "SCHEMA_FILE_NOT_FOUND",
        config.schemaFile,
        `Schema file ${config.schemaFile} (the config's \`schema\`) does not exist.`,
      );
    }
    return config.schemaFile;
  }
  for (const name of SCHEMA_FILE_NAMES) {
    const path = join(config.rootDir, name);
    if (await fileExists(path)) return path;
  }
  return undefined;
}

/** Loads and checks the declared schema (as the config is loaded); undefined without a file. */
export async function loadDeclaredSchema(config: ProjectConfig): Promise<LoadedSchema | undefined> {
  const file = await findSchemaFile(config);
  if (file === undefined) return undefined;
  let exported: { value: unknown } | undefined;
  try {
    exported = await importDefaultFresh(file);
  } catch (error) {
    throw new SchemaFileError(
      "SCHEMA_FILE_INVALID",
      file,
      `Could not load schema file ${file}: ${messageOf(error)}`,
    );
  }
  const invalid = (field: string, problem: string) =>
    new SchemaFileError(
      "SCHEMA_FILE_INVALID",
      file,
      `Invalid schema file ${file}: ${field} ${problem}.`,
    );
  if (exported === undefined) {
    throw invalid(
      "(default export)",
      "is missing; end it with `export default defineSchema({ ... })`",
    );
  }
  return { file, schema: checkSchema(exported.value, invalid) };
}

function checkSchema(
  value: unknown,
  invalid: (field: string, problem: string) => SchemaFileError,
): DeclaredSchema {
  if (!isRecord(value))
    throw invalid("(default export)", "must be an object, such as defineSchema({ ... })");
  for (const key of Object.keys(value)) {
    if (key !== "collections" && key !== "templates") {
      throw invalid(key, "is not a known field (known: collections, templates)");
    }
  }
  const sections = { collections: value.collections, templates: value.templates };
  for (const [section, entries] of Object.entries(sections)) {
    if (entries === undefined) continue;
    if (!isRecord(entries)) throw invalid(section, "must be an object keyed by name");
    for (const [name, declared] of Object.entries(entries)) {
      checkCollection(`${section}.${name}`, declared, invalid);
      if (section === "templates") {
        const match = (declared as Record<string, unknown>).match;
        if (typeof match !== "string" || match.trim() === "") {
          throw invalid(
            `${section}.${name}.match`,
            "must be a name pattern, such as memory_{bot} or memory_*",
          );
        }
      }
    }
  }
  return value as DeclaredSchema;
}

function checkCollection(
  field: string,
  declared: unknown,
  invalid: (field: string, problem: string) => SchemaFileError,
): asserts declared is DeclaredCollection {
  if (!isRecord(declared)) throw invalid(field, "must be an object");
  const vectors = declared.vectors;
  if (vectors !== undefined && !isRecord(vectors))
    throw invalid(`${field}.vectors`, "must be an object");
  for (const key of ["sparse_vectors", "payloadIndexes"] as const) {
    const entries = declared[key];
    if (entries !== undefined && !isRecord(entries))
      throw invalid(`${field}.${key}`, "must be an object keyed by name");
  }
  if (declared.alias !== undefined && typeof declared.alias !== "boolean") {
    throw invalid(`${field}.alias`, "must be true or false");
  }
  if (isRecord(vectors) && typeof vectors.size !== "number") {
    for (const [name, params] of Object.entries(vectors)) {
      if (
        !isRecord(params) ||
        typeof params.size !== "number" ||
        typeof params.distance !== "string"
      ) {
        throw invalid(`${field}.vectors.${name}`, "must have a numeric size and a distance");
      }
    }
  } else if (isRecord(vectors) && typeof vectors.distance !== "string") {
    throw invalid(`${field}.vectors.distance`, 'must be a distance, such as "Cosine"');
  }
}
