import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The demo's own project folder: the repository's example migrations, plus the failing one on request. */
export interface DemoProject {
  dir: string;
  /** The example migrations' names, in order. */
  examples: string[];
  addFailingMigration(): Promise<string>;
  remove(): Promise<void>;
}

const FAILING_NAME = "20260105000000_demo_fails_verify";

/**
 * Each migration in the project is a one-line re-export of the repository's
 * file, so the examples run unchanged (their helpers and the Chroma export
 * resolve from where they live) while the failing migration, which is no
 * example, never enters migrations/.
 */
export async function makeDemoProject(repoRoot: string): Promise<DemoProject> {
  const dir = await mkdtemp(join(tmpdir(), "qdrant-migrate-demo-"));
  await chmod(dir, 0o755);
  const migrations = join(dir, "migrations");
  await mkdir(migrations);
  const examples = (await readdir(join(repoRoot, "migrations")))
    .filter((file) => /^\d{14}_.+\.ts$/.test(file))
    .sort();
  for (const file of examples) {
    await reexport(join(migrations, file), join(repoRoot, "migrations", file));
  }
  return {
    dir,
    examples: examples.map((file) => file.replace(/\.ts$/, "")),
    async addFailingMigration() {
      await reexport(
        join(migrations, `${FAILING_NAME}.ts`),
        join(repoRoot, "scripts", "demo", "failing-migration.ts"),
      );
      return FAILING_NAME;
    },
    async remove() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function reexport(file: string, target: string): Promise<void> {
  // Not `export { default } from`: jiti makes that an accessor, which the loader reads as no default export.
  await writeFile(
    file,
    `import migration from ${JSON.stringify(target)};\nexport default migration;\n`,
  );
}
