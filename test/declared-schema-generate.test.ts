import { readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type CollectionState, captureCollectionState } from "./harness/collection-state.js";
import { useTestDatabase } from "./harness/database.js";
import { cli, cliProject } from "./harness/in-process-cli.js";
import type { TestProject } from "./harness/project.js";
import {
  IN_PLACE_VECTORS,
  needsQdrant,
  testClient,
  uniqueName,
  useQdrant,
} from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();
const inPlace = await needsQdrant(IN_PLACE_VECTORS);

type Spec = Record<string, unknown>;

/** A migration that ensures each collection with its spec (at once, to keep the test short), and drops them in its down. */
async function createCollections(project: TestProject, name: string, specs: Record<string, Spec>) {
  await project.writeMigration(
    name,
    `const specs = ${JSON.stringify(specs)};
export default {
  collections: Object.keys(specs),
  qdrant: {
    async up(ctx) {
      await Promise.all(Object.entries(specs).map(([c, spec]) => ctx.schema.ensureCollection(c, spec)));
    },
    async down(ctx) {
      await Promise.all(Object.keys(specs).map((c) => ctx.qdrant.deleteCollection(c)));
    },
  },
};`,
  );
}

async function declare(project: TestProject, schema: unknown): Promise<void> {
  await writeFile(
    join(project.dir, "qdrant.schema.mjs"),
    `export default ${JSON.stringify(schema)};`,
  );
}

/** The generated migration's source (the only file after `first`). */
async function generated(
  project: TestProject,
  skip: number,
): Promise<{ file: string; source: string }> {
  const files = (await readdir(project.migrationsDir)).sort();
  const file = files[skip];
  if (file === undefined) throw new Error(`no generated migration in ${files.join(", ")}`);
  return { file, source: await readFile(join(project.migrationsDir, file), "utf8") };
}

async function capture(names: readonly string[]): Promise<(CollectionState | null)[]> {
  const client = testClient(qdrant.url, qdrant.apiKey);
  return Promise.all(names.map((n) => captureCollectionState(client, n, { withoutStamp: true })));
}

const text = { size: 4, distance: "Cosine" };

describe("generate from a template of per-bot collections", () => {
  it.skipIf(inPlace.skip)(
    `writes one migration adding a vector, an index and a setting to all 14; up applies it, down reverts it exactly, check fails before and is clean after${inPlace.reason}`,
    { timeout: 120_000 },
    async () => {
      const project = await cliProject(db, qdrant);
      const prefix = uniqueName("memory").toLowerCase();
      const bots = Array.from({ length: 14 }, (_, i) => `${prefix}_bot${i}`);
      await createCollections(
        project,
        "001_bots",
        Object.fromEntries(
          bots.map((b) => [b, { vectors: { text }, payloadIndexes: { kind: "keyword" } }]),
        ),
      );
      expect((await cli(project, ["up"])).code).toBe(0);
      const before = await capture(bots);
      await declare(project, {
        templates: {
          memory: {
            match: `${prefix}_{bot}`,
            vectors: { text, emotion: { size: 3, distance: "Dot" } },
            payloadIndexes: { kind: "keyword", user_id: "integer" },
            hnsw_config: { m: 32 },
          },
        },
      });

      const stale = await cli(project, ["check"]);
      expect(stale.code).toBe(6);
      expect(stale.stdout).toContain(`declared schema differs in ${bots[0]}: vectors.emotion`);
      expect(stale.stdout).toContain(
        `declared schema differs in ${bots[13]}: payloadIndexes.user_id`,
      );

      const gen = await cli(project, ["generate", "bot_emotion"]);
      expect(gen.code, gen.stderr).toBe(0);
      const { source } = await generated(project, 1);
      expect(source).toContain("for (const [i, collection] of memoryCollections.entries())");
      expect(source).toContain('ctx.schema.addVector(collection, "emotion"');
      expect(source).toContain('ctx.schema.createPayloadIndex(collection, "user_id", "integer")');
      expect(source).toContain('ctx.schema.updateCollection(collection, {"hnsw_config":{"m":32}})');
      expect((await cli(project, ["check"])).code).toBe(6);

      expect((await cli(project, ["up"])).code).toBe(0);
      const check = await cli(project, ["check"]);
      expect(check.stdout).not.toContain("declared schema differs");
      expect(check.code).toBe(0);

      expect((await cli(project, ["down"])).code).toBe(0);
      expect(await capture(bots)).toEqual(before);
      expect((await cli(project, ["check"])).code).toBe(6);
    },
  );
});

describe("generate for one collection", () => {
  it("creates a declared collection, and a declared one behind an alias; down drops both, and up again makes them identical", async () => {
    const project = await cliProject(db, qdrant);
    const plain = uniqueName("plain").toLowerCase();
    const aliased = uniqueName("docs").toLowerCase();
    await declare(project, {
      collections: {
        [plain]: { vectors: { text }, payloadIndexes: { lang: "keyword" } },
        [aliased]: { alias: true, vectors: text },
      },
    });
    expect((await cli(project, ["generate", "initial"])).code).toBe(0);
    expect((await cli(project, ["up"])).code).toBe(0);
    expect((await cli(project, ["check"])).code).toBe(0);
    const client = testClient(qdrant.url, qdrant.apiKey);
    expect((await client.getCollection(plain)).payload_schema.lang?.data_type).toBe("keyword");
    expect((await client.getCollectionAliases(aliased)).aliases).toEqual([]);
    expect((await client.getAliases()).aliases).toContainEqual({
      alias_name: aliased,
      collection_name: `${aliased}_v1`,
    });

    const applied = await capture([plain, `${aliased}_v1`]);

    expect((await cli(project, ["down"])).code).toBe(0);
    expect((await client.collectionExists(plain)).exists).toBe(false);
    expect((await client.collectionExists(`${aliased}_v1`)).exists).toBe(false);
    expect((await cli(project, ["up"])).code).toBe(0);
    expect(await capture([plain, `${aliased}_v1`])).toEqual(applied);
    expect((await cli(project, ["check"])).code).toBe(0);
  });

  it.skipIf(inPlace.skip)(
    `drops an index and a vector no longer declared; down puts both back${inPlace.reason}`,
    async () => {
      const project = await cliProject(db, qdrant);
      const name = uniqueName("items").toLowerCase();
      await createCollections(project, "001_items", {
        [name]: {
          vectors: { text, old: { size: 8, distance: "Euclid" } },
          payloadIndexes: { x: "keyword" },
        },
      });
      expect((await cli(project, ["up"])).code).toBe(0);
      const [before] = await capture([name]);
      await declare(project, { collections: { [name]: { vectors: { text } } } });

      expect((await cli(project, ["generate", "slim"])).code).toBe(0);
      const { source } = await generated(project, 1);
      expect(source).toContain(`ctx.schema.removeVector("${name}", "old")`);
      expect(source).toContain(`ctx.schema.dropPayloadIndex("${name}", "x")`);
      expect((await cli(project, ["up"])).code).toBe(0);
      expect((await cli(project, ["check"])).code).toBe(0);
      expect((await cli(project, ["down"])).code).toBe(0);
      expect((await capture([name]))[0]).toEqual(before);
    },
  );

  it("writes a vector replaced by one of the same shape as a TODO that throws, and up changes nothing", async () => {
    const project = await cliProject(db, qdrant);
    const name = uniqueName("items").toLowerCase();
    await createCollections(project, "001_items", { [name]: { vectors: { text } } });
    expect((await cli(project, ["up"])).code).toBe(0);
    const [before] = await capture([name]);
    await declare(project, { collections: { [name]: { vectors: { body: text } } } });

    const gen = await cli(project, ["generate", "rename_text"]);
    expect(gen.stdout).toContain("1 TODO(s) need your decision");
    const { source } = await generated(project, 1);
    expect(source).toContain(
      `// TODO decide: ${name}: vector "text" disappears while "body" of the same shape appears`,
    );
    const up = await cli(project, ["up"]);
    expect(up.code).toBe(1);
    expect(up.stderr).toContain("needs a decision");
    expect((await capture([name]))[0]).toEqual(before);
  });

  it("writes a vector size change as a TODO naming changeVector and a transform", async () => {
    const project = await cliProject(db, qdrant);
    const name = uniqueName("items").toLowerCase();
    await createCollections(project, "001_items", { [name]: { vectors: { text } } });
    expect((await cli(project, ["up"])).code).toBe(0);
    await declare(project, {
      collections: { [name]: { vectors: { text: { size: 8, distance: "Cosine" } } } },
    });

    expect((await cli(project, ["generate", "wider_text"])).code).toBe(0);
    const { source } = await generated(project, 1);
    expect(source).toMatch(
      /TODO decide: .*vectors\.text\.size changes from 4 to 8.*changeVector.*transform/,
    );
    expect(source).toContain("throw new Error(");
  });

  it("writes a managed collection the schema no longer declares as a TODO, never a drop", async () => {
    const project = await cliProject(db, qdrant);
    const kept = uniqueName("kept").toLowerCase();
    const gone = uniqueName("gone").toLowerCase();
    await createCollections(project, "001_two", {
      [kept]: { vectors: text },
      [gone]: { vectors: text },
    });
    expect((await cli(project, ["up"])).code).toBe(0);
    await declare(project, { collections: { [kept]: { vectors: text } } });

    const check = await cli(project, ["check"]);
    expect(check.code).toBe(6);
    expect(check.stdout).toContain(
      `declared schema differs in ${gone}: collection ${gone}: managed, not declared`,
    );
    expect((await cli(project, ["generate", "drop_gone"])).code).toBe(0);
    const { source } = await generated(project, 1);
    expect(source).toContain(`TODO decide: collection ${gone} is managed but no longer declared`);
    expect(source).not.toMatch(/^\s*await ctx\.qdrant\.deleteCollection/m);
  });
});

describe("generate --from live", () => {
  it("--schema-only writes a schema file that reproduces the deployment: check is clean and generate finds nothing", async () => {
    const project = await cliProject(db, qdrant);
    const prefix = uniqueName("tenant").toLowerCase();
    const other = uniqueName("catalog").toLowerCase();
    const tenant = { vectors: { text }, payloadIndexes: { kind: "keyword" } };
    await createCollections(project, "001_deployment", {
      [`${prefix}_a`]: tenant,
      [`${prefix}_b`]: tenant,
      [`${prefix}_c`]: tenant,
      [other]: { vectors: { size: 8, distance: "Dot" }, hnsw_config: { m: 8 } },
    });
    expect((await cli(project, ["up"])).code).toBe(0);
    await writeFile(
      join(project.dir, "umzug.config.mjs"),
      (await readFile(join(project.dir, "umzug.config.mjs"), "utf8")).replace(
        "export default {",
        'export default {"schema":"qdrant.schema.mjs",',
      ),
    );

    const written = await cli(project, ["generate", "--from", "live", "--schema-only"]);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toContain(
      "1 collection(s), 1 template(s), from 4 managed collection(s)",
    );
    const schema = await readFile(join(project.dir, "qdrant.schema.mjs"), "utf8");
    expect(schema).toContain(`"match": "${prefix}_*"`);

    expect((await cli(project, ["check"])).code).toBe(0);
    const again = await cli(project, ["generate", "nothing", "--from", "live"]);
    expect(again.stdout).toContain("nothing written");
    expect((await readdir(project.migrationsDir)).length).toBe(1);
    expect((await cli(project, ["generate", "--from", "live", "--schema-only"])).code).toBe(2);
    await rm(join(project.dir, "qdrant.schema.mjs"));
  });
});

describe("without a schema file", () => {
  it("check is unchanged and generate says how to write one", async () => {
    const project = await cliProject(db, qdrant);
    expect((await cli(project, ["check"])).code).toBe(0);
    const gen = await cli(project, ["generate", "anything"]);
    expect(gen.code).toBe(2);
    expect(gen.stderr).toContain("--from live --schema-only");
  });

  it("a malformed schema file is a usage error naming the field", async () => {
    const project = await cliProject(db, qdrant);
    await declare(project, { collections: { docs: { vectors: { text: { size: "4" } } } } });
    const check = await cli(project, ["check", "--json"]);
    expect(check.code).toBe(2);
    expect(JSON.parse(check.stdout).error.code).toBe("SCHEMA_FILE_INVALID");
    expect(check.stderr).toContain("collections.docs.vectors.text must have a numeric size");
  });
});
