import { createHash } from "node:crypto";
import type { MigrationsProvider } from "../config/define-config.js";
import { messageOf } from "../errors.js";
import { isPlainObject, isRecord } from "../util/objects.js";
import type { MigrationFile } from "./discover.js";
import { MigrationProviderError } from "./errors.js";

/**
 * The migrations the config's `migrations` provider gives, sorted by name in
 * byte order as files are (the array's order does not matter). Each has no
 * path; its definition is checked when it is loaded, as a file's is. Throws
 * `MigrationProviderError` naming the entry when one has no usable name, or
 * two share one.
 */
export async function listProvidedMigrations(
  provider: MigrationsProvider,
): Promise<MigrationFile[]> {
  let entries: unknown;
  try {
    entries = typeof provider === "function" ? await provider() : provider;
  } catch (error) {
    throw new MigrationProviderError(
      "migrations",
      `The \`migrations\` function of the configuration threw: ${messageOf(error)}.`,
    );
  }
  if (!Array.isArray(entries)) {
    throw new MigrationProviderError(
      "migrations",
      "The `migrations` function of the configuration must return an array of " +
        `{ name, migration }, not ${entries === null ? "null" : typeof entries}.`,
    );
  }
  const byName = new Map<string, MigrationFile>();
  entries.forEach((entry: unknown, index) => {
    const at = `migrations[${index}]`;
    if (!isRecord(entry) || typeof entry.name !== "string" || entry.name.trim() === "") {
      throw new MigrationProviderError(
        at,
        `${at} of the configuration must be { name, migration } with a non-empty name.`,
      );
    }
    const { name } = entry;
    if (byName.has(name)) {
      throw new MigrationProviderError(
        name,
        `Two migrations of the configuration's \`migrations\` are both named ${name}; ` +
          "names are the journal's identity and must be unique.",
      );
    }
    byName.set(name, {
      name,
      path: "",
      checksum: checksumOf(name, entry.migration),
      provided: { definition: entry.migration },
    });
  });
  return [...byName.values()].sort((a, b) =>
    Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)),
  );
}

/**
 * sha256 of the name and the definition, functions by their source text
 * (`Function.prototype.toString`), data by its canonical JSON: editing a step
 * changes it, as editing a file does. What a step calls elsewhere is not in it,
 * as a file's imports are not in a file's checksum.
 */
function checksumOf(name: string, definition: unknown): string {
  const text = JSON.stringify([name, definition], (_key, value: unknown) => {
    if (typeof value === "function") return `function ${value.toString()}`;
    if (!isPlainObject(value)) return value;
    return Object.fromEntries(
      Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });
  return createHash("sha256").update(text).digest("hex");
}
