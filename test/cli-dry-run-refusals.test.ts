import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../src/cli/program.js";
import { capture } from "./harness/capture.js";
import { useTestDatabase } from "./harness/database.js";
import { makeProject, type TestProject } from "./harness/project.js";
import { uniqueName, useQdrant } from "./harness/qdrant.js";

const db = useTestDatabase();
const qdrant = useQdrant();

const reversible = "export default { postgres: { up: async () => {}, down: async () => {} } };";

async function cliProject(): Promise<TestProject> {
  const project = await makeProject({ postgres: db.url, qdrant: qdrant.url });
  const config = {
    migrations: "migrations/*.mjs",
    postgres: { url: db.url, tablePrefix: `${uniqueName("qm").toLowerCase()}_` },
    qdrant: { url: qdrant.url, ...(qdrant.apiKey ? { apiKey: qdrant.apiKey } : {}) },
  };
  await writeFile(
    join(project.dir, "umzug.config.mjs"),
    `export default ${JSON.stringify(config)};`,
  );
  return project;
}

/** Runs the CLI in this process with `--json`: its exit code and the error code it printed. */
async function cli(project: TestProject, argv: string[]) {
  const stdout = capture();
  const code = await runCli(["--json", ...argv], {
    cwd: project.dir,
    stdout: stdout.stream,
    stderr: capture().stream,
  });
  const result = JSON.parse(stdout.text()) as {
    error?: { code: string };
  };
  return { code, error: result.error?.code };
}

describe("--dry-run refuses with the run's error and exit code", () => {
  it("up --dry-run and up both exit 4 (HISTORY_MISMATCH) when an applied file changed", async () => {
    const project = await cliProject();
    const path = await project.writeMigration("001_first", reversible);
    expect((await cli(project, ["up"])).code).toBe(0);
    await writeFile(path, `${reversible}\n// edited after it ran`);
    await project.writeMigration("002_second", reversible);

    const dry = await cli(project, ["up", "--dry-run"]);
    const real = await cli(project, ["up"]);

    expect(dry).toEqual({ code: 4, error: "HISTORY_MISMATCH" });
    expect(real).toEqual(dry);
  });

  it("down --dry-run and down both exit 2 (MIGRATION_IRREVERSIBLE) for a migration without down", async () => {
    const project = await cliProject();
    await project.writeMigration(
      "001_first",
      "export default { postgres: { up: async () => {} } };",
    );
    expect((await cli(project, ["up"])).code).toBe(0);

    const dry = await cli(project, ["down", "--dry-run"]);
    const real = await cli(project, ["down"]);

    expect(dry).toEqual({ code: 2, error: "MIGRATION_IRREVERSIBLE" });
    expect(real).toEqual(dry);
  });

  it("down --dry-run --allow-changed plans the revert the run allows", async () => {
    const project = await cliProject();
    const path = await project.writeMigration("001_first", reversible);
    expect((await cli(project, ["up"])).code).toBe(0);
    await writeFile(path, `${reversible}\n// edited after it ran`);

    expect(await cli(project, ["down", "--dry-run"])).toEqual({
      code: 4,
      error: "HISTORY_MISMATCH",
    });
    expect(await cli(project, ["down", "--dry-run", "--allow-changed"])).toEqual({
      code: 0,
      error: undefined,
    });
  });
});
