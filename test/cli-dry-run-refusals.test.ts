import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "./harness/database.js";
import { cli, cliProject } from "./harness/in-process-cli.js";
import type { TestProject } from "./harness/project.js";
import { useQdrant } from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();

const reversible = "export default { postgres: { up: async () => {}, down: async () => {} } };";

/** Runs the CLI with `--json`: its exit code and the error code it printed. */
async function refusal(project: TestProject, argv: string[]) {
  const { code, stdout } = await cli(project, ["--json", ...argv]);
  const result = JSON.parse(stdout) as { error?: { code: string } };
  return { code, error: result.error?.code };
}

describe("--dry-run refuses with the run's error and exit code", () => {
  it("up --dry-run and up both exit 4 (HISTORY_MISMATCH) when an applied file changed", async () => {
    const project = await cliProject(db, qdrant);
    const path = await project.writeMigration("001_first", reversible);
    expect((await refusal(project, ["up"])).code).toBe(0);
    await writeFile(path, `${reversible}\n// edited after it ran`);
    await project.writeMigration("002_second", reversible);

    const dry = await refusal(project, ["up", "--dry-run"]);
    const real = await refusal(project, ["up"]);

    expect(dry).toEqual({ code: 4, error: "HISTORY_MISMATCH" });
    expect(real).toEqual(dry);
  });

  it("down --dry-run and down both exit 2 (MIGRATION_IRREVERSIBLE) for a migration without down", async () => {
    const project = await cliProject(db, qdrant);
    await project.writeMigration(
      "001_first",
      "export default { postgres: { up: async () => {} } };",
    );
    expect((await refusal(project, ["up"])).code).toBe(0);

    const dry = await refusal(project, ["down", "--dry-run"]);
    const real = await refusal(project, ["down"]);

    expect(dry).toEqual({ code: 2, error: "MIGRATION_IRREVERSIBLE" });
    expect(real).toEqual(dry);
  });

  it("down --dry-run --allow-changed plans the revert the run allows", async () => {
    const project = await cliProject(db, qdrant);
    const path = await project.writeMigration("001_first", reversible);
    expect((await refusal(project, ["up"])).code).toBe(0);
    await writeFile(path, `${reversible}\n// edited after it ran`);

    expect(await refusal(project, ["down", "--dry-run"])).toEqual({
      code: 4,
      error: "HISTORY_MISMATCH",
    });
    expect(await refusal(project, ["down", "--dry-run", "--allow-changed"])).toEqual({
      code: 0,
      error: undefined,
    });
  });
});
