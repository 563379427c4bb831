import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MigrationFileError } from "../src/migration/errors.js";
import { loadMigration } from "../src/migration/import-migration.js";

const DEFINE = resolve("src/migration/define-migration.js");
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-load-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function write(file: string, source: string) {
  const path = join(dir, file);
  await writeFile(path, source);
  return { name: file.slice(0, file.lastIndexOf(".")), path, checksum: "" };
}

async function loadError(file: string, source: string): Promise<MigrationFileError> {
  const migration = await write(file, source);
  const error = await loadMigration(migration).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MigrationFileError))
    throw new Error(`expected MigrationFileError, got ${error}`);
  expect(error.code).toBe("MIGRATION_FILE_INVALID");
  expect(error.file).toBe(migration.path);
  expect(error.message).toContain(migration.path);
  return error;
}

describe("loadMigration: supported files", () => {
  it("loads a TypeScript file that imports defineMigration and uses types", async () => {
    const file = await write(
      "001_ts.ts",
      `import { defineMigration, type StepContext } from ${JSON.stringify(DEFINE)};
       const note: string = "typed";
       export default defineMigration({
         description: note,
         qdrant: { async up(ctx: StepContext) { ctx.log.info("up"); } },
       });`,
    );
    const def = await loadMigration(file);
    expect(def.description).toBe("typed");
    expect(typeof def.qdrant?.up).toBe("function");
  });

  it("loads a .js file written as an ES module", async () => {
    const file = await write(
      "002_js.js",
      "export default { postgres: { up: async () => {}, down: async () => {} } };",
    );
    expect(typeof (await loadMigration(file)).postgres?.down).toBe("function");
  });

  it("loads an .mjs file", async () => {
    const file = await write("003_mjs.mjs", "export default { qdrant: { up: async () => {} } };");
    expect(typeof (await loadMigration(file)).qdrant?.up).toBe("function");
  });

  it("resolves a migration's relative imports from its own folder", async () => {
    await write("_shared.mjs", 'export const collection = await Promise.resolve("docs");');
    const file = await write(
      "004_helper.mjs",
      'import { collection } from "./_shared.mjs"; export default { collections: [collection], qdrant: { up: async () => {} } };',
    );
    expect((await loadMigration(file)).collections).toEqual(["docs"]);
  });

  it("reads the file afresh on every load, never a cached copy", async () => {
    const file = await write(
      "004_edit.mjs",
      'export default { description: "first", qdrant: { up: async () => {} } };',
    );
    await loadMigration(file);
    await writeFile(
      file.path,
      'export default { description: "second", qdrant: { up: async () => {} } };',
    );
    expect((await loadMigration(file)).description).toBe("second");
  });
});

describe("loadMigration: MigrationFileError naming the file and the fix", () => {
  it("rejects a file without a default export", async () => {
    const error = await loadError("010_named.ts", "export const qdrant = { up: async () => {} };");
    expect(error.message).toContain("no default export");
    expect(error.message).toContain("export default defineMigration");
  });

  it("rejects a default export that is undefined", async () => {
    const error = await loadError("011_undef.mjs", "export default undefined;");
    expect(error.message).toContain("expected an object");
  });

  it("rejects a qdrant.up that is not a function", async () => {
    const error = await loadError("012_shape.ts", 'export default { qdrant: { up: "soon" } };');
    expect(error.message).toContain("qdrant.up must be a function");
  });

  it("rejects unknown keys", async () => {
    const error = await loadError(
      "013_typo.ts",
      "export default { postgres: { up: async () => {} }, verfiy: async () => {} };",
    );
    expect(error.message).toContain('unknown key "verfiy"');
  });

  it("rejects a file with a syntax error", async () => {
    const error = await loadError(
      "014_syntax.ts",
      "export default { postgres: { up: async () => { };",
    );
    expect(error.message).toContain("failed to load");
  });

  it("rejects a file that throws while being imported, quoting the error", async () => {
    const error = await loadError("015_throws.ts", 'throw new Error("no EMBEDDING_MODEL set");');
    expect(error.message).toContain("no EMBEDDING_MODEL set");
  });

  it("rejects a defineMigration call with a bad shape, quoting its problem", async () => {
    const error = await loadError(
      "016_define.ts",
      `import { defineMigration } from ${JSON.stringify(DEFINE)};
       export default defineMigration({ description: "nothing" });`,
    );
    expect(error.message).toContain("neither a postgres nor a qdrant step");
  });
});

describe("loadMigration: secrets", () => {
  it("masks URL passwords and the environment's API key in import errors", async () => {
    const saved = process.env.QDRANT_API_KEY;
    process.env.QDRANT_API_KEY = "qk-live-123456";
    try {
      const error = await loadError(
        "020_secret.ts",
        'throw new Error("cannot reach postgres://app:pg-pass-789@db/app with key qk-live-123456");',
      );
      expect(error.message).not.toContain("pg-pass-789");
      expect(error.message).not.toContain("qk-live-123456");
      expect(error.message).toContain("postgres://app:***@db/app");
    } finally {
      if (saved === undefined) delete process.env.QDRANT_API_KEY;
      else process.env.QDRANT_API_KEY = saved;
    }
  });
});
