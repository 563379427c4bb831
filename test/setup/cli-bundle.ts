import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { REPO_ROOT } from "../harness/child.js";

/**
 * The CLI from `src/`, bundled once per test run into plain JavaScript, so a
 * test that spawns it (`runCli` in `test/harness/child.ts`) starts a Node
 * process in a fraction of a second instead of transpiling the sources
 * through tsx in every process (2–3 s of CPU each). esbuild is what tsx runs
 * per file; dependencies stay in `node_modules`, the server package is taken
 * from its source through `tsconfig.json`'s paths, as tsx does. Published to
 * the test files as `QDRANT_MIGRATE_TEST_CLI`, inherited by the forked workers.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const parent = join(REPO_ROOT, ".tmp");
  await mkdir(parent, { recursive: true });
  // Two levels below package.json, as `src/cli/` and `dist/cli/` are: `--version` reads it.
  const outdir = await mkdtemp(join(parent, "test-cli-"));
  await build({
    entryPoints: [join(REPO_ROOT, "src", "cli", "main.ts")],
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    tsconfig: join(REPO_ROOT, "tsconfig.json"),
    logLevel: "warning",
  });
  process.env.QDRANT_MIGRATE_TEST_CLI = join(outdir, "main.js");
  return () => rm(outdir, { recursive: true, force: true });
}
