import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { REPO_ROOT } from "../harness/child.js";

/**
 * What the tests spawn most, bundled once per test run into plain JavaScript:
 * the CLI (`src/cli/main.ts` as `main.js`) and the crash runner
 * (`test/fixtures/crash-runner.ts` as `crash-runner.js`), so each spawned
 * process starts in a fraction of a second instead of transpiling the sources
 * through tsx again (2–3 s of CPU each). esbuild is what tsx runs per file;
 * dependencies stay in `node_modules`, the server package is taken from its
 * source through `tsconfig.json`'s paths, as tsx does. The folder is published
 * to the test files as `QDRANT_MIGRATE_TEST_BUNDLES` (inherited by the forked
 * workers) and used by `runCli` and `runCrashRunner` (`test/harness/child.ts`).
 */
export default async function setup(): Promise<() => Promise<void>> {
  const parent = join(REPO_ROOT, ".tmp");
  await mkdir(parent, { recursive: true });
  // Two levels below package.json, as `src/cli/` and `dist/cli/` are: `--version` reads it.
  const outdir = await mkdtemp(join(parent, "test-bundles-"));
  await build({
    entryPoints: {
      main: join(REPO_ROOT, "src", "cli", "main.ts"),
      "crash-runner": join(REPO_ROOT, "test", "fixtures", "crash-runner.ts"),
    },
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
  process.env.QDRANT_MIGRATE_TEST_BUNDLES = outdir;
  return () => rm(outdir, { recursive: true, force: true });
}
