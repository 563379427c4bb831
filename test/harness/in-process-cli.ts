import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runCli } from "../../src/cli/program.js";
import { capture } from "./capture.js";
import { makeProject, type TestProject } from "./project.js";
import { type TestQdrant, uniqueName } from "./qdrant.js";

/**
 * A project with a config file (`umzug.config.mjs`, its own journal tables),
 * as users have it: `migrations/*.mjs` over the file's stores, unless `config` says otherwise.
 */
export async function cliProject(
  db: { readonly url: string },
  qdrant: TestQdrant,
  config: { migrations?: string; postgresUrl?: string; qdrantUrl?: string; apiKey?: string } = {},
): Promise<TestProject & { prefix: string }> {
  const project = await makeProject({ postgres: db.url, qdrant: qdrant.url });
  const prefix = `${uniqueName("qm").toLowerCase()}_`;
  const apiKey = config.apiKey ?? qdrant.apiKey;
  const file = {
    migrations: config.migrations ?? "migrations/*.mjs",
    postgres: { url: config.postgresUrl ?? db.url, tablePrefix: prefix },
    qdrant: { url: config.qdrantUrl ?? qdrant.url, ...(apiKey ? { apiKey } : {}) },
  };
  await writeFile(join(project.dir, "umzug.config.mjs"), `export default ${JSON.stringify(file)};`);
  return { ...project, prefix };
}

/**
 * Runs the CLI in this process, in `cwd` (a project's folder): exit code,
 * stdout and stderr. `onStderr` sees stderr so far, on each write.
 */
export async function cli(
  cwd: string | { readonly dir: string },
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; onStderr?: (stderrSoFar: string) => void } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = capture();
  const stderr = capture(opts.onStderr);
  const code = await runCli(argv, {
    cwd: typeof cwd === "string" ? cwd : cwd.dir,
    ...(opts.env ? { env: { ...process.env, ...opts.env } } : {}),
    stdout: stdout.stream,
    stderr: stderr.stream,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}
