import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli } from "../../src/cli/program.js";
import { capture } from "./capture.js";
import { makeProject, type TestProject } from "./project.js";
import { type TestQdrant, uniqueName } from "./qdrant.js";

/** A project with a config file (`umzug.config.mjs`, its own journal tables), as users have it. */
export async function cliProject(
  db: { readonly url: string },
  qdrant: TestQdrant,
): Promise<TestProject & { prefix: string }> {
  const project = await makeProject({ postgres: db.url, qdrant: qdrant.url });
  const prefix = `${uniqueName("qm").toLowerCase()}_`;
  const config = {
    migrations: "migrations/*.mjs",
    postgres: { url: db.url, tablePrefix: prefix },
    qdrant: { url: qdrant.url, ...(qdrant.apiKey ? { apiKey: qdrant.apiKey } : {}) },
  };
  await writeFile(
    join(project.dir, "umzug.config.mjs"),
    `export default ${JSON.stringify(config)};`,
  );
  return { ...project, prefix };
}

/** Runs the CLI in this process, in the project's folder: exit code, stdout and stderr. */
export async function cli(
  project: TestProject,
  argv: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture();
  const code = await runCli(argv, {
    cwd: project.dir,
    stdout: stdout.stream,
    stderr: stderr.stream,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
