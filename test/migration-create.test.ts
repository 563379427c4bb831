import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { createMigrationFile } from "../src/migration/create-migration.js";
import { discoverMigrations } from "../src/migration/discover.js";
import { MigrationCreateError } from "../src/migration/errors.js";
import { loadMigration } from "../src/migration/import-migration.js";
import { migrationTemplate } from "../src/migration/template.js";

const NOW = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
const DEFINE = resolve("src/migration/define-migration.js");

const made: string[] = [];
afterAll(async () => {
  await Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-create-"));
  made.push(dir);
  return dir;
}

async function createError(opts: Parameters<typeof createMigrationFile>[0]) {
  const error = await createMigrationFile(opts).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MigrationCreateError)) throw new Error(`expected an error, got ${error}`);
  return error;
}

describe("createMigrationFile", () => {
  it("takes the extension of the migrations pattern, so discovery finds the file", async () => {
    const dir = await tempDir();
    const path = await createMigrationFile({ dir, name: "init", pattern: "db/*.mjs", now: NOW });
    expect(path).toBe(join(dir, "20260102030405_init.mjs"));
    const found = await discoverMigrations({ pattern: "db/*.mjs", dir });
    expect(found.map((f) => f.name)).toEqual(["20260102030405_init"]);
  });

  it("prefers .ts when the pattern accepts several extensions", async () => {
    const dir = await tempDir();
    const path = await createMigrationFile({ dir, name: "init", pattern: "*.{mjs,ts}", now: NOW });
    expect(path).toBe(join(dir, "20260102030405_init.ts"));
  });

  it("refuses a pattern no name it can write matches, naming the pattern", async () => {
    const dir = await tempDir();
    const error = await createMigrationFile({ dir, name: "init", pattern: "V*.sql" }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: "MIGRATIONS_PATTERN_MISMATCH", pattern: "V*.sql" });
    expect((error as Error).message).toContain('The migrations pattern "V*.sql" matches none');
    expect(await readdir(dir)).toEqual([]);
  });

  it("writes <YYYYMMDDHHmmss>_<name>.ts in UTC and returns its path", async () => {
    const dir = await tempDir();
    const path = await createMigrationFile({ dir, name: "add_title-vector", now: NOW });
    expect(path).toBe(join(dir, "20260102030405_add_title-vector.ts"));
    expect(await readdir(dir)).toEqual(["20260102030405_add_title-vector.ts"]);
  });

  it("creates the folder when it does not exist yet", async () => {
    const dir = join(await tempDir(), "db", "migrations");
    await createMigrationFile({ dir, name: "init", now: NOW });
    expect(await readdir(dir)).toEqual(["20260102030405_init.ts"]);
  });

  it("imports defineMigration from qdrant-migrate unless told otherwise", async () => {
    const dir = await tempDir();
    const path = await createMigrationFile({ dir, name: "init", now: NOW });
    expect(await readFile(path, "utf8")).toMatch(
      /^import \{ defineMigration \} from "qdrant-migrate\/define";/,
    );
  });

  it("refuses to overwrite an existing file", async () => {
    const dir = await tempDir();
    const path = await createMigrationFile({ dir, name: "init", now: NOW });
    await writeFile(path, "// edited by hand\n");
    const error = await createError({ dir, name: "init", now: NOW });
    expect(error.code).toBe("MIGRATION_FILE_EXISTS");
    expect(await readFile(path, "utf8")).toBe("// edited by hand\n");
  });

  it("refuses a name an existing file of another extension already has", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "20260102030405_init.mjs"), "");
    const error = await createError({ dir, name: "init", now: NOW });
    expect(error.code).toBe("MIGRATION_FILE_EXISTS");
    expect(error.message).toContain("20260102030405_init.mjs");
  });

  for (const name of ["", "Add_Title", "add title", "../escape", "_leading", "x".repeat(101)]) {
    it(`rejects the name ${JSON.stringify(name.slice(0, 12))}`, async () => {
      const dir = await tempDir();
      const error = await createError({ dir, name, now: NOW });
      expect(error.code).toBe("MIGRATION_NAME_INVALID");
      expect(await readdir(dir)).toEqual([]);
    });
  }
});

describe("the migration template", () => {
  it("is discovered and loads as a reversible migration with both halves and verify", async () => {
    const dir = await tempDir();
    await createMigrationFile({ dir, name: "add_index", now: NOW, importFrom: DEFINE });
    const [file] = await discoverMigrations({ pattern: "*.{ts,js,mjs}", dir });
    if (!file) throw new Error("the template was not discovered");
    const def = await loadMigration(file);
    expect(def.description).toBe("add index");
    expect(Object.keys(def)).toEqual([
      "description",
      "collections",
      "postgres",
      "qdrant",
      "verify",
    ]);
    expect(typeof def.postgres?.down).toBe("function");
    expect(typeof def.qdrant?.down).toBe("function");
  });

  it("typechecks under the project's strict compiler options", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "package.json"), '{ "type": "module" }');
    const path = await createMigrationFile({ dir, name: "typed", now: NOW, importFrom: DEFINE });
    const program = ts.createProgram([path], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      noUncheckedIndexedAccess: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
      skipLibCheck: true,
      types: ["node"],
      typeRoots: [resolve("node_modules/@types")],
      noEmit: true,
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
    expect(diagnostics).toEqual([]);
  });

  it("lists every key of the step context in its comment, and explains each", () => {
    const keys = stepContextKeys();
    const source = migrationTemplate({ description: "x", importFrom: "qdrant-migrate/define" });
    const listed = /ctx = \{ ([^}]*) \}/.exec(source)?.[1]?.split(", ");
    expect(listed?.slice().sort()).toEqual(keys.slice().sort());
    for (const key of keys) expect(source).toMatch(new RegExp(`^// - ctx\\.${key}\\b`, "m"));
  });
});

/** The property names of `StepContext`, as the compiler sees the type migrations are given. */
function stepContextKeys(): string[] {
  const file = resolve("src/migration/define-migration.ts");
  const program = ts.createProgram([file], { skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const sourceFile = program.getSourceFile(file);
  const declaration = sourceFile?.statements.find(
    (s): s is ts.InterfaceDeclaration =>
      ts.isInterfaceDeclaration(s) && s.name.text === "StepContext",
  );
  if (!declaration) throw new Error("StepContext is not declared in define-migration.ts");
  return checker
    .getPropertiesOfType(checker.getTypeAtLocation(declaration))
    .map((p) => p.getName());
}
