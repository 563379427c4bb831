import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { MigrationCreateError } from "./errors.js";
import { migrationTemplate } from "./template.js";

const NAME = /^[a-z0-9][a-z0-9_-]*$/;
const MAX_NAME_LENGTH = 100;

/**
 * Writes `<dir>/<YYYYMMDDHHmmss>_<name>.ts` (UTC time of `now`) from the
 * template and returns its absolute path. `importFrom` is the module the file
 * imports `defineMigration` from (default `qdrant-migrate/define`, the light entry). Refuses to
 * overwrite, and refuses a base name any existing file in `dir` already has.
 */
export async function createMigrationFile(opts: {
  dir: string;
  name: string;
  now?: Date;
  importFrom?: string;
}): Promise<string> {
  const { dir, name } = opts;
  if (!NAME.test(name) || name.length > MAX_NAME_LENGTH) {
    throw new MigrationCreateError(
      "MIGRATION_NAME_INVALID",
      `Migration name "${name}" is not allowed: use 1 to ${MAX_NAME_LENGTH} lower-case letters, ` +
        "digits, _ or -, starting with a letter or digit (such as add_title_vector).",
    );
  }
  const base = `${timestamp(opts.now ?? new Date())}_${name}`;
  const path = join(dir, `${base}.ts`);
  await mkdir(dir, { recursive: true });
  const clash = (await readdir(dir)).find((file) => file.slice(0, file.lastIndexOf(".")) === base);
  if (clash !== undefined) {
    throw new MigrationCreateError(
      "MIGRATION_FILE_EXISTS",
      `Migration ${join(dir, clash)} already exists; choose another name or wait a second.`,
    );
  }
  const source = migrationTemplate({
    description: name.replace(/[_-]+/g, " "),
    importFrom: opts.importFrom ?? "qdrant-migrate/define",
  });
  try {
    // "wx": fail rather than overwrite a file created since the check above.
    await writeFile(path, source, { flag: "wx" });
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "EEXIST") {
      throw new MigrationCreateError("MIGRATION_FILE_EXISTS", `Migration ${path} already exists.`);
    }
    throw error;
  }
  return path;
}

function timestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-T:]/g, "");
}
