import { createHash } from "node:crypto";
import type { Dirent, Stats } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join, relative, resolve } from "node:path";
import { parseMigrationsGlob } from "../util/migrations-glob.js";
import {
  MigrationFileError,
  MigrationsFolderMissingError,
  MigrationsPatternError,
} from "./errors.js";

/** Where migration files are: a glob pattern and its literal folder (absolute). */
export interface MigrationsFolder {
  pattern: string;
  dir: string;
}

export interface MigrationFile {
  /** The file name without its extension (or the provider's `name`); the migration's identity in the journal. */
  name: string;
  /** Absolute path; "" for a migration given in code. */
  path: string;
  /**
   * sha256 (hex) of the file's bytes (of a migration given in code: of its
   * name and definition, `provided-migrations.ts`), recorded when it is
   * applied to detect later edits.
   */
  checksum: string;
  /** A migration given in code (the config's `migrations` provider): its definition, unchecked. */
  provided?: { definition: unknown };
}

/** Extensions of files that could be migrations (`create` writes one of them). */
const CODE_FILE = /\.(?:[cm]?ts|[cm]?js)$/;

/**
 * Lists the migration files matching `migrations.pattern` under
 * `migrations.dir`, sorted by name in byte order (so timestamp prefixes sort
 * chronologically whatever the locale). Skips `.d.ts` files and names starting
 * with `_` or `.`. A missing folder is an error (`MigrationsFolderMissingError`);
 * an empty one means no migrations yet. A code file the pattern does not
 * match is an error too (`MigrationsPatternError`, listing them), unless a
 * matched file has its name (sources beside their compiled output): skipped
 * silently, a migration would never run and the journal look up to date.
 */
export async function discoverMigrations(migrations: MigrationsFolder): Promise<MigrationFile[]> {
  const glob = parseMigrationsGlob(migrations.pattern);
  if (typeof glob === "string") {
    throw new MigrationFileError(
      migrations.dir,
      `Migrations pattern "${migrations.pattern}" ${glob}.`,
    );
  }
  const dir = resolve(migrations.dir);
  let paths: string[];
  try {
    paths = await listFiles(dir, glob.recursive);
  } catch (error) {
    // Only the pattern's own folder: a subfolder removed while listing is a plain failure.
    const atRoot = error instanceof Error && "path" in error && error.path === dir;
    if (atRoot && isErrno(error, "ENOENT")) {
      throw new MigrationsFolderMissingError(dir, migrations.pattern, "missing");
    }
    if (atRoot && isErrno(error, "ENOTDIR")) {
      throw new MigrationsFolderMissingError(dir, migrations.pattern, "not a folder");
    }
    throw error;
  }
  const byName = new Map<string, string>();
  const unmatched: { name: string; path: string }[] = [];
  for (const path of paths) {
    const file = path.slice(path.lastIndexOf("/") + 1);
    if (file.startsWith("_") || file.startsWith(".") || file.endsWith(".d.ts")) continue;
    const name = file.slice(0, file.length - extname(file).length);
    if (!glob.fileName.test(file)) {
      if (CODE_FILE.test(file)) unmatched.push({ name, path });
      continue;
    }
    const other = byName.get(name);
    if (other !== undefined) {
      throw new MigrationFileError(
        path,
        `Two migration files are both named ${name}: ${relative(dir, other)} and ` +
          `${relative(dir, path)}. Migration names must be unique; rename or delete one.`,
      );
    }
    byName.set(name, path);
  }
  const skipped = unmatched
    .filter((file) => !byName.has(file.name))
    .map((file) => file.path)
    .sort(compareBytes);
  if (skipped.length > 0) throw unmatchedError(migrations.pattern, dir, skipped);
  const names = [...byName.keys()].sort(compareBytes);
  return Promise.all(
    names.map(async (name) => {
      const path = byName.get(name) as string;
      const checksum = createHash("sha256")
        .update(await readFile(path))
        .digest("hex");
      return { name, path, checksum };
    }),
  );
}

function unmatchedError(pattern: string, dir: string, files: string[]): MigrationsPatternError {
  const shown = files.slice(0, 10).map((path) => relative(dir, path));
  const more = files.length > shown.length ? ` and ${files.length - shown.length} more` : "";
  return new MigrationsPatternError(
    pattern,
    files,
    `The migrations pattern "${pattern}" does not match ${files.length} file(s) in ${dir} ` +
      `that look like migrations: ${shown.join(", ")}${more}. They would never run. Change the ` +
      "`migrations` setting to match them (such as migrations/*.{ts,mjs}), or rename a helper " +
      "to start with _ so it is not taken for a migration.",
  );
}

async function listFiles(dir: string, recursive: boolean): Promise<string[]> {
  const entries: Dirent[] = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    // Files mounted from a Kubernetes ConfigMap are symlinks. Linked folders are
    // not followed: a link back up the tree would recurse forever.
    const linked = entry.isSymbolicLink() ? await linkTarget(path) : undefined;
    if (entry.isFile() || linked?.isFile()) files.push(path);
    else if (recursive && entry.isDirectory() && !entry.name.startsWith(".")) {
      files.push(...(await listFiles(path, true)));
    }
  }
  return files;
}

/** What a symlink points to, or `undefined` when it dangles. */
async function linkTarget(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return undefined;
    throw error;
  }
}

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && "code" in error && error.code === code;
}

function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}
