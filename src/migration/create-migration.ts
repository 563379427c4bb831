import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { parseMigrationsGlob } from "../util/migrations-glob.js";
import { MigrationCreateError, MigrationFileError, MigrationsPatternError } from "./errors.js";
import { migrationTemplate } from "./template.js";

/**
 * The extensions a new file may take, in order of preference. The template is
 * plain JavaScript as well as TypeScript, so any of them loads.
 */
const EXTENSIONS = [".ts", ".mts", ".js", ".mjs", ".cts", ".cjs"] as const;

const NAME = /^[a-z0-9][a-z0-9_-]*$/;
const MAX_NAME_LENGTH = 100;

/**
 * Writes `<dir>/<YYYYMMDDHHmmss>_<name>.<ext>` (UTC time of `now`) from the
 * template and returns its absolute path. The extension is the first of `.ts`,
 * `.mts`, `.js`, `.mjs`, `.cts`, `.cjs` whose file name `pattern` (the config's
 * `migrations`) matches, so the new file is never skipped; `.ts` without one.
 * `importFrom` is the module the file imports `defineMigration` from (default
 * `qdrant-migrate/define`, the light entry). Refuses to overwrite, and refuses
 * a base name any existing file in `dir` already has.
 */
export async function createMigrationFile(opts: {
  dir: string;
  name: string;
  pattern?: string;
  now?: Date;
  importFrom?: string;
  /** The file's source (default: the empty template), as `generate` writes its own. */
  render?: (opts: { description: string; importFrom: string; extension: string }) => string;
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
  const extension = extensionFor(base, opts.pattern, dir);
  const path = join(dir, `${base}${extension}`);
  await mkdir(dir, { recursive: true });
  const clash = (await readdir(dir)).find((file) => file.slice(0, file.lastIndexOf(".")) === base);
  if (clash !== undefined) {
    throw new MigrationCreateError(
      "MIGRATION_FILE_EXISTS",
      `Migration ${join(dir, clash)} already exists; choose another name or wait a second.`,
    );
  }
  const source = (opts.render ?? migrationTemplate)({
    description: name.replace(/[_-]+/g, " "),
    importFrom: opts.importFrom ?? "qdrant-migrate/define",
    extension,
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

/** The first extension whose file name `pattern` matches, so discovery finds the new file. */
function extensionFor(base: string, pattern: string | undefined, dir: string): string {
  if (pattern === undefined) return ".ts";
  const glob = parseMigrationsGlob(pattern);
  if (typeof glob === "string") {
    throw new MigrationFileError(dir, `Migrations pattern "${pattern}" ${glob}.`);
  }
  const extension = EXTENSIONS.find((ext) => glob.fileName.test(`${base}${ext}`));
  if (extension === undefined) {
    throw new MigrationsPatternError(
      pattern,
      [],
      `The migrations pattern "${pattern}" matches none of the names \`create\` can write ` +
        `(${base} with ${EXTENSIONS.join(", ")}), so a new migration would never run. ` +
        "Change the `migrations` setting to match, such as migrations/*.ts.",
    );
  }
  return extension;
}

function timestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-T:]/g, "");
}
