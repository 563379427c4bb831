import { describe, expect, it } from "vitest";
import { queryRows, useTestDatabase } from "./harness/database.js";
import { cli, cliProject } from "./harness/in-process-cli.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();

/** Marks a migration's journal row `in_progress`, as a runner that died mid-`up` leaves it. */
async function interrupt(prefix: string, name: string): Promise<void> {
  await queryRows(
    db.url,
    `UPDATE "${prefix}migrations" SET status = 'in_progress' WHERE name = $1`,
    [name],
  );
}

describe("status and check of an interrupted resumable migration", () => {
  it("say the next up resumes it and exit 3, as for pending work", async () => {
    const project = await cliProject(db, qdrant);
    await project.writeMigration(
      "001_backfill",
      "export default { resumable: true, postgres: { up: async () => {}, down: async () => {} } };",
    );
    expect((await cli(project, ["up"])).code).toBe(0);
    await interrupt(project.prefix, "001_backfill");

    const status = await cli(project, ["status"]);
    expect(status.code).toBe(3);
    expect(status.stdout).toContain("in_progress 001_backfill  RESUMED BY THE NEXT up (resumable)");

    const check = await cli(project, ["check"]);
    expect(check.code).toBe(3);
    expect(check.stdout).toContain("interrupted, resumed by the next up: 001_backfill");
    expect(check.stdout).not.toMatch(/^interrupted: /m);
  });

  it("still say interrupted and exit 4 when the migration is not resumable", async () => {
    const project = await cliProject(db, qdrant);
    await project.writeMigration(
      "001_plain",
      "export default { postgres: { up: async () => {}, down: async () => {} } };",
    );
    expect((await cli(project, ["up"])).code).toBe(0);
    await interrupt(project.prefix, "001_plain");

    const status = await cli(project, ["status"]);
    expect(status.code).toBe(4);
    expect(status.stdout).not.toContain("RESUMED");
    expect((await cli(project, ["check"])).stdout).toContain("interrupted: 001_plain");
  });
});

describe("plain status", () => {
  it("shows a failed migration's error under it", async () => {
    const project = await cliProject(db, qdrant);
    await project.writeMigration(
      "001_breaks",
      `export default { postgres: { up: async () => { throw new Error("column title is missing"); }, down: async () => {} } };`,
    );
    expect((await cli(project, ["up"])).code).toBe(1);

    const status = await cli(project, ["status"]);

    expect(status.code).toBe(4);
    expect(status.stdout).toMatch(/^failed {6}001_breaks\n {12}error: .*column title is missing/m);
  });

  it("shows the project's aliases and the collection each points at", async () => {
    const project = await cliProject(db, qdrant);
    const alias = uniqueName("docs");
    await project.writeMigration(
      "001_alias",
      `export default {
        qdrant: {
          up: async ({ qdrant }) => {
            await qdrant.createCollection("${alias}_v1", { vectors: { size: 4, distance: "Dot" } });
            await qdrant.updateCollectionAliases({
              actions: [{ create_alias: { alias_name: "${alias}", collection_name: "${alias}_v1" } }],
            });
          },
          down: async ({ qdrant }) => { await qdrant.deleteCollection("${alias}_v1"); },
        },
      };`,
    );
    expect((await cli(project, ["up"])).code).toBe(0);

    const status = await cli(project, ["status"]);

    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`alias ${alias} -> ${alias}_v1`);
    const json = JSON.parse((await cli(project, ["status", "--json"])).stdout);
    expect(json.aliases).toEqual([{ alias, collection: `${alias}_v1` }]);
  });
});
