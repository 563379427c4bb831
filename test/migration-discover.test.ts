import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { discoverMigrations } from "../src/migration/discover.js";
import {
  MigrationFileError,
  MigrationsFolderMissingError,
  MigrationsPatternError,
} from "../src/migration/errors.js";

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** A temp folder holding the given files (path relative to it → contents). */
async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-discover-"));
  made.push(dir);
  for (const [path, contents] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), contents);
  }
  return dir;
}

async function names(dir: string, pattern: string): Promise<string[]> {
  return (await discoverMigrations({ pattern, dir })).map((f) => f.name);
}

describe("discoverMigrations", () => {
  it("returns name, absolute path and sha256 of each file", async () => {
    const dir = await folder({ "001_a.ts": "export default {};\n" });
    const [file] = await discoverMigrations({ pattern: "*.ts", dir });
    expect(file).toEqual({
      name: "001_a",
      path: join(dir, "001_a.ts"),
      checksum: createHash("sha256").update("export default {};\n").digest("hex"),
    });
  });

  it("returns absolute paths when dir is relative", async () => {
    const dir = await folder({ "1.ts": "" });
    const [file] = await discoverMigrations({ pattern: "*.ts", dir: relative(process.cwd(), dir) });
    expect(file?.path).toBe(join(dir, "1.ts"));
  });

  it("sorts by name in byte order, not locale order", async () => {
    const dir = await folder({ "b.ts": "", "B.ts": "", "a.ts": "", "_.ts": "", "A_1.ts": "" });
    expect(await names(dir, "*.ts")).toEqual(["A_1", "B", "a", "b"]);
  });

  it("matches one extension with dir/*.ext, beside the other extensions of the same names", async () => {
    const dir = await folder({ "1.ts": "", "1.js": "", "2.ts": "", "2.mjs": "", "3.md": "" });
    expect(await names(dir, "*.ts")).toEqual(["1", "2"]);
  });

  it("refuses code files the pattern does not match, listing them (MIGRATIONS_PATTERN_MISMATCH)", async () => {
    const dir = await folder({ "1.ts": "", "2.js": "", "3.mjs": "", "_helper.js": "" });
    const error = await discoverMigrations({ pattern: "*.ts", dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MigrationsPatternError);
    expect(error).toMatchObject({
      code: "MIGRATIONS_PATTERN_MISMATCH",
      files: [join(dir, "2.js"), join(dir, "3.mjs")],
    });
    expect((error as Error).message).toContain('pattern "*.ts" does not match 2 file(s)');
    expect((error as Error).message).toContain("2.js, 3.mjs");
  });

  it("matches a set of extensions with dir/*.{a,b}", async () => {
    const dir = await folder({ "1.ts": "", "2.js": "", "3.mjs": "", "4.json": "", "5.md": "" });
    expect(await names(dir, "*.{ts,js,mjs}")).toEqual(["1", "2", "3"]);
  });

  it("ignores the literal folder part of the pattern and lists dir itself", async () => {
    const dir = await folder({ "1.ts": "" });
    expect(await names(dir, "db/migrations/*.ts")).toEqual(["1"]);
  });

  it("descends into subfolders only with **/", async () => {
    const dir = await folder({ "1.ts": "", "2024/2.ts": "", "2024/q1/3.ts": "" });
    expect(await names(dir, "*.ts")).toEqual(["1"]);
    expect(await names(dir, "**/*.{ts,js}")).toEqual(["1", "2", "3"]);
  });

  it("skips .d.ts files and names starting with _ or .", async () => {
    const dir = await folder({ "1.ts": "", "types.d.ts": "", "_helpers.ts": "", ".hidden.ts": "" });
    expect(await names(dir, "*.ts")).toEqual(["1"]);
  });

  it("skips folders whose name starts with .", async () => {
    const dir = await folder({ "1.ts": "", ".cache/2.ts": "" });
    expect(await names(dir, "**/*.ts")).toEqual(["1"]);
  });

  it("follows symlinks to files, as in a Kubernetes ConfigMap mount, and skips dangling ones", async () => {
    const dir = await folder({ "..data/1.ts": "export default 1;" });
    await symlink(join(dir, "..data/1.ts"), join(dir, "1.ts"));
    await symlink(join(dir, "..data/gone.ts"), join(dir, "gone.ts"));
    const [file] = await discoverMigrations({ pattern: "**/*.ts", dir });
    expect(file).toMatchObject({ name: "1", path: join(dir, "1.ts") });
    expect(await names(dir, "**/*.ts")).toEqual(["1"]);
  });

  it("does not follow a symlinked folder, which could loop", async () => {
    const dir = await folder({ "sub/1.ts": "" });
    await symlink(dir, join(dir, "sub", "loop"));
    expect(await names(dir, "**/*.ts")).toEqual(["1"]);
  });

  it("returns nothing for an existing folder with no migration files", async () => {
    const dir = await folder({ "README.md": "" });
    expect(await names(dir, "*.ts")).toEqual([]);
  });

  it("rejects a folder that does not exist, naming its resolved path", async () => {
    const dir = join(await folder({}), "migrashuns");
    const error = await discoverMigrations({ pattern: "migrashuns/*.ts", dir }).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationsFolderMissingError);
    expect(error).toMatchObject({ code: "MIGRATIONS_DIR_MISSING", dir });
    expect(error.message).toContain(`${dir} (from the pattern "migrashuns/*.ts") does not exist`);
  });

  it("rejects a pattern whose folder is a file", async () => {
    const root = await folder({ migrations: "not a folder" });
    const dir = join(root, "migrations");
    const error = await discoverMigrations({ pattern: "migrations/*.ts", dir }).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationsFolderMissingError);
    expect(error.message).toContain(`${dir} (from the pattern "migrations/*.ts") is not a folder`);
  });

  it("rejects two files with the same name, naming both", async () => {
    const dir = await folder({ "001_a.ts": "", "001_a.mjs": "" });
    const error = await discoverMigrations({ pattern: "*.{ts,mjs}", dir }).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationFileError);
    expect(error.code).toBe("MIGRATION_FILE_INVALID");
    expect(error.message).toContain("001_a.ts");
    expect(error.message).toContain("001_a.mjs");
  });

  it("rejects the same name in two subfolders of a ** pattern", async () => {
    const dir = await folder({ "x/001_a.ts": "", "y/001_a.ts": "" });
    const error = await discoverMigrations({ pattern: "**/*.ts", dir }).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationFileError);
    expect(error.message).toContain(join("x", "001_a.ts"));
    expect(error.message).toContain(join("y", "001_a.ts"));
  });

  it("rejects an unsupported pattern", async () => {
    const dir = await folder({});
    await expect(discoverMigrations({ pattern: "[0-9]*.ts", dir })).rejects.toThrow(
      /does not support \[\.\.\.\]/,
    );
  });
});
